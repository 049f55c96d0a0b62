using Grid.Core.Datasets;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Rows of an IDX file (raw or gzipped) of any number of dimensions, rows first, in any IDX element type (big-endian):
/// unsigned bytes stay bytes, the others become float32. The data is streamed in blocks of rows.
/// </summary>
public sealed class IdxRowReader : RowReader
{
    private readonly Stream _content;
    private readonly NumberType _type;
    private readonly long[] _trailing;

    public IdxRowReader(string path)
        : base(path)
    {
        _content = IdxReader.OpenContent(path);
        try
        {
            var (type, sizes) = IdxReader.ReadHeader(_content, path);
            _type = type;
            _trailing = sizes[1..].Select(size => (long)size).ToArray();
            Shape = RowShape(_trailing, path);
            Element = type.Kind == NumberKind.UInt8 ? ElementType.UInt8 : ElementType.Float32;
            Count = sizes[0];
            // The importer sizes per-row work by the count (the test split's mask): rows the file cannot hold are refused first.
            Int128 declared = (Int128)sizes[0] * Features * type.Size;
            long most = IdxReader.MostContentBytes(path) - 4 - 4L * sizes.Length;
            if (declared > most)
            {
                throw new DatasetException($"{path}: truncated: the header declares {sizes[0]} rows of ({string.Join(", ", _trailing)}) {type} ({declared} bytes), " +
                    $"more than the file can hold ({most})");
            }
        }
        catch
        {
            _content.Dispose();
            throw;
        }
    }

    public override long ReadRows(IRowSink sink, List<string>? labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return NpyRowReader.StreamRows(_content, Path, _type, Features, RowBytes, Count!.Value, sink, cancellationToken);
    }

    public override string Place(long row, int feature) => ArrayIndex(row, feature, _trailing);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _content.Dispose();
        }
    }

    /// <summary>Reads an IDX labels file: one dimension (or (n, 1)) of whole numbers.</summary>
    public static LabelColumn ReadLabels(string path)
    {
        using var content = IdxReader.OpenContent(path);
        var (type, sizes) = IdxReader.ReadHeader(content, path);
        if (sizes.Length is not (1 or 2) || (sizes.Length == 2 && sizes[1] != 1))
        {
            throw new DatasetException($"{path}: labels are a one-dimensional IDX file, one per row, not {sizes.Length} dimensions ({string.Join(" × ", sizes)})");
        }
        return NpyRowReader.LabelNumbers(NpyRowReader.ReadExactly(content, path, (long)sizes[0] * type.Size), type, sizes[0], path);
    }
}
