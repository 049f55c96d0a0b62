using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Grid.Core;
using Grid.Core.Sharding;

namespace Grid.Abstractions.Shards;

// Orleans wire forms of the shard records of Grid.Core.Sharding, which has no Orleans attributes. Each record
// travels as a surrogate with the alias and field ids its message type had before the records moved to Core, so
// silos of either version understand each other; never reuse a retired id. One converter per record (a converter
// implementing two IConverter interfaces confuses Orleans' copier lookup, dotnet/orleans#8879).

/// <summary>Float32 values as their bytes (little-endian on every platform .NET runs Grid on), and back.</summary>
public static class Float32Bytes
{
    public static byte[] From(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }

    public static float[] To(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new ArgumentException($"{bytes.Length} bytes are not whole float32 values", nameof(bytes));
        }
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}

/// <summary>
/// Float32 values with their zeros left out: a bitmap of the values whose bits are not all zero (bit i of byte i / 8),
/// and the bytes of those values alone. A centre of image rows, and more so a step's sum of a few rows, is mostly
/// exact zeros (MNIST's borders are never inked; one digit inks a fifth of its pixels), so a sharded step sends about
/// half the bytes (measured in README's sharded k-means section). Exact: -0.0 and NaN keep their bits. Values with too
/// few zeros for the bitmap to pay travel whole, with no bitmap.
/// </summary>
public static class ZeroElidedFloat32
{
    public static (byte[]? Present, byte[] Stored) From(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
        int stored = bits.Length - bits.Count(0);
        int groups = (bits.Length + 7) / 8;
        if (groups + (long)stored * sizeof(float) >= (long)bits.Length * sizeof(float))
        {
            return (null, Float32Bytes.From(values));
        }
        var present = new byte[groups];
        var bytes = new byte[stored * sizeof(float)];
        var kept = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
        int g = 0, s = 0;
        if (Avx2.IsSupported)
        {
            // Eight values at a time: their non-zero mask is the bitmap's byte, and a permutation moves the kept ones to
            // the front (AVX2 has no compress); stop while a full store of eight could pass the end.
            for (; g < bits.Length / 8 && s + 8 <= stored; g++)
            {
                var group = Vector256.Create<int>(bits.Slice(g * 8, 8));
                uint mask = ~Vector256.Equals(group, Vector256<int>.Zero).ExtractMostSignificantBits() & 0xFF;
                present[g] = (byte)mask;
                Avx2.PermuteVar8x32(group, Order.Compress[mask]).CopyTo(kept.Slice(s, 8));
                s += BitOperations.PopCount(mask);
            }
        }
        for (int i = g * 8; i < bits.Length; i++)
        {
            if (bits[i] != 0)
            {
                present[i >> 3] |= (byte)(1 << (i & 7));
                kept[s++] = bits[i];
            }
        }
        return (present, bytes);
    }

