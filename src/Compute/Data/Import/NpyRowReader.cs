using System.Runtime.InteropServices;
using Grid.Core.Datasets;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Rows of a NumPy <c>.npy</c> array (versions 1–3, C order), rows first: (n, d), (n, h, w) or (n, c, h, w). uint8 arrays
/// stay bytes; every other number type becomes float32. The data is streamed in blocks of rows.
/// </summary>
public sealed class NpyRowReader : RowReader
{
    private readonly FileStream _file;
    private readonly NumberType _type;
    private readonly long[] _trailing;

    public NpyRowReader(string path)
        : base(path)
    {
        _file = OpenFile(path);
        try
        {
            var header = NpyFile.ReadHeader(_file, path);
            _type = NpyFile.ElementOf(header, path);
            if (header.Shape.Length == 0)
            {
                throw new DatasetException($"{path}: the array is a single number; rows of d features are an array of shape (n, d)");
            }
            _trailing = header.Shape[1..];
            Shape = RowShape(_trailing, path);
            Element = _type.Kind == NumberKind.UInt8 ? ElementType.UInt8 : ElementType.Float32;
            Count = header.Shape[0];
            long expected = header.DataOffset + header.Elements * _type.Size;
            if (_file.Length != expected)
            {
                throw new DatasetException(_file.Length < expected
                    ? $"{path}: truncated: shape ({string.Join(", ", header.Shape)}) needs {header.Elements * _type.Size} data bytes but the file has {_file.Length - header.DataOffset}"
                    : $"{path}: {_file.Length - expected} unexpected bytes after the array's data");
            }
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public override long ReadRows(IRowSink sink, List<string>? labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return StreamRows(_file, Path, _type, Features, RowBytes, Count!.Value, sink, cancellationToken);
    }

    public override string Place(long row, int feature) => ArrayIndex(row, feature, _trailing);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }
    }

    /// <summary>
    /// Reads a labels file: a one-dimensional array (or (n, 1)) of integers, of whole-valued floats, or of strings
    /// (<c>&lt;U</c>, <c>|S</c>), each label as text.
    /// </summary>
    public static string[] ReadLabels(string path)
    {
        using var file = OpenFile(path);
        var header = NpyFile.ReadHeader(file, path);
        if (header.Shape.Length is not (1 or 2) || (header.Shape.Length == 2 && header.Shape[1] != 1))
        {
            throw new DatasetException($"{path}: labels are a one-dimensional array, one per row, not shape ({string.Join(", ", header.Shape)})");
        }
        long count = header.Shape[0];
        if (NpyFile.StringElement(header.Descr) is { } text)
        {
            var content = ReadExactly(file, path, checked(count * text.Bytes));
            var labels = new string[count];
            for (long i = 0; i < count; i++)
            {
                var item = content.AsSpan((int)(i * text.Bytes), text.Bytes);
                // numpy pads shorter strings with NULs.
                labels[i] = (text.Utf32 ? System.Text.Encoding.UTF32 : System.Text.Encoding.UTF8).GetString(item).TrimEnd('\0');
            }
            return labels;
        }
        var type = NpyFile.ElementOf(header, path);
        return LabelTexts(ReadExactly(file, path, checked(count * type.Size)), type, count, path);
    }

    /// <summary>Labels stored as numbers, as text (<see cref="ClassMap.NumberLabel"/>).</summary>
    internal static string[] LabelTexts(byte[] content, NumberType type, long count, string path)
    {
        var labels = new string[count];
        for (long i = 0; i < count; i++)
        {
            var value = content.AsSpan((int)(i * type.Size), type.Size);
            if (type.IsInteger)
            {
                labels[i] = type.IntegerText(value);
                continue;
            }
            long row = i;
            labels[i] = ClassMap.NumberLabel(type.ToDouble(value), () => $"{path}: [{row}]");
        }
        return labels;
    }

    /// <summary>
    /// Streams <paramref name="count"/> rows of <paramref name="type"/> numbers from <paramref name="source"/> to the sink in
    /// stored form, a block of rows at a time; shared with the IDX reader.
    /// </summary>
    internal static long StreamRows(Stream source, string path, NumberType type, int features, int rowBytes, long count, IRowSink sink, CancellationToken cancellationToken)
    {
        int sourceRowBytes = features * type.Size;
        int rowsPerBlock = Math.Max(1, BlockBytes / Math.Max(sourceRowBytes, rowBytes));
        var input = new byte[rowsPerBlock * sourceRowBytes];
        bool passThrough = type.Kind == NumberKind.UInt8 || (type == new NumberType(NumberKind.Float32) && BitConverter.IsLittleEndian);
        var output = passThrough ? input : new byte[rowsPerBlock * rowBytes];
        long done = 0;
        while (done < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = (int)Math.Min(rowsPerBlock, count - done);
            int bytes = rows * sourceRowBytes;
            int got = source.ReadAtLeast(input.AsSpan(0, bytes), bytes, throwOnEndOfStream: false);
            if (got < bytes)
            {
                throw new DatasetException($"{path}: truncated: the header declares {count} rows but the data ends in row {done + got / sourceRowBytes + 1}");
            }
            if (!passThrough)
            {
                type.ToFloat32(input.AsSpan(0, bytes), MemoryMarshal.Cast<byte, float>(output.AsSpan(0, rows * rowBytes)));
            }
            sink.Write(output.AsSpan(0, rows * rowBytes));
            done += rows;
        }
        if (source.ReadByte() >= 0)
        {
            throw new DatasetException($"{path}: unexpected bytes after the {count} rows the header declares");
        }
        return done;
    }

    internal static byte[] ReadExactly(Stream file, string path, long bytes)
    {
        var content = new byte[bytes];
        if (file.ReadAtLeast(content, content.Length, throwOnEndOfStream: false) < content.Length)
        {
            throw new DatasetException($"{path}: truncated: the header declares more labels than the file holds");
        }
        if (file.ReadByte() >= 0)
        {
            throw new DatasetException($"{path}: unexpected bytes after the labels the header declares");
        }
        return content;
    }

    private static FileStream OpenFile(string path) =>
        File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan)
            : throw new DatasetException($"{path}: file is missing");

    /// <summary>About a megabyte a block: large enough that per-call costs vanish, small enough to stay in cache.</summary>
    private const int BlockBytes = 1 << 20;
}
