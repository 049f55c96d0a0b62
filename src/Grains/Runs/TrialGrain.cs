using System.Globalization;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Grains.Metrics;
using Grid.Grains.Stages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Grid.Grains.Runs;

/// <summary>Persisted state of a trial.</summary>
[GenerateSerializer]
[Alias("grid.runs.trial-grain-state")]
public sealed class TrialGrainState
{
    [Id(0)]
    public string? SweepId { get; set; }

    [Id(1)]
    public TrialStatus? Status { get; set; }
}

/// <summary>
/// Runs one trial's chain of stages in the background and reports every change to its sweep.
/// Reentrant so progress and cancel get through while the chain awaits a stage.
/// </summary>
[Reentrant]
[GrainType("grid.trial")]
public sealed partial class TrialGrain(
    [PersistentState("trial", "grid")] IPersistentState<TrialGrainState> state,
    GridMetrics metrics,
    IOptions<GridGrainOptions> options,
    TimeProvider clock,
    StageKeys keys,
    ILogger<TrialGrain> logger) : Grain, ITrialGrain
{
    private static readonly TimeSpan KeepAliveWhileRunning = TimeSpan.FromDays(7);

    private CancellationTokenSource? _cancel;
    private Task? _run;

    /// <summary>The stage the chain waits on now: slot and progress reports about any other are late and ignored.</summary>
    private StageRequest? _waitingOn;

    /// <summary>Whether this chain has counted its entry into running (the metric counts it once per chain).</summary>
    private bool _countedRunning;

    /// <summary>The slot kind of the trial's heaviest (first) stage, as the scheduler resolves it: the trial's metric label.</summary>
    private SlotKind? _resource;

    private TrialStatus Status => state.State.Status!;

    /// <summary>The slot kind the trial's first (heaviest) stage asks for when the cluster has it.</summary>
    private SlotKind PreferredResource =>
        StageKeys.PreferredSlot(Status.Spec.Representation.Autoencoder is null ? StageKind.Clustering : StageKind.Autoencoder);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A trial that was running when its silo went away resumes: its finished stages are memoized.
        if (state.State.Status is { } status && !status.State.IsEnded())
        {
            StartChain(resumed: true);
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(string sweepId, TrialSpec spec) => StartAsync(sweepId, spec, retries: 0);

    private async Task StartAsync(string sweepId, TrialSpec spec, int retries)
    {
        if (state.State.Status is not null)
        {
            return;
        }
        state.State.SweepId = sweepId;
        state.State.Status = WithStageHashes(new TrialStatus(this.GetPrimaryKeyString(), spec, TrialState.Pending, null, null, null, 0, 0, Retries: retries));
        await state.WriteStateWithRetryAsync(options.Value);
        StartChain(resumed: false);
    }

    public async Task CancelAsync()
    {
        if (state.State.Status is not { } status || status.State.IsEnded())
        {
            return;
        }
        _cancel?.Cancel();
        await SetAsync(Logged(Status, TrialEventKind.Cancelled) with { State = TrialState.Cancelled, Progress = null }, persist: true);
        metrics.TrialEntered("cancelled", _resource ?? PreferredResource);
        foreach (var request in keys.Chain(Status.Spec))
        {
            await GrainFactory.GetGrain<IStageGrain>(request.Hash).AbandonAsync(this.GetPrimaryKeyString());
        }
    }

    public async Task PruneAsync()
    {
        if (state.State.Status is not { State: TrialState.Succeeded } status)
        {
            return;
        }
        await SetAsync(Logged(status, TrialEventKind.Pruned) with { State = TrialState.Pruned }, persist: true);
        metrics.TrialEntered("pruned", _resource ?? PreferredResource);
    }

    public Task<TrialStatus?> GetStatusAsync() => Task.FromResult(state.State.Status);

    public Task OnStageProgressAsync(StageProgress progress)
    {
        // Progress means the stage computes on a slot, whatever slot report may still be on its way.
        if (_waitingOn?.Kind == progress.Stage && state.State.Status is { State: TrialState.Queued or TrialState.Running })
        {
            EnterRunning();
            state.State.Status = Status with { State = TrialState.Running, Progress = progress };
            Notify();
        }
        return Task.CompletedTask;
    }

    public Task OnStageEventAsync(TrialEvent line)
    {
        // Kept in memory and reported; stored with the trial's next state write.
        if (state.State.Status is { State: TrialState.Running or TrialState.Queued })
        {
            state.State.Status = Status.WithEvent(line);
            Notify();
        }
        return Task.CompletedTask;
    }

    public Task OnStageSlotAsync(string stageHash, bool onSlot)
    {
        if (_waitingOn?.Hash == stageHash && state.State.Status is { State: TrialState.Queued or TrialState.Running } status)
        {
            if (onSlot)
            {
                EnterRunning();
            }
            var next = onSlot ? TrialState.Running : TrialState.Queued;
            if (status.State != next)
            {
                state.State.Status = status with { State = next, Progress = null };
                Notify();
            }
        }
        return Task.CompletedTask;
    }

    public async Task RetryAsync(string sweepId, TrialSpec spec, int retries)
    {
        if (state.State.Status is null)
        {
            await StartAsync(sweepId, spec, retries);
            return;
        }
        if (Status.Retries >= retries)
        {
            return;
        }
        if (Status.State is not (TrialState.Failed or TrialState.Cancelled))
        {
            // Running, or succeeded after all (the sweep had not heard): the run that is there counts as this retry.
            await SetAsync(Status with { Retries = retries }, persist: true);
            return;
        }
        if (_run is { IsCompleted: false } ending)
        {
            // A cancelled chain still unwinding: let it end before a new one starts.
            await ending;
        }
        state.State.SweepId = sweepId;
        var next = Logged(Status, TrialEventKind.Retried, detail: $"retry {retries}") with
        {
            State = TrialState.Pending,
            Progress = null,
            Result = null,
            Error = null,
            StagesComputed = 0,
            StagesReused = 0,
            Retries = retries,
        };
        await SetAsync(next, persist: true);
        StartChain(resumed: false);
    }

    public async Task DeleteAsync()
    {
        if (state.State.Status is { } status && !status.State.IsEnded())
        {
            await CancelAsync();
        }
        state.State.Status = null;
        state.State.SweepId = null;
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    private void EnterRunning()
    {
        if (!_countedRunning)
        {
            _countedRunning = true;
            metrics.TrialEntered("running", _resource ?? PreferredResource);
        }
    }

    private void StartChain(bool resumed)
    {
        if (_run is { IsCompleted: false })
        {
            return;
        }
        _cancel = new CancellationTokenSource();
        _countedRunning = false;
        // The chain awaits stages that may queue for a long time with no call arriving here;
        // keep the activation until it ends.
        DelayDeactivation(KeepAliveWhileRunning);
        _run = RunChainAsync(resumed, _cancel.Token);
    }

    private async Task RunChainAsync(bool resumed, CancellationToken cancellationToken)
    {
        try
        {
            // A trial recorded before statuses carried stage hashes gets them here. It is queued until the stage it
            // waits on gets a slot (the stage tells it), so a sweep's running trials never outnumber the busy slots.
            await SetAsync(Logged(WithStageHashes(Status), resumed ? TrialEventKind.Resumed : TrialEventKind.Started) with { State = TrialState.Queued, Progress = null }, persist: true);
            var resource = await ResolveResourceAsync();
            // A trial resumed after its silo went away is a retry; a new one joins the queue.
            metrics.TrialEntered(resumed ? "retried" : "queued", resource);
            int computed = 0, reused = 0;
            StageOutcome? last = null;
            foreach (var request in keys.Chain(Status.Spec))
            {
                last = await RunStageAsync(request, cancellationToken);
                if (last.Reused)
                {
                    reused++;
                }
                else
                {
                    computed++;
                }
                var line = new TrialEvent(clock.GetUtcNow(), last.Reused ? TrialEventKind.Reused : TrialEventKind.Computed, request.Kind, request.Hash,
                    last.Reused ? 0 : last.Attempts, last.Silo, last.Reused ? null : string.Create(CultureInfo.InvariantCulture, $"{last.Seconds:0.0} s"));
                var status = Status.WithEvent(line) with { StagesComputed = computed, StagesReused = reused };
                if (request.Kind == StageKind.Autoencoder)
                {
                    status = status with { Autoencoders = WithTraining(status.Autoencoders, request, last, state.State.SweepId) };
                }
                await SetAsync(status, persist: false);
            }
            var result = last?.Clustering ?? throw new InvalidOperationException("the chain's last stage returned no clustering result");
            await SetAsync(Logged(Status, TrialEventKind.Succeeded) with { State = TrialState.Succeeded, Result = result, Progress = null }, persist: true);
            metrics.TrialEntered("succeeded", _resource!.Value);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // CancelAsync recorded the state.
        }
        catch (Exception ex)
        {
            await RecordFailureAsync(ex);
        }
        finally
        {
            DelayDeactivation(TimeSpan.Zero);
        }
    }

    /// <summary>The trial's autoencoder stages with <paramref name="request"/>'s, as <paramref name="outcome"/> tells it, in place of any earlier record of it.</summary>
    private static AutoencoderTraining[] WithTraining(IReadOnlyList<AutoencoderTraining>? known, StageRequest request, StageOutcome outcome, string? sweepId)
    {
        int epochs = request.Trial.Representation.Autoencoder!.Epochs;
        // Outcomes recorded before epoch-prefix reuse trained every epoch themselves.
        int reusedEpochs = (int)outcome.Metrics.GetValueOrDefault(AutoencoderTraining.EpochsReusedMetric);
        int trained = (int)outcome.Metrics.GetValueOrDefault(AutoencoderTraining.EpochsTrainedMetric, epochs - reusedEpochs);
        // Computed for this sweep when one of its trials started the computation: the trial itself may have come back after its
        // silo was lost and joined it, or run again after a failure and found it memoized.
        bool computed = outcome.ComputedFor is { } sweep ? sweep == sweepId : !outcome.Reused || (known ?? []).Any(a => a.Hash == request.Hash && a.Computed);
        var training = new AutoencoderTraining(request.Hash, request.Trial.Representation.Label, epochs, trained, reusedEpochs, computed, outcome.Seconds);
        // An array: grain storage (JSON with type names) must be able to name the type it reads back.
        return (known ?? []).Where(a => a.Hash != request.Hash).Append(training).ToArray();
    }

    /// <summary>
    /// Records the chain's failure, and logs it as a warning only when it stands. A chain can outlive its activation
    /// (its silo stops, or Orleans moves the trial) and then fail because Orleans refuses the dead activation's calls
    /// ("invalid activation") and writes; the trial resumes where it is activated next and may well succeed, so that
    /// is no news for an operator.
    /// </summary>
    private async Task RecordFailureAsync(Exception ex)
    {
        if (state.State.Status is not { } open || open.State.IsEnded())
        {
            LogChainEndedUnrecorded(ex, this.GetPrimaryKeyString(), "the trial had already ended");
            return;
        }
        try
        {
            await SetAsync(Logged(Status, TrialEventKind.Failed, detail: ex.Message) with { State = TrialState.Failed, Error = ex.Message, Progress = null }, persist: true);
        }
        catch (Exception refused)
        {
            LogChainEndedUnrecorded(ex, this.GetPrimaryKeyString(), $"recording the failure was refused ({refused.GetType().Name}: {refused.Message})");
            return;
        }
        LogTrialFailed(ex, this.GetPrimaryKeyString());
        metrics.TrialEntered("failed", _resource ?? PreferredResource);
    }

    /// <summary>
    /// Runs one stage of the chain. When the stage grain's silo is lost while it runs (the call fails, not the
    /// computation), asks again: the stage grain comes back on a live silo with whatever it had recorded, and
    /// a stage that had finished is not computed again.
    /// </summary>
    private async Task<StageOutcome> RunStageAsync(StageRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        _waitingOn = request;
        if (Status.State == TrialState.Running)
        {
            // The next stage of the chain: queued until it gets a slot (or returns at once, memoized).
            await SetAsync(Status with { State = TrialState.Queued, Progress = null }, persist: false);
        }
        for (int lost = 0; ; lost++)
        {
            try
            {
                return await GrainFactory.GetGrain<IStageGrain>(request.Hash).RunAsync(request, this.GetPrimaryKeyString()).WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (SiloLoss.Is(ex) && lost < settings.MaxSiloLossRetries && !cancellationToken.IsCancellationRequested)
            {
                LogStageSiloLost(ex, this.GetPrimaryKeyString(), request.Hash, lost + 1);
                state.State.Status = Logged(Status, TrialEventKind.Lost, request, $"the stage's silo was lost ({ex.GetType().Name}); asking again");
                // Calls to a silo that is gone but not yet declared dead fail at once: back off (up to 4×) so that the
                // retries outlast the failure detection instead of being spent before the stage can come back elsewhere.
                await Task.Delay(settings.RetryBackoff * Math.Min(4, 1 << Math.Min(lost, 2)), cancellationToken);
            }
        }
    }

    /// <summary>The status with a line added to its log.</summary>
    private TrialStatus Logged(TrialStatus status, TrialEventKind kind, StageRequest? stage = null, string? detail = null) =>
        status.WithEvent(new TrialEvent(clock.GetUtcNow(), kind, stage?.Kind, stage?.Hash, Detail: detail));

    /// <summary>The status with the hashes of the trial's stages, so readers of its artifacts (reports, results pages) find them.</summary>
    private TrialStatus WithStageHashes(TrialStatus status)
    {
        string? autoencoder = keys.Autoencoder(status.Spec);
        return status with { AutoencoderHash = autoencoder, ClusteringHash = keys.Clustering(status.Spec, autoencoder) };
    }

    private async Task<SlotKind> ResolveResourceAsync()
    {
        var preferred = PreferredResource;
        if (_resource is null)
        {
            try
            {
                _resource = await GrainFactory.GetGrain<ISchedulerGrain>(0).ResolveKindAsync(preferred);
            }
            catch (Exception ex)
            {
                // Only a label is at stake: the stage grains ask the scheduler again for themselves.
                LogResourceUnresolved(ex, this.GetPrimaryKeyString());
                _resource = preferred;
            }
        }
        return _resource.Value;
    }

    private async Task SetAsync(TrialStatus status, bool persist)
    {
        state.State.Status = status;
        if (persist)
        {
            await state.WriteStateWithRetryAsync(options.Value);
        }
        Notify();
    }

    private void Notify()
    {
        if (state.State.SweepId is { } sweepId)
        {
            _ = GrainFactory.GetGrain<ISweepGrain>(sweepId).OnTrialUpdatedAsync(Status);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trial {TrialKey}: the scheduler did not resolve its slot kind; labelled by preference")]
    private partial void LogResourceUnresolved(Exception ex, string trialKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialKey}: the silo of stage {Hash} was lost ({Lost} so far); asking again")]
    private partial void LogStageSiloLost(Exception ex, string trialKey, string hash, int lost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialKey} failed")]
    private partial void LogTrialFailed(Exception ex, string trialKey);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trial {TrialKey}: a chain ended with an error but nothing was recorded: {Why}; the trial's stored state decides")]
    private partial void LogChainEndedUnrecorded(Exception ex, string trialKey, string why);
}
