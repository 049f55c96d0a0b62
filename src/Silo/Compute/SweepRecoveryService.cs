using Grid.Abstractions.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Grid.Silo.Compute;

/// <summary>
/// When a silo starts, wakes every sweep that has not finished, so that after a whole-cluster restart
/// (cluster mode: sweep and trial state are in Redis) the sweeps resume at once instead of at their next
/// watchdog reminder: each sweep re-reads its open trials, and a trial that was running resumes its chain
/// (finished stages are memoized; an autoencoder continues from its last epoch checkpoint). Harmless when
/// nothing was interrupted, and on every silo of a cluster: reconciling is idempotent.
/// </summary>
public sealed partial class SweepRecoveryService(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<SweepRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // After the silo (and its gateway) has started: before, grain calls would wait for it.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        // Right after a whole-cluster restart the membership still lists the dead silos until they are
        // declared dead, and calls routed to them fail: try again a few times before leaving it to the reminders.
        for (int attempt = 1; attempt <= RecoveryAttempts; attempt++)
        {
            try
            {
                var sweeps = await grains.GetGrain<ISweepRegistryGrain>(0).ListAsync();
                var open = sweeps.Where(s => s.State is SweepState.Pending or SweepState.Running).ToList();
                await Task.WhenAll(open.Select(s => grains.GetGrain<ISweepGrain>(s.SweepId).ReconcileAsync()));
                if (open.Count > 0)
                {
                    LogResumed(open.Count);
                }
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecoveryFailed(ex, attempt, RecoveryAttempts);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private const int RecoveryAttempts = 12;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery: woke {Count} unfinished sweep(s)")]
    private partial void LogResumed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery: could not list or wake unfinished sweeps (attempt {Attempt} of {Attempts}); their watchdog reminders also will")]
    private partial void LogRecoveryFailed(Exception ex, int attempt, int attempts);
}
