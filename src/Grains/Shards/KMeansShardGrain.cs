using Grid.Abstractions.Shards;
using Grid.Compute.Clustering.Sharding;
using Grid.Compute.Scaling;
using Grid.Grains.Placement;
using Orleans.Concurrency;

namespace Grid.Grains.Shards;

/// <summary>
/// A k-means shard: on the silo named by its key, it holds a <see cref="KMeansShard"/> (rows in memory on
/// this silo) and runs each request on the silo's shard thread. Reentrant, so that the initialisations of
/// one fit can interleave; the single shard thread keeps the shard's work sequential. A shard whose silo
/// restarted has lost its rows: it says so, and the fit is retried.
/// </summary>
[Reentrant]
[SiloBoundPlacement]
[GrainType("grid.kmeans-shard")]
public sealed class KMeansShardGrain(IKMeansShardHost host) : Grain, IKMeansShardGrain
{
    private KMeansShard? _shard;

    public async Task<ShardDescriptionMessage> LoadAsync(KMeansShardSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var description = await host.RunAsync(() =>
        {
            _shard?.Dispose();
            _shard = host.Open(source);
            return _shard.Describe();
        });
        return new ShardDescriptionMessage(description.TrainRows, description.TestRows, description.Features, description.Classes, ShardMessages.ToMessage(description.Raw));
    }

    public async Task<ShardMomentsMessage> ScaleAsync(ShardScalingMessage scaling)
    {
        var kind = ScalerNames.Parse(scaling.Scaler);
        return ShardMessages.ToMessage(await Run(s => s.Scale(new ShardScaling(kind, scaling.Mean, scaling.Scale))));
    }

    public Task BeginSeedingAsync(int seeding, long[] rows) => Run(s =>
    {
        s.BeginSeeding(seeding, rows);
        return true;
    });

    public Task<byte[]> SeedRowsAsync(int seeding, int[] positions) => Run(s => ShardMessages.ToBytes(s.SeedRows(seeding, positions)));

    public Task<byte[]> SeedDistancesAsync(int seeding, byte[] candidates) => Run(s => ShardMessages.ToBytes(s.SeedDistances(seeding, ShardMessages.ToFloats(candidates))));

    public Task EndSeedingAsync(int seeding) => Run(s =>
    {
        s.EndSeeding(seeding);
        return true;
    });

    public Task<double> SampleInertiaAsync(long[] rows, byte[] centers) => Run(s => s.SampleInertia(rows, ShardMessages.ToFloats(centers)));

    public async Task<ShardStepMessage> StepAsync(byte[] centers, long[] rows)
    {
        var step = await Run(s => s.Step(ShardMessages.ToFloats(centers), rows));
        return new ShardStepMessage(step.Centers, ShardMessages.ToBytes(step.Sums), step.Counts, step.Inertia, step.ComputeSeconds);
    }

    public Task<byte[]> BatchRowsAsync(int[] positions) => Run(s => ShardMessages.ToBytes(s.BatchRows(positions)));

    public async Task<ShardEvaluationMessage> EvaluateAsync(byte[] centers, int classes)
    {
        var evaluation = await Run(s => s.Evaluate(ShardMessages.ToFloats(centers), classes));
        return new ShardEvaluationMessage(evaluation.TrainInertia, evaluation.TrainTable, evaluation.TestTable, evaluation.ComputeSeconds);
    }

    public async Task ReleaseAsync()
    {
        await FreeAsync();
        DeactivateOnIdle();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await FreeAsync();

    private Task FreeAsync() => host.RunAsync(() =>
    {
        _shard?.Dispose();
        _shard = null;
        return true;
    });

    private Task<T> Run<T>(Func<KMeansShard, T> work) => host.RunAsync(() =>
    {
        var shard = _shard ?? throw new InvalidOperationException(
            $"k-means shard {this.GetPrimaryKeyString()} holds no rows (its silo restarted or it was released); the fit must start again");
        return work(shard);
    });
}
