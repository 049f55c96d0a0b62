using System.Runtime.InteropServices;
using Grid.Abstractions.Shards;
using Grid.Compute.Clustering.Sharding;

namespace Grid.Silo.Compute.Sharding;

/// <summary>Conversions between the compute core's shard records and their wire forms, used on both ends of a shard call.</summary>
internal static class ShardWire
{
    public static ShardMomentsMessage ToMessage(FeatureMoments moments) => new(moments.Rows, moments.Mean, moments.M2);

    public static FeatureMoments FromMessage(ShardMomentsMessage message) => new(message.Rows, message.Mean, message.M2);

    public static ShardDescriptionMessage ToMessage(ShardDescription description) =>
        new(description.TrainRows, description.TestRows, description.Features, description.Classes, ToMessage(description.Raw));

    public static ShardDescription FromMessage(ShardDescriptionMessage message) =>
        new(message.TrainRows, message.TestRows, message.Features, message.Classes, FromMessage(message.Raw));

    public static ShardScalingMessage ToMessage(ShardScaling scaling) => new(scaling.Kind, scaling.Mean, scaling.Scale);

    public static ShardScaling FromMessage(ShardScalingMessage message) => new(message.Scaler, message.Mean, message.Scale);

    public static ShardStepMessage ToMessage(ShardStepResult step) =>
        new(step.Centers, ToBytes(step.Sums), step.Counts, step.Inertia, step.ComputeSeconds);

    public static ShardStepResult FromMessage(ShardStepMessage message) =>
        new(message.Centers, ToFloats(message.Sums), message.Counts, message.Inertia, message.ComputeSeconds);

    public static ShardEvaluationMessage ToMessage(ShardEvaluation evaluation) =>
        new(evaluation.TrainInertia, evaluation.TrainTable, evaluation.TestTable, evaluation.ComputeSeconds);

    public static ShardEvaluation FromMessage(ShardEvaluationMessage message) =>
        new(message.TrainInertia, message.TrainTable, message.TestTable, message.ComputeSeconds);

    /// <summary>Float32 values as their bytes (little-endian on every platform .NET runs Grid on).</summary>
    public static byte[] ToBytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static float[] ToFloats(byte[] bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new ArgumentException($"{bytes.Length} bytes are not whole float32 values", nameof(bytes));
        }
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
