using Grid.Abstractions.Workers;
using Grid.Grains.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Grid.Grains.Workers;

/// <summary>Persisted state of the scheduler: only its counter, so that it never goes back when the scheduler moves.</summary>
[GenerateSerializer]
[Alias("grid.workers.scheduler-state")]
public sealed class SchedulerState
{
    [Id(0)]
    public long LeasesGranted { get; set; }
}

/// <summary>
/// Leases slots to stages. Its working state is rebuilt from worker heartbeats (which list the leases
/// running on each worker): after a move to another silo it learns the cluster again within one
/// heartbeat interval. Only the count of leases granted is stored. Reentrant: waiting acquirers must
/// not block releases and heartbeats; Orleans still runs one turn at a time.
/// </summary>
[Reentrant]
[GrainType("grid.scheduler")]
public sealed partial class SchedulerGrain(
    [PersistentState("scheduler", "grid")] IPersistentState<SchedulerState> state,
    IOptions<GridGrainOptions> options,
    TimeProvider clock,
    GridMetrics metrics,
    IClusterMembershipService membership,
    ILogger<SchedulerGrain> logger)
    : Grain, ISchedulerGrain
{
    /// <summary>How long <c>cluster status</c> waits for the membership table's details before it shows what this silo knows.</summary>
    private static readonly TimeSpan MembershipReadTimeout = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, WorkerEntry> _workers = [];
    private readonly Dictionary<SlotKind, LinkedList<Waiter>> _queues = new() { [SlotKind.Cpu] = new(), [SlotKind.Gpu] = new() };
    private long _nextToken = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    /// <summary>Leases granted, counting from the stored count this activation started with.</summary>
    private long _granted;

    /// <summary>
    /// The count as last written to storage: what status reports. A count shown is then never lost with the silo
    /// (the next activation starts from it), so it never goes back; the grants of the last interval are shown after it.
    /// </summary>
    private long _stored;

    private Task _writing = Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _granted = _stored = state.State.LeasesGranted;
        this.RegisterGrainTimer(Sweep, new GrainTimerCreationOptions(options.Value.HeartbeatInterval, options.Value.HeartbeatInterval) { Interleave = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.SchedulerGone();
        await StoreCountAsync();
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

    public async Task<SlotLease?> AcquireAsync(SlotKind kind, string stageHash, string? requesterSilo)
    {
        var requester = requesterSilo is null ? null : SiloAddress.FromParsableString(requesterSilo);
        var waiter = new Waiter(stageHash, requester, new TaskCompletionSource<SlotLease>(TaskCreationOptions.RunContinuationsAsynchronously));
        var node = _queues[kind].AddLast(waiter);
        Dispatch();
        // A bounded wait: while a call is running here, this activation cannot be deactivated, and a deactivating
        // activation takes no other call (heartbeats, releases), so an unbounded wait could block the cluster's scheduling.
        await Task.WhenAny(waiter.Completion.Task, Task.Delay(options.Value.SlotWaitLimit, clock));
        if (!waiter.Completion.Task.IsCompleted)
        {
            // Checked and removed in one turn: a grant cannot slip in between. The stage asks again.
            node.List?.Remove(node);
            return null;
        }
        return await waiter.Completion.Task;
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

    /// <summary>
    /// Every worker this activation has heard from, and every silo the membership table still lists (so a dead silo shows
    /// as dead, with when, rather than vanishing or staying "alive"), the living first.
    /// </summary>
    public async Task<ClusterStatus> GetStatusAsync()
    {
        var now = clock.GetUtcNow();
        var entries = await MembershipEntriesAsync();
        var rows = new List<WorkerStatus>();
        foreach (var worker in _workers.Values)
        {
            var entry = entries.GetValueOrDefault(worker.WorkerId);
            var (workerState, since) = StateOf(worker, entry, now);
            rows.Add(new WorkerStatus(worker.WorkerId, worker.Silo, worker.SlotCount(SlotKind.Cpu), worker.SlotCount(SlotKind.Gpu),
                worker.Busy(SlotKind.Cpu), worker.Busy(SlotKind.Gpu), worker.LastSeen, workerState == WorkerState.Alive, workerState, since));
        }
        // Silos that left or died before this activation heard from them (it moved, or they never sent a heartbeat).
        foreach (var (id, entry) in entries.Where(e => !_workers.ContainsKey(e.Key) && e.Value.Status.IsTerminating()))
        {
            var (workerState, since) = StateOf(null, entry, now);
            rows.Add(new WorkerStatus(id, entry.SiloName ?? id, 0, 0, 0, 0, Utc(entry.IAmAliveTime), false, workerState, since));
        }
        var ordered = rows
            .OrderBy(r => r.State == WorkerState.Dead)
            .ThenByDescending(r => r.State == WorkerState.Dead ? r.Since : null)
            .ThenBy(r => r.Silo, StringComparer.Ordinal)
            .ToList();
        return new ClusterStatus(ordered, _queues[SlotKind.Cpu].Count, _queues[SlotKind.Gpu].Count, _stored);
    }

    public Task<int> CountAliveWorkersAsync()
    {
        var now = clock.GetUtcNow();
        return Task.FromResult(_workers.Values.Count(w => w.Alive(now, options.Value.WorkerTimeout)));
    }

    /// <summary>
    /// A worker's state from its heartbeats and its silo's membership entry (null: the table could not be read, or does not
    /// list it yet); for a dead silo also when it died: the latest of its last "I am alive" and the votes that declared it dead.
    /// </summary>
    private (WorkerState State, DateTimeOffset? Since) StateOf(WorkerEntry? worker, MembershipEntry? entry, DateTimeOffset now)
    {
        var status = entry?.Status ?? (worker is null ? SiloStatus.None : membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(worker.WorkerId)));
        if (status == SiloStatus.Dead)
        {
            var died = entry is null ? (DateTime?)null
                : (entry.SuspectTimes ?? []).Select(v => v.Item2).Append(entry.IAmAliveTime).Max();
            return (WorkerState.Dead, died is { } time ? Utc(time) : null);
        }
        if (status is SiloStatus.ShuttingDown or SiloStatus.Stopping || worker?.Draining == true)
        {
            return (WorkerState.Leaving, null);
        }
        return worker is not null && worker.Alive(now, options.Value.WorkerTimeout) ? (WorkerState.Alive, null) : (WorkerState.Silent, null);
    }

    /// <summary>The membership table's times are UTC without saying so.</summary>
    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    /// <summary>The membership table's entries by silo (worker id), read through the management grain; empty when it does not answer in time.</summary>
    private async Task<Dictionary<string, MembershipEntry>> MembershipEntriesAsync()
    {
        try
        {
            var entries = await GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false).WaitAsync(MembershipReadTimeout);
            return entries
                .GroupBy(e => e.SiloAddress.ToParsableString(), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        }
        catch (Exception ex)
        {
            // Redis slow or away: the silo's own view of the membership (statuses, no times) stands in.
            LogMembershipUnread(ex);
            return [];
        }
    }

    /// <summary>Writes the count of leases granted when it grew; one write at a time (the grain is reentrant).</summary>
    private Task StoreCountAsync()
    {
        if (_writing.IsCompleted && _granted > _stored)
        {
            _writing = WriteCountAsync(_granted);
        }
        return _writing;
    }

    private async Task WriteCountAsync(long count)
    {
        try
        {
            state.State.LeasesGranted = Math.Max(count, state.State.LeasesGranted);
            await state.WriteStateAsync();
            _stored = state.State.LeasesGranted;
        }
        catch (Exception ex)
        {
            // Storage away, or another activation wrote in between (there can briefly be two while a dead silo is declared
            // dead): take the larger count and try again at the next interval. Shown counts only ever come from storage.
            LogCountNotStored(ex);
            try
            {
                await state.ReadStateAsync();
                _granted = Math.Max(_granted, state.State.LeasesGranted);
            }
            catch (Exception readFailed)
            {
                LogCountNotStored(readFailed);
            }
        }
    }

    /// <summary>
    /// Drops silent workers, reclaims leases their worker never started, and stops work whose stage activation's
    /// silo is gone: nobody would record its result, and it would hold its slot (an autoencoder for many minutes)
    /// while the stage, asked again by its trials, waits for another.
    /// </summary>
    private async Task Sweep(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var snapshot = membership.CurrentSnapshot;
        foreach (var worker in _workers.Values.ToList())
        {
            var siloStatus = snapshot.GetSiloStatus(SiloAddress.FromParsableString(worker.WorkerId));
            if (!worker.Alive(now, options.Value.WorkerTimeout) && worker.Heartbeat is not null)
            {
                if (!worker.Lost)
                {
                    LogWorkerLost(worker.WorkerId, worker.Silo);
                    worker.Withdraw();
                }
                // Kept (and shown as dead or silent) while the membership lists its silo; forgotten once it does not.
                if (siloStatus == SiloStatus.None)
                {
                    _workers.Remove(worker.WorkerId);
                }
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
        await StoreCountAsync();
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

        /// <summary>Its heartbeats stopped and its leases were withdrawn.</summary>
        public bool Lost { get; private set; }

        public void Update(WorkerHeartbeat heartbeat, DateTimeOffset now)
        {
            Heartbeat = heartbeat;
            LastSeen = now;
            Lost = false;
        }

        /// <summary>Its heartbeats stopped: its leases are forgotten (their stages are asked again when their silo is declared dead).</summary>
        public void Withdraw()
        {
            _leases.Clear();
            Lost = true;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: the membership table's details could not be read; status shows this silo's view")]
    private partial void LogMembershipUnread(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler: the count of leases granted could not be stored; trying again at the next interval")]
    private partial void LogCountNotStored(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler: stopping lease {Token} on {WorkerId} failed")]
    private partial void LogCancelFailed(Exception ex, long token, string workerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler: lease {Token} on {WorkerId} for stage {StageHash} was never started; reclaimed")]
    private partial void LogLeaseReclaimed(long token, string workerId, string stageHash);
}
