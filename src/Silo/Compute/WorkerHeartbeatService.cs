using Grid.Abstractions.Workers;
using Grid.Grains;
using Grid.Grains.Stages;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Grid.Silo.Compute;

/// <summary>
/// Announces this silo's slots and running leases to the scheduler, at start and then every
/// heartbeat interval. The worker id is the silo address, which is what places the worker grain here.
/// </summary>
public sealed partial class WorkerHeartbeatService(
    IGrainFactory grains,
    IStageExecutor executor,
    ILocalSiloDetails silo,
    IOptions<GridGrainOptions> options,
    ILogger<WorkerHeartbeatService> logger) : BackgroundService
{
    /// <summary>The worker id of this silo.</summary>
    public string WorkerId => silo.SiloAddress.ToParsableString();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduler = grains.GetGrain<ISchedulerGrain>(0);
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        do
        {
            try
            {
                var slots = executor.Slots;
                await scheduler.HeartbeatAsync(new WorkerHeartbeat(WorkerId, silo.Name, slots.Cpu, slots.Gpu, executor.Running));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHeartbeatFailed(ex, WorkerId);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId}: heartbeat to the scheduler failed; retrying next interval")]
    private partial void LogHeartbeatFailed(Exception ex, string workerId);
}
