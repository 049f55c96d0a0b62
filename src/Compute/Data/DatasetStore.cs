using Grid.Compute.Data.Import;
using Grid.Core.Datasets;

namespace Grid.Compute.Data;

/// <summary>
/// A data directory holding datasets as <c>DIR/NAME/FILE</c>: the built-in ones as IDX files (raw, or <c>FILE.gz</c>),
/// imported ones as .npy files beside their <c>dataset.json</c>. Every load verifies each file's SHA-256, so a silo never
/// computes on a corrupt copy. Names are looked up in <paramref name="registry"/> (default: the built-in datasets, then
/// the datasets imported into this directory).
/// </summary>
public sealed class DatasetStore(string dataDirectory, IDatasetRegistry? registry = null)
{
    /// <summary>Environment variable that overrides the default data directory.</summary>
    public const string DataDirVariable = "GRID_DATA_DIR";

    /// <summary>The root directory.</summary>
    public string DataDirectory { get; } = Path.GetFullPath(dataDirectory);

    /// <summary><c>$GRID_DATA_DIR</c>, else <c>$XDG_DATA_HOME/grid/data</c>, else <c>~/.local/share/grid/data</c>.</summary>
    public static string DefaultDataDirectory()
    {
        string? fromEnv = Environment.GetEnvironmentVariable(DataDirVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return fromEnv;
        }
        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        string root = string.IsNullOrWhiteSpace(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "grid", "data");
    }

    /// <summary>
    /// The directory of one dataset: <c>DIR/NAME</c>, or for an imported dataset the folder where the registry found its
    /// manifest (a registry may look in a shared directory too).
    /// </summary>
    public string DatasetDirectory(DatasetDescriptor dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Source.IsImported && Registry is ImportedDatasetRegistry imported && imported.DirectoryOf(dataset.Name) is { } found
            ? found
            : Path.Combine(DataDirectory, dataset.Name);
    }

    /// <summary>The datasets imported into this data directory (every <c>*/dataset.json</c>), with the reason for any that cannot be read.</summary>
    public IReadOnlyList<ImportedDataset> ListImported() => ImportedDatasetRegistry.List(DataDirectory);

    /// <summary>The path of a file as stored (raw preferred, else .gz), or null when absent.</summary>
    public string? FindFile(DatasetDescriptor dataset, DatasetFile file)
    {
        string raw = Path.Combine(DatasetDirectory(dataset), file.Name);
        if (File.Exists(raw))
        {
            return raw;
        }
        string gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    /// <summary>Reads a stored file and checks its checksum; throws a <see cref="DatasetException"/> naming the file otherwise.</summary>
    public byte[] ReadVerified(DatasetDescriptor dataset, DatasetFile file)
    {
        // An imported dataset cannot be fetched: its files come from the user's, through `grid data add`.
        string remedy = dataset.Source.IsImported
            ? $"import it again with `grid data add {dataset.Name} … --replace --data-dir {DataDirectory}` (it was imported from {dataset.Source.ImportedFrom})"
            : $"run `grid data fetch {dataset.Name} --data-dir {DataDirectory}`";
        string path = FindFile(dataset, file)
            ?? throw new DatasetException($"{Path.Combine(DatasetDirectory(dataset), file.Name)}: file is missing; {remedy}");
        byte[] content = IdxReader.ReadContent(path);
        string actual = IdxReader.Sha256(content);
        if (actual != file.Sha256)
        {
            throw new DatasetException(dataset.Source.IsImported
                ? $"{path}: checksum mismatch (SHA-256 {actual}, expected {file.Sha256}); {remedy}"
                : $"{path}: checksum mismatch (SHA-256 {actual}, expected {file.Sha256}); delete it and run `grid data fetch {dataset.Name}`");
        }
        return content;
    }

    /// <summary>True when all four files are present and verify.</summary>
    public bool IsComplete(DatasetDescriptor dataset)
    {
        try
        {
            foreach (var file in dataset.Files)
            {
                ReadVerified(dataset, file);
            }
            return true;
        }
        catch (DatasetException)
        {
            return false;
        }
    }

    /// <summary>Loads a verified dataset. <paramref name="trainLimit"/>/<paramref name="testLimit"/> keep the first N rows.</summary>
    public DatasetSplit Load(DatasetDescriptor dataset, int? trainLimit = null, int? testLimit = null)
    {
        var train = ReadSet(dataset, dataset.TrainData, dataset.TrainLabels);
        var test = ReadSet(dataset, dataset.TestData, dataset.TestLabels);
        return new DatasetSplit(
            dataset.Name,
            trainLimit is int tr ? train.Take(tr) : train,
            testLimit is int te ? test.Take(te) : test);
    }

    /// <summary>The datasets this store can find by name.</summary>
    public IDatasetRegistry Registry { get; } = registry ?? new ImportedDatasetRegistry(DatasetRegistry.BuiltIn, [dataDirectory]);

    /// <summary>Loads a verified dataset by name.</summary>
    public DatasetSplit Load(string name, int? trainLimit = null, int? testLimit = null) =>
        Load(Registry.Get(name), trainLimit, testLimit);

    private RowSet ReadSet(DatasetDescriptor dataset, DatasetFile dataFile, DatasetFile? labelsFile)
    {
        string dataPath = FindFile(dataset, dataFile)!;
        byte[] content = ReadVerified(dataset, dataFile);
        RowSet rows;
        if (dataFile.Name.EndsWith(NpyFile.Extension, StringComparison.Ordinal))
        {
            var array = NpyFile.Parse(content, dataPath);
            rows = new RowSet(dataset.Element, array.Data, null, checked((int)array.Shape[0]), dataset.Shape);
        }
        else
        {
            var (pixels, count, height, width) = IdxReader.ParseImages(content, dataPath);
            rows = new RowSet(ElementType.UInt8, pixels, null, count, [1, height, width]);
        }
        if (labelsFile is null)
        {
            return rows;
        }
        string labelsPath = FindFile(dataset, labelsFile)!;
        byte[] labels = labelsFile.Name.EndsWith(NpyFile.Extension, StringComparison.Ordinal)
            ? NpyFile.ParseLabels(ReadVerified(dataset, labelsFile), labelsPath)
            : IdxReader.ParseLabels(ReadVerified(dataset, labelsFile), labelsPath);
        if (labels.Length != rows.Count)
        {
            throw new DatasetException($"{dataPath} has {rows.Count} rows but {labelsPath} has {labels.Length} labels");
        }
        return new RowSet(rows.Element, rows.Data, labels, rows.Count, rows.Shape);
    }
}
