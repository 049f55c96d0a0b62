using System.Diagnostics.CodeAnalysis;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// The datasets a sweep may name. The silos' data layer (Grid.Compute) knows where to find their
/// files; this list only carries what validation needs: names and row counts.
/// </summary>
public static class KnownDatasets
{
    /// <summary>MNIST handwritten digits: 60,000 training and 10,000 test images of 28×28.</summary>
    public static DatasetInfo Mnist { get; } = new("mnist", 60_000, 10_000);

    /// <summary>Fashion-MNIST: 60,000 training and 10,000 test images of 28×28.</summary>
    public static DatasetInfo FashionMnist { get; } = new("fashion-mnist", 60_000, 10_000);

    /// <summary>Every known dataset, in documentation order.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } = [Mnist, FashionMnist];

    /// <summary>Finds a dataset by name, ignoring case.</summary>
    public static bool TryGet(string? name, [MaybeNullWhen(false)] out DatasetInfo dataset)
    {
        dataset = All.FirstOrDefault(d => string.Equals(d.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        return dataset is not null;
    }
}
