using System.Runtime.InteropServices;
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

/// <summary>A step's changed centres travel as bytes (see <see cref="Float32Bytes"/>): they are the largest part of a step's request.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.center-update")]
public struct CenterUpdateSurrogate
{
    [Id(0)] public int Generation;
    [Id(1)] public int[]? Changed;
    [Id(2)] public byte[] Values;
}

[RegisterConverter]
public sealed class CenterUpdateConverter : IConverter<CenterUpdate, CenterUpdateSurrogate>
{
    public CenterUpdate ConvertFromSurrogate(in CenterUpdateSurrogate surrogate) =>
        new(surrogate.Generation, surrogate.Changed, Float32Bytes.To(surrogate.Values));

    public CenterUpdateSurrogate ConvertToSurrogate(in CenterUpdate value) =>
        new() { Generation = value.Generation, Changed = value.Changed, Values = Float32Bytes.From(value.Values) };
}

/// <summary>A step's sums travel as bytes (see <see cref="Float32Bytes"/>): they are the largest part of a step's reply.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.step")]
public struct ShardStepSurrogate
{
    [Id(0)] public int[] Centers;
    [Id(1)] public byte[] Sums;
    [Id(2)] public int[] Counts;
    [Id(3)] public double Inertia;
    [Id(4)] public double ComputeSeconds;
}

[RegisterConverter]
public sealed class ShardStepConverter : IConverter<ShardStepResult, ShardStepSurrogate>
{
    public ShardStepResult ConvertFromSurrogate(in ShardStepSurrogate surrogate) =>
        new(surrogate.Centers, Float32Bytes.To(surrogate.Sums), surrogate.Counts, surrogate.Inertia, surrogate.ComputeSeconds);

    public ShardStepSurrogate ConvertToSurrogate(in ShardStepResult value) =>
        new() { Centers = value.Centers, Sums = Float32Bytes.From(value.Sums), Counts = value.Counts, Inertia = value.Inertia, ComputeSeconds = value.ComputeSeconds };
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
