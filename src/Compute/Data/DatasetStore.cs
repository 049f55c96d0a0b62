using Grid.Core.Datasets;

namespace Grid.Compute.Data;

/// <summary>
/// A data directory holding datasets as <c>DIR/NAME/FILE</c> (raw IDX, or <c>FILE.gz</c>).
/// Every load verifies each file's SHA-256, so a silo never computes on a corrupt copy. Names are looked up in
/// <paramref name="registry"/> (default: the built-in datasets).
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

    /// <summary>The directory of one dataset.</summary>
    public string DatasetDirectory(DatasetDescriptor dataset) => Path.Combine(DataDirectory, dataset.Name);

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
        string path = FindFile(dataset, file)
            ?? throw new DatasetException($"{Path.Combine(DatasetDirectory(dataset), file.Name)}: file is missing; run `grid data fetch {dataset.Name} --data-dir {DataDirectory}`");
        byte[] content = IdxReader.ReadContent(path);
        string actual = IdxReader.Sha256(content);
        if (actual != file.Sha256)
        {
            throw new DatasetException($"{path}: checksum mismatch (SHA-256 {actual}, expected {file.Sha256}); delete it and run `grid data fetch {dataset.Name}`");
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
        var train = ReadSet(dataset, dataset.TrainImages, dataset.TrainLabels);
        var test = ReadSet(dataset, dataset.TestImages, dataset.TestLabels);
        return new DatasetSplit(
            dataset.Name,
            trainLimit is int tr ? train.Take(tr) : train,
            testLimit is int te ? test.Take(te) : test);
    }

    /// <summary>The datasets this store can find by name.</summary>
    public IDatasetRegistry Registry { get; } = registry ?? DatasetRegistry.BuiltIn;

    /// <summary>Loads a verified dataset by name.</summary>
    public DatasetSplit Load(string name, int? trainLimit = null, int? testLimit = null) =>
        Load(Registry.Get(name), trainLimit, testLimit);

    private ImageSet ReadSet(DatasetDescriptor dataset, DatasetFile imagesFile, DatasetFile labelsFile)
    {
        string imagesPath = FindFile(dataset, imagesFile)!;
        string labelsPath = FindFile(dataset, labelsFile)!;
        var (pixels, count, rows, cols) = IdxReader.ParseImages(ReadVerified(dataset, imagesFile), imagesPath);
        byte[] labels = IdxReader.ParseLabels(ReadVerified(dataset, labelsFile), labelsPath);
        if (labels.Length != count)
        {
            throw new DatasetException($"{imagesPath} has {count} images but {labelsPath} has {labels.Length} labels");
        }
        return new ImageSet(pixels, labels, count, rows, cols);
    }
}
