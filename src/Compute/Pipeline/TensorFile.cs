using System.Buffers.Binary;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Pipeline;

/// <summary>
/// A float32 matrix on disk: "GRIDF32\0", rows and columns as little-endian int64, then the
/// values row-major. Codes and centres are stored this way so any silo can read them back.
/// </summary>
public static class TensorFile
{
    private static ReadOnlySpan<byte> Magic => "GRIDF32\0"u8;

    public static void Write(string path, Tensor matrix)
    {
        if (matrix.dim() != 2)
        {
            throw new ArgumentException($"expected a matrix, got {matrix.dim()} dimensions", nameof(matrix));
        }
        using var cpu = matrix.to(ScalarType.Float32, CPU).contiguous();
        Write(path, cpu.data<float>().ToArray(), matrix.shape[0], matrix.shape[1]);
    }

    /// <summary>Writes a row-major float32 matrix held in an array (for example centres merged from shards).</summary>
    public static void Write(string path, float[] values, long rows, long cols)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rows < 0 || cols < 0 || values.LongLength != rows * cols)
        {
            throw new ArgumentException($"{values.LongLength} values do not make a {rows}×{cols} matrix", nameof(values));
        }
        using var file = File.Create(path);
        file.Write(Magic);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(header, rows);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], cols);
        file.Write(header);
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    public static Tensor Read(string path)
    {
        var (values, rows, cols) = ReadValues(path);
        return torch.tensor(values, [rows, cols]);
    }

    /// <summary>Rows [<paramref name="start"/>, start + <paramref name="count"/>) of a matrix file (for example a shard's codes), read without the others.</summary>
    public static Tensor Read(string path, int start, int count)
    {
        var (values, rows, cols) = ReadValues(path, start, count);
        return torch.tensor(values, [rows, cols]);
    }

    /// <summary>Reads a matrix into an array (row-major), without TorchSharp: for readers such as the figures.</summary>
    public static (float[] Values, int Rows, int Columns) ReadValues(string path) => ReadValues(path, 0, null);

    /// <summary>Rows [<paramref name="start"/>, start + <paramref name="count"/>) of a matrix (all rows from start when null), row-major.</summary>
    public static (float[] Values, int Rows, int Columns) ReadValues(string path, int start, int? count)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        Span<byte> header = stackalloc byte[24];
        if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path}: not a Grid float32 matrix file");
        }
        long rows = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        long cols = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (rows < 0 || cols < 0 || file.Length != 24 + rows * cols * sizeof(float))
        {
            throw new InvalidDataException($"{path}: truncated ({file.Length} bytes for a {rows}×{cols} matrix)");
        }
        long take = count ?? rows - start;
        if (start < 0 || take < 0 || start + take > rows)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"{path}: rows {start} to {start + take} asked for, but the matrix has {rows}");
        }
        var values = new float[checked(take * cols)];
        file.Position = 24 + start * cols * sizeof(float);
        file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return (values, checked((int)take), checked((int)cols));
    }
}
