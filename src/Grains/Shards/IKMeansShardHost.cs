using Grid.Abstractions.Shards;
using Grid.Compute.Clustering.Sharding;

namespace Grid.Grains.Shards;

/// <summary>
/// What a silo provides to its k-means shard grains: a thread to compute on (never the Orleans
/// scheduler) and the rows of a shard, loaded from this silo's data directory or artifact store.
/// </summary>
public interface IKMeansShardHost
{
    /// <summary>Runs <paramref name="work"/> on the silo's shard thread, which owns every shard's tensors.</summary>
    Task<T> RunAsync<T>(Func<T> work);

    /// <summary>Loads the rows of <paramref name="source"/>; called on the shard thread.</summary>
    KMeansShard Open(KMeansShardSource source);
}
