using System.Buffers;
using System.Runtime.CompilerServices;
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
            StoredHeader = CopyableHeader(header, _type, [header.Shape[0], .. Shape.Select(size => (long)size)]);
            NpyFile.CheckDataLength(header, _type.Size, _file.Length - header.DataOffset, path);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The header the importer stores this file's rows under, when the file's data is byte for byte the stored rows
    /// (uint8, or little-endian float32, in C order) and its header is as long as that one: the file can then be copied as
    /// it is and its header overwritten. Null otherwise (the rows are converted and written).
    /// </summary>
    public byte[]? StoredHeader { get; }

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

    /// <param name="stored">The shape the importer stores: rows, then the row shape ((n, h, w) is stored as (n, 1, h, w)).</param>
    private static byte[]? CopyableHeader(NpyHeader header, NumberType type, long[] stored)
    {
        string? descr = type == new NumberType(NumberKind.UInt8) ? "|u1" : type == new NumberType(NumberKind.Float32) && BitConverter.IsLittleEndian ? "<f4" : null;
        if (descr is null || header.FortranOrder)
        {
            return null;
        }
        byte[] canonical = NpyFile.Header(descr, stored);
        return canonical.Length == header.DataOffset ? canonical : null;
    }

    /// <summary>
    /// Reads a labels file: a one-dimensional array (or (n, 1)) of integers, of whole-valued floats, or of strings
    /// (<c>&lt;U</c>, <c>|S</c>).
    /// </summary>
    public static LabelColumn ReadLabels(string path)
    {
        using var file = OpenFile(path);
        var header = NpyFile.ReadHeader(file, path);
        if (header.Shape.Length is not (1 or 2) || (header.Shape.Length == 2 && header.Shape[1] != 1))
        {
            throw new DatasetException($"{path}: labels are a one-dimensional array, one per row, not shape ({string.Join(", ", header.Shape)})");
        }
        long count = header.Shape[0];
        var text = NpyFile.StringElement(header.Descr);
        var type = text is null ? NpyFile.ElementOf(header, path) : default;
        int itemBytes = text?.Bytes ?? type.Size;
        // The count the header declares is checked against the file before the labels are allocated.
        NpyFile.CheckDataLength(header, itemBytes, file.Length - header.DataOffset, path);
        var content = ReadExactly(file, path, count * itemBytes);
        if (text is not null)
        {
            var labels = new string[count];
            for (long i = 0; i < count; i++)
            {
                var item = content.AsSpan((int)(i * itemBytes), itemBytes);
                // numpy pads shorter strings with NULs.
                labels[i] = (text.Value.Utf32 ? System.Text.Encoding.UTF32 : System.Text.Encoding.UTF8).GetString(item).TrimEnd('\0');
            }
            return LabelColumn.Of(labels);
        }
        return LabelNumbers(content, type, count, path);
    }

    /// <summary>Labels stored as numbers: integers as they are, floats when whole (<see cref="ClassMap.WholeNumber"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static LabelColumn LabelNumbers(byte[] content, NumberType type, long count, string path)
    {
        var labels = new long[count];
        for (long i = 0; i < count; i++)
        {
            var value = content.AsSpan((int)(i * type.Size), type.Size);
            labels[i] = type.IsInteger ? type.ToInt64(value, path, i) : ClassMap.WholeNumber(type.ToDouble(value), path, i);
        }
        return LabelColumn.Of(labels);
    }

    /// <summary>
    /// Streams <paramref name="count"/> rows of <paramref name="type"/> numbers from <paramref name="source"/> to the sink in
    /// stored form, a block of rows at a time; shared with the IDX reader.
    /// </summary>
    /// <remarks>
    /// Reading ahead on another thread was tried and measured slower on two cores: the thread competes with the sink's
    /// SHA-256 and with the kernel's copy of the file, and a block of a megabyte comes from the page cache in a tenth of
    /// a millisecond anyway.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long StreamRows(Stream source, string path, NumberType type, int features, int rowBytes, long count, IRowSink sink, CancellationToken cancellationToken)
    {
        // RowShape keeps features at most RowReader.MaxFeatures, so a source row (at most 8 bytes a number) fits in an int.
        int sourceRowBytes = features * type.Size;
        int rowsPerBlock = Math.Max(1, BlockBytes / Math.Max(sourceRowBytes, rowBytes));
        bool passThrough = type.Kind == NumberKind.UInt8 || (type == new NumberType(NumberKind.Float32) && BitConverter.IsLittleEndian);
        // Pooled: blocks of a megabyte are large objects, and allocating them for every file would cost a full GC each time.
        // The first block grows as its bytes arrive (Fill): the header's shape and count are only claims.
        var pool = ArrayPool<byte>.Shared;
        byte[] input = pool.Rent((int)Math.Min(Math.Min(count, rowsPerBlock) * sourceRowBytes, FirstReadBytes));
        byte[]? output = null;
        try
        {
            long done = 0;
            while (done < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int rows = (int)Math.Min(rowsPerBlock, count - done);
                int bytes = rows * sourceRowBytes;
                int got = Fill(source, ref input, bytes, pool);
                if (got < bytes)
                {
                    throw new DatasetException($"{path}: truncated: the header declares {count} rows but the data ends in row {done + got / sourceRowBytes + 1}");
                }
                if (passThrough)
                {
                    sink.Write(input.AsSpan(0, bytes));
                }
                else
                {
                    // The first block is the largest.
                    output ??= pool.Rent(rows * rowBytes);
                    type.ToFloat32(input.AsSpan(0, bytes), MemoryMarshal.Cast<byte, float>(output.AsSpan(0, rows * rowBytes)));
                    sink.Write(output.AsSpan(0, rows * rowBytes));
                }
                done += rows;
            }
            if (source.ReadByte() >= 0)
            {
                throw new DatasetException($"{path}: unexpected bytes after the {count} rows the header declares");
            }
            return done;
        }
        finally
        {
            pool.Return(input);
            if (output is not null)
            {
                pool.Return(output);
            }
        }
    }

    /// <summary>Reads exactly <paramref name="bytes"/> bytes, the whole rest of <paramref name="file"/> (a labels file's data).</summary>
    internal static byte[] ReadExactly(Stream file, string path, long bytes)
    {
        // A gzipped file's length is known only by reading it: the buffer grows as the bytes arrive (Fill).
        if (bytes > Array.MaxLength)
        {
            throw new DatasetException($"{path}: the header declares {bytes} bytes of labels, more than one array holds");
        }
        var content = new byte[(int)Math.Min(bytes, FirstReadBytes)];
        if (Fill(file, ref content, (int)bytes, pool: null) < bytes)
        {
            throw new DatasetException($"{path}: truncated: the header declares more labels than the file holds");
        }
        if (file.ReadByte() >= 0)
        {
            throw new DatasetException($"{path}: unexpected bytes after the labels the header declares");
        }
        return content;
    }

    /// <summary>
    /// Reads up to <paramref name="bytes"/> bytes into the start of <paramref name="buffer"/>, which grows (twice as large each
    /// time, from <paramref name="pool"/> when given) only as the bytes arrive: a header that claims more data than its file
    /// holds costs what the file holds, not what it claims. Returns the bytes read: fewer than asked when the data ends first.
    /// </summary>
    private static int Fill(Stream source, ref byte[] buffer, int bytes, ArrayPool<byte>? pool)
    {
        int got = 0;
        while (got < bytes)
        {
            if (got == buffer.Length)
            {
                int larger = (int)Math.Min(bytes, Math.Max(1L, 2L * buffer.Length));
                var grown = pool?.Rent(larger) ?? new byte[larger];
                buffer.AsSpan(0, got).CopyTo(grown);
                pool?.Return(buffer);
                buffer = grown;
            }
            int read = source.Read(buffer, got, Math.Min(bytes, buffer.Length) - got);
            if (read == 0)
            {
                break;
            }
            got += read;
        }
        return got;
    }

    private static FileStream OpenFile(string path) =>
        File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan)
            : throw new DatasetException($"{path}: file is missing");

    /// <summary>About a megabyte a block: large enough that per-call costs vanish, small enough to stay in cache.</summary>
    private const int BlockBytes = 1 << 20;

    /// <summary>What a first read asks for before the data shows it is there.</summary>
    private const int FirstReadBytes = 1 << 16;
}
