using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Workers;
using Grid.Grains.Placement;
using Grid.Grains.Stages;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Grid.Grains.Workers;

/// <summary>
/// A silo's worker: always on its own silo (keyed by the silo address), it hands stages to the
/// silo's compute threads and awaits them. Reentrant, because several slots run at once.
/// </summary>
[Reentrant]
[SiloBoundPlacement]
[GrainType("grid.worker")]
public sealed class WorkerGrain(IStageExecutor executor, IOptions<GridGrainOptions> options, TimeProvider clock) : Grain, IWorkerGrain
{
    public async Task<StageOutcome> ExecuteAsync(SlotLease lease, StageRequest request)
    {
        if (lease.WorkerId != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"worker {this.GetPrimaryKeyString()}: lease {lease.Token} belongs to {lease.WorkerId}");
        }
        var stage = GrainFactory.GetGrain<IStageGrain>(request.Hash);
        var progress = new ThrottledProgress(stage, options.Value.ProgressInterval, clock);
        return await ComputeFailures.Carried(executor.ExecuteAsync(lease, request, progress, CancellationToken.None));
    }

    public Task CancelAsync(long token)
    {
        executor.Cancel(token);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Forwards progress from the compute thread to the stage grain, at most once per interval
    /// (the last report of a phase, and each epoch's losses, always go through). One-way calls are safe from any thread.
    /// </summary>
    private sealed class ThrottledProgress(IStageGrain stage, TimeSpan interval, TimeProvider clock) : IProgress<StageProgress>
    {
        private readonly Lock _gate = new();
        private DateTimeOffset _last = DateTimeOffset.MinValue;

        public void Report(StageProgress value)
        {
            lock (_gate)
            {
                var now = clock.GetUtcNow();
                // An epoch's losses are reported once each: never dropped.
                if (now - _last < interval && value.Done < value.Total && value.Epoch is null)
                {
                    return;
                }
                _last = now;
            }
            _ = stage.OnProgressAsync(value);
        }
    }
}
