using System.Diagnostics.CodeAnalysis;

namespace Grid.Core.Datasets;

/// <summary>
/// The datasets a process knows, asked by name. Every layer finds a dataset through this interface: the spec
/// validator and sweep expansion (names, row counts), stage keys (checksums), the silo's data store (files) and
/// the figures (shape, classes). Built-in datasets are entries like any other; datasets registered at run time
/// are found the same way.
/// </summary>
public interface IDatasetRegistry
{
    /// <summary>Every dataset, built-in ones first, in registration order.</summary>
    IReadOnlyList<DatasetDescriptor> All { get; }

    /// <summary>Finds a dataset by name, ignoring case and surrounding white space.</summary>
    bool TryGet(string? name, [MaybeNullWhen(false)] out DatasetDescriptor dataset);

    /// <summary>The dataset named <paramref name="name"/>.</summary>
    /// <exception cref="UnknownDatasetException">No dataset has that name; the message lists the known ones.</exception>
    DatasetDescriptor Get(string name) =>
        TryGet(name, out var dataset)
            ? dataset
            : throw new UnknownDatasetException($"unknown dataset '{name}'; known: {string.Join(", ", All.Select(d => d.Name))}");
}

/// <summary>A dataset name that no registry entry has.</summary>
public sealed class UnknownDatasetException(string message) : Exception(message);
