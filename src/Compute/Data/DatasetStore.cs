using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;

namespace Grid.Compute.Data;

/// <summary>
/// A data directory holding datasets as <c>DIR/NAME/FILE</c>: the built-in ones as IDX files (raw, or <c>FILE.gz</c>),
/// imported ones as .npy files beside their <c>dataset.json</c>. Every load verifies each file's SHA-256, so a silo never
/// computes on a corrupt copy; <see cref="LoadRows"/> reads only a range of rows of an uncompressed file, for datasets
/// larger than one silo's memory. Names are looked up in <paramref name="registry"/> (default: the built-in datasets, then
/// the datasets imported into this directory).
/// </summary>
public sealed class DatasetStore(string dataDirectory, IDatasetRegistry? registry = null)
{
    /// <summary>Blocks of a quarter megabyte: they stay in the processor's cache between the read and the hash.</summary>
    private const int HashBlockBytes = 1 << 18;

    // Files verified by this store, by (path, length, modification time), with the checksum they had.
    private readonly ConcurrentDictionary<(string Path, long Length, DateTime Modified), string> _verified = new();
    private long _bytesHashed;

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
        string path = Require(dataset, file);
        byte[] content = IdxReader.ReadContent(path);
        string actual = IdxReader.Sha256(content);
        if (actual != file.Sha256)
        {
            throw Mismatch(dataset, file, path, actual);
        }
        return content;
    }

    /// <summary>
    /// Checks a stored file's checksum in constant memory (streaming SHA-256 of its uncompressed content); throws a
    /// <see cref="DatasetException"/> naming the file otherwise. A file verified before with the same length and
    /// modification time is not hashed again: any rewrite changes its modification time.
    /// </summary>
    public void Verify(DatasetDescriptor dataset, DatasetFile file)
    {
        string path = Require(dataset, file);
        using var stream = OpenRead(path);
        Verify(dataset, file, path, stream);
    }

    /// <summary>Bytes this store has hashed to verify files in <see cref="Verify(DatasetDescriptor, DatasetFile)"/> and <see cref="LoadRows"/> (verifications it remembered cost none).</summary>
    public long BytesHashed => Interlocked.Read(ref _bytesHashed);

    /// <summary>True when all four files are present and verify.</summary>
    public bool IsComplete(DatasetDescriptor dataset)
    {
        try
        {
            foreach (var file in dataset.Files)
            {
                Verify(dataset, file);
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
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegative(trainLimit ?? 0, nameof(trainLimit));
        ArgumentOutOfRangeException.ThrowIfNegative(testLimit ?? 0, nameof(testLimit));
        if (ReadsRowsInPlace(dataset))
        {
            // Verified in constant memory, then only the rows kept are read, into the one array that holds them.
            static Func<long, (int Start, int Count)> First(int? limit) => rows => (0, checked((int)Math.Min(rows, limit ?? rows)));
            return new DatasetSplit(
                dataset.Name,
                ReadRows(dataset, dataset.TrainData, dataset.TrainLabels, First(trainLimit)),
                ReadRows(dataset, dataset.TestData, dataset.TestLabels, First(testLimit)));
        }
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

    /// <summary>
    /// Rows [Start, Start + Count) of a verified dataset's train and test parts, for example a k-means shard's. Files
    /// stored uncompressed (imported .npy, raw IDX) are verified by a streaming checksum (<see cref="Verify(DatasetDescriptor, DatasetFile)"/>)
    /// and only these rows and their labels are read, so a shard needs memory for its own rows only; gzipped files
    /// (a built-in dataset fetched compressed) are read whole and sliced.
    /// </summary>
    public DatasetSplit LoadRows(DatasetDescriptor dataset, (int Start, int Count) train, (int Start, int Count) test)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!ReadsRowsInPlace(dataset))
        {
            var whole = Load(dataset);
            return new DatasetSplit(dataset.Name, whole.Train.Slice(train.Start, train.Count), whole.Test.Slice(test.Start, test.Count));
        }
        return new DatasetSplit(
            dataset.Name,
            ReadRows(dataset, dataset.TrainData, dataset.TrainLabels, _ => train),
            ReadRows(dataset, dataset.TestData, dataset.TestLabels, _ => test));
    }

    /// <summary>
    /// The labels of rows [Start, Start + Count) of a verified dataset's train and test parts (null without labels), read
    /// as <see cref="LoadRows"/> reads rows: for a shard that clusters codes and needs none of the dataset's rows.
    /// </summary>
    public (byte[]? Train, byte[]? Test) LoadLabels(DatasetDescriptor dataset, (int Start, int Count) train, (int Start, int Count) test)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.TrainLabels is null || dataset.TestLabels is null)
        {
            return (null, null);
        }
        if (!ReadsRowsInPlace(dataset))
        {
            var whole = Load(dataset);
            return (whole.Train.Slice(train.Start, train.Count).Labels, whole.Test.Slice(test.Start, test.Count).Labels);
        }
        return (ReadLabels(dataset, dataset.TrainLabels, train), ReadLabels(dataset, dataset.TestLabels, test));
    }

    private byte[] ReadLabels(DatasetDescriptor dataset, DatasetFile labelsFile, (int Start, int Count) range)
    {
        string path = Require(dataset, labelsFile);
        using var stream = OpenRead(path);
        Verify(dataset, labelsFile, path, stream);
        return StoredLayout.Read(stream, path, labels: true).ReadLabels(stream, range);
    }

    /// <summary>
    /// True when every file is stored uncompressed, so <see cref="LoadRows"/> reads only the rows asked for; false when one
    /// is gzipped (a built-in dataset fetched compressed), which is read whole.
    /// </summary>
    public bool ReadsRowsInPlace(DatasetDescriptor dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return !dataset.Files.Any(file => FindFile(dataset, file) is { } path && path.EndsWith(".gz", StringComparison.Ordinal));
    }

    /// <summary>The rows <paramref name="rangeOf"/> picks (given the rows the file holds) of a verified, uncompressed part, with their labels.</summary>
    private RowSet ReadRows(DatasetDescriptor dataset, DatasetFile dataFile, DatasetFile? labelsFile, Func<long, (int Start, int Count)> rangeOf)
    {
        string dataPath = Require(dataset, dataFile);
        using var data = OpenRead(dataPath);
        Verify(dataset, dataFile, dataPath, data);
        var rows = StoredLayout.Read(data, dataPath, labels: false);
        var range = rangeOf(rows.Rows);
        byte[]? labels = null;
        if (labelsFile is not null)
        {
            string labelsPath = Require(dataset, labelsFile);
            using var labelsStream = OpenRead(labelsPath);
            Verify(dataset, labelsFile, labelsPath, labelsStream);
            var labelsLayout = StoredLayout.Read(labelsStream, labelsPath, labels: true);
            if (labelsLayout.Rows != rows.Rows)
            {
                throw new DatasetException($"{dataPath} has {rows.Rows} rows but {labelsPath} has {labelsLayout.Rows} labels");
            }
            labels = labelsLayout.ReadLabels(labelsStream, range);
        }
        return new RowSet(rows.Element, rows.ReadRange(data, range), labels, range.Count, rows.Shape(dataset));
    }

    private void Verify(DatasetDescriptor dataset, DatasetFile file, string path, FileStream stream)
    {
        var key = (path, RandomAccess.GetLength(stream.SafeFileHandle), File.GetLastWriteTimeUtc(stream.SafeFileHandle));
        if (_verified.TryGetValue(key, out string? known) && known == file.Sha256)
        {
            return;
        }
        stream.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var content = IdxReader.IsGzip(stream) ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : null)
        {
            var source = (Stream?)content ?? stream;
            byte[] block = ArrayPool<byte>.Shared.Rent(HashBlockBytes);
            try
            {
                int got;
                while ((got = ReadBlock(source, block, path)) > 0)
                {
                    hash.AppendData(block, 0, got);
                    Interlocked.Add(ref _bytesHashed, got);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }
        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != file.Sha256)
        {
            throw Mismatch(dataset, file, path, actual);
        }
        _verified[key] = actual;
    }

    private static int ReadBlock(Stream source, byte[] block, string path)
    {
        try
        {
            return source.ReadAtLeast(block, HashBlockBytes, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw new DatasetException($"{path}: gzip data is corrupt or truncated ({ex.Message})", ex);
        }
    }

    private static FileStream OpenRead(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 12);

    /// <summary>The stored path of <paramref name="file"/>; throws, saying how to get it, when it is missing.</summary>
    private string Require(DatasetDescriptor dataset, DatasetFile file) =>
        FindFile(dataset, file) ?? throw new DatasetException($"{Path.Combine(DatasetDirectory(dataset), file.Name)}: file is missing; {Remedy(dataset)}");

    private DatasetException Mismatch(DatasetDescriptor dataset, DatasetFile file, string path, string actual) =>
        new(dataset.Source.IsImported
            ? $"{path}: checksum mismatch (SHA-256 {actual}, expected {file.Sha256}); {Remedy(dataset)}"
            : $"{path}: checksum mismatch (SHA-256 {actual}, expected {file.Sha256}); delete it and run `grid data fetch {dataset.Name}`");

    // An imported dataset cannot be fetched: its files come from the user's, through `grid data add`.
    private string Remedy(DatasetDescriptor dataset) => dataset.Source.IsImported
        ? $"import it again with `grid data add {dataset.Name} … --replace --data-dir {DataDirectory}` (it was imported from {dataset.Source.ImportedFrom})"
        : $"run `grid data fetch {dataset.Name} --data-dir {DataDirectory}`";

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
