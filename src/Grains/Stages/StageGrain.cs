using System.Collections.Concurrent;
using System.Diagnostics;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Workers;
using Grid.Grains.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Grid.Grains.Stages;

/// <summary>Persisted state of a stage: its outcome once computed.</summary>
[GenerateSerializer]
[Alias("grid.stages.stage-state")]
public sealed class StageState
{
    [Id(0)]
    public StageOutcome? Outcome { get; set; }
}

/// <summary>
/// A memoized stage. Reentrant so that, while one computation is in flight, further askers
/// join it and progress reports get through; Orleans still runs one turn at a time, so the
/// fields need no locks.
/// </summary>
[Reentrant]
[GrainType("grid.stage")]
public sealed partial class StageGrain(
    [PersistentState("stage", "grid")] IPersistentState<StageState> state,
    IOptions<GridGrainOptions> options,
    GridMetrics metrics,
    ILocalSiloDetails silo,
    TimeProvider clock,
    ILogger<StageGrain> logger) : Grain, IStageGrain
{
    private readonly HashSet<string> _waiters = [];
    private Task<StageOutcome>? _computation;
    private SlotLease? _running;
    private GridMetrics.StageActivity? _activity;

    public async Task<StageOutcome> RunAsync(StageRequest request, string trialKey)
    {
        if (request.Hash != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"stage {this.GetPrimaryKeyString()}: request is for {request.Hash}");
        }
        if (state.State.Outcome is { } done)
        {
            metrics.StageReused(request.Kind);
            return done with { Reused = true };
        }
        _waiters.Add(trialKey);
        _activity?.SetTrials(_waiters.Count);
        if (_running is not null)
        {
            // Joined a computation that already has its slot: this trial runs too.
            NotifySlot(onSlot: true, [trialKey]);
        }
        try
        {
            while (true)
            {
                bool started = _computation is null;
                var computation = _computation ??= ComputeAsync(request, trialKey);
                try
                {
                    var outcome = await computation;
                    if (!started)
                    {
                        metrics.StageReused(request.Kind);
                    }
                    return outcome with { Reused = !started };
                }
                catch (OperationCanceledException) when (!started && _waiters.Contains(trialKey))
                {
                    // Joined a computation that its earlier askers had all abandoned (a trial retried right after it
                    // was cancelled): it stopped, but this asker still needs the stage, so it is computed again.
                    if (_computation == computation)
                    {
                        _computation = null;
                    }
                }
            }
        }
        finally
        {
            _waiters.Remove(trialKey);
            _activity?.SetTrials(_waiters.Count);
        }
    }

    public Task<StageOutcome?> PeekAsync() => Task.FromResult(state.State.Outcome);

    public async Task AbandonAsync(string trialKey)
    {
        _waiters.Remove(trialKey);
        _activity?.SetTrials(_waiters.Count);
        if (_waiters.Count == 0 && _running is { } lease)
        {
            LogAbandoned(lease.StageHash, lease.WorkerId);
            await GrainFactory.GetGrain<IWorkerGrain>(lease.WorkerId).CancelAsync(lease.Token);
        }
    }

    public Task OnProgressAsync(StageProgress progress)
    {
        foreach (string trial in _waiters)
        {
            _ = GrainFactory.GetGrain<Grid.Abstractions.Runs.ITrialGrain>(trial).OnStageProgressAsync(progress);
        }
        return Task.CompletedTask;
    }

    public async Task ForgetAsync()
    {
        if (state.State.Outcome is null)
        {
            return;
        }
        state.State.Outcome = null;
        await state.ClearStateAsync();
        // A finished computation would otherwise hand its old outcome to the next ask; one in flight records a fresh one.
        if (_computation is { IsCompleted: true })
        {
            _computation = null;
        }
        LogForgotten(this.GetPrimaryKeyString());
    }

    /// <summary>Adds a line to the log of every trial waiting on this stage.</summary>
    private void Tell(StageRequest request, TrialEventKind kind, int attempt, string silo, string? detail)
    {
        var line = new TrialEvent(clock.GetUtcNow(), kind, request.Kind, request.Hash, attempt, silo, detail);
        foreach (string trial in _waiters)
        {
            _ = GrainFactory.GetGrain<ITrialGrain>(trial).OnStageEventAsync(line);
        }
    }

    /// <summary>The sweep of a trial key (<c>sweepId/trialId</c>).</summary>
    private static string SweepOf(string trialKey) => trialKey.Split('/')[0];

    /// <summary>Silo names by worker id (a worker id is a silo address, which a restarted silo does not reuse).</summary>
    private static readonly ConcurrentDictionary<string, string> SiloNames = new(StringComparer.Ordinal);

    /// <summary>
    /// The name of a worker's silo, as progress and results name it (<c>host:port</c>), from the scheduler; its
    /// address when the scheduler does not answer: a log line is not worth failing or delaying a stage for.
    /// </summary>
    private static async Task<string> SiloNameAsync(ISchedulerGrain scheduler, string workerId)
    {
        if (SiloNames.TryGetValue(workerId, out string? name))
        {
            return name;
        }
        try
        {
            var status = await scheduler.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(2));
            foreach (var worker in status.Workers)
            {
                SiloNames[worker.WorkerId] = worker.Silo;
            }
            if (SiloNames.TryGetValue(workerId, out name))
            {
                return name;
            }
        }
        catch (Exception)
        {
            // Whatever went wrong, the line names the silo by its address instead.
        }
        return workerId;
    }

    private async Task<StageOutcome> ComputeAsync(StageRequest request, string trialKey)
    {
        var settings = options.Value;
        var scheduler = GrainFactory.GetGrain<ISchedulerGrain>(0);
        var preferred = StageKeys.PreferredSlot(request.Kind);
        var failures = new List<string>();
        _activity = metrics.TrackStage();
        try
        {
            int lost = 0;
            for (int attempt = 1; attempt <= settings.MaxStageAttempts; attempt++)
            {
                var kind = await scheduler.ResolveKindAsync(preferred);
                _activity.Set(running: false, kind, _waiters.Count);
                long queued = Stopwatch.GetTimestamp();
                var lease = await AcquireAsync(scheduler, kind, request.Hash);
                metrics.StageWaited(request.Kind, lease.Kind, Stopwatch.GetElapsedTime(queued));
                // Before the check below, so that no await separates it from running the stage.
                string siloName = await SiloNameAsync(scheduler, lease.WorkerId);
                _activity.Set(running: true, lease.Kind, _waiters.Count);
                if (_waiters.Count == 0)
                {
                    // Every trial that wanted this stage was cancelled while it queued.
                    await scheduler.ReleaseAsync(lease);
                    throw new OperationCanceledException($"stage {request.Hash}: no trial needs it any more");
                }
                _running = lease;
                Tell(request, TrialEventKind.Attempt, attempt, siloName, null);
                NotifySlot(onSlot: true, _waiters);
                try
                {
                    var outcome = await GrainFactory.GetGrain<IWorkerGrain>(lease.WorkerId).ExecuteAsync(lease, request);
                    // Exactly-once recording: only the current holder of the slot may record a result.
                    if (!await scheduler.ReleaseAsync(lease))
                    {
                        throw new InvalidOperationException($"lease {lease.Token} on {lease.WorkerId} was fenced off before the result was recorded");
                    }
                    outcome = outcome with { Attempts = attempt, Reused = false, ComputedFor = SweepOf(trialKey) };
                    state.State.Outcome = outcome;
                    // Recorded once: if an earlier write of ours landed unseen, the stored outcome stands.
                    await state.WriteStateWithRetryAsync(options.Value, stored => stored.Outcome is not null);
                    outcome = state.State.Outcome ?? outcome;
                    metrics.StageComputed(request.Kind, lease.Kind);
                    LogComputed(request.Kind, request.Hash, outcome.Silo, outcome.Seconds, attempt);
                    return outcome;
                }
                catch (Exception) when (_waiters.Count == 0)
                {
                    // Abandoned: stop here, free the slot, record nothing.
                    await scheduler.ReleaseAsync(lease);
                    throw new OperationCanceledException($"stage {request.Hash}: cancelled, no trial needs it any more");
                }
                catch (Exception ex) when (SiloLoss.Is(ex) && lost < settings.MaxSiloLossRetries)
                {
                    // The worker's silo went away under the stage: not the computation's fault. Its slot is
                    // freed (the lease is fenced, so a late result from it cannot be recorded) and the stage
                    // queues again, without spending an attempt.
                    lost++;
                    Tell(request, TrialEventKind.Lost, attempt, siloName, $"{ex.Message}; queued again ({lost} lost so far)");
                    attempt--;
                    _running = null;
                    NotifySlot(onSlot: false, _waiters);
                    await ReleaseQuietlyAsync(scheduler, lease);
                    LogSiloLost(ex, request.Kind, request.Hash, lease.WorkerId, lost);
                    metrics.TrialEntered("retried", lease.Kind, _waiters.Count);
                    _activity.Set(running: false, lease.Kind, _waiters.Count);
                    await Task.Delay(settings.RetryBackoff * Math.Min(8, 1 << Math.Min(lost, 3)));
                }
                catch (Exception ex)
                {
                    _running = null;
                    NotifySlot(onSlot: false, _waiters);
                    await ReleaseQuietlyAsync(scheduler, lease);
                    failures.Add($"attempt {attempt} on {lease.WorkerId}: {ex.Message}");
                    LogAttemptFailed(ex, request.Kind, request.Hash, attempt, settings.MaxStageAttempts);
                    metrics.StageAttemptFailed(request.Kind, lease.Kind);
                    Tell(request, TrialEventKind.Error, attempt, siloName,
                        attempt < settings.MaxStageAttempts ? $"{ex.Message}; tried again" : $"{ex.Message}; no attempts left");
                    if (attempt < settings.MaxStageAttempts)
                    {
                        // Every trial waiting on this stage goes round again.
                        metrics.TrialEntered("retried", lease.Kind, _waiters.Count);
                        _activity.Set(running: false, lease.Kind, _waiters.Count);
                        await Task.Delay(settings.RetryBackoff * Math.Pow(2, attempt - 1));
                    }
                }
            }
            throw new StageFailedException($"{request.Kind} stage {request.Hash} failed after {settings.MaxStageAttempts} attempts: {string.Join("; ", failures)}");
        }
        finally
        {
            _activity.Dispose();
            _activity = null;
            _running = null;
            // A failed computation is forgotten, so a later ask tries again.
            if (state.State.Outcome is null)
            {
                _computation = null;
            }
        }
    }

    /// <summary>
    /// Asks for a slot until one is leased (the scheduler answers "none yet" after a bounded wait), naming this silo so that
    /// the scheduler drops the wait if the silo goes away; stops when no trial needs the stage any more.
    /// </summary>
    private async Task<SlotLease> AcquireAsync(ISchedulerGrain scheduler, SlotKind kind, string hash)
    {
        while (true)
        {
            if (await scheduler.AcquireAsync(kind, hash, silo.SiloAddress.ToParsableString()) is { } lease)
            {
                return lease;
            }
            if (_waiters.Count == 0)
            {
                throw new OperationCanceledException($"stage {hash}: no trial needs it any more");
            }
        }
    }

    /// <summary>Tells <paramref name="trials"/> that this stage computes on a slot now, or is queued for one again (their state: running or queued).</summary>
    private void NotifySlot(bool onSlot, IEnumerable<string> trials)
    {
        foreach (string trial in trials)
        {
            _ = GrainFactory.GetGrain<Grid.Abstractions.Runs.ITrialGrain>(trial).OnStageSlotAsync(this.GetPrimaryKeyString(), onSlot);
        }
    }

    /// <summary>Frees a lease; when the scheduler itself is unreachable, its stale-lease sweep frees it later.</summary>
    private async Task ReleaseQuietlyAsync(ISchedulerGrain scheduler, SlotLease lease)
    {
        try
        {
            await scheduler.ReleaseAsync(lease);
        }
        catch (Exception ex) when (SiloLoss.Is(ex))
        {
            LogReleaseFailed(ex, lease.Token);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stage {Kind} {Hash}: the silo of worker {WorkerId} was lost during the stage ({Lost} so far); queued again")]
    private partial void LogSiloLost(Exception ex, StageKind kind, string hash, string workerId, int lost);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stage {Hash}: its recorded outcome was forgotten (its sweep was deleted with its artifacts)")]
    private partial void LogForgotten(string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stage: releasing lease {Token} failed; the scheduler reclaims it")]
    private partial void LogReleaseFailed(Exception ex, long token);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stage {Kind} {Hash}: computed on {Silo} in {Seconds:F1}s (attempt {Attempt})")]
    private partial void LogComputed(StageKind kind, string hash, string silo, double seconds, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stage {Request}: every waiting trial was cancelled; stopping it on {WorkerId}")]
    private partial void LogAbandoned(string request, string workerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stage {Kind} {Hash}: attempt {Attempt} of {MaxAttempts} failed")]
    private partial void LogAttemptFailed(Exception ex, StageKind kind, string hash, int attempt, int maxAttempts);
}
