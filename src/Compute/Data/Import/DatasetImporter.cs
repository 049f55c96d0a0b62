using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Compute.Data.Import;

/// <summary>How far an import is: rows of one step (reading a part, writing the stored files) done, of how many if known.</summary>
public sealed record ImportProgress(string Step, long Rows, long? TotalRows);

/// <summary>What an import did to the data directory.</summary>
public enum ImportOutcome
{
    /// <summary>The dataset was new and is now in the data directory.</summary>
    Imported,

    /// <summary>The same name already held the same content: nothing changed.</summary>
    Unchanged,

    /// <summary>The same name held other content, which the import replaced (as asked).</summary>
    Replaced,
}

/// <summary>An import's result: the dataset as stored, what happened, and its folder.</summary>
public sealed record ImportResult(DatasetDescriptor Dataset, ImportOutcome Outcome, string Directory);

/// <summary>
/// Imports a dataset from the user's files into a data directory, in Grid's own on-disk form:
/// <c>DIR/NAME/train.npy</c>, <c>test.npy</c> (uint8 <c>|u1</c> or float32 <c>&lt;f4</c> rows in their shape),
/// <c>train-labels.npy</c>, <c>test-labels.npy</c> (int32 <c>&lt;i4</c> class indices; absent when unlabeled) and
/// <c>dataset.json</c> (<see cref="DatasetManifest"/>). Everything is read, checked and written in a hidden temporary
/// folder of the data directory first, then moved into place: a failed import leaves nothing behind.
/// </summary>
/// <remarks>
/// Checks: every path exists; every file reads in its format; all rows have one length; no NaN or ±infinity (how many,
/// and where the first are); labels as many as rows; at most 256 classes; at least two training rows and one test row.
/// Labels become class indices (<see cref="ClassMap"/>); without a test file the training rows are split
/// (<see cref="StratifiedSplit"/>). Rows stream from the source to the stored files, checksummed on the way; when the
/// rows' destinations are known only after reading (a label column, or CSV's unknown row count) they are first spooled
/// to a temporary file in stored form.
/// </remarks>
public static class DatasetImporter
{
    public const string TrainFile = "train.npy";
    public const string TrainLabelsFile = "train-labels.npy";
    public const string TestFile = "test.npy";
    public const string TestLabelsFile = "test-labels.npy";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Every problem with <paramref name="spec"/> found without reading the files: its own settings
    /// (<see cref="DatasetImportSpec.Validate"/>) and paths that do not exist. Settings are spelled by <paramref name="spell"/>.
    /// </summary>
    public static IReadOnlyList<string> Check(DatasetImportSpec spec, Func<string, string>? spell = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spell ??= key => key;
        var problems = spec.Validate(spell).ToList();
        bool folders = spec.Format == DatasetFormat.Images;
        foreach (var (key, path) in new[] { ("train", spec.Train), ("test", spec.Test), ("train_labels", spec.TrainLabels), ("test_labels", spec.TestLabels) })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                continue;
            }
            bool labels = key.EndsWith("_labels", StringComparison.Ordinal);
            if (folders && !labels && !Directory.Exists(path))
            {
                problems.Add(File.Exists(path)
                    ? $"{spell(key)} {path}: a file; the images format reads a folder (one subfolder per class, or a flat folder of images)"
                    : $"{spell(key)} {path}: no such folder");
            }
            else if ((!folders || labels) && !File.Exists(path))
            {
                problems.Add(Directory.Exists(path) ? $"{spell(key)} {path}: a folder; {SpecNames.Of(spec.Format)} reads a file" : $"{spell(key)} {path}: no such file");
            }
        }
        return problems;
    }

    /// <summary>Imports <paramref name="spec"/> into <paramref name="dataDirectory"/> (see the class); the same content again is a no-op, other content under a taken name an error.</summary>
    /// <exception cref="DatasetException">Bad input: the message names the file and, where it applies, the row and column.</exception>
    public static DatasetDescriptor Import(DatasetImportSpec spec, string dataDirectory, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(spec, dataDirectory, replace: false, progress, cancellationToken).Dataset;

    /// <summary>Imports as <see cref="Import"/> does; with <paramref name="replace"/>, other content under the same name is replaced instead of refused.</summary>
    /// <exception cref="DatasetException">Bad input: the message names the file and, where it applies, the row and column.</exception>
    public static ImportResult Run(DatasetImportSpec spec, string dataDirectory, bool replace, IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = Check(spec);
        if (problems.Count > 0)
        {
            throw new DatasetException(string.Join(Environment.NewLine, problems));
        }
        string root = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(root);
        string target = Path.Combine(root, spec.Name);
        if (Directory.GetDirectories(root).FirstOrDefault(d => string.Equals(Path.GetFileName(d), spec.Name, StringComparison.OrdinalIgnoreCase) && Path.GetFileName(d) != spec.Name) is { } other)
        {
            throw new DatasetException($"{other}: a dataset whose name differs from '{spec.Name}' only in case; dataset names ignore case, so choose another name");
        }
        // Hidden (a leading dot, which no dataset name has) so that listings skip it, and in the data directory so that the move is a rename.
        string temp = Path.Combine(root, $".{spec.Name}.import-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var dataset = Write(spec, temp, progress, cancellationToken);
            DatasetManifest.Write(dataset, temp);
            return Place(dataset, temp, target, replace);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static DatasetDescriptor Write(DatasetImportSpec spec, string temp, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        using var trainReader = RowReader.Open(spec, spec.Train);
        using var testReader = spec.Test is null ? null : RowReader.Open(spec, spec.Test);
        if (testReader is not null && (!testReader.Shape.SequenceEqual(trainReader.Shape) || testReader.Element != trainReader.Element))
        {
            throw new DatasetException($"{testReader.Path}: rows of {Describe(testReader)}, but {trainReader.Path} has rows of {Describe(trainReader)}; both parts need one shape and type");
        }
        if (testReader is not null && spec.Format == DatasetFormat.Images && (testReader.LabelsAhead is null) != (trainReader.LabelsAhead is null))
        {
            var (flat, foldered) = trainReader.LabelsAhead is null ? (trainReader, testReader) : (testReader, trainReader);
            throw new DatasetException($"{flat.Path}: a flat folder (unlabeled images), but {foldered.Path} has class folders; give both parts the same layout");
        }
        // Rows already in the stored form are copied (CopyChecked); the training file's checksum, the longest step, starts
        // now on another thread, beside the labels' checks.
        var copyTrain = testReader is NpyRowReader { StoredHeader: not null } && trainReader is NpyRowReader { StoredHeader: not null } copyable ? copyable : null;
        var trainChecksum = copyTrain is null ? null : Task.Run(() => Checksum(copyTrain, Streamed(copyTrain, "train", progress, cancellationToken), TrainFile), cancellationToken);
        try
        {
            return Store(spec, trainReader, testReader, trainChecksum, temp, progress, cancellationToken);
        }
        finally
        {
            // Never dispose of the reader under a checksum still reading it (after a failure here).
            try
            {
                trainChecksum?.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Reported by Store when it got that far; otherwise Store's own failure is the one to report.
            }
        }
    }

    private static DatasetDescriptor Store(DatasetImportSpec spec, RowReader trainReader, RowReader? testReader, Task<DatasetFile>? trainChecksum,
        string temp, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var train = Open(trainReader, spec.TrainLabels, spec.Format, "train", temp, progress, cancellationToken);
        var test = testReader is null ? null : Open(testReader, spec.TestLabels, spec.Format, "test", temp, progress, cancellationToken);
        if (train.Count < 2)
        {
            throw new DatasetException($"{trainReader.Path}: {train.Count} row{(train.Count == 1 ? "" : "s")}; a dataset needs at least 2 training rows");
        }
        if (test is { Count: 0 })
        {
            throw new DatasetException($"{testReader!.Path}: no rows; the test part needs at least one");
        }
        if (train.Count > int.MaxValue || test?.Count > int.MaxValue)
        {
            throw new DatasetException($"{trainReader.Path}: more than {int.MaxValue} rows");
        }

        bool labelled = train.Labels is not null;
        var sources = string.Join(", ", new[] { spec.TrainLabels ?? spec.Train, spec.TestLabels ?? spec.Test }.OfType<string>());
        var classes = labelled ? ClassMap.From(test?.Labels is { } testLabelColumn ? [train.Labels!, testLabelColumn] : [train.Labels!], sources) : null;
        byte[]? trainClasses = classes?.Indices(train.Labels!);
        bool[]? testRows = test is null ? StratifiedSplit.TestRows(trainClasses, (int)train.Count, spec.TestFraction, spec.Seed) : null;
        int testFromTrain = testRows?.Count(t => t) ?? 0;
        if (testRows is not null && testFromTrain == 0)
        {
            throw new DatasetException($"{spec.Train}: test_fraction {spec.TestFraction.ToString(CultureInfo.InvariantCulture)} of {train.Count} rows leaves no test rows; " +
                "give a larger fraction, more rows, or a test file");
        }
        int trainCount = (int)train.Count - testFromTrain;
        int testCount = test is null ? testFromTrain : (int)test.Count;

        var element = trainReader.Element;
        string descr = element == ElementType.UInt8 ? "|u1" : "<f4";
        int itemBytes = RowSet.BytesPer(element);
        long[] RowsOf(int count) => [count, .. trainReader.Shape.Select(size => (long)size)];
        (DatasetFile? Train, DatasetFile? Test) WriteLabelFiles()
        {
            if (classes is null)
            {
                return (null, null);
            }
            byte[] testClasses = test is null
                ? trainClasses!.Where((_, row) => testRows![row]).ToArray()
                : classes.Indices(test.Labels!);
            byte[] trainKept = testRows is null ? trainClasses! : trainClasses!.Where((_, row) => !testRows[row]).ToArray();
            return (WriteLabels(Path.Combine(temp, TrainLabelsFile), TrainLabelsFile, trainKept), WriteLabels(Path.Combine(temp, TestLabelsFile), TestLabelsFile, testClasses));
        }

        DatasetFile trainData, testData;
        DatasetFile? trainLabels, testLabels;
        if (trainChecksum is not null)
        {
            (trainData, testData, (trainLabels, testLabels)) = CopyChecked(
                (NpyRowReader)trainReader, trainChecksum, (test!, (NpyRowReader)testReader!), temp, WriteLabelFiles);
        }
        else
        {
            using var trainWriter = new StoredArrayWriter(Path.Combine(temp, TrainFile), descr, RowsOf(trainCount), itemBytes);
            using var testWriter = new StoredArrayWriter(Path.Combine(temp, TestFile), descr, RowsOf(testCount), itemBytes);
            train.Feed(testRows is null ? trainWriter : new RowRouter(trainReader.RowBytes, testRows, trainWriter, testWriter));
            test?.Feed(testWriter);
            trainData = trainWriter.Complete(TrainFile);
            testData = testWriter.Complete(TestFile);
            (trainLabels, testLabels) = WriteLabelFiles();
        }
        return new DatasetDescriptor(
            spec.Name,
            [.. trainReader.Shape],
            classes?.Count ?? 0,
            trainData,
            trainLabels,
            testData,
            testLabels,
            trainCount,
            testCount,
            DatasetSource.Imported(ImportedFrom(spec)))
        {
            Element = element,
            ClassNames = classes?.Names,
        };
    }

    /// <summary>
    /// One part's rows, ready to feed to the stored files. When the labels (if any) and the row count are known before the
    /// rows are read, the rows stream from the source when fed; otherwise they are read now into a spool file.
    /// </summary>
    private static Part Open(RowReader reader, string? labelsPath, DatasetFormat format, string name, string temp, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var labels = labelsPath is null
            ? reader.LabelsAhead is { } ahead ? LabelColumn.Of([.. ahead]) : null
            : format == DatasetFormat.Npy ? NpyRowReader.ReadLabels(labelsPath) : IdxRowReader.ReadLabels(labelsPath);
        if (labelsPath is not null && reader.Count is long rows && labels!.Count != rows)
        {
            throw new DatasetException($"{labelsPath}: {labels.Count} labels, but {reader.Path} has {rows} rows; they must match one to one");
        }
        string step = $"{name}: {reader.Path}";
        if (reader.Count is long count && !reader.LabelsInline)
        {
            return new Part(count, labels, Streamed(reader, name, progress, cancellationToken));
        }
        string spool = Path.Combine(temp, $"{name}.rows");
        var inline = reader.LabelsInline ? new List<string>() : null;
        long read;
        using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var check = new CheckedSink(new StreamSink(file), reader, step, progress);
            read = reader.ReadRows(check, inline, cancellationToken);
            check.Verify();
        }
        return new Part(read, inline is null ? labels : LabelColumn.Of([.. inline]), sink =>
        {
            using var file = new FileStream(spool, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            int rowBytes = reader.RowBytes;
            int blockBytes = Math.Max(1, (1 << 20) / rowBytes) * rowBytes;
            var block = System.Buffers.ArrayPool<byte>.Shared.Rent(blockBytes);
            try
            {
                int got;
                while ((got = file.ReadAtLeast(block.AsSpan(0, blockBytes), blockBytes, throwOnEndOfStream: false)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    sink.Write(block.AsSpan(0, got));
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(block);
            }
            file.Dispose();
            // Not part of the dataset: the folder is moved into place as it is.
            File.Delete(spool);
        });
    }

    /// <summary>Streams a part's rows from its source into a sink, through the checks every part's rows pass (<see cref="CheckedSink"/>).</summary>
    private static Action<IRowSink> Streamed(RowReader reader, string name, IProgress<ImportProgress>? progress, CancellationToken cancellationToken) => sink =>
    {
        var check = new CheckedSink(sink, reader, $"{name}: {reader.Path}", progress);
        reader.ReadRows(check, null, cancellationToken);
        check.Verify();
    };

    /// <summary>
    /// Two parts whose source files hold their rows as they are stored (<see cref="NpyRowReader.StoredHeader"/>): each is
    /// copied by the kernel, its header overwritten with the stored one, while its rows stream through the same checks
    /// as any other part's and, after the stored header, into SHA-256. The training file's checksum is the longest step:
    /// it runs alone on another thread (<paramref name="trainChecksum"/>, started before the labels were read), while
    /// this thread copies both files, checksums the test file and runs <paramref name="alongside"/> (the labels files).
    /// More threads only compete for two cores (measured).
    /// </summary>
    private static (DatasetFile Train, DatasetFile Test, T Alongside) CopyChecked<T>(
        NpyRowReader train, Task<DatasetFile> trainChecksum, (Part Part, NpyRowReader Reader) test, string temp, Func<T> alongside)
    {
        DatasetFile testFile;
        T other;
        try
        {
            foreach (var (reader, name) in new[] { (train, TrainFile), (test.Reader, TestFile) })
            {
                string path = Path.Combine(temp, name);
                File.Copy(reader.Path, path);
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None, 1);
                file.Write(reader.StoredHeader!);
            }
            testFile = Checksum(test.Reader, test.Part.Feed, TestFile);
            other = alongside();
        }
        catch (Exception)
        {
            // The training file's problem goes first, as when the rows are checked in file order.
            if (Failure(trainChecksum) is { } trainFailure)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(trainFailure);
            }
            throw;
        }
        return (trainChecksum.GetAwaiter().GetResult(), testFile, other);

        static Exception? Failure(Task task)
        {
            try
            {
                task.Wait(CancellationToken.None);
                return null;
            }
            catch (AggregateException ex)
            {
                return ex.InnerException;
            }
        }
    }

    /// <summary>SHA-256 of a copied file as stored: its stored header, then its rows as <paramref name="feed"/> streams them from the source.</summary>
    private static DatasetFile Checksum(NpyRowReader reader, Action<IRowSink> feed, string name)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(reader.StoredHeader!);
        feed(new HashSink(hash));
        // The stored header is as long as the source's, so the stored file is as long as the source.
        return new DatasetFile(name, Convert.ToHexStringLower(hash.GetHashAndReset()), new FileInfo(reader.Path).Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DatasetFile WriteLabels(string path, string name, byte[] classes)
    {
        using var writer = new StoredArrayWriter(path, "<i4", [classes.Length], sizeof(int));
        var values = new int[classes.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = classes[i];
        }
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("stored labels are little-endian int32");
        }
        writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        return writer.Complete(name);
    }

    private static ImportResult Place(DatasetDescriptor dataset, string temp, string target, bool replace)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return new ImportResult(dataset, ImportOutcome.Imported, target);
        }
        string manifest = Path.Combine(target, DatasetManifest.FileName);
        DatasetDescriptor? existing = null;
        try
        {
            existing = File.Exists(manifest) ? DatasetManifest.Read(manifest) : null;
        }
        catch (DatasetException)
        {
            // A broken manifest is other content: replaced when asked, else refused below.
        }
        if (existing is not null && SameContent(existing, dataset))
        {
            return new ImportResult(existing, ImportOutcome.Unchanged, target);
        }
        if (!replace)
        {
            throw new DatasetException(existing is null
                ? $"{target}: the folder exists and holds no dataset Grid imported; move it away or replace it (grid data add --replace)"
                : $"{target}: dataset '{dataset.Name}' is already imported with other content ({Difference(existing, dataset)}); import under another name, or replace it (grid data add --replace)");
        }
        string old = Path.Combine(Path.GetDirectoryName(target)!, $".{dataset.Name}.replaced-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        Directory.Move(temp, target);
        Directory.Delete(old, recursive: true);
        return new ImportResult(dataset, ImportOutcome.Replaced, target);
    }

    /// <summary>True when two descriptors mean the same stored data (what they were imported from may differ).</summary>
    public static bool SameContent(DatasetDescriptor a, DatasetDescriptor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Difference(a, b) is null;
    }

    private static string? Difference(DatasetDescriptor existing, DatasetDescriptor imported)
    {
        if (!existing.Shape.SequenceEqual(imported.Shape) || existing.Element != imported.Element)
        {
            return $"rows of {Describe(existing.Shape, existing.Element)}, not {Describe(imported.Shape, imported.Element)}";
        }
        if (existing.TrainCount != imported.TrainCount || existing.TestCount != imported.TestCount)
        {
            return $"{existing.TrainCount}/{existing.TestCount} train/test rows, not {imported.TrainCount}/{imported.TestCount}";
        }
        if (existing.Classes != imported.Classes || !(existing.ClassNames ?? []).SequenceEqual(imported.ClassNames ?? []))
        {
            return $"{existing.Classes} classes, not {imported.Classes}, or other class names";
        }
        return existing.Identity != imported.Identity ? "other numbers: the files' checksums differ" : null;
    }

    private static string ImportedFrom(DatasetImportSpec spec)
    {
        string Full(string path) => Path.GetFullPath(path);
        var parts = new List<string> { $"{SpecNames.Of(spec.Format)} {Full(spec.Train)}" };
        if (spec.TrainLabels is not null)
        {
            parts.Add($"labels {Full(spec.TrainLabels)}");
        }
        if (spec.Label is not null)
        {
            parts.Add($"label column '{spec.Label}'");
        }
        if (spec.Size is { Count: 2 } size)
        {
            parts.Add($"resized to {size[0]}×{size[1]}");
        }
        parts.Add(spec.Test is null
            ? $"test split {spec.TestFraction.ToString(CultureInfo.InvariantCulture)} (seed {spec.Seed})"
            : $"test {Full(spec.Test)}" + (spec.TestLabels is null ? "" : $" with labels {Full(spec.TestLabels)}"));
        return string.Join(", ", parts);
    }

    private static string Describe(RowReader reader) => Describe(reader.Shape, reader.Element);

    private static string Describe(IReadOnlyList<int> shape, ElementType element) => $"[{string.Join(", ", shape)}] {SpecNames.Of(element)}";

    /// <summary>A part: its row count, its label texts (null when unlabeled), and how to stream its stored rows into a sink.</summary>
    private sealed record Part(long Count, LabelColumn? Labels, Action<IRowSink> Feed);

    /// <summary>Rows in order to one of two files: a row goes to the second when <c>second[row]</c>; runs of rows go in one write.</summary>
    private sealed class RowRouter(int rowBytes, bool[] second, IRowSink first, IRowSink other) : IRowSink
    {
        private long _row;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Write(ReadOnlySpan<byte> rows)
        {
            int count = rows.Length / rowBytes;
            int start = 0;
            while (start < count)
            {
                bool toSecond = second[_row + start];
                int end = start + 1;
                while (end < count && second[_row + end] == toSecond)
                {
                    end++;
                }
                (toSecond ? other : first).Write(rows.Slice(start * rowBytes, (end - start) * rowBytes));
                start = end;
            }
            _row += count;
        }
    }

    private sealed class HashSink(IncrementalHash hash) : IRowSink
    {
        public void Write(ReadOnlySpan<byte> rows) => hash.AppendData(rows);
    }

    private sealed class StreamSink(Stream stream) : IRowSink
    {
        public void Write(ReadOnlySpan<byte> rows) => stream.Write(rows);
    }

    /// <summary>Passes rows on, counting them for progress, and (float32 rows) counts NaN and ±infinity with the first few places.</summary>
    private sealed class CheckedSink(IRowSink inner, RowReader reader, string step, IProgress<ImportProgress>? progress) : IRowSink
    {
        private const int PlacesShown = 5;
        private readonly List<string> _places = [];
        private readonly Stopwatch _sinceReport = Stopwatch.StartNew();
        private readonly int _rowBytes = reader.RowBytes;
        private long _rows;
        private long _notFinite;

        public void Write(ReadOnlySpan<byte> rows)
        {
            if (reader.Element == ElementType.Float32)
            {
                Check(MemoryMarshal.Cast<byte, float>(rows));
            }
            inner.Write(rows);
            _rows += rows.Length / _rowBytes;
            if (_sinceReport.Elapsed >= ProgressInterval)
            {
                progress?.Report(new ImportProgress(step, _rows, reader.Count));
                _sinceReport.Restart();
            }
        }

        /// <summary>Throws when the rows held NaN or infinite values; reports the last progress otherwise.</summary>
        public void Verify()
        {
            if (_notFinite > 0)
            {
                throw new DatasetException($"{reader.Path}: {_notFinite} value{(_notFinite == 1 ? " is" : "s are")} NaN or infinite (or beyond float32's range), " +
                    $"at {string.Join("; ", _places)}{(_notFinite > _places.Count ? "; …" : "")}");
            }
            progress?.Report(new ImportProgress(step, _rows, reader.Count ?? _rows));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Check(ReadOnlySpan<float> values)
        {
            // x − x is 0 for every finite x and NaN for NaN and ±infinity: one vector compare per block of floats.
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                bool clean = true;
                foreach (var v in vectors)
                {
                    clean &= Vector.EqualsAll(v - v, Vector<float>.Zero);
                }
                if (clean)
                {
                    i = vectors.Length * Vector<float>.Count;
                }
            }
            int features = reader.Features;
            for (; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    _notFinite++;
                    if (_places.Count < PlacesShown)
                    {
                        long index = _rows * features + i;
                        _places.Add(reader.Place(index / features, (int)(index % features)));
                    }
                }
            }
        }
    }
}
