using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Grid.Compute.Data;

/// <summary>
/// Reads the IDX format (http://yann.lecun.com/exdb/mnist/): a big-endian header of a magic
/// number (0x0000 08 NN: unsigned bytes, NN dimensions) and NN dimension sizes, then the data.
/// Files may be raw or gzip-compressed; compression is detected from the content.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic of a 3-dimensional unsigned-byte IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of a 1-dimensional unsigned-byte IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    private const int ImagesHeaderBytes = 16;
    private const int StreamBufferBytes = 1 << 16;
    private const int LabelsHeaderBytes = 8;

    /// <summary>Reads a file's content, decompressing it when it is gzip.</summary>
    public static byte[] ReadContent(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetException($"{path}: file is missing");
        }
        byte[] raw = File.ReadAllBytes(path);
        if (IsGzip(raw))
        {
            try
            {
                using var input = new MemoryStream(raw);
                using var gzip = new GZipStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                gzip.CopyTo(output);
                return output.ToArray();
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt(path, ex);
            }
        }
        return raw;
    }

    /// <summary>
    /// Opens a file for reading from the start, decompressing on the fly when it is gzip (detected from its first bytes,
    /// not its name). Used for the imported formats that may come gzipped (IDX, CSV).
    /// </summary>
    public static Stream OpenContent(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetException($"{path}: file is missing");
        }
        // Readers ask for blocks of rows, so a small buffer does; a large one would be a large-object allocation per file.
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, StreamBufferBytes, FileOptions.SequentialScan);
        return IsGzip(file) ? new GzipContent(file, path) : file;
    }

    private static DatasetException Corrupt(string path, InvalidDataException ex) => new($"{path}: gzip data is corrupt or truncated ({ex.Message})", ex);

    /// <summary>A gzip file's content, read as it is decompressed: corrupt data is a <see cref="DatasetException"/> naming the file, as every problem a reader finds is.</summary>
    private sealed class GzipContent(Stream file, string path) : Stream
    {
        private readonly GZipStream _gzip = new(file, CompressionMode.Decompress);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _gzip.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt(path, ex);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _gzip.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// The most bytes a file's content can be: its length, or for gzip 1032 times it (deflate's best ratio), so that what a
    /// header declares can be checked before anything that size is allocated.
    /// </summary>
    public static long MostContentBytes(string path)
    {
        long length = new FileInfo(path).Length;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        return IsGzip(file) ? length * MaxDeflateRatio : length;
    }

    private const long MaxDeflateRatio = 1032;

    /// <summary>True when <paramref name="stream"/> (a seekable file, left at its start) begins with gzip's magic bytes.</summary>
    public static bool IsGzip(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Position = 0;
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = 0;
        return IsGzip(magic[..got]);
    }

    /// <summary>True when <paramref name="content"/> (a file's first bytes, or all of them) begins with gzip's magic bytes.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> content) => content.Length >= 2 && content[0] == 0x1f && content[1] == 0x8b;

    /// <summary>
    /// Reads the header of any IDX file from <paramref name="stream"/> (its element type and dimension sizes), leaving the
    /// stream at the first data byte. Element types: unsigned byte 0x08, signed byte 0x09, int16 0x0B, int32 0x0C,
    /// float32 0x0D, float64 0x0E, all big-endian.
    /// </summary>
    public static (NumberType Type, int[] Sizes) ReadHeader(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> head = stackalloc byte[4];
        if (stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4)
        {
            throw new DatasetException($"{path}: truncated: too short for an IDX header");
        }
        if (head[0] != 0 || head[1] != 0)
        {
            throw new DatasetException($"{path}: not an IDX file (it starts with 0x{head[0]:x2}{head[1]:x2}, an IDX file with 0x0000)");
        }
        NumberKind kind = head[2] switch
        {
            0x08 => NumberKind.UInt8,
            0x09 => NumberKind.Int8,
            0x0B => NumberKind.Int16,
            0x0C => NumberKind.Int32,
            0x0D => NumberKind.Float32,
            0x0E => NumberKind.Float64,
            _ => throw new DatasetException($"{path}: unknown IDX element type 0x{head[2]:x2} (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)"),
        };
        int dimensions = head[3];
        if (dimensions == 0)
        {
            throw new DatasetException($"{path}: the IDX header declares no dimensions");
        }
        var sizes = new int[dimensions];
        Span<byte> size = stackalloc byte[4];
        for (int i = 0; i < dimensions; i++)
        {
            if (stream.ReadAtLeast(size, 4, throwOnEndOfStream: false) < 4)
            {
                throw new DatasetException($"{path}: truncated: the IDX header declares {dimensions} dimensions but ends after {i}");
            }
            sizes[i] = BinaryPrimitives.ReadInt32BigEndian(size);
            if (sizes[i] < 0)
            {
                throw new DatasetException($"{path}: invalid IDX dimension size {sizes[i]}");
            }
        }
        return (new NumberType(kind, BigEndian: true), sizes);
    }

    /// <summary>SHA-256 of the (decompressed) content, lower-case hex.</summary>
    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Parses the content of an images file: returns pixels, count, rows and columns.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Cols) ParseImages(byte[] content, string path)
    {
        CheckMagic(content, ImagesMagic, "images", path);
        if (content.Length < ImagesHeaderBytes)
        {
            throw new DatasetException($"{path}: truncated: {content.Length} bytes is shorter than the {ImagesHeaderBytes}-byte IDX image header");
        }
        int count = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(12));
        if (count < 0 || rows <= 0 || cols <= 0)
        {
            throw new DatasetException($"{path}: invalid dimensions {count}×{rows}×{cols}");
        }
        long expected = ImagesHeaderBytes + (long)count * rows * cols;
        if (content.LongLength < expected)
        {
            throw new DatasetException($"{path}: truncated: header declares {count} images of {rows}×{cols} ({expected} bytes) but the file has {content.LongLength} bytes");
        }
        if (content.LongLength > expected)
        {
            throw new DatasetException($"{path}: {content.LongLength - expected} unexpected bytes after {count} images of {rows}×{cols}");
        }
        return (content.AsSpan(ImagesHeaderBytes).ToArray(), count, rows, cols);
    }

    /// <summary>Parses the content of a labels file.</summary>
    public static byte[] ParseLabels(byte[] content, string path)
    {
        CheckMagic(content, LabelsMagic, "labels", path);
        if (content.Length < LabelsHeaderBytes)
        {
            throw new DatasetException($"{path}: truncated: {content.Length} bytes is shorter than the {LabelsHeaderBytes}-byte IDX label header");
        }
        int count = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4));
        if (count < 0)
        {
            throw new DatasetException($"{path}: invalid label count {count}");
        }
        long expected = LabelsHeaderBytes + (long)count;
        if (content.LongLength != expected)
        {
            throw new DatasetException(content.LongLength < expected
                ? $"{path}: truncated: header declares {count} labels but the file has {content.LongLength - LabelsHeaderBytes}"
                : $"{path}: {content.LongLength - expected} unexpected bytes after {count} labels");
        }
        return content.AsSpan(LabelsHeaderBytes).ToArray();
    }

    private static void CheckMagic(byte[] content, int expected, string kind, string path)
    {
        if (content.Length < sizeof(int))
        {
            throw new DatasetException($"{path}: truncated: {content.Length} bytes, too short for an IDX {kind} file");
        }
        int magic = BinaryPrimitives.ReadInt32BigEndian(content);
        if (magic != expected)
        {
            throw new DatasetException($"{path}: wrong magic number 0x{magic:x8}; an IDX {kind} file starts with 0x{expected:x8}");
        }
    }

    /// <summary>Reads an images file and its labels file into one <see cref="RowSet"/>.</summary>
    public static RowSet ReadImageSet(string imagesPath, string labelsPath)
    {
        var (pixels, count, rows, cols) = ParseImages(ReadContent(imagesPath), imagesPath);
        byte[] labels = ParseLabels(ReadContent(labelsPath), labelsPath);
        if (labels.Length != count)
        {
            throw new DatasetException($"{imagesPath} has {count} images but {labelsPath} has {labels.Length} labels");
        }
        return new RowSet(pixels, labels, count, rows, cols);
    }

    /// <summary>Writes an IDX images file (raw); used by tests and by tools that make small datasets.</summary>
    public static void WriteImages(string path, byte[] pixels, int count, int rows, int cols)
    {
        var header = new byte[ImagesHeaderBytes];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), cols);
        using var file = File.Create(path);
        file.Write(header);
        file.Write(pixels);
    }

    /// <summary>Writes an IDX labels file (raw).</summary>
    public static void WriteLabels(string path, byte[] labels)
    {
        var header = new byte[LabelsHeaderBytes];
        BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), labels.Length);
        using var file = File.Create(path);
        file.Write(header);
        file.Write(labels);
    }
}
