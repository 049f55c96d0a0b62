using Orleans.Concurrency;
using Grid.Abstractions.Sweeps;

namespace Grid.Abstractions.Runs;

/// <summary>
/// One sweep, keyed by its id: expands the spec into trials, tracks them, aggregates elbow
/// curves and accuracies as results arrive, and streams snapshots to watchers.
/// </summary>
[Alias("grid.runs.sweep")]
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>Starts the sweep. Idempotent: submitting the same id again returns the current snapshot.</summary>
    [Alias("submit")]
    Task<SweepSnapshot> SubmitAsync(SweepSpec spec);

    /// <summary>The current state; null fields and no trials when the id is unknown.</summary>
    [Alias("snapshot")]
    Task<SweepSnapshot?> GetSnapshotAsync();

    /// <summary>Snapshots as they change (at most a few per second) until the sweep ends or the caller stops.</summary>
    [Alias("watch")]
    IAsyncEnumerable<SweepSnapshot> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>Cancels every trial that has not ended; computed stages stay memoized.</summary>
    [Alias("cancel")]
    Task<SweepSnapshot?> CancelAsync();

    /// <summary>
    /// Re-reads the state of every trial that has not ended (activating, and so resuming, any whose
    /// silo went away) and records what they report. The sweep's watchdog reminder calls it
    /// periodically; it is safe to call any time, any number of times.
    /// </summary>
    [Alias("reconcile")]
    Task<SweepSnapshot?> ReconcileAsync();

    /// <summary>A trial reports a change of its state, progress or result.</summary>
    [Alias("trial-updated"), OneWay]
    Task OnTrialUpdatedAsync(TrialStatus status);
}

/// <summary>The list of sweeps (a single grain, key 0).</summary>
[Alias("grid.runs.sweep-registry")]
public interface ISweepRegistryGrain : IGrainWithIntegerKey
{
    [Alias("upsert")]
    Task UpsertAsync(SweepSummary summary);

    [Alias("list")]
    Task<IReadOnlyList<SweepSummary>> ListAsync();
}

/// <summary>
/// One trial of one sweep (key <c>SWEEP/TRIAL-ID</c>): runs its chain of stages and records
/// its result once.
/// </summary>
[Alias("grid.runs.trial")]
public interface ITrialGrain : IGrainWithStringKey
{
    /// <summary>Starts the trial in the background and returns at once; idempotent.</summary>
    [Alias("start")]
    Task StartAsync(string sweepId, TrialSpec spec);

    [Alias("cancel")]
    Task CancelAsync();

    [Alias("status")]
    Task<TrialStatus?> GetStatusAsync();

    /// <summary>The stage this trial waits on reports progress.</summary>
    [Alias("stage-progress"), OneWay]
    Task OnStageProgressAsync(StageProgress progress);

    /// <summary>
    /// The stage this trial waits on got a slot and computes (<paramref name="onSlot"/> true: the trial is running), or went
    /// back to the queue for one (false: queued), e.g. to retry after its silo was lost.
    /// </summary>
    [Alias("stage-slot"), OneWay]
    Task OnStageSlotAsync(string stageHash, bool onSlot);
}
