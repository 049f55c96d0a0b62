using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Grid.Compute.Data;

/// <summary>The header of a NumPy <c>.npy</c> array: element type code (<c>&lt;f4</c>, <c>|u1</c>, …), order, shape and where the data starts.</summary>
public sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape, int DataOffset)
{
    /// <summary>Number of elements (the product of the shape; 1 for a scalar).</summary>
    public long Elements => Shape.Aggregate(1L, (product, size) => product * size);
}

/// <summary>A parsed array: its header and its raw little-endian data bytes.</summary>
public sealed record NpyArray(NpyHeader Header, byte[] Data)
{
    public long[] Shape => Header.Shape;
}

/// <summary>
/// The NumPy <c>.npy</c> format, versions 1.0–3.0 (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
/// the magic <c>\x93NUMPY</c>, a version, a header length and a Python-literal header dict, then the data in C or
/// Fortran order. Grid stores imported datasets in it (float32 or uint8 rows, int32 labels) so that users can read
/// them with numpy. Hand-written because the format is one header and a block of bytes: the .NET packages that read
/// it (NumSharp) bring a whole array library for that, and none offers reading a range of rows.
/// </summary>
public static partial class NpyFile
{
    public const string Extension = ".npy";

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Longer headers are not ones numpy writes (it pads to 64 bytes; the dict is a few dozen).</summary>
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>Reads the header of an .npy file's content; throws a <see cref="DatasetException"/> naming <paramref name="path"/> if it is not one.</summary>
    public static NpyHeader ParseHeader(ReadOnlySpan<byte> content, string path)
    {
        if (content.Length < 10 || !content[..6].SequenceEqual(Magic))
        {
            throw new DatasetException($"{path}: not a NumPy .npy file (it does not start with \\x93NUMPY)");
        }
        byte major = content[6];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new DatasetException($"{path}: .npy format version {major}.{content[7]} is not supported (1.0 to 3.0 are)"),
        };
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(content[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(content[8..]);
        int start = 8 + lengthBytes;
        if (start + headerLength > content.Length)
        {
            throw new DatasetException($"{path}: truncated .npy header ({headerLength} bytes declared, {content.Length - start} present)");
        }
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(content.Slice(start, (int)headerLength));
        string descr = Entry(DescrPattern(), header, "descr", path);
        bool fortran = Entry(FortranPattern(), header, "fortran_order", path) == "True";
        string shapeText = Entry(ShapePattern(), header, "shape", path);
        long[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(size => long.TryParse(size.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out long value)
                ? value
                : throw new DatasetException($"{path}: .npy shape ({shapeText}) is not a tuple of sizes"))
            .ToArray();
        // Elements multiplies the sizes: a shape whose product is beyond a long is not one any file holds.
        if (!shape.Contains(0) && shape.Aggregate(1.0, (product, size) => product * size) >= long.MaxValue)
        {
            throw new DatasetException($"{path}: .npy shape ({shapeText}) has more elements than any file holds");
        }
        return new NpyHeader(descr, fortran, shape, checked((int)(start + headerLength)));
    }

    /// <summary>
    /// Reads the header at the start of <paramref name="stream"/>, leaving the stream at the first data byte; throws a
    /// <see cref="DatasetException"/> naming <paramref name="path"/> if it is not an .npy file.
    /// </summary>
    public static NpyHeader ReadHeader(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prefix = new byte[12];
        int got = stream.ReadAtLeast(prefix.AsSpan(0, 10), 10, throwOnEndOfStream: false);
        if (got < 10 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
        {
            return ParseHeader(prefix.AsSpan(0, got), path); // throws: not an .npy file
        }
        int prefixLength = prefix[6] == 1 ? 10 : 12;
        if (prefixLength == 12 && stream.ReadAtLeast(prefix.AsSpan(10, 2), 2, throwOnEndOfStream: false) < 2)
        {
            throw new DatasetException($"{path}: truncated .npy header");
        }
        long headerLength = prefixLength == 10 ? BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(8));
        if (prefix[6] is not (1 or 2 or 3) || headerLength > MaxHeaderBytes)
        {
            // ParseHeader names the unsupported version; a header this long is not one numpy writes.
            return ParseHeader(prefix.AsSpan(0, prefixLength), path);
        }
        var content = new byte[prefixLength + headerLength];
        prefix.AsSpan(0, prefixLength).CopyTo(content);
        if (stream.ReadAtLeast(content.AsSpan(prefixLength), (int)headerLength, throwOnEndOfStream: false) < headerLength)
        {
            throw new DatasetException($"{path}: truncated .npy header ({headerLength} bytes declared)");
        }
        return ParseHeader(content, path);
    }

    /// <summary>
    /// The number type of a C-order array's elements (<c>descr</c>): unsigned and signed integers of 1 to 8 bytes, float32,
    /// float64 and bool, in either byte order. Anything else (objects, strings, complex numbers, dates) is refused with a
    /// message that says what to do.
    /// </summary>
    public static NumberType ElementOf(NpyHeader header, string path)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.FortranOrder && header.Shape.Length > 1)
        {
            throw new DatasetException($"{path}: the array is in Fortran order; save it in C order (numpy.ascontiguousarray) and try again");
        }
        string descr = header.Descr;
        if (descr.Length >= 2 && descr[1] == 'O')
        {
            throw new DatasetException($"{path}: an object array ('{descr}') cannot be read; save numbers (e.g. x.astype('float32')) or, for labels, strings ('<U')");
        }
        bool bigEndian = descr[0] == '>';
        NumberKind? kind = descr.Length < 2 || descr[0] is not ('<' or '>' or '|' or '=') ? null : descr[1..] switch
        {
            "u1" => NumberKind.UInt8,
            "i1" => NumberKind.Int8,
            "b1" => NumberKind.Bool,
            "i2" => NumberKind.Int16,
            "u2" => NumberKind.UInt16,
            "i4" => NumberKind.Int32,
            "u4" => NumberKind.UInt32,
            "i8" => NumberKind.Int64,
            "u8" => NumberKind.UInt64,
            "f4" => NumberKind.Float32,
            "f8" => NumberKind.Float64,
            _ => null,
        };
        return kind is { } k
            ? new NumberType(k, bigEndian)
            : throw new DatasetException($"{path}: element type '{descr}' is not one Grid reads: (un)signed integers (u1 … i8), float32, float64 or bool");
    }

