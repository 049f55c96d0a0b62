using Grid.Core.Sharding;

namespace Grid.Compute.Clustering.Sharding;

/// <summary>
/// A channel to a <see cref="KMeansShard"/> in this process, called inline under a lock; traffic is
/// counted as payload bytes. For tests and for comparing against shards on other silos.
/// </summary>
public sealed class InProcessShardChannel(KMeansShard shard, ShardTraffic? traffic = null) : IKMeansShardChannel
{
    private readonly Lock _gate = new();

    public Task<ShardDescription> DescribeAsync(CancellationToken cancellationToken) =>
        Call(0, () => shard.Describe(), d => 8L * (d.Raw.Mean.Length + d.Raw.M2.Length));

    public Task<FeatureMoments> ScaleAsync(ShardScaling scaling, CancellationToken cancellationToken) =>
        Call(4L * ((scaling.Mean?.Length ?? 0) + (scaling.Scale?.Length ?? 0)), () => shard.Scale(scaling), m => 8L * (m.Mean.Length + m.M2.Length));

    public Task BeginSeedingAsync(int seeding, long[] rows, CancellationToken cancellationToken) =>
        Call(8L * rows.Length, () =>
        {
            shard.BeginSeeding(seeding, rows);
            return true;
        }, _ => 0);

    public Task<float[]> SeedRowsAsync(int seeding, int[] positions, CancellationToken cancellationToken) =>
        Call(4L * positions.Length, () => shard.SeedRows(seeding, positions), r => 4L * r.Length);

    public Task<float[]> SeedDistancesAsync(int seeding, float[] candidates, CancellationToken cancellationToken) =>
        Call(4L * candidates.Length, () => shard.SeedDistances(seeding, candidates), r => 4L * r.Length);

    public Task EndSeedingAsync(int seeding, CancellationToken cancellationToken) =>
        Call(0, () =>
        {
            shard.EndSeeding(seeding);
            return true;
        }, _ => 0);

    public Task<double> SampleInertiaAsync(long[] rows, float[] centers, CancellationToken cancellationToken) =>
        Call(8L * rows.Length + 4L * centers.Length, () => shard.SampleInertia(rows, centers), _ => 8);

    public Task<ShardStepResult> StepAsync(CenterUpdate centers, long[] rows, CancellationToken cancellationToken) =>
        Call(4L * (centers.Values.Length + (centers.Changed?.Length ?? 0)) + 8L * rows.Length, () => shard.Step(centers, rows), r => 4L * (r.Centers.Length + r.Sums.Length + r.Counts.Length) + 16);

    public Task<float[]> BatchRowsAsync(int[] positions, CancellationToken cancellationToken) =>
        Call(4L * positions.Length, () => shard.BatchRows(positions), r => 4L * r.Length);

    public Task<ShardEvaluation> EvaluateAsync(float[] centers, int classes, CancellationToken cancellationToken) =>
        Call(4L * centers.Length, () => shard.Evaluate(centers, classes), e => 8L * (e.TrainTable.Length + e.TestTable.Length) + 16);

    public Task<float[]> TestRowsAsync(long[] rows, CancellationToken cancellationToken) =>
        Call(8L * rows.Length, () => shard.TestRows(rows), r => 4L * r.Length);

    private Task<T> Call<T>(long requestBytes, Func<T> work, Func<T, long> replyBytes)
    {
        traffic?.Sent(requestBytes);
        T result;
        lock (_gate)
        {
            result = work();
        }
        traffic?.Received(replyBytes(result));
        return Task.FromResult(result);
    }
}
