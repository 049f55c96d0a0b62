using Grid.Abstractions.Stages;

namespace Grid.Abstractions.Workers;

/// <summary>The kind of compute slot a stage asks for.</summary>
[GenerateSerializer]
[Alias("grid.workers.slot-kind")]
public enum SlotKind
{
    Cpu,
    Gpu,
}

/// <summary>
/// The right to run one stage on one slot. <paramref name="Token"/> is a fencing token: it
/// grows with every grant, and the scheduler honours a release or a result only from the
/// current holder of the slot. <paramref name="Requester"/> is the silo of the stage activation that asked for it
/// (null: unknown): if that silo dies, nobody will take the result, and the scheduler stops the work.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.workers.slot-lease")]
public sealed record SlotLease(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] SlotKind Kind,
    [property: Id(2)] int Slot,
    [property: Id(3)] long Token,
    [property: Id(4)] string StageHash,
    [property: Id(5)] DateTimeOffset Granted,
    [property: Id(6)] string? Requester = null);

/// <summary>
/// A silo's worker announces its slots and what it is running; sent at start and then periodically.
/// <c>Draining</c>: the silo is shutting down; it finishes (or hands back) what it runs and takes nothing new.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.workers.worker-heartbeat")]
public sealed record WorkerHeartbeat(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Silo,
    [property: Id(2)] int CpuSlots,
    [property: Id(3)] int GpuSlots,
    [property: Id(4)] IReadOnlyList<SlotLease> Running,
    [property: Id(5)] bool Draining = false);

/// <summary>Where a worker's silo is, as its heartbeats and the cluster's membership tell. Append new values only.</summary>
[GenerateSerializer]
[Alias("grid.workers.worker-state")]
public enum WorkerState
{
    /// <summary>Active in the membership and sending heartbeats: its free slots get work.</summary>
    Alive,

    /// <summary>Active in the membership, but its heartbeats stopped: it gets no work until they resume.</summary>
    Silent,

    /// <summary>Shutting down: it finishes or hands back what it runs and takes nothing new.</summary>
    Leaving,

    /// <summary>Declared dead by the membership: killed, or gone after a shutdown.</summary>
    Dead,
}

/// <summary>One worker (one silo) as the scheduler sees it.</summary>
/// <param name="LastSeen">Its last heartbeat; for a silo known only from the membership, its last "I am alive" there.</param>
/// <param name="Alive">Whether its slots get work: <paramref name="State"/> is <see cref="WorkerState.Alive"/>.</param>
/// <param name="State">Alive, silent, leaving or dead.</param>
/// <param name="Since">For a dead silo, when it was declared dead (or left); otherwise null.</param>
[GenerateSerializer, Immutable]
[Alias("grid.workers.worker-status")]
public sealed record WorkerStatus(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Silo,
    [property: Id(2)] int CpuSlots,
    [property: Id(3)] int GpuSlots,
    [property: Id(4)] int BusyCpu,
    [property: Id(5)] int BusyGpu,
    [property: Id(6)] DateTimeOffset LastSeen,
    [property: Id(7)] bool Alive,
    [property: Id(8)] WorkerState State = WorkerState.Alive,
    [property: Id(9)] DateTimeOffset? Since = null);

/// <summary>What <c>grid cluster status</c> shows. <paramref name="LeasesGranted"/> counts every lease since the cluster's state began; it never goes back.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.workers.cluster-status")]
public sealed record ClusterStatus(
    [property: Id(0)] IReadOnlyList<WorkerStatus> Workers,
    [property: Id(1)] int QueuedCpu,
    [property: Id(2)] int QueuedGpu,
    [property: Id(3)] long LeasesGranted);

/// <summary>
/// Hands out slots across the cluster (a single grain, key 0). Requests wait in a queue per
/// slot kind until a slot of that kind is free.
/// </summary>
[Alias("grid.workers.scheduler")]
public interface ISchedulerGrain : IGrainWithIntegerKey
{
    [Alias("heartbeat")]
    Task HeartbeatAsync(WorkerHeartbeat heartbeat);

    /// <summary>The kind to ask for: <paramref name="preferred"/> when the cluster has such slots (or gpu work waits for GPU silos: Grid:Grains:WaitForGpu), else cpu.</summary>
    [Alias("resolve-kind")]
    Task<SlotKind> ResolveKindAsync(SlotKind preferred);

    /// <summary>
    /// Waits for a free slot of <paramref name="kind"/> and leases it, or answers null ("none yet: ask again") after a
    /// bounded wait (<c>Grid:Grains:SlotWaitLimit</c>): a call held open for long would stop the scheduler's activation
    /// from ever being deactivated (Orleans waits for its running calls, and holds every other call meanwhile; it
    /// deactivates activations whose grain-directory entry was on a silo that died or leaves). <paramref name="requesterSilo"/>
    /// is the silo of the asking activation (<c>SiloAddress.ToParsableString()</c>; null: unknown): when membership declares
    /// that silo dead or leaving while it waits, the wait is dropped instead of being handed a slot that nobody would use.
    /// </summary>
    [Alias("acquire"), ResponseTimeout("00:02:00")]
    Task<SlotLease?> AcquireAsync(SlotKind kind, string stageHash, string? requesterSilo);

    /// <summary>Returns a slot; false when the lease was no longer current (fenced off).</summary>
    [Alias("release")]
    Task<bool> ReleaseAsync(SlotLease lease);

    /// <summary>The workers, their slots and states (merged with the membership table, so dead silos show as dead), the queues and the lease count.</summary>
    [Alias("status")]
    Task<ClusterStatus> GetStatusAsync();

    /// <summary>How many workers send heartbeats now (cheap: for readiness probes).</summary>
    [Alias("alive-workers")]
    Task<int> CountAliveWorkersAsync();
}

/// <summary>
/// The compute worker of one silo (key: the worker id the silo announces). Always activated on
/// that silo, so the work it runs uses that silo's slots and dedicated compute threads.
/// </summary>
[Alias("grid.workers.worker")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs a stage on the leased slot and returns its outcome.</summary>
    [Alias("execute"), ResponseTimeout("7.00:00:00")]
    Task<StageOutcome> ExecuteAsync(SlotLease lease, StageRequest request);

    /// <summary>Stops the work running under lease <paramref name="token"/>, if any; its ExecuteAsync then fails as cancelled.</summary>
    [Alias("cancel")]
    Task CancelAsync(long token);
}
