using System.Collections.Concurrent;
using Grid.Abstractions.Shards;
using Grid.Compute.Clustering.Sharding;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Grains.Shards;

namespace Grid.Silo.Compute;

/// <summary>
/// The silo's k-means shard thread: every shard grain on this silo computes here, one request at a
/// time, so shard tensors have one owner and no TorchSharp call runs on the Orleans scheduler. A
/// shard's requests are small (a mini-batch share, a few candidate centres) except the final
/// evaluation, so one thread serves all shards of a silo; it runs beside the slots' threads.
/// </summary>
public sealed class ShardHost : IKMeansShardHost, IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly StagePipeline _pipeline;

    public ShardHost(StagePipeline pipeline)
    {
        _pipeline = pipeline;
        var thread = new Thread(() =>
        {
            foreach (var work in _queue.GetConsumingEnumerable())
            {
                work();
            }
        })
        {
            IsBackground = true,
            Name = "grid-kmeans-shards",
        };
        thread.Start();
    }

    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception ex)
            {
                // Compute exceptions have no Orleans codec: carry the message in one that has.
                completion.SetException(ex is InvalidOperationException or ArgumentException ? ex : new InvalidOperationException($"{ex.GetType().Name}: {ex.Message}"));
            }
        });
        return completion.Task;
    }

    public KMeansShard Open(KMeansShardSource source)
    {
        var dataset = DatasetCatalog.Get(source.Dataset);
        return _pipeline.OpenShard(new DataSelection(dataset.Name, source.TrainRows, source.TestRows), source.CodesHash, source.Index, source.Count);
    }

    public void Dispose() => _queue.CompleteAdding();
}
