using Grid.Core.Datasets;

namespace Grid.Compute.Data.Import;

/// <summary>Receives rows in their stored form (uint8, or float32 little-endian), whole rows at a time, in file order.</summary>
public interface IRowSink
{
    void Write(ReadOnlySpan<byte> rows);
}

/// <summary>
/// The rows of one source (a file, or an image folder) as the importer reads them: their shape and element type are
/// known once it is open, the rows stream through <see cref="ReadRows"/> without the source being held in memory.
/// Every problem is a <see cref="DatasetException"/> that names the file and, where it applies, the row and column.
/// </summary>
public abstract class RowReader : IDisposable
{
    protected RowReader(string path)
    {
        Path = path;
    }

    /// <summary>The file or folder read, as given.</summary>
    public string Path { get; }

    /// <summary>The shape of one row: [features], or [channels, height, width].</summary>
    public IReadOnlyList<int> Shape { get; protected set; } = [];

    /// <summary>How the rows are stored: unsigned bytes stay bytes, everything else becomes float32.</summary>
    public ElementType Element { get; protected set; } = ElementType.Float32;

    /// <summary>Rows in the source, when its header says before the rows are read; null for CSV.</summary>
    public long? Count { get; protected set; }

    /// <summary>Each row's label text, known before the rows are read (an image's class folder); null otherwise.</summary>
    public IReadOnlyList<string>? LabelsAhead { get; protected set; }

    /// <summary>True when <see cref="ReadRows"/> also collects a label per row (a label column).</summary>
    public bool LabelsInline { get; protected set; }

    /// <summary>Numbers in one row.</summary>
    public int Features => Shape.Aggregate(1, (product, size) => product * size);

    /// <summary>Bytes one stored row takes.</summary>
    public int RowBytes => Features * RowSet.BytesPer(Element);

    /// <summary>
    /// Streams every row into <paramref name="sink"/>; with <see cref="LabelsInline"/>, adds each row's label text to
    /// <paramref name="labels"/>. Returns the number of rows read.
    /// </summary>
    public abstract long ReadRows(IRowSink sink, List<string>? labels, CancellationToken cancellationToken);

    /// <summary>Where value <paramref name="feature"/> of row <paramref name="row"/> (both from 0) is, as a user finds it in the source.</summary>
    public virtual string Place(long row, int feature) => $"row {row + 1}, column {feature + 1}";

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Opens <paramref name="path"/> as <paramref name="spec"/>'s format says (its label column and image size apply).</summary>
    public static RowReader Open(DatasetImportSpec spec, string path)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Format switch
        {
            DatasetFormat.Csv => new CsvRowReader(path, spec.Label),
            DatasetFormat.Parquet => new ParquetRowReader(path, spec.Label),
            DatasetFormat.Npy => new NpyRowReader(path),
            DatasetFormat.Idx => new IdxRowReader(path),
            DatasetFormat.Images => new ImageFolderReader(path, spec.Size),
            _ => throw new DatasetException($"{path}: unknown format '{spec.Format}'"),
        };
    }

    /// <summary>The most numbers a row may hold: one row in its widest source form (float64) is one block read, at most 2 GB.</summary>
    public const int MaxFeatures = int.MaxValue / sizeof(double);

    /// <summary>
    /// The row shape of an array whose dimensions after the first (rows) are <paramref name="trailing"/>: (d) is [d], (h, w)
    /// a grey image [1, h, w], (c, h, w) an image [c, h, w]; more dimensions are flattened to one feature vector.
    /// </summary>
    public static int[] RowShape(IReadOnlyList<long> trailing, string path)
    {
        ArgumentNullException.ThrowIfNull(trailing);
        string shape = $"(n, {string.Join(", ", trailing)})";
        if (trailing.Count == 0)
        {
            throw new DatasetException($"{path}: a one-dimensional array is one number per row; rows of d features are an array of shape (n, d)");
        }
        if (trailing.Any(size => size <= 0))
        {
            throw new DatasetException($"{path}: shape {shape} has an empty dimension");
        }
        long features = 1;
        foreach (long size in trailing)
        {
            // Both factors are at most MaxFeatures, so the product cannot overflow before it is checked.
            features = size > MaxFeatures ? size : features * size;
            if (features > MaxFeatures)
            {
                throw new DatasetException($"{path}: rows of shape {shape} are too large (more than {MaxFeatures} numbers each)");
            }
        }
        return trailing.Count switch
        {
            1 => [(int)trailing[0]],
            2 => [1, (int)trailing[0], (int)trailing[1]],
            3 => [(int)trailing[0], (int)trailing[1], (int)trailing[2]],
            _ => [(int)features],
        };
    }

    /// <summary>Text for an index into an array of the given row shape: <c>[12, 3, 4]</c>, numpy's way of naming an element.</summary>
    protected static string ArrayIndex(long row, int feature, IReadOnlyList<long> trailing)
    {
        ArgumentNullException.ThrowIfNull(trailing);
        var index = new long[trailing.Count];
        long rest = feature;
        for (int i = trailing.Count - 1; i >= 0; i--)
        {
            index[i] = rest % trailing[i];
            rest /= trailing[i];
        }
        return $"[{row}, {string.Join(", ", index)}]";
    }
}
