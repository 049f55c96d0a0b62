using Grid.Abstractions.Shards;
using Grid.Abstractions.Workers;
using Grid.Compute.Clustering;
using Grid.Compute.Clustering.Sharding;
using Grid.Core;
using Grid.Grains;
using Grid.Grains.Placement;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Grid.Silo.Compute.Sharding;

/// <summary>
/// Runs one sharded mini-batch k-means fit over the cluster: places its shards round-robin on the silos
/// whose workers are alive, loads them there, coordinates the fit from here, and releases the shards.
/// A shard's silo lost mid-fit fails the fit (a shard call fails or finds its rows gone); the stage's retry
/// starts a new fit with new shard grains, so a partial fit never yields a result.
/// </summary>
public sealed class ShardedKMeansRunner(IGrainFactory grains, Serializer serializer, IClusterMembershipService membership, IOptions<GridGrainOptions> options)
{
    /// <summary>The number of shards for <paramref name="requested"/> (0 = auto) given the data size and the live silos.</summary>
    public int ResolveShards(int requested, long rows, int features, int silos)
    {
        if (requested > 0)
        {
            return requested;
        }
        // auto: one shard per live silo once the rows are big enough to be worth spreading.
        long bytes = rows * features * sizeof(float);
        return bytes >= options.Value.AutoShardMinBytes ? Math.Max(1, silos) : 1;
    }

    /// <summary>Fits k-means on the rows of <paramref name="source"/> (its Index and Count are filled in here).</summary>
    /// <param name="fitId">Unique per attempt: it names the shard grains, so a retry never meets a half-used shard.</param>
    public async Task<ShardedRun> FitAsync(
        string fitId,
        KMeansShardSource source,
        int requestedShards,
        int features,
        MiniBatchKMeansOptions kmeans,
        ScalerKind scaler,
        IProgress<ClusteringProgress>? progress,
        CancellationToken cancellationToken)
    {
        // Silos whose worker reports in and that membership still counts as active: a silo that just died
        // may still look alive to the scheduler until its heartbeat times out.
        var status = await grains.GetGrain<ISchedulerGrain>(0).GetStatusAsync();
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        var silos = status.Workers.Where(w => w.Alive && active.Contains(w.WorkerId)).Select(w => w.WorkerId).Order(StringComparer.Ordinal).ToList();
        if (silos.Count == 0)
        {
            throw new InvalidOperationException("no live silo to place k-means shards on");
        }
        int shards = ResolveShards(requestedShards, source.TrainRows, features, silos.Count);
        var traffic = new ShardTraffic();
        var shardGrains = Enumerable.Range(0, shards)
            .Select(i => grains.GetGrain<IKMeansShardGrain>(SiloBoundKeys.For(silos[i % silos.Count], $"{fitId}/{i}")))
            .ToList();
        var channels = shardGrains
            .Select((g, i) => new GrainShardChannel(g, source with { Index = i, Count = shards }, serializer, traffic))
            .ToList();
        try
        {
            var fit = await ShardedMiniBatchKMeans.FitAsync(channels, kmeans, scaler, traffic, progress, cancellationToken: cancellationToken);
            return new ShardedRun(fit, shards, Math.Min(shards, silos.Count), traffic);
        }
        finally
        {
            // Best effort: a shard on a lost silo is gone anyway, and idle ones are collected.
            await Task.WhenAll(shardGrains.Select(async g =>
            {
                try
                {
                    await g.ReleaseAsync();
                }
                catch (Exception)
                {
                }
            }));
        }
    }
}

/// <summary>A finished sharded fit: the fit, how many shards on how many silos, and the traffic they exchanged.</summary>
public sealed record ShardedRun(ShardedKMeansFit Fit, int Shards, int Silos, ShardTraffic Traffic);