    /// <summary>The <paramref name="count"/> values <see cref="From"/> encoded as <paramref name="present"/> and <paramref name="stored"/>.</summary>
    public static float[] To(byte[]? present, byte[] stored, int count)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (present is null)
        {
            return Float32Bytes.To(stored);
        }
        if (count < 0 || present.Length != (count + 7) / 8 || stored.Length % sizeof(float) != 0)
        {
            throw new ArgumentException($"a bitmap of {present.Length} bytes and {stored.Length} stored bytes cannot hold {count} float32 values");
        }
        var kept = MemoryMarshal.Cast<byte, int>(stored.AsSpan());
        int marked = 0;
        foreach (var b in present)
        {
            marked += BitOperations.PopCount(b);
        }
        if (marked != kept.Length || (count % 8 != 0 && present[^1] >> (count % 8) != 0))
        {
            throw new ArgumentException($"a bitmap marking {marked} of {count} values does not match {kept.Length} stored values");
        }
        var values = new float[count];
        var bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
        int g = 0, s = 0;
        if (Avx2.IsSupported)
        {
            for (; g < count / 8 && s + 8 <= kept.Length; g++)
            {
                uint mask = present[g];
                var group = Avx2.PermuteVar8x32(Vector256.Create<int>(kept.Slice(s, 8)), Order.Expand[mask]);
                (group & Order.Lanes[mask]).CopyTo(bits.Slice(g * 8, 8));
                s += BitOperations.PopCount(mask);
            }
        }
        for (int i = g * 8; i < count; i++)
        {
            if ((present[i >> 3] >> (i & 7) & 1) != 0)
            {
                bits[i] = kept[s++];
            }
        }
        return values;
    }

    // For each 8-bit mask: the lanes of the set bits, in order, first (compress); lane i takes the stored value of its
    // rank among the set bits (expand); and all ones in the set lanes.
    private static readonly (Vector256<int>[] Compress, Vector256<int>[] Expand, Vector256<int>[] Lanes) Order = Tables();

    private static (Vector256<int>[] Compress, Vector256<int>[] Expand, Vector256<int>[] Lanes) Tables()
    {
        var compress = new Vector256<int>[256];
        var expand = new Vector256<int>[256];
        var lanes = new Vector256<int>[256];
        for (int mask = 0; mask < 256; mask++)
        {
            int[] c = new int[8], e = new int[8], l = new int[8];
            int rank = 0;
            for (int i = 0; i < 8; i++)
            {
                if ((mask >> i & 1) != 0)
                {
                    c[rank] = i;
                    e[i] = rank++;
                    l[i] = -1;
                }
            }
            compress[mask] = Vector256.Create(c);
            expand[mask] = Vector256.Create(e);
            lanes[mask] = Vector256.Create(l);
        }
        return (compress, expand, lanes);
    }
}

[GenerateSerializer, Immutable]
[Alias("grid.shards.moments")]
public struct FeatureMomentsSurrogate
{
    [Id(0)] public long Rows;
    [Id(1)] public double[] Mean;
    [Id(2)] public double[] M2;
}

[RegisterConverter]
public sealed class FeatureMomentsConverter : IConverter<FeatureMoments, FeatureMomentsSurrogate>
{
    public FeatureMoments ConvertFromSurrogate(in FeatureMomentsSurrogate surrogate) => new(surrogate.Rows, surrogate.Mean, surrogate.M2);

    public FeatureMomentsSurrogate ConvertToSurrogate(in FeatureMoments value) => new() { Rows = value.Rows, Mean = value.Mean, M2 = value.M2 };
}

[GenerateSerializer, Immutable]
[Alias("grid.shards.description")]
public struct ShardDescriptionSurrogate
{
    [Id(0)] public long TrainRows;
    [Id(1)] public long TestRows;
    [Id(2)] public int Features;
    [Id(3)] public int Classes;
    [Id(4)] public FeatureMoments Raw;
}

[RegisterConverter]
public sealed class ShardDescriptionConverter : IConverter<ShardDescription, ShardDescriptionSurrogate>
{
    public ShardDescription ConvertFromSurrogate(in ShardDescriptionSurrogate surrogate) =>
        new(surrogate.TrainRows, surrogate.TestRows, surrogate.Features, surrogate.Classes, surrogate.Raw);

    public ShardDescriptionSurrogate ConvertToSurrogate(in ShardDescription value) =>
        new() { TrainRows = value.TrainRows, TestRows = value.TestRows, Features = value.Features, Classes = value.Classes, Raw = value.Raw };
}

/// <remarks>Id 0 was the scaler's name (a string) before the scaler kind became one type: never reuse it.</remarks>
[GenerateSerializer, Immutable]
[Alias("grid.shards.scaling")]
public struct ShardScalingSurrogate
{
    [Id(3)] public ScalerKind Kind;
    [Id(1)] public float[]? Mean;
    [Id(2)] public float[]? Scale;
}

