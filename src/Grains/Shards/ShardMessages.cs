using Grid.Abstractions.Shards;
using Grid.Compute.Clustering.Sharding;

namespace Grid.Grains.Shards;

/// <summary>Conversions between the compute core's shard records and their wire forms.</summary>
internal static class ShardMessages
{
    public static ShardMomentsMessage ToMessage(FeatureMoments moments) => new(moments.Rows, moments.Mean, moments.M2);

    public static FeatureMoments FromMessage(ShardMomentsMessage message) => new(message.Rows, message.Mean, message.M2);

    /// <summary>Float32 values as their bytes (little-endian on every platform .NET runs Grid on).</summary>
    public static byte[] ToBytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static float[] ToFloats(byte[] bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new ArgumentException($"{bytes.Length} bytes are not whole float32 values", nameof(bytes));
        }
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
