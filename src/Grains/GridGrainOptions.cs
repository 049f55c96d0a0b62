namespace Grid.Grains;

/// <summary>Timing and retry settings of the grid's grains (section <c>Grid:Grains</c>).</summary>
public sealed class GridGrainOptions
{
    /// <summary>Attempts per stage before the trials that need it fail.</summary>
    public int MaxStageAttempts { get; set; } = 3;

    /// <summary>
    /// How many times a stage or a trial's call to it is retried because a silo was lost under it (killed,
    /// stopped, unreachable): such interruptions do not count as attempts, but they are bounded.
    /// </summary>
    public int MaxSiloLossRetries { get; set; } = 20;

    /// <summary>
    /// How long grains keep retrying a state write while storage (Redis in cluster mode) is unavailable
    /// before they give up and report the failure.
    /// </summary>
    public TimeSpan StorageOutageBudget { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Delay before the second attempt; doubled for each later one.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a silo's worker tells the scheduler its slots and running work.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A worker silent this long is taken as gone and gets no new work.</summary>
    public TimeSpan WorkerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest the scheduler holds a request for a slot before it answers "none yet" and the stage asks again. Short
    /// enough that the scheduler's activation can always be deactivated soon (Orleans waits for its running calls first,
    /// holding all others); long enough that queued stages do not flood it with calls.
    /// </summary>
    public TimeSpan SlotWaitLimit { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A lease its worker has not reported running after this long is reclaimed.</summary>
    public TimeSpan LeaseGrace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Period of a running sweep's watchdog reminder, which re-reads every open trial: it
    /// re-activates (and so resumes) trials whose silo went away and records results whose one-way
    /// report was lost. Orleans' minimum reminder period (1 minute by default) bounds it from below.
    /// </summary>
    public TimeSpan SweepWatchdogPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Smallest interval between two progress reports of one stage.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// With <c>kmeans.shards: auto</c>, train rows at least this large (rows · features · 4 bytes) are
    /// spread over one shard per live silo; smaller ones use one shard. 64 MiB: MNIST pixels (188 MB)
    /// are spread, 25-d codes of MNIST (6 MB) are not, since a round trip would cost more than the work.
    /// </summary>
    public long AutoShardMinBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Stages that prefer a gpu slot (autoencoders) queue for one even while no live silo offers
    /// gpu slots, instead of taking a cpu slot. For a GPU pool that scales from zero on the gpu
    /// queue (KEDA on <c>grid_scheduler_queue{resource="gpu"}</c>, deploy/k8s): without it no gpu
    /// work is ever queued while the pool is empty. They wait until a GPU silo joins.
    /// </summary>
    public bool WaitForGpu { get; set; }

    public void Validate()
    {
        if (MaxSiloLossRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSiloLossRetries), MaxSiloLossRetries, "Grid:Grains:MaxSiloLossRetries must be ≥ 0");
        }
        if (AutoShardMinBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(AutoShardMinBytes), AutoShardMinBytes, "Grid:Grains:AutoShardMinBytes must be ≥ 0");
        }
        if (MaxStageAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStageAttempts), MaxStageAttempts, "Grid:Grains:MaxStageAttempts must be ≥ 1");
        }
        if (SlotWaitLimit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SlotWaitLimit), SlotWaitLimit, "Grid:Grains:SlotWaitLimit must be > 0");
        }
        if (RetryBackoff < TimeSpan.Zero || HeartbeatInterval <= TimeSpan.Zero || WorkerTimeout <= HeartbeatInterval)
        {
            throw new ArgumentException("Grid:Grains: RetryBackoff must be ≥ 0, HeartbeatInterval > 0 and WorkerTimeout > HeartbeatInterval");
        }
    }
}
