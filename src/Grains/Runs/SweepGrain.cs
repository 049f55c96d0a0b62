using System.Runtime.CompilerServices;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Core.Datasets;
using Grid.Grains.Metrics;
using Grid.Grains.Stages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Grid.Grains.Runs;

/// <summary>Persisted state of a sweep.</summary>
[GenerateSerializer]
[Alias("grid.runs.sweep-grain-state")]
public sealed class SweepGrainState
{
    [Id(0)]
    public SweepSpec? Spec { get; set; }

    [Id(1)]
    public DateTimeOffset Submitted { get; set; }

    [Id(2)]
    public DateTimeOffset? Finished { get; set; }

    [Id(3)]
    public bool Cancelled { get; set; }

    [Id(4)]
    public List<TrialStatus> Trials { get; set; } = [];

    [Id(5)]
    public List<string> Tags { get; set; } = [];

    [Id(6)]
    public string? Note { get; set; }

    /// <summary>How many times <c>grid sweep retry</c> restarted trials; each restarted trial runs as this retry.</summary>
    [Id(7)]
    public int Retries { get; set; }
}

/// <summary>
/// A sweep: expands its spec into trials, starts them, folds their reports into aggregates and
/// streams snapshots to watchers. Reentrant so that watchers waiting for a change do not block
/// the trial reports that make the change; Orleans still runs one turn at a time.
/// </summary>
[Reentrant]
[GrainType("grid.sweep")]
public sealed partial class SweepGrain(
    [PersistentState("sweep", "grid")] IPersistentState<SweepGrainState> state,
    TimeProvider clock,
    IOptions<GridGrainOptions> options,
    GridMetrics metrics,
    IDatasetRegistry datasets,
    StageKeys keys,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable
{
    private const string WatchdogReminder = "sweep-watchdog";

    /// <summary>Watchers get at most this many snapshots per second.</summary>
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A watcher with nothing new still gets a snapshot this often (a liveness signal).</summary>
    private static readonly TimeSpan WatchHeartbeat = TimeSpan.FromSeconds(5);

    /// <summary>Trials started per batch, so a huge sweep does not flood the cluster with calls at once.</summary>
    private const int StartBatch = 256;

    private readonly Dictionary<string, int> _index = [];

    /// <summary>Set once <see cref="DeleteAsync"/> has begun: trial reports are no longer recorded.</summary>
    private bool _deleting;

    /// <summary>Terminal trial reports being recorded (they await storage and the registry); deletion waits for them.</summary>
    private int _recording;

    private TaskCompletionSource? _recorded;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < state.State.Trials.Count; i++)
        {
            _index[state.State.Trials[i].TrialId] = i;
        }
        PublishMetrics(results: true);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The silo that activates this sweep next reports it; the series here age out.
        metrics.SweepReleased(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<SweepSnapshot> SubmitAsync(SweepSpec spec, IReadOnlyList<string>? tags = null, string? note = null)
    {
        if (state.State.Spec is not null)
        {
            return Snapshot();
        }
        string sweepId = this.GetPrimaryKeyString();
        var trials = SweepExpansion.Expand(spec, datasets);
        state.State.Spec = spec;
        state.State.Tags = tags?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        state.State.Note = string.IsNullOrWhiteSpace(note) ? null : note;
        state.State.Submitted = clock.GetUtcNow();
        state.State.Trials = [];
        Record(trials);
        await state.WriteStateWithRetryAsync(options.Value);
        PublishMetrics(results: true);
        await RegisterAsync();
        // Durable: survives the loss of this activation's silo (Redis reminders in cluster mode).
        await this.RegisterOrUpdateReminder(WatchdogReminder, options.Value.SweepWatchdogPeriod, options.Value.SweepWatchdogPeriod);
        LogSubmitted(sweepId, spec.Name, trials.Count);

        foreach (var batch in state.State.Trials.Chunk(StartBatch))
        {
            await Task.WhenAll(batch.Select(t => GrainFactory.GetGrain<ITrialGrain>(t.TrialId).StartAsync(sweepId, t.Spec)));
        }
        Changed();
        return Snapshot();
    }

    public Task<SweepSnapshot?> GetSnapshotAsync() =>
        Task.FromResult(state.State.Spec is null ? null : Snapshot());

    public async IAsyncEnumerable<SweepSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (state.State.Spec is null)
        {
            yield break;
        }
        // A sweep deleted while watched has no state left: the watch ends.
        while (!cancellationToken.IsCancellationRequested && state.State.Spec is not null)
        {
            var snapshot = Snapshot();
            yield return snapshot;
            if (snapshot.IsFinished)
            {
                yield break;
            }
            if (_version == snapshot.Version)
            {
                // Wake on the next change, or after a while so a watcher knows the cluster still answers.
                await Task.WhenAny(_changed.Task, Task.Delay(WatchHeartbeat, CancellationToken.None));
            }
            await Task.Delay(WatchInterval, CancellationToken.None);
        }
    }

    public async Task<SweepSnapshot?> CancelAsync()
    {
        if (state.State.Spec is null)
        {
            return null;
        }
        if (IsFinished())
        {
            return Snapshot();
        }
        state.State.Cancelled = true;
        var open = state.State.Trials.Where(t => !t.State.IsEnded()).ToList();
        foreach (var batch in open.Chunk(StartBatch))
        {
            await Task.WhenAll(batch.Select(t => GrainFactory.GetGrain<ITrialGrain>(t.TrialId).CancelAsync()));
        }
        foreach (var trial in open)
        {
            int i = _index[trial.TrialId];
            if (!state.State.Trials[i].State.IsEnded())
            {
                state.State.Trials[i] = state.State.Trials[i] with { State = TrialState.Cancelled, Progress = null };
            }
        }
        await FinishIfDoneAsync();
        LogCancelled(this.GetPrimaryKeyString());
        return Snapshot();
    }

    public async Task OnTrialUpdatedAsync(TrialStatus status)
    {
        if (_deleting || !_index.TryGetValue(status.TrialId, out int i))
        {
            return;
        }
        var previous = state.State.Trials[i];
        if (status.Retries < previous.Retries || (previous.State.IsEnded() && status.Retries == previous.Retries))
        {
            // Exactly-once recording: the first terminal report of a trial's run wins, and a late report of a run
            // that `grid sweep retry` has replaced changes nothing.
            return;
        }
        state.State.Trials[i] = status;
        Changed();
        if (status.State != previous.State && !status.State.IsEnded())
        {
            PublishMetrics(results: false);
        }
        if (status.Progress is { Stage: StageKind.Autoencoder, Epoch: { } epoch })
        {
            metrics.SweepAutoencoderEpoch(this.GetPrimaryKeyString(), status.Spec.Dataset, status.Spec.Representation.Label, epoch);
        }
        if (status.State.IsEnded())
        {
            _recording++;
            try
            {
                if (!state.State.Cancelled && state.State.Spec!.RefineKneeStep is int step)
                {
                    await RefineKneeAsync(status.Spec, step);
                }
                await ProposeAsync();
                await HalveAsync();
                await FinishIfDoneAsync();
                await state.WriteStateWithRetryAsync(options.Value);
            }
            finally
            {
                if (--_recording == 0)
                {
                    _recorded?.TrySetResult();
                }
            }
        }
    }

    /// <summary>
    /// <c>refine: knee</c>: once every trial of <paramref name="finished"/>'s curve has ended, adds
    /// trials at the midpoints between the knee and its neighbours while they are more than
    /// <paramref name="step"/> apart; each round's trials bring the next round when they end.
    /// </summary>
    private async Task RefineKneeAsync(TrialSpec finished, int step)
    {
        var group = state.State.Trials.Where(t => SameCurve(t.Spec, finished)).ToList();
        if (group.Any(t => !t.State.IsEnded()))
        {
            return;
        }
        var added = SweepAggregator.KneeRefinement(group, step)
            .Select(k => finished with
            {
                K = k,
                // A refined k passes through the curve's k values below it, as they stand now.
                WarmKs = finished.KMeans.WarmStart ? SweepExpansion.WarmPath(group.Select(t => t.Spec.K), k) : null,
            })
            .Where(t => !_index.ContainsKey(TrialKey(this.GetPrimaryKeyString(), t)))
            .ToList();
        if (added.Count == 0)
        {
            return;
        }
        string sweepId = this.GetPrimaryKeyString();
        Record(added);
        await state.WriteStateWithRetryAsync(options.Value);
        LogRefined(sweepId, finished.Representation.Label, string.Join(", ", added.Select(t => t.K)));
        await Task.WhenAll(added.Select(t => GrainFactory.GetGrain<ITrialGrain>(TrialKey(sweepId, t)).StartAsync(sweepId, t)));
        Changed();
    }

    /// <summary>
    /// <c>strategy: asha</c>: promotes the arms that qualify for their next rung (their trials there start, continuing their
    /// autoencoders' checkpoints) and prunes the arms no longer in reach of one. The decisions follow from the recorded trials
    /// alone and are stored before the new trials start, so a restarted sweep makes the same ones and loses none.
    /// </summary>
    private async Task HalveAsync()
    {
        var spec = state.State.Spec!;
        if (state.State.Cancelled || spec.Strategy.Kind != StrategyKind.Asha)
        {
            return;
        }
        string sweepId = this.GetPrimaryKeyString();
        // A sampler may still add arms while trials run; once every trial has ended, no proposal is coming and the rungs close.
        bool moreArms = SearchSweeps.ProposesAsResultsCome(spec) && ArmsSoFar(spec) < spec.Strategy.Trials && state.State.Trials.Any(t => !t.State.IsEnded());
        var decisions = Asha.Decide(spec.Strategy, state.State.Trials, RankedBy(), moreArms);
        var promoted = decisions.Promote.Where(t => !_index.ContainsKey(TrialKey(sweepId, t))).ToList();
        var pruned = decisions.Prune.Where(id => _index.TryGetValue(id, out int i) && state.State.Trials[i].State == TrialState.Succeeded).ToList();
        if (promoted.Count == 0 && pruned.Count == 0)
        {
            return;
        }
        Record(promoted);
        foreach (string id in pruned)
        {
            int i = _index[id];
            state.State.Trials[i] = state.State.Trials[i] with { State = TrialState.Pruned };
        }
        await state.WriteStateWithRetryAsync(options.Value);
        foreach (var arm in promoted.Select(t => t.Representation.Label).Distinct())
        {
            LogPromoted(sweepId, arm);
        }
        if (pruned.Count > 0)
        {
            LogPruned(sweepId, pruned.Count, string.Join(", ", decisions.Arms.Where(a => a.State == AshaArmState.Pruned).Select(a => a.Label)));
        }
        await Task.WhenAll(promoted.Select(t => GrainFactory.GetGrain<ITrialGrain>(TrialKey(sweepId, t)).StartAsync(sweepId, t)));
        await Task.WhenAll(pruned.Select(id => GrainFactory.GetGrain<ITrialGrain>(id).PruneAsync()));
        Changed();
    }

    /// <summary>
    /// <c>strategy: tpe</c>: once its start-up configurations have ended, proposes new autoencoder configurations with TPE from
    /// every ended configuration's best objective value, one for each compute slot that has no configuration of the sweep
    /// running, until the sweep's trials are reached. Stored before they start, like a promotion.
    /// </summary>
    private async Task ProposeAsync()
    {
        var spec = state.State.Spec!;
        if (state.State.Cancelled || !SearchSweeps.ProposesAsResultsCome(spec))
        {
            return;
        }
        var objective = RankedBy();
        // A configuration is observed by its best value over its trials; under ASHA, an arm by its first rung, which every arm completes.
        var rungs = spec.Strategy.Rungs;
        var configurations = state.State.Trials
            .Where(t => t.Spec.Representation.Autoencoder is not null)
            .GroupBy(t => Configuration(spec, t.Spec.Representation.Autoencoder!))
            .Select(g =>
            {
                var observed = g.Where(t => rungs.Count == 0 || t.Spec.Representation.Autoencoder!.Epochs == rungs[0]).ToList();
                return (Autoencoder: g.Key, Ended: observed.All(t => t.State.IsEnded()),
                    Value: objective.BestOf(observed.Where(t => t.State.HasResult()).Select(t => t.Result).OfType<ClusteringResult>()));
            })
            .ToList();
        int ended = configurations.Count(c => c.Ended);
        if (configurations.Count >= spec.Strategy.Trials || ended < Math.Min(spec.Strategy.Startup, spec.Strategy.Trials))
        {
            return;
        }
        // TPE minimises: a maximised objective is negated; a configuration without a value (every trial failed) is left out.
        var observations = configurations.Where(c => c.Ended)
            .Select(c => (SearchSweeps.PointOf(spec, c.Autoencoder), c.Value is double v ? objective.Goal == ObjectiveGoal.Minimize ? v : -v : double.NaN))
            .ToList();
        int running = state.State.Trials.Where(t => !t.State.IsEnded() && t.Spec.Representation.Autoencoder is not null)
            .Select(t => t.Spec.Representation.Autoencoder!).Distinct().Count();
        int free = await FreeSlotsForConfigurationsAsync(running);
        var sampler = SearchSweeps.Sampler(spec);
        var template = SearchSweeps.Template(spec);
        string sweepId = this.GetPrimaryKeyString();
        var added = new List<TrialSpec>();
        int proposed = 0;
        // A proposal that repeats a configuration already tried adds nothing; the next proposal number draws another.
        for (int proposal = configurations.Count, tries = 0; proposed < free && configurations.Count + proposed < spec.Strategy.Trials && tries < MaxProposalTries; proposal++, tries++)
        {
            var configuration = SearchSweeps.Configure(template, sampler.Propose(observations, proposal));
            var trials = SweepExpansion.ExpandConfiguration(spec, configuration, datasets)
                .Where(t => !_index.ContainsKey(TrialKey(sweepId, t)) && !added.Any(a => a.Id == t.Id))
                .ToList();
            if (trials.Count > 0)
            {
                added.AddRange(trials);
                proposed++;
                LogProposed(sweepId, RepresentationSpec.Of(configuration).Label, configurations.Count + proposed, spec.Strategy.Trials);
            }
        }
        if (added.Count == 0)
        {
            return;
        }
        Record(added);
        await state.WriteStateWithRetryAsync(options.Value);
        await Task.WhenAll(added.Select(t => GrainFactory.GetGrain<ITrialGrain>(TrialKey(sweepId, t)).StartAsync(sweepId, t)));
        Changed();
    }

    /// <summary>The configuration a trial's autoencoder stands for: itself, or under ASHA its arm (every setting but the rung's epochs).</summary>
    private static AutoencoderSpec Configuration(SweepSpec spec, AutoencoderSpec autoencoder) =>
        spec.Strategy.Kind == StrategyKind.Asha ? Asha.ArmOf(autoencoder, spec.Strategy.Rungs) : autoencoder;

    /// <summary>The autoencoder configurations (arms) the sweep has so far.</summary>
    private int ArmsSoFar(SweepSpec spec) =>
        state.State.Trials.Select(t => t.Spec.Representation.Autoencoder).OfType<AutoencoderSpec>().Select(ae => Configuration(spec, ae)).Distinct().Count();

    /// <summary>Adds trials to the sweep's records, pending: its first ones, and those it decides on as it runs (a refined k, a promotion, a proposal).</summary>
    private void Record(IEnumerable<TrialSpec> trials)
    {
        string sweepId = this.GetPrimaryKeyString();
        foreach (var trial in trials)
        {
            var status = new TrialStatus(TrialKey(sweepId, trial), trial, TrialState.Pending, null, null, null, 0, 0);
            _index[status.TrialId] = state.State.Trials.Count;
            state.State.Trials.Add(status);
        }
    }

    /// <summary>Proposals in a row that may repeat configurations already tried before the search stops proposing.</summary>
    private const int MaxProposalTries = 100;

    /// <summary>The cluster's compute slots (at least one) less the configurations of this sweep that are running.</summary>
    private async Task<int> FreeSlotsForConfigurationsAsync(int running)
    {
        var status = await GrainFactory.GetGrain<Grid.Abstractions.Workers.ISchedulerGrain>(0).GetStatusAsync();
        int slots = status.Workers.Where(w => w.Alive).Sum(w => w.CpuSlots + w.GpuSlots);
        return Math.Max(1, slots) - running;
    }

    /// <summary>The objective the sweep ranks by: its spec's, or for sweeps recorded before objectives the rule they followed.</summary>
    private ObjectiveSpec RankedBy() =>
        ObjectiveSpec.Resolve(state.State.Spec!.Objective, state.State.Trials.Where(t => t.Result is not null).Select(t => t.Result!));

    private static bool SameCurve(TrialSpec a, TrialSpec b) =>
        a.Dataset == b.Dataset && a.Representation == b.Representation && a.Scaler == b.Scaler && a.Seed == b.Seed;

    public async Task<SweepSnapshot?> ReconcileAsync()
    {
        if (state.State.Spec is null || _deleting)
        {
            return null;
        }
        var open = state.State.Trials.Where(t => !t.State.IsEnded()).ToList();
        var statuses = await Task.WhenAll(open.Select(t => GrainFactory.GetGrain<ITrialGrain>(t.TrialId).GetStatusAsync()));
        for (int i = 0; i < open.Count; i++)
        {
            var status = statuses[i];
            if (status is null && open[i].Retries == 0)
            {
                // Added (by a knee refinement or a promotion) and stored, but the start never reached the trial: start it now.
                await GrainFactory.GetGrain<ITrialGrain>(open[i].TrialId).StartAsync(this.GetPrimaryKeyString(), open[i].Spec);
            }
            else if (status is not null && status.Retries < open[i].Retries)
            {
                // The retry did not reach the trial (its silo went away, say): ask again; the trial ignores a repeat.
                await GrainFactory.GetGrain<ITrialGrain>(open[i].TrialId).RetryAsync(this.GetPrimaryKeyString(), open[i].Spec, open[i].Retries);
            }
            else if (status is not null && status.State.IsEnded())
            {
                await OnTrialUpdatedAsync(status);
            }
        }
        // A promotion or proposal decided but not stored before the sweep's silo went away is decided again here.
        await ProposeAsync();
        await HalveAsync();
        if (!IsFinished() && state.State.Trials.All(t => t.State.IsEnded()))
        {
            await FinishIfDoneAsync();
        }
        return Snapshot();
    }

    public async Task<SweepSnapshot?> RetryAsync(bool includeCancelled)
    {
        if (state.State.Spec is null || _deleting)
        {
            return null;
        }
        var again = state.State.Trials
            .Where(t => t.State == TrialState.Failed || (includeCancelled && t.State == TrialState.Cancelled))
            .ToList();
        if (again.Count == 0)
        {
            return Snapshot();
        }
        string sweepId = this.GetPrimaryKeyString();
        int retries = ++state.State.Retries;
        foreach (var trial in again)
        {
            int i = _index[trial.TrialId];
            state.State.Trials[i] = trial with { State = TrialState.Pending, Progress = null, Result = null, Error = null, StagesComputed = 0, StagesReused = 0, Retries = retries };
        }
        state.State.Finished = null;
        if (includeCancelled || !state.State.Trials.Any(t => t.State == TrialState.Cancelled))
        {
            state.State.Cancelled = false;
        }
        // Written before the trials start, so their reports (which carry this retry's number) are not taken for stale ones.
        await state.WriteStateWithRetryAsync(options.Value);
        await this.RegisterOrUpdateReminder(WatchdogReminder, options.Value.SweepWatchdogPeriod, options.Value.SweepWatchdogPeriod);
        LogRetried(sweepId, again.Count, retries);
        foreach (var batch in again.Chunk(StartBatch))
        {
            await Task.WhenAll(batch.Select(t => GrainFactory.GetGrain<ITrialGrain>(t.TrialId).RetryAsync(sweepId, t.Spec, retries)));
        }
        PublishMetrics(results: true);
        Changed();
        await RegisterAsync();
        return Snapshot();
    }

    public Task<IReadOnlyList<string>> GetStageHashesAsync() =>
        Task.FromResult<IReadOnlyList<string>>(StageHashes(state.State.Trials).ToList());

    /// <summary>Every stage hash the trials' chains use.</summary>
    private HashSet<string> StageHashes(IEnumerable<TrialStatus> trials) =>
        trials.SelectMany(t => keys.Chain(t.Spec)).Select(r => r.Hash).ToHashSet(StringComparer.Ordinal);

    public async Task<SweepDeletion?> DeleteAsync(bool force, bool artifacts)
    {
        if (state.State.Spec is null || _deleting)
        {
            // Unknown, or already being deleted.
            return null;
        }
        string sweepId = this.GetPrimaryKeyString();
        if (!IsFinished() && !force)
        {
            return new SweepDeletion(false, 0, [], 0);
        }
        // From here on trial reports are ignored (those the cancel below causes too), and the ones being recorded
        // finish first: none of their writes to storage or the registry may land after the records are removed.
        _deleting = true;
        try
        {
            if (_recording > 0)
            {
                _recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await _recorded.Task;
            }
            if (!IsFinished())
            {
                await CancelAsync();
            }
            var unreferenced = new List<string>();
            int shared = 0;
            if (artifacts)
            {
                var mine = StageHashes(state.State.Trials);
                var others = await OtherSweepsStageHashesAsync(sweepId);
                unreferenced = mine.Where(h => !others.Contains(h)).Order(StringComparer.Ordinal).ToList();
                shared = mine.Count - unreferenced.Count;
                // Before the files go: a later sweep must compute these stages again, not reuse results whose files are gone.
                foreach (var batch in unreferenced.Chunk(StartBatch))
                {
                    await Task.WhenAll(batch.Select(h => GrainFactory.GetGrain<IStageGrain>(h).ForgetAsync()));
                }
            }
            int trials = state.State.Trials.Count;
            foreach (var batch in state.State.Trials.Chunk(StartBatch))
            {
                await Task.WhenAll(batch.Select(t => GrainFactory.GetGrain<ITrialGrain>(t.TrialId).DeleteAsync()));
            }
            await GrainFactory.GetGrain<ISweepRegistryGrain>(0).RemoveAsync(sweepId);
            if (await this.GetReminder(WatchdogReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            metrics.SweepReleased(sweepId);
            _index.Clear();
            await state.ClearStateAsync();
            state.State = new SweepGrainState();
            Changed();
            LogDeleted(sweepId, trials, unreferenced.Count);
            DeactivateOnIdle();
            return new SweepDeletion(true, trials, unreferenced, shared);
        }
        finally
        {
            // The id may be submitted again.
            _deleting = false;
        }
    }

    /// <summary>The stage hashes of every other sweep in the registry.</summary>
    private async Task<HashSet<string>> OtherSweepsStageHashesAsync(string sweepId)
    {
        var sweeps = await GrainFactory.GetGrain<ISweepRegistryGrain>(0).ListAsync();
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in sweeps.Where(s => s.SweepId != sweepId).Chunk(16))
        {
            foreach (var list in await Task.WhenAll(batch.Select(s => GrainFactory.GetGrain<ISweepGrain>(s.SweepId).GetStageHashesAsync())))
            {
                hashes.UnionWith(list);
            }
        }
        return hashes;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != WatchdogReminder)
        {
            return;
        }
        if (state.State.Spec is null || IsFinished())
        {
            // Every tick is safe to run twice: unregistering a gone reminder is a no-op.
            if (await this.GetReminder(WatchdogReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            return;
        }
        await ReconcileAsync();
    }

    /// <summary>The key of a trial grain: sweep id and trial id, so trials of different sweeps never share state.</summary>
    public static string TrialKey(string sweepId, TrialSpec trial) => $"{sweepId}/{trial.Id}";

    private async Task FinishIfDoneAsync()
    {
        if (state.State.Finished is null && state.State.Trials.All(t => t.State.IsEnded()))
        {
            state.State.Finished = clock.GetUtcNow();
            await state.WriteStateWithRetryAsync(options.Value);
            if (await this.GetReminder(WatchdogReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            LogFinished(this.GetPrimaryKeyString(), Count(TrialState.Succeeded), Count(TrialState.Failed));
        }
        PublishMetrics(results: true);
        Changed();
        await RegisterAsync();
    }

    /// <summary>Hands the sweep's progress (and, after a trial ended, its elbow points and knees) to this silo's meter.</summary>
    private void PublishMetrics(bool results)
    {
        if (state.State.Spec is not null)
        {
            metrics.SweepChanged(this.GetPrimaryKeyString(), state.State.Trials, state.State.Finished, results, state.State.Spec.Objective, state.State.Spec.Strategy);
        }
    }

    private int Count(TrialState s) => state.State.Trials.Count(t => t.State == s);

    private bool IsFinished() => state.State.Finished is not null;

    private void Changed()
    {
        _version++;
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private SweepSnapshot Snapshot()
    {
        var trials = state.State.Trials.ToList();
        var objective = RankedBy();
        return new SweepSnapshot(
            this.GetPrimaryKeyString(),
            state.State.Spec!.Name,
            CurrentState(),
            trials,
            SweepAggregator.Curves(trials),
            SweepAggregator.Best(trials, objective),
            SweepAggregator.Stages(trials),
            state.State.Submitted,
            state.State.Finished,
            _version,
            state.State.Tags.Count == 0 ? null : state.State.Tags.ToList(),
            state.State.Note,
            objective,
            state.State.Spec!.Strategy);
    }

    /// <summary>Updates the registry's line for this sweep (counts only: no curves are built for it).</summary>
    private Task RegisterAsync() =>
        GrainFactory.GetGrain<ISweepRegistryGrain>(0).UpsertAsync(new SweepSummary(
            this.GetPrimaryKeyString(), state.State.Spec!.Name, CurrentState(), state.State.Trials.Count,
            Count(TrialState.Succeeded), Count(TrialState.Failed), state.State.Submitted,
            state.State.Tags.Count == 0 ? null : state.State.Tags.ToList(), state.State.Note));

    private SweepState CurrentState() =>
        IsFinished()
            ? state.State.Cancelled ? SweepState.Cancelled : SweepState.Completed
            // A retried sweep has run before: it is running again even while its retried trials wait for their first report.
            : state.State.Retries > 0 || state.State.Trials.Any(t => t.State != TrialState.Pending) ? SweepState.Running : SweepState.Pending;

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId} ({Name}): submitted with {Trials} trials")]
    private partial void LogSubmitted(string sweepId, string name, int trials);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: finished, {Succeeded} succeeded, {Failed} failed")]
    private partial void LogFinished(string sweepId, int succeeded, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: refining the knee of {Representation} with k = {Ks}")]
    private partial void LogRefined(string sweepId, string representation, string ks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: TPE proposes {Configuration} ({Number} of {Trials})")]
    private partial void LogProposed(string sweepId, string configuration, int number, int trials);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: successive halving promotes {Arm}")]
    private partial void LogPromoted(string sweepId, string arm);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: successive halving prunes {Trials} trials; pruned arms so far: {Arms}")]
    private partial void LogPruned(string sweepId, int trials, string arms);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: retrying {Trials} trials (retry {Retry})")]
    private partial void LogRetried(string sweepId, int trials, int retry);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: deleted with its {Trials} trials' records; {Stages} stages no other sweep uses were forgotten")]
    private partial void LogDeleted(string sweepId, int trials, int stages);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: cancelled")]
    private partial void LogCancelled(string sweepId);
}
