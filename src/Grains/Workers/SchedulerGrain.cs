using Grid.Abstractions.Workers;
using Grid.Grains.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Grid.Grains.Workers;

/// <summary>
/// Leases slots to stages. Its state is rebuilt from worker heartbeats (which list the leases
/// running on each worker), so it needs no storage: after a move to another silo it learns the
/// cluster again within one heartbeat interval. Reentrant: waiting acquirers must not block
/// releases and heartbeats; Orleans still runs one turn at a time.
/// </summary>
[Reentrant]
[GrainType("grid.scheduler")]
public sealed partial class SchedulerGrain(
    IOptions<GridGrainOptions> options,
    TimeProvider clock,
    GridMetrics metrics,
    IClusterMembershipService membership,
    ILogger<SchedulerGrain> logger)
    : Grain, ISchedulerGrain
{
    private readonly Dictionary<string, WorkerEntry> _workers = [];
    private readonly Dictionary<SlotKind, LinkedList<Waiter>> _queues = new() { [SlotKind.Cpu] = new(), [SlotKind.Gpu] = new() };
    private long _nextToken = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private long _granted;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Sweep, new GrainTimerCreationOptions(options.Value.HeartbeatInterval, options.Value.HeartbeatInterval) { Interleave = true });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.SchedulerGone();
        return Task.CompletedTask;
    }

    public Task HeartbeatAsync(WorkerHeartbeat heartbeat)
    {
        if (!_workers.TryGetValue(heartbeat.WorkerId, out var worker))
        {
            worker = new WorkerEntry(heartbeat.WorkerId);
            _workers[heartbeat.WorkerId] = worker;
            LogWorkerJoined(heartbeat.WorkerId, heartbeat.Silo, heartbeat.CpuSlots, heartbeat.GpuSlots);
        }
        worker.Update(heartbeat, clock.GetUtcNow());
        // Leases the worker runs that we do not know (we moved, or restarted) are adopted, so
        // their slots are not handed out twice.
        foreach (var running in heartbeat.Running)
        {
            if (worker.LeaseAt(running.Kind, running.Slot) is null && !RequesterLost(running))
            {
                worker.Assign(running);
                _nextToken = Math.Max(_nextToken, running.Token + 1);
            }
        }
        Dispatch();
        return Task.CompletedTask;
    }

    public Task<SlotKind> ResolveKindAsync(SlotKind preferred)
    {
        bool available = _workers.Values.Any(w => w.Alive(clock.GetUtcNow(), options.Value.WorkerTimeout) && w.SlotCount(preferred) > 0);
        // A GPU pool that scales from zero comes up because gpu work is queued (GridGrainOptions.WaitForGpu).
        bool wait = preferred == SlotKind.Gpu && options.Value.WaitForGpu;
        return Task.FromResult(available || wait ? preferred : SlotKind.Cpu);
    }

    public Task<SlotLease> AcquireAsync(SlotKind kind, string stageHash, string? requesterSilo)
    {
        var requester = requesterSilo is null ? null : SiloAddress.FromParsableString(requesterSilo);
        var waiter = new Waiter(stageHash, requester, new TaskCompletionSource<SlotLease>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queues[kind].AddLast(waiter);
        Dispatch();
        return waiter.Completion.Task;
    }

    public Task<bool> ReleaseAsync(SlotLease lease)
    {
        if (!_workers.TryGetValue(lease.WorkerId, out var worker) || worker.LeaseAt(lease.Kind, lease.Slot)?.Token != lease.Token)
        {
            return Task.FromResult(false);
        }
        worker.Free(lease.Kind, lease.Slot);
        Dispatch();
        return Task.FromResult(true);
    }

    public Task<ClusterStatus> GetStatusAsync()
    {
        var now = clock.GetUtcNow();
        var workers = _workers.Values
            .OrderBy(w => w.Silo, StringComparer.Ordinal)
            .Select(w => new WorkerStatus(w.WorkerId, w.Silo, w.SlotCount(SlotKind.Cpu), w.SlotCount(SlotKind.Gpu),
                w.Busy(SlotKind.Cpu), w.Busy(SlotKind.Gpu), w.LastSeen, w.Alive(now, options.Value.WorkerTimeout)))
            .ToList();
        return Task.FromResult(new ClusterStatus(workers, _queues[SlotKind.Cpu].Count, _queues[SlotKind.Gpu].Count, _granted));
    }

    /// <summary>
    /// Drops silent workers, reclaims leases their worker never started, and stops work whose stage activation's
    /// silo is gone: nobody would record its result, and it would hold its slot (an autoencoder for many minutes)
    /// while the stage, asked again by its trials, waits for another.
    /// </summary>
    private Task Sweep(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var worker in _workers.Values.ToList())
        {
            if (!worker.Alive(now, options.Value.WorkerTimeout) && worker.Heartbeat is not null)
            {
                LogWorkerLost(worker.WorkerId, worker.Silo);
                _workers.Remove(worker.WorkerId);
                continue;
            }
            foreach (var lease in worker.StaleLeases(now, options.Value.LeaseGrace))
            {
                LogLeaseReclaimed(lease.Token, lease.WorkerId, lease.StageHash);
                worker.Free(lease.Kind, lease.Slot);
            }
            foreach (var lease in worker.Leases.Where(RequesterLost).ToList())
            {
                LogLeaseOrphaned(lease.Token, lease.WorkerId, lease.StageHash, lease.Requester!);
                worker.Free(lease.Kind, lease.Slot);
                if (!IsDead(lease.WorkerId))
                {
                    // The worker stops it at its next step; the slot's next stage queues behind it on the slot's thread.
                    _ = CancelQuietlyAsync(lease);
                }
            }
        }
        Dispatch();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether membership has declared the silo that asked for <paramref name="lease"/> dead. Dead, not merely leaving:
    /// a silo that shuts down gracefully still records what finishes while it drains.
    /// </summary>
    private bool RequesterLost(SlotLease lease) => lease.Requester is { } requester && IsDead(requester);

    /// <summary>Whether membership has declared the silo at <paramref name="siloAddress"/> (a worker id is one) dead.</summary>
    private bool IsDead(string siloAddress) =>
        membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(siloAddress)) == SiloStatus.Dead;

    private async Task CancelQuietlyAsync(SlotLease lease)
    {
        try
        {
            await GrainFactory.GetGrain<IWorkerGrain>(lease.WorkerId).CancelAsync(lease.Token);
        }
        catch (Exception ex)
        {
            // Its silo may be going too; then the work ends with it.
            LogCancelFailed(ex, lease.Token, lease.WorkerId);
        }
    }

    private void Dispatch()
    {
        var now = clock.GetUtcNow();
        DropLostWaiters();
        foreach (var (kind, queue) in _queues)
        {
            while (queue.First is { } first)
            {
                var (worker, slot) = FindFreeSlot(kind, now);
                if (worker is null)
                {
                    break;
                }
                queue.RemoveFirst();
                var lease = new SlotLease(worker.WorkerId, kind, slot, ++_nextToken, first.Value.StageHash, now, first.Value.Requester?.ToParsableString());
                worker.Assign(lease);
                _granted++;
                metrics.LeaseGranted(kind);
                first.Value.Completion.TrySetResult(lease);
            }
        }
        metrics.SchedulerChanged(_queues[SlotKind.Cpu].Count, _queues[SlotKind.Gpu].Count,
            _workers.Values.Count(w => w.Alive(now, options.Value.WorkerTimeout)));
    }

    /// <summary>
    /// Drops the waits of stage activations whose silo membership has declared dead or leaving. Their answer would go
    /// nowhere, yet each would be granted a slot that then idles until its lease grace is up: after a silo is lost with
    /// many stages queued, the survivors' slots would sit idle for that many lease graces, the queue in order. The stages
    /// themselves are asked again by their trials and queue anew from their next activation.
    /// </summary>
    private void DropLostWaiters()
    {
        var snapshot = membership.CurrentSnapshot;
        foreach (var queue in _queues.Values)
        {
            for (var node = queue.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Requester is { } requester && snapshot.GetSiloStatus(requester).IsTerminating())
                {
                    queue.Remove(node);
                    LogWaiterDropped(node.Value.StageHash, requester.ToParsableString());
                    node.Value.Completion.TrySetException(new SiloUnavailableException($"stage {node.Value.StageHash}: its silo {requester} is gone; its wait for a slot is dropped"));
                }
                node = next;
            }
        }
    }

    private (WorkerEntry? Worker, int Slot) FindFreeSlot(SlotKind kind, DateTimeOffset now)
    {
        // Least-loaded alive worker first, so work spreads over silos. A worker whose silo membership has
        // declared dead (or that is shutting down) gets nothing, even before its heartbeats time out.
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var worker in _workers.Values
                     .Where(w => w.Alive(now, options.Value.WorkerTimeout) && active.Contains(w.WorkerId) && !w.Draining)
                     .OrderBy(w => w.Busy(SlotKind.Cpu) + w.Busy(SlotKind.Gpu))
                     .ThenBy(w => w.WorkerId, StringComparer.Ordinal))
        {
            int slot = worker.FreeSlot(kind);
            if (slot >= 0)
            {
                return (worker, slot);
            }
        }
        return (null, -1);
    }

    private sealed record Waiter(string StageHash, SiloAddress? Requester, TaskCompletionSource<SlotLease> Completion);

    private sealed class WorkerEntry(string workerId)
    {
        private readonly Dictionary<(SlotKind, int), SlotLease> _leases = [];

        public string WorkerId { get; } = workerId;

        public WorkerHeartbeat? Heartbeat { get; private set; }

        public string Silo => Heartbeat?.Silo ?? WorkerId;

        public DateTimeOffset LastSeen { get; private set; }

        public void Update(WorkerHeartbeat heartbeat, DateTimeOffset now)
        {
            Heartbeat = heartbeat;
            LastSeen = now;
        }

        public bool Alive(DateTimeOffset now, TimeSpan timeout) => Heartbeat is not null && now - LastSeen < timeout;

        /// <summary>The worker's silo is shutting down: it finishes what it runs and takes nothing new.</summary>
        public bool Draining => Heartbeat?.Draining ?? false;

        public int SlotCount(SlotKind kind) => kind == SlotKind.Gpu ? Heartbeat?.GpuSlots ?? 0 : Heartbeat?.CpuSlots ?? 0;

        public int Busy(SlotKind kind) => _leases.Keys.Count(k => k.Item1 == kind);

        public SlotLease? LeaseAt(SlotKind kind, int slot) => _leases.GetValueOrDefault((kind, slot));

        public int FreeSlot(SlotKind kind)
        {
            for (int slot = 0; slot < SlotCount(kind); slot++)
            {
                if (!_leases.ContainsKey((kind, slot)))
                {
                    return slot;
                }
            }
            return -1;
        }

        public IEnumerable<SlotLease> Leases => _leases.Values;

        public void Assign(SlotLease lease) => _leases[(lease.Kind, lease.Slot)] = lease;

        public void Free(SlotKind kind, int slot) => _leases.Remove((kind, slot));

        public IEnumerable<SlotLease> StaleLeases(DateTimeOffset now, TimeSpan grace)
        {
            var running = Heartbeat?.Running.Select(r => r.Token).ToHashSet() ?? [];
            return _leases.Values.Where(l => now - l.Granted > grace && !running.Contains(l.Token)).ToList();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: worker {WorkerId} on {Silo} joined with cpu={Cpu},gpu={Gpu}")]
    private partial void LogWorkerJoined(string workerId, string silo, int cpu, int gpu);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler: worker {WorkerId} on {Silo} stopped sending heartbeats; its slots are withdrawn")]
    private partial void LogWorkerLost(string workerId, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler: stage {StageHash} waited for a slot from silo {Silo}, which is gone; its wait is dropped")]
    private partial void LogWaiterDropped(string stageHash, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler: lease {Token} on {WorkerId} for stage {StageHash} was asked for from silo {Requester}, which is dead; the work is stopped and the slot freed")]
    private partial void LogLeaseOrphaned(long token, string workerId, string stageHash, string requester);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: stopping lease {Token} on {WorkerId} failed")]
    private partial void LogCancelFailed(Exception ex, long token, string workerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler: lease {Token} on {WorkerId} for stage {StageHash} was never started; reclaimed")]
    private partial void LogLeaseReclaimed(long token, string workerId, string stageHash);
}
