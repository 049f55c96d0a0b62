using Grid.Abstractions.Shards;
using Grid.Compute.Clustering.Sharding;
using Grid.Core.Sharding;
using Orleans.Serialization;

namespace Grid.Silo.Compute.Sharding;

/// <summary>
/// The coordinator's channel to a shard grain. Each request and reply is also serialized with the
/// cluster's serializer to count the bytes it puts on the wire (<see cref="ShardTraffic"/>): the
/// figure `grid bench kmeans --shards` reports and the tests bound.
/// The first call, <see cref="DescribeAsync"/>, loads the shard's rows on its silo.
/// </summary>
public sealed class GrainShardChannel(IKMeansShardGrain shard, KMeansShardSource source, Serializer serializer, ShardTraffic traffic) : IKMeansShardChannel
{
    /// <summary>Loads <c>source</c> into the shard grain, on its silo.</summary>
    public async Task<ShardDescription> DescribeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sent(source);
        return Received(await shard.LoadAsync(source));
    }

    public async Task<FeatureMoments> ScaleAsync(ShardScaling scaling, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sent(scaling);
        return Received(await shard.ScaleAsync(scaling));
    }

    public async Task BeginSeedingAsync(int seeding, long[] rows, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sent(seeding, rows);
        await shard.BeginSeedingAsync(seeding, rows);
    }

    public async Task<float[]> SeedRowsAsync(int seeding, int[] positions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sent(seeding, positions);
        return Float32Bytes.To(Received(await shard.SeedRowsAsync(seeding, positions)));
    }

    public async Task<float[]> SeedDistancesAsync(int seeding, float[] candidates, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = Float32Bytes.From(candidates);
        Sent(seeding, bytes);
        return Float32Bytes.To(Received(await shard.SeedDistancesAsync(seeding, bytes)));
    }

    public async Task EndSeedingAsync(int seeding, CancellationToken cancellationToken)
    {
        Sent(seeding);
        await shard.EndSeedingAsync(seeding);
    }

    public async Task<double> SampleInertiaAsync(long[] rows, float[] centers, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = Float32Bytes.From(centers);
        Sent(rows, bytes);
        return Received(await shard.SampleInertiaAsync(rows, bytes));
    }

    public async Task<ShardStepResult> StepAsync(CenterUpdate centers, long[] rows, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sent(centers, rows);
        return Received(await shard.StepAsync(centers, rows));
    }

    public async Task<float[]> BatchRowsAsync(int[] positions, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sent(positions);
        return Float32Bytes.To(Received(await shard.BatchRowsAsync(positions)));
    }

    public async Task<ShardEvaluation> EvaluateAsync(float[] centers, int classes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = Float32Bytes.From(centers);
        Sent(bytes, classes);
        return Received(await shard.EvaluateAsync(bytes, classes));
    }

    public async Task<float[]> TestRowsAsync(long[] rows, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Sent(rows);
        return Float32Bytes.To(Received(await shard.TestRowsAsync(rows)));
    }

    private void Sent(params object?[] arguments) => traffic.Sent(arguments.Sum(Size));

    private T Received<T>(T reply)
    {
        traffic.Received(Size(reply));
        return reply;
    }

    private long Size(object? value) => serializer.SerializeToArray(value).LongLength;
}
