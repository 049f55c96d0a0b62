using Grid.Abstractions.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Grid.Silo.Compute;

/// <summary>
/// Wakes every sweep that has not finished, so that interrupted work resumes at once instead of at the sweeps' next
/// watchdog reminder (every minute): each sweep re-reads its open trials, which activates (and so resumes) any trial
/// whose activation was lost; finished stages are memoized and an autoencoder continues from its last epoch checkpoint.
/// <list type="bullet">
/// <item>When this silo starts: after a whole-cluster restart (cluster mode: sweep and trial state are in Redis).</item>
/// <item>When the membership has another silo leaving or dead (stopped, or killed and declared dead): the trials that
/// lived there were waiting on stages, and nothing else calls them; their reports to a sweep grain that lived there were
/// lost. Survivors also lose activations of their own: Orleans deactivates those whose grain-directory entry the silo
/// held, and a trial's chain cannot record anything from a deactivated activation. Only one survivor wakes the sweeps
/// (the active silo with the lowest address), and every survivor sends its worker's heartbeat at once, since the
/// scheduler may have moved and knows no worker until it hears.</item>
/// </list>
/// Harmless when nothing was interrupted: reconciling is idempotent.
/// </summary>
public sealed partial class SweepRecoveryService(
    IGrainFactory grains,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    WorkerHeartbeatService heartbeats,
    IOptions<ClusterMembershipOptions> failureDetection,
    IHostApplicationLifetime lifetime,
    ILogger<SweepRecoveryService> logger) : BackgroundService
{
    /// <summary>Right after a whole-cluster restart the membership still lists the dead silos until they are declared dead.</summary>
    private static readonly RetryPolicy AtStart = new(12, TimeSpan.FromSeconds(10));

    /// <summary>Right after a death the grain directory settles; a few quick tries, then the reminders take over.</summary>
    private static readonly RetryPolicy AfterLoss = new(10, TimeSpan.FromSeconds(2));

    /// <summary>Set when a silo was lost; a loss during a wake brings one more wake after it (not one per loss).</summary>
    private readonly SemaphoreSlim _lossSignal = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // After the silo (and its gateway) has started: before, grain calls would wait for it.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        // The settings in effect (not the ones meant), since recovery from a lost silo waits on them.
        var detection = failureDetection.Value;
        LogFailureDetection(detection.NumMissedProbesLimit, detection.ProbeTimeout.TotalSeconds, detection.NumVotesForDeathDeclaration, detection.IAmAliveTablePublishTimeout.TotalSeconds);
        var atStart = WakeAsync("start", AtStart, stoppingToken);
        var afterLosses = WakeAfterLossesAsync(stoppingToken);
        try
        {
            await FollowLossesAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(atStart, afterLosses);
    }

    public override void Dispose()
    {
        _lossSignal.Dispose();
        base.Dispose();
    }

    private async Task WakeAfterLossesAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await _lossSignal.WaitAsync(stoppingToken);
                await WakeAsync("silo lost", AfterLoss, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reacts to every silo the membership has leaving and then dead, for as long as this silo runs.</summary>
    private async Task FollowLossesAsync(CancellationToken stoppingToken)
    {
        var previous = membership.CurrentSnapshot;
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
        {
            var lost = snapshot.CreateUpdate(previous).Changes
                .Where(m => m.Status.IsTerminating() && m.Status != previous.GetSiloStatus(m.SiloAddress) && !m.SiloAddress.Equals(silo.SiloAddress))
                .ToList();
            previous = snapshot;
            if (lost.Count == 0)
            {
                continue;
            }
            heartbeats.SendNow();
            var responsible = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).Min();
            if (silo.SiloAddress.Equals(responsible))
            {
                LogSiloLost(string.Join(", ", lost.Select(m => $"{m.Name ?? m.SiloAddress.ToString()} ({m.Status})")));
                if (_lossSignal.CurrentCount == 0)
                {
                    _lossSignal.Release();
                }
            }
        }
    }

    /// <summary>Reconciles every unfinished sweep; tries again as <paramref name="policy"/> says, then leaves it to the reminders.</summary>
    private async Task WakeAsync(string why, RetryPolicy policy, CancellationToken stoppingToken)
    {
        for (int attempt = 1; attempt <= policy.Attempts && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var sweeps = await grains.GetGrain<ISweepRegistryGrain>(0).ListAsync();
                var open = sweeps.Where(s => s.State is SweepState.Pending or SweepState.Running).ToList();
                await Task.WhenAll(open.Select(s => grains.GetGrain<ISweepGrain>(s.SweepId).ReconcileAsync()));
                if (open.Count > 0)
                {
                    LogResumed(open.Count, why);
                }
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecoveryFailed(ex, why, attempt, policy.Attempts);
                try
                {
                    await Task.Delay(policy.Pause, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private sealed record RetryPolicy(int Attempts, TimeSpan Pause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Failure detection: a silo that misses {Probes} probes in a row (one every {Seconds:F1} s) is declared dead by {Votes} vote(s); each silo writes I am alive every {AliveSeconds:F0} s")]
    private partial void LogFailureDetection(int probes, double seconds, int votes, double aliveSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery ({Why}): woke {Count} unfinished sweep(s)")]
    private partial void LogResumed(int count, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery: the membership has {Silos}; waking the unfinished sweeps")]
    private partial void LogSiloLost(string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery ({Why}): could not list or wake unfinished sweeps (attempt {Attempt} of {Attempts}); their watchdog reminders also will")]
    private partial void LogRecoveryFailed(Exception ex, string why, int attempt, int attempts);
}
