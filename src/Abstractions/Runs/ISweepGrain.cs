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
    /// <param name="tags">Labels stored with the sweep (<c>--tag</c>), shown in lists, pages and reports.</param>
    /// <param name="note">A line of text stored with the sweep (<c>--note</c>).</param>
    [Alias("submit")]
    Task<SweepSnapshot> SubmitAsync(SweepSpec spec, IReadOnlyList<string>? tags = null, string? note = null);

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

    /// <summary>
    /// Starts the failed trials again (and the cancelled ones when <paramref name="includeCancelled"/>); the sweep
    /// runs until they end. Stages that succeeded are memoized and reused; failed stages are computed again.
    /// Null when the id is unknown.
    /// </summary>
    [Alias("retry")]
    Task<SweepSnapshot?> RetryAsync(bool includeCancelled);

    /// <summary>The hashes of every stage its trials' chains use (autoencoder, warm-start path, clustering).</summary>
    [Alias("stage-hashes")]
    Task<IReadOnlyList<string>> GetStageHashesAsync();

    /// <summary>
    /// Removes the sweep's records: its state, its trials' states and its line in the registry. A sweep that still
    /// runs is left alone unless <paramref name="force"/>, which cancels it first. With <paramref name="artifacts"/>,
    /// the stages no other sweep uses are forgotten and listed, so their artifact folders can be deleted.
    /// Null when the id is unknown.
    /// </summary>
    [Alias("delete")]
    Task<SweepDeletion?> DeleteAsync(bool force, bool artifacts);
}

/// <summary>The list of sweeps (a single grain, key 0).</summary>
[Alias("grid.runs.sweep-registry")]
public interface ISweepRegistryGrain : IGrainWithIntegerKey
{
    [Alias("upsert")]
    Task UpsertAsync(SweepSummary summary);

    [Alias("list")]
    Task<IReadOnlyList<SweepSummary>> ListAsync();

    /// <summary>Drops a deleted sweep's line.</summary>
    [Alias("remove")]
    Task RemoveAsync(string sweepId);
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

    /// <summary>Successive halving trains this trial's autoencoder no further: a succeeded trial becomes pruned, keeping its result.</summary>
    [Alias("prune")]
    Task PruneAsync();

    [Alias("status")]
    Task<TrialStatus?> GetStatusAsync();

    /// <summary>The stage this trial waits on reports progress.</summary>
    [Alias("stage-progress"), OneWay]
    Task OnStageProgressAsync(StageProgress progress);

    /// <summary>The stage this trial waits on reports a line for the trial's log (an attempt began, failed, lost its silo).</summary>
    [Alias("stage-event"), OneWay]
    Task OnStageEventAsync(TrialEvent line);

    /// <summary>
    /// Runs a failed or cancelled trial again as its sweep's retry number <paramref name="retries"/>; idempotent
    /// (a trial already at that retry, or running, is left alone). A trial with no record starts as new.
    /// </summary>
    [Alias("retry")]
    Task RetryAsync(string sweepId, TrialSpec spec, int retries);

    /// <summary>Stops the trial if it runs and removes its record.</summary>
    [Alias("delete")]
    Task DeleteAsync();

    /// <summary>
    /// The stage this trial waits on got a slot and computes (<paramref name="onSlot"/> true: the trial is running), or went
    /// back to the queue for one (false: queued), e.g. to retry after its silo was lost.
    /// </summary>
    [Alias("stage-slot"), OneWay]
    Task OnStageSlotAsync(string stageHash, bool onSlot);
}
