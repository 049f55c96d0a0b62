using System.Diagnostics.CodeAnalysis;

namespace Grid.Core.Datasets;

/// <summary>
/// A registry that starts with the built-in datasets and takes more at run time. Safe to use from any thread.
/// A name is registered once: registering it again with the same descriptor is a no-op, with another one an error,
/// so two silos (or two sweeps) can never mean different data by the same name.
/// </summary>
public sealed class DatasetRegistry : IDatasetRegistry
{
    private readonly Lock _lock = new();
    private readonly List<DatasetDescriptor> _all = [];

    /// <summary>A registry holding <paramref name="datasets"/>.</summary>
    public DatasetRegistry(IEnumerable<DatasetDescriptor> datasets)
    {
        foreach (var dataset in datasets)
        {
            Register(dataset);
        }
    }

    /// <summary>The built-in datasets only, read-only in effect: what a process that registers nothing knows.</summary>
    public static IDatasetRegistry BuiltIn { get; } = new DatasetRegistry(BuiltInDatasets.All);

    /// <summary>A new registry with the built-in datasets, to which a host adds its own.</summary>
    public static DatasetRegistry WithBuiltIns() => new(BuiltInDatasets.All);

    public IReadOnlyList<DatasetDescriptor> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _all];
            }
        }
    }

    public bool TryGet(string? name, [MaybeNullWhen(false)] out DatasetDescriptor dataset)
    {
        string? wanted = name?.Trim();
        lock (_lock)
        {
            dataset = _all.FirstOrDefault(d => string.Equals(d.Name, wanted, StringComparison.OrdinalIgnoreCase));
        }
        return dataset is not null;
    }

    /// <summary>Adds <paramref name="dataset"/>; the same descriptor twice is fine, another one under a taken name is not.</summary>
    /// <exception cref="ArgumentException">The name is taken by a different dataset.</exception>
    public void Register(DatasetDescriptor dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        lock (_lock)
        {
            var existing = _all.FirstOrDefault(d => string.Equals(d.Name, dataset.Name, StringComparison.OrdinalIgnoreCase));
            if (existing is null)
            {
                _all.Add(dataset);
            }
            else if (existing.Identity != dataset.Identity || existing.TrainCount != dataset.TrainCount || existing.TestCount != dataset.TestCount)
            {
                throw new ArgumentException($"dataset '{dataset.Name}' is already registered with other files or row counts", nameof(dataset));
            }
        }
    }
}
