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
        float[] values = cpu.data<float>().ToArray();
        using var file = File.Create(path);
        file.Write(Magic);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(header, matrix.shape[0]);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], matrix.shape[1]);
        file.Write(header);
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    public static Tensor Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 24 || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path}: not a Grid float32 matrix file");
        }
        long rows = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        long cols = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        if (rows < 0 || cols < 0 || bytes.LongLength != 24 + rows * cols * sizeof(float))
        {
            throw new InvalidDataException($"{path}: truncated ({bytes.LongLength} bytes for a {rows}×{cols} matrix)");
        }
        float[] values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(24)).ToArray();
        return torch.tensor(values, [rows, cols]);
    }
}
