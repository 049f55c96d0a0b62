using Grid.Abstractions.Workers;
using Grid.Grains;
using Grid.Grains.Stages;
using Grid.Silo.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Grid.Silo.Compute;

/// <summary>
/// Announces this silo's slots and running leases to the scheduler, at start and then every
/// heartbeat interval. The worker id is the silo address, which is what places the worker grain here.
/// On shutdown it drains the silo before Orleans stops (hosted services stop in reverse order, and this
/// one is registered after the silo): it tells the scheduler to send nothing more, waits up to the drain
/// timeout for running stages to finish and report, then hands back the rest, which the stages queue
/// again elsewhere without spending an attempt.
/// </summary>
public sealed partial class WorkerHeartbeatService(
    IGrainFactory grains,
    StageExecutor executor,
    SiloDrain drain,
    GridSiloOptions siloOptions,
    ILocalSiloDetails silo,
    IOptions<GridGrainOptions> options,
    TimeProvider clock,
    ILogger<WorkerHeartbeatService> logger) : BackgroundService
{
    /// <summary>Set by <see cref="SendNow"/>: the next heartbeat goes at once instead of at the end of the interval.</summary>
    private readonly SemaphoreSlim _now = new(0, 1);

    /// <summary>The worker id of this silo.</summary>
    public string WorkerId => silo.SiloAddress.ToParsableString();

    /// <summary>
    /// Sends the next heartbeat now: after a silo died the scheduler may have come back elsewhere with no worker known,
    /// and would grant no slot until it hears from them.
    /// </summary>
    public void SendNow()
    {
        lock (_now)
        {
            if (_now.CurrentCount == 0)
            {
                _now.Release();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduler = grains.GetGrain<ISchedulerGrain>(0);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SendAsync(scheduler);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHeartbeatFailed(ex, WorkerId);
            }
            try
            {
                // The interval, or less when asked to send now.
                await _now.WaitAsync(options.Value.HeartbeatInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _now.Dispose();
        base.Dispose();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        drain.Begin();
        var scheduler = grains.GetGrain<ISchedulerGrain>(0);
        try
        {
            await SendAsync(scheduler);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogHeartbeatFailed(ex, WorkerId);
        }
        var deadline = clock.GetUtcNow() + siloOptions.DrainTimeout;
        LogDraining(WorkerId, executor.Running.Count, siloOptions.DrainTimeout.TotalSeconds);
        // Polling is fine here: a shutdown waits for a handful of stages, at most the drain timeout.
        while (executor.Running.Count > 0 && clock.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, CancellationToken.None);
        }
        int handedBack = executor.HandBackAll();
        LogDrained(WorkerId, handedBack);
        await base.StopAsync(cancellationToken);
    }

    private Task SendAsync(ISchedulerGrain scheduler)
    {
        var slots = executor.Slots;
        return scheduler.HeartbeatAsync(new WorkerHeartbeat(WorkerId, silo.Name, slots.Cpu, slots.Gpu, executor.Running, drain.IsDraining));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId}: shutting down; waiting up to {Seconds:F0}s for {Running} running stage(s)")]
    private partial void LogDraining(string workerId, int running, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId}: drained; {HandedBack} unfinished stage(s) handed back")]
    private partial void LogDrained(string workerId, int handedBack);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId}: heartbeat to the scheduler failed; retrying next interval")]
    private partial void LogHeartbeatFailed(Exception ex, string workerId);
}
