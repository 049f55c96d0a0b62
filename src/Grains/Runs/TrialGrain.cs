using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Grains.Stages;
using Microsoft.Extensions.Logging;
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
    ILogger<TrialGrain> logger) : Grain, ITrialGrain
{
    private static readonly TimeSpan KeepAliveWhileRunning = TimeSpan.FromDays(7);

    private CancellationTokenSource? _cancel;
    private Task? _run;

    private TrialStatus Status => state.State.Status!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A trial that was running when its silo went away resumes: its finished stages are memoized.
        if (state.State.Status is { State: TrialState.Pending or TrialState.Running })
        {
            StartChain();
        }
        return Task.CompletedTask;
    }

    public async Task StartAsync(string sweepId, TrialSpec spec)
    {
        if (state.State.Status is not null)
        {
            return;
        }
        state.State.SweepId = sweepId;
        state.State.Status = new TrialStatus(this.GetPrimaryKeyString(), spec, TrialState.Pending, null, null, null, 0, 0);
        await state.WriteStateAsync();
        StartChain();
    }

    public async Task CancelAsync()
    {
        if (state.State.Status is not { State: TrialState.Pending or TrialState.Running })
        {
            return;
        }
        _cancel?.Cancel();
        await SetAsync(Status with { State = TrialState.Cancelled, Progress = null }, persist: true);
        foreach (var request in StageKeys.Chain(Status.Spec))
        {
            await GrainFactory.GetGrain<IStageGrain>(request.Hash).AbandonAsync(this.GetPrimaryKeyString());
        }
    }

    public Task<TrialStatus?> GetStatusAsync() => Task.FromResult(state.State.Status);

    public Task OnStageProgressAsync(StageProgress progress)
    {
        if (state.State.Status is { State: TrialState.Running })
        {
            state.State.Status = Status with { Progress = progress };
            Notify();
        }
        return Task.CompletedTask;
    }

    private void StartChain()
    {
        if (_run is { IsCompleted: false })
        {
            return;
        }
        _cancel = new CancellationTokenSource();
        // The chain awaits stages that may queue for a long time with no call arriving here;
        // keep the activation until it ends.
        DelayDeactivation(KeepAliveWhileRunning);
        _run = RunChainAsync(_cancel.Token);
    }

    private async Task RunChainAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SetAsync(Status with { State = TrialState.Running }, persist: true);
            int computed = 0, reused = 0;
            StageOutcome? last = null;
            foreach (var request in StageKeys.Chain(Status.Spec))
            {
                var stage = GrainFactory.GetGrain<IStageGrain>(request.Hash);
                last = await stage.RunAsync(request, this.GetPrimaryKeyString()).WaitAsync(cancellationToken);
                if (last.Reused)
                {
                    reused++;
                }
                else
                {
                    computed++;
                }
                state.State.Status = Status with { StagesComputed = computed, StagesReused = reused };
            }
            var result = last?.Clustering ?? throw new InvalidOperationException("the chain's last stage returned no clustering result");
            await SetAsync(Status with { State = TrialState.Succeeded, Result = result, Progress = null }, persist: true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // CancelAsync recorded the state.
        }
        catch (Exception ex)
        {
            LogTrialFailed(ex, this.GetPrimaryKeyString());
            if (state.State.Status is { State: TrialState.Pending or TrialState.Running })
            {
                await SetAsync(Status with { State = TrialState.Failed, Error = ex.Message, Progress = null }, persist: true);
            }
        }
        finally
        {
            DelayDeactivation(TimeSpan.Zero);
        }
    }

    private async Task SetAsync(TrialStatus status, bool persist)
    {
        state.State.Status = status;
        if (persist)
        {
            await state.WriteStateAsync();
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialKey} failed")]
    private partial void LogTrialFailed(Exception ex, string trialKey);
}