    /// <summary>Bytes one element of a fixed-width string array takes (<c>&lt;U10</c>: 40, UTF-32; <c>|S10</c>: 10), or null when <paramref name="descr"/> is not one.</summary>
    public static (int Bytes, bool Utf32)? StringElement(string descr)
    {
        ArgumentNullException.ThrowIfNull(descr);
        if (descr.Length >= 3 && descr[1] is 'U' or 'S' && int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int chars) && chars is > 0 and <= int.MaxValue / 4)
        {
            return descr[1] == 'U' ? (chars * 4, true) : (chars, false);
        }
        return null;
    }

    /// <summary>
    /// Parses an array Grid stored (C order, <c>|u1</c> or <c>&lt;f4</c>): its header and data bytes. Arrays of other
    /// types are for the importer to convert.
    /// </summary>
    public static NpyArray Parse(byte[] content, string path)
    {
        ArgumentNullException.ThrowIfNull(content);
        var header = ParseHeader(content, path);
        return new NpyArray(header, Data(content, header, StoredItemBytes(header, path), path));
    }

    /// <summary>Parses a stored labels array (int32 class indices, one dimension) into one byte a label.</summary>
    public static byte[] ParseLabels(byte[] content, string path)
    {
        ArgumentNullException.ThrowIfNull(content);
        var header = ParseHeader(content, path);
        return LabelBytes(Data(content, header, StoredLabelBytes(header, path), path), path, 0);
    }

    /// <summary>Bytes one element of a stored rows array takes (uint8 '|u1': 1, float32 '&lt;f4': 4); other types are for the importer to convert.</summary>
    internal static int StoredItemBytes(NpyHeader header, string path) => header.Descr switch
    {
        "|u1" or "<u1" => 1,
        "<f4" => 4,
        _ => throw new DatasetException($"{path}: element type '{header.Descr}' is not one Grid stores (uint8 '|u1' or float32 '<f4')"),
    };

    /// <summary>Bytes one stored label takes (int32, one dimension); throws for any other labels array.</summary>
    internal static int StoredLabelBytes(NpyHeader header, string path) =>
        header.Descr == "<i4" && header.Shape.Length == 1
            ? sizeof(int)
            : throw new DatasetException($"{path}: labels are stored as a one-dimensional int32 array ('<i4'), not '{header.Descr}' of shape ({string.Join(", ", header.Shape)})");

    /// <summary>Stored int32 labels as one byte each; <paramref name="firstRow"/> numbers the rows in the message for a label outside 0..255.</summary>
    internal static byte[] LabelBytes(ReadOnlySpan<byte> int32s, string path, long firstRow)
    {
        var labels = new byte[int32s.Length / sizeof(int)];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = BinaryPrimitives.ReadInt32LittleEndian(int32s[(i * sizeof(int))..]);
            labels[i] = label is >= 0 and <= byte.MaxValue
                ? (byte)label
                : throw new DatasetException($"{path}: label {label} at row {firstRow + i} is outside 0..255");
        }
        return labels;
    }

    /// <summary>Throws unless <paramref name="present"/> data bytes are exactly what a C-order array of this header holds.</summary>
    internal static void CheckDataLength(NpyHeader header, long itemBytes, long present, string path)
    {
        if (header.FortranOrder && header.Shape.Length > 1)
        {
            throw new DatasetException($"{path}: the array is in Fortran order; save it in C order (numpy.ascontiguousarray) and try again");
        }
        if (header.Shape.Length == 0)
        {
            throw new DatasetException($"{path}: the array is a single number, not rows");
        }
        // In 128 bits: a header may claim a size no long holds, and it is compared with the file before anything is allocated.
        Int128 expected = (Int128)header.Elements * itemBytes;
        if (present != expected)
        {
            throw new DatasetException(present < expected
                ? $"{path}: truncated: shape ({string.Join(", ", header.Shape)}) needs {expected} data bytes but the file has {present}"
                : $"{path}: {present - expected} unexpected bytes after the array's data");
        }
    }

    /// <summary>A version 1.0 header for a C-order array of <paramref name="descr"/> with <paramref name="shape"/>, padded to 64 bytes as numpy writes it.</summary>
    public static byte[] Header(string descr, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        string sizes = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({sizes}), }}";
        int unpadded = 10 + dict.Length + 1;
        int total = (unpadded + 63) / 64 * 64;
        string text = dict + new string(' ', total - unpadded) + "\n";
        var header = new byte[10 + text.Length];
        Magic.CopyTo(header, 0);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), checked((ushort)text.Length));
        Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }

    private static byte[] Data(byte[] content, NpyHeader header, int itemBytes, string path)
    {
        CheckDataLength(header, itemBytes, content.LongLength - header.DataOffset, path);
        return content.AsSpan(header.DataOffset).ToArray();
    }

    private static string Entry(Regex pattern, string header, string key, string path)
    {
        var match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new DatasetException($"{path}: .npy header has no '{key}' entry: {header.Trim()}");
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]+)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
