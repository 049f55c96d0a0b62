using System.Diagnostics.CodeAnalysis;
using Grid.Core.Datasets;

namespace Grid.Compute.Data.Import;

/// <summary>One imported dataset found in a data directory: its folder and descriptor, or why its manifest cannot be read.</summary>
public sealed record ImportedDataset(string Directory, DatasetDescriptor? Dataset, string? Problem);

/// <summary>
/// The datasets of a registry (the built-in ones, and any registered at run time) and, on a miss, the datasets imported
/// into data directories (<c>DIR/NAME/dataset.json</c>), looked up in the order given. Manifests are read on every
/// lookup, never cached, so a dataset replaced on disk is never looked up with its old checksums.
/// </summary>
public sealed class ImportedDatasetRegistry : IDatasetRegistry
{
    private readonly IDatasetRegistry _inner;

    /// <param name="inner">The registry asked first (e.g. <see cref="DatasetRegistry.WithBuiltIns"/>).</param>
    /// <param name="directories">Data directories to look in, in order (a silo's own, then a shared one).</param>
    public ImportedDatasetRegistry(IDatasetRegistry inner, IEnumerable<string> directories)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(directories);
        _inner = inner;
        Directories = [.. directories.Select(Path.GetFullPath).Distinct()];
    }

    /// <summary>The data directories looked in, in order.</summary>
    public IReadOnlyList<string> Directories { get; }

    public IReadOnlyList<DatasetDescriptor> All
    {
        get
        {
            var all = _inner.All.ToList();
            foreach (var imported in Directories.SelectMany(List))
            {
                if (imported.Dataset is { } dataset && !all.Any(d => string.Equals(d.Name, dataset.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    all.Add(dataset);
                }
            }
            return all;
        }
    }

    public bool TryGet(string? name, [MaybeNullWhen(false)] out DatasetDescriptor dataset)
    {
        if (_inner.TryGet(name, out dataset))
        {
            return true;
        }
        string? wanted = name?.Trim();
        // Only a valid dataset name can be a folder here: nothing like "../x" reaches the file system.
        if (!DatasetImportSpec.IsValidName(wanted))
        {
            return false;
        }
        foreach (string directory in Directories)
        {
            if (Find(directory, wanted!) is { } manifest)
            {
                dataset = DatasetManifest.Read(manifest);
                return true;
            }
        }
        return false;
    }

    /// <summary>The dataset named <paramref name="name"/>; otherwise a message that names it and every directory looked in.</summary>
    /// <exception cref="UnknownDatasetException">No dataset has that name.</exception>
    /// <exception cref="DatasetException">Its manifest is there but cannot be read.</exception>
    public DatasetDescriptor Get(string name) =>
        TryGet(name, out var dataset)
            ? dataset
            : throw new UnknownDatasetException(
                $"unknown dataset '{name}': not built in ({string.Join(", ", _inner.All.Select(d => d.Name))}) and not imported into " +
                $"{string.Join(" or ", Directories)} (no {name}/{DatasetManifest.FileName} there; import it with `grid data add {name} …`)");

    DatasetDescriptor IDatasetRegistry.Get(string name) => Get(name);

    /// <summary>The folder of imported dataset <paramref name="name"/>: in the first directory whose manifest has it; null when none has.</summary>
    public string? DirectoryOf(string name) =>
        DatasetImportSpec.IsValidName(name?.Trim())
            ? Directories.Select(directory => Find(directory, name!.Trim())).FirstOrDefault(manifest => manifest is not null) is { } found ? Path.GetDirectoryName(found) : null
            : null;

    /// <summary>The imported datasets of one data directory (every <c>*/dataset.json</c>), by folder name in ordinal order.</summary>
    public static IReadOnlyList<ImportedDataset> List(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var found = new List<ImportedDataset>();
        foreach (string folder in Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            string manifest = Path.Combine(folder, DatasetManifest.FileName);
            if (Path.GetFileName(folder).StartsWith('.') || !File.Exists(manifest))
            {
                continue;
            }
            try
            {
                found.Add(new ImportedDataset(folder, DatasetManifest.Read(manifest), null));
            }
            catch (DatasetException ex)
            {
                found.Add(new ImportedDataset(folder, null, ex.Message));
            }
        }
        return found;
    }

    /// <summary>The manifest of dataset <paramref name="name"/> in <paramref name="directory"/>, matching the folder's name ignoring case as names do.</summary>
    private static string? Find(string directory, string name)
    {
        string exact = Path.Combine(directory, name, DatasetManifest.FileName);
        if (File.Exists(exact))
        {
            return exact;
        }
        if (!Directory.Exists(directory))
        {
            return null;
        }
        return Directory.GetDirectories(directory)
            .Where(d => string.Equals(Path.GetFileName(d), name, StringComparison.OrdinalIgnoreCase))
            .Select(d => Path.Combine(d, DatasetManifest.FileName))
            .FirstOrDefault(File.Exists);
    }
}
