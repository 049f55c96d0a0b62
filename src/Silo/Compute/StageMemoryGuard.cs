using Grid.Silo.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Grid.Silo.Compute;

/// <summary>
/// Keeps one stage's appetite from taking the silo down. Past the memory limit the system (or the
/// container's cgroup) kills the whole process, and with it every stage the silo runs; so while the
/// silo's resident memory is above <see cref="GridSiloOptions.MemoryLimit"/>, the newest running stage is
/// stopped, its attempt fails as out of memory (the stage retries a bounded number of times, elsewhere
/// if it can), its tensors are freed, and the silo goes on with its other work.
/// </summary>
public sealed partial class StageMemoryGuard(StageExecutor executor, GridSiloOptions options, ILocalSiloDetails silo, ILogger<StageMemoryGuard> logger) : BackgroundService
{
    /// <summary>How often resident memory is read: often enough to catch a stage growing batch by batch.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.MemoryLimitBytes() is not long limit)
        {
            return;
        }
        LogLimit(MemorySize.Format(limit));
        using var timer = new PeriodicTimer(SampleInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (executor.Running.Count == 0)
            {
                continue;
            }
            long resident = Environment.WorkingSet;
            if (resident <= limit)
            {
                continue;
            }
            string reason = $"out of memory: silo {silo.Name} reached {MemorySize.Format(resident)} resident, over its limit of " +
                $"{MemorySize.Format(limit)} (--memory-limit), while this stage ran; it was stopped so the silo's other work goes on";
            if (executor.StopNewestForMemory(reason) is { } stopped)
            {
                LogStopped(stopped.StageHash, MemorySize.Format(resident), MemorySize.Format(limit));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory guard: stages are stopped above {Limit} resident")]
    private partial void LogLimit(string limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory guard: stopped stage {Hash} at {Resident} resident (limit {Limit})")]
    private partial void LogStopped(string hash, string resident, string limit);
}