[RegisterConverter]
public sealed class ShardScalingConverter : IConverter<ShardScaling, ShardScalingSurrogate>
{
    public ShardScaling ConvertFromSurrogate(in ShardScalingSurrogate surrogate) => new(surrogate.Kind, surrogate.Mean, surrogate.Scale);

    public ShardScalingSurrogate ConvertToSurrogate(in ShardScaling value) => new() { Kind = value.Kind, Mean = value.Mean, Scale = value.Scale };
}

/// <summary>
/// A step's changed centres, the largest part of its request, travel without their zeros (<see cref="ZeroElidedFloat32"/>):
/// <see cref="Values"/> holds every value as bytes when <see cref="Present"/> is null, else only those it marks.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.center-update")]
public struct CenterUpdateSurrogate
{
    [Id(0)] public int Generation;
    [Id(1)] public int[]? Changed;
    [Id(2)] public byte[] Values;
    [Id(3)] public byte[]? Present;
    [Id(4)] public int Count;
}

[RegisterConverter]
public sealed class CenterUpdateConverter : IConverter<CenterUpdate, CenterUpdateSurrogate>
{
    public CenterUpdate ConvertFromSurrogate(in CenterUpdateSurrogate surrogate) =>
        new(surrogate.Generation, surrogate.Changed, ZeroElidedFloat32.To(surrogate.Present, surrogate.Values, surrogate.Count));

    public CenterUpdateSurrogate ConvertToSurrogate(in CenterUpdate value)
    {
        var (present, stored) = ZeroElidedFloat32.From(value.Values);
        return new() { Generation = value.Generation, Changed = value.Changed, Values = stored, Present = present, Count = value.Values.Length };
    }
}

/// <summary>A step's sums, the largest part of its reply, travel without their zeros, as a step's centres do (<see cref="CenterUpdateSurrogate"/>).</summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.step")]
public struct ShardStepSurrogate
{
    [Id(0)] public int[] Centers;
    [Id(1)] public byte[] Sums;
    [Id(2)] public int[] Counts;
    [Id(3)] public double Inertia;
    [Id(4)] public double ComputeSeconds;
    [Id(5)] public byte[]? Present;
    [Id(6)] public int Count;
}

[RegisterConverter]
public sealed class ShardStepConverter : IConverter<ShardStepResult, ShardStepSurrogate>
{
    public ShardStepResult ConvertFromSurrogate(in ShardStepSurrogate surrogate) =>
        new(surrogate.Centers, ZeroElidedFloat32.To(surrogate.Present, surrogate.Sums, surrogate.Count), surrogate.Counts, surrogate.Inertia, surrogate.ComputeSeconds);

    public ShardStepSurrogate ConvertToSurrogate(in ShardStepResult value)
    {
        var (present, stored) = ZeroElidedFloat32.From(value.Sums);
        return new()
        {
            Centers = value.Centers, Sums = stored, Counts = value.Counts, Inertia = value.Inertia, ComputeSeconds = value.ComputeSeconds,
            Present = present, Count = value.Sums.Length,
        };
    }
}

[GenerateSerializer, Immutable]
[Alias("grid.shards.evaluation")]
public struct ShardEvaluationSurrogate
{
    [Id(0)] public double TrainInertia;
    [Id(1)] public long[] TrainTable;
    [Id(2)] public long[] TestTable;
    [Id(3)] public double ComputeSeconds;
}

[RegisterConverter]
public sealed class ShardEvaluationConverter : IConverter<ShardEvaluation, ShardEvaluationSurrogate>
{
    public ShardEvaluation ConvertFromSurrogate(in ShardEvaluationSurrogate surrogate) =>
        new(surrogate.TrainInertia, surrogate.TrainTable, surrogate.TestTable, surrogate.ComputeSeconds);

    public ShardEvaluationSurrogate ConvertToSurrogate(in ShardEvaluation value) =>
        new() { TrainInertia = value.TrainInertia, TrainTable = value.TrainTable, TestTable = value.TestTable, ComputeSeconds = value.ComputeSeconds };
}
