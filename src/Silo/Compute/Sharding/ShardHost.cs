using Grid.Abstractions.Shards;
using Grid.Compute.Clustering.Sharding;
using Grid.Compute.Pipeline;
using Grid.Core.Sharding;
using Grid.Grains.Shards;

namespace Grid.Silo.Compute.Sharding;

/// <summary>
/// The silo's k-means shards: each shard grain's rows, held here and computed on one <see cref="DedicatedThread"/>,
/// so shard tensors have one owner and no TorchSharp call runs on the Orleans scheduler. A shard's requests are
/// small (a mini-batch share, a few candidate centres) except the final evaluation, so one thread serves all shards
/// of a silo; it runs beside the slots' threads.
/// </summary>
public sealed class ShardHost(StagePipeline pipeline) : IKMeansShardHost, IDisposable
{
    private readonly DedicatedThread _thread = new("grid-kmeans-shards");

    // Touched only on _thread.
    private readonly Dictionary<string, KMeansShard> _shards = new(StringComparer.Ordinal);

    public Task<ShardDescription> LoadAsync(string shard, KMeansShardSource source) => Run(() =>
    {
        Free(shard);
        var opened = pipeline.OpenShard(new DataSelection(source.Dataset, source.TrainRows, source.TestRows), source.CodesHash, source.Index, source.Count);
        _shards[shard] = opened;
        return opened.Describe();
    });

    public Task<FeatureMoments> ScaleAsync(string shard, ShardScaling scaling) => On(shard, s => s.Scale(scaling));

    public Task BeginSeedingAsync(string shard, int seeding, long[] rows) => On(shard, s =>
    {
        s.BeginSeeding(seeding, rows);
        return true;
    });

    public Task<byte[]> SeedRowsAsync(string shard, int seeding, int[] positions) =>
        On(shard, s => Float32Bytes.From(s.SeedRows(seeding, positions)));

    public Task<byte[]> SeedDistancesAsync(string shard, int seeding, byte[] candidates) =>
        On(shard, s => Float32Bytes.From(s.SeedDistances(seeding, Float32Bytes.To(candidates))));

    public Task EndSeedingAsync(string shard, int seeding) => On(shard, s =>
    {
        s.EndSeeding(seeding);
        return true;
    });

    public Task<double> SampleInertiaAsync(string shard, long[] rows, byte[] centers) =>
        On(shard, s => s.SampleInertia(rows, Float32Bytes.To(centers)));

    public Task<ShardStepResult> StepAsync(string shard, CenterUpdate centers, long[] rows) =>
        On(shard, s => s.Step(centers, rows));

    public Task<byte[]> BatchRowsAsync(string shard, int[] positions) =>
        On(shard, s => Float32Bytes.From(s.BatchRows(positions)));

    public Task<ShardEvaluation> EvaluateAsync(string shard, byte[] centers, int classes) =>
        On(shard, s => s.Evaluate(Float32Bytes.To(centers), classes));

    public Task<byte[]> TestRowsAsync(string shard, long[] rows) =>
        On(shard, s => Float32Bytes.From(s.TestRows(rows)));

    public Task ReleaseAsync(string shard) => Run(() => Free(shard));

    public void Dispose() => _thread.Dispose();

    private bool Free(string shard)
    {
        if (_shards.Remove(shard, out var held))
        {
            held.Dispose();
            return true;
        }
        return false;
    }

    private Task<T> On<T>(string shard, Func<KMeansShard, T> work) => Run(() => work(
        _shards.TryGetValue(shard, out var held)
            ? held
            : throw new InvalidOperationException($"k-means shard {shard} holds no rows (its silo restarted or it was released); the fit must start again")));

    private Task<T> Run<T>(Func<T> work) => _thread.RunAsync(work);
}
