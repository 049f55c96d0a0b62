using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Grid.Compute.Data;

/// <summary>The kinds of number a source file (NPY, IDX) may store.</summary>
public enum NumberKind
{
    UInt8,
    Int8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float32,
    Float64,
    Bool,
}

/// <summary>
/// How a source file stores one number: its kind and byte order. Imported rows keep unsigned bytes as bytes (images)
/// and turn every other kind into float32, each value rounded to the nearest float32 (as numpy's <c>astype(float32)</c>
/// does), so that the same numbers give the same stored rows whatever file they came from.
/// </summary>
public readonly record struct NumberType(NumberKind Kind, bool BigEndian = false)
{

    /// <summary>Bytes one number takes.</summary>
    public int Size => Kind switch
    {
        NumberKind.UInt8 or NumberKind.Int8 or NumberKind.Bool => 1,
        NumberKind.Int16 or NumberKind.UInt16 => 2,
        NumberKind.Int32 or NumberKind.UInt32 or NumberKind.Float32 => 4,
        _ => 8,
    };

    /// <summary>True for the kinds whose values are whole numbers (labels may be stored in them).</summary>
    public bool IsInteger => Kind is not (NumberKind.Float32 or NumberKind.Float64);

    /// <summary>For people: <c>int16 (big-endian)</c>.</summary>
    public override string ToString() => Kind.ToString().ToLowerInvariant() + (BigEndian && Size > 1 ? " (big-endian)" : "");

    /// <summary>Converts <c>target.Length</c> numbers from <paramref name="source"/> to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ToFloat32(ReadOnlySpan<byte> source, Span<float> target)
    {
        if (Kind == NumberKind.Float32 && !BigEndian && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source[..(target.Length * sizeof(float))]).CopyTo(target);
            return;
        }
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = (float)ToDouble(source.Slice(i * Size, Size));
        }
    }

    /// <summary>One number as a double (exact for every kind but the 64-bit integers beyond 2^53).</summary>
    public double ToDouble(ReadOnlySpan<byte> value) => Kind switch
    {
        NumberKind.UInt8 or NumberKind.Bool => value[0],
        NumberKind.Int8 => (sbyte)value[0],
        NumberKind.Int16 => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(value) : BinaryPrimitives.ReadInt16LittleEndian(value),
        NumberKind.UInt16 => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(value) : BinaryPrimitives.ReadUInt16LittleEndian(value),
        NumberKind.Int32 => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(value) : BinaryPrimitives.ReadInt32LittleEndian(value),
        NumberKind.UInt32 => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(value) : BinaryPrimitives.ReadUInt32LittleEndian(value),
        NumberKind.Int64 => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value),
        NumberKind.UInt64 => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(value) : BinaryPrimitives.ReadUInt64LittleEndian(value),
        NumberKind.Float32 => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(value) : BinaryPrimitives.ReadSingleLittleEndian(value),
        _ => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(value) : BinaryPrimitives.ReadDoubleLittleEndian(value),
    };

    /// <summary>One whole number of an integer kind as an int64; a label too large for one names its file and index.</summary>
    public long ToInt64(ReadOnlySpan<byte> value, string path, long index)
    {
        if (Kind == NumberKind.UInt64)
        {
            ulong number = BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(value) : BinaryPrimitives.ReadUInt64LittleEndian(value);
            return number <= long.MaxValue ? (long)number : throw new DatasetException($"{path}: [{index}]: label {number} is too large");
        }
        return Kind == NumberKind.Int64
            ? (BigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value))
            : (long)ToDouble(value);
    }
}
