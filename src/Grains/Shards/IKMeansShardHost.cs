using Grid.Abstractions.Shards;
using Grid.Core.Sharding;

namespace Grid.Grains.Shards;

/// <summary>
/// The port a silo implements for its k-means shard grains: it holds each shard's rows (loaded from this silo's
/// data directory or artifact store) and computes on them off the Orleans scheduler. Shard grains forward wire
/// requests here under their own key and never hold a row or a tensor; they carry its failures back to the fit's
/// coordinator by the one rule of <see cref="ComputeFailures"/>.
/// </summary>
public interface IKMeansShardHost
{
    /// <summary>Loads the rows of <paramref name="source"/> as shard <paramref name="shard"/> (replacing any it held) and describes them.</summary>
    Task<ShardDescription> LoadAsync(string shard, KMeansShardSource source);

    Task<FeatureMoments> ScaleAsync(string shard, ShardScaling scaling);

    Task BeginSeedingAsync(string shard, int seeding, long[] rows);

    Task<byte[]> SeedRowsAsync(string shard, int seeding, int[] positions);

    Task<byte[]> SeedDistancesAsync(string shard, int seeding, byte[] candidates);

    Task EndSeedingAsync(string shard, int seeding);

    Task<double> SampleInertiaAsync(string shard, long[] rows, byte[] centers);

    Task<ShardStepResult> StepAsync(string shard, CenterUpdate centers, long[] rows);

    Task<byte[]> BatchRowsAsync(string shard, int[] positions);

    Task<ShardEvaluation> EvaluateAsync(string shard, byte[] centers, int classes);

    Task<byte[]> TestRowsAsync(string shard, long[] rows);

    /// <summary>Frees shard <paramref name="shard"/>'s rows; nothing happens when it holds none.</summary>
    Task ReleaseAsync(string shard);
}
