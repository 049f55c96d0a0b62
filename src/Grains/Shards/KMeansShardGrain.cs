using Grid.Abstractions.Shards;
using Grid.Core.Sharding;
using Grid.Grains.Placement;
using Orleans.Concurrency;

namespace Grid.Grains.Shards;

/// <summary>
/// A k-means shard: placed on the silo named by its key, it forwards each request to that silo's shard host, which
/// holds the rows and computes; a compute failure comes back as a <see cref="Grid.Abstractions.Stages.StageFailedException"/>
/// (<see cref="ComputeFailures"/>). Reentrant, so that the initialisations of one fit can interleave; the host keeps
/// the shard's work sequential. A shard whose silo restarted has lost its rows: the host says so, and the fit is retried.
/// </summary>
[Reentrant]
[SiloBoundPlacement]
[GrainType("grid.kmeans-shard")]
public sealed class KMeansShardGrain(IKMeansShardHost host) : Grain, IKMeansShardGrain
{
    private string Shard => this.GetPrimaryKeyString();

    public Task<ShardDescription> LoadAsync(KMeansShardSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return ComputeFailures.Carried(host.LoadAsync(Shard, source));
    }

    public Task<FeatureMoments> ScaleAsync(ShardScaling scaling) => ComputeFailures.Carried(host.ScaleAsync(Shard, scaling));

    public Task BeginSeedingAsync(int seeding, long[] rows) => ComputeFailures.Carried(host.BeginSeedingAsync(Shard, seeding, rows));

    public Task<byte[]> SeedRowsAsync(int seeding, int[] positions) => ComputeFailures.Carried(host.SeedRowsAsync(Shard, seeding, positions));

    public Task<byte[]> SeedDistancesAsync(int seeding, byte[] candidates) => ComputeFailures.Carried(host.SeedDistancesAsync(Shard, seeding, candidates));

    public Task EndSeedingAsync(int seeding) => ComputeFailures.Carried(host.EndSeedingAsync(Shard, seeding));

    public Task<double> SampleInertiaAsync(long[] rows, byte[] centers) => ComputeFailures.Carried(host.SampleInertiaAsync(Shard, rows, centers));

    public Task<ShardStepResult> StepAsync(CenterUpdate centers, long[] rows)
    {
        ArgumentNullException.ThrowIfNull(centers);
        return ComputeFailures.Carried(host.StepAsync(Shard, centers, rows));
    }

    public Task<byte[]> BatchRowsAsync(int[] positions) => ComputeFailures.Carried(host.BatchRowsAsync(Shard, positions));

    public Task<ShardEvaluation> EvaluateAsync(byte[] centers, int classes) => ComputeFailures.Carried(host.EvaluateAsync(Shard, centers, classes));

    public Task<byte[]> TestRowsAsync(long[] rows) => ComputeFailures.Carried(host.TestRowsAsync(Shard, rows));

    public async Task ReleaseAsync()
    {
        await ComputeFailures.Carried(host.ReleaseAsync(Shard));
        DeactivateOnIdle();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => host.ReleaseAsync(Shard);
}
