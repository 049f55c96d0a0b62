using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Core;
using Grid.Grains.Runs;
using Microsoft.Extensions.Options;

namespace Grid.Grains.Metrics;

/// <summary>
/// The <c>Grid</c> meter of one silo. Grains and the compute worker push what happens here (they
/// never do more than update a number); observable gauges read the silo-local figures when
/// <c>/metrics</c> is scraped. Each silo reports what it hosts (its slots, the stages and trials
/// activated on it, the sweeps whose grain lives on it), so sums over silos give the cluster.
/// Labels are bounded: slot kinds, stage kinds, states, and per sweep the values of its axes; never
/// trial or stage ids. A sweep's own series are dropped <see cref="GridMetricsOptions.SweepSeriesRetention"/>
/// after it ends.
/// </summary>
public sealed class GridMetrics
{
    /// <summary>Name of the meter (what an OpenTelemetry pipeline subscribes to).</summary>
    public const string MeterName = "Grid";

    /// <summary>States the <c>grid.trials</c> counter counts entries into.</summary>
    public static readonly IReadOnlyList<string> TrialCounterStates = ["queued", "running", "succeeded", "pruned", "failed", "retried", "cancelled"];

    /// <summary>States of <c>grid.trials.active</c>: waiting for a slot, or computing on one.</summary>
    public static readonly IReadOnlyList<string> ActiveStates = ["queued", "running"];

    private static readonly SlotKind[] Kinds = [SlotKind.Cpu, SlotKind.Gpu];
    private static readonly StageKind[] StageKinds = [StageKind.Autoencoder, StageKind.Clustering];

    // Seconds: from a blink to the hours a 40-epoch autoencoder takes on a CPU.
    private static readonly double[] DurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

    private readonly TimeProvider _clock;
    private readonly TimeSpan _retention;

    private readonly Counter<long> _trials;
    private readonly Counter<long> _stagesComputed;
    private readonly Counter<long> _stagesReused;
    private readonly Counter<long> _stageAttemptsFailed;
    private readonly Counter<long> _leases;
    private readonly Counter<long> _epochs;
    private readonly Counter<long> _kmeansSteps;
    private readonly Counter<long> _accessRefused;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _stageDuration;

    private readonly int[] _slotCapacity = new int[Kinds.Length];
    private readonly int[] _slotBusy = new int[Kinds.Length];
    private readonly ConcurrentDictionary<(SlotKind Kind, int Slot), SlotFigures> _slotFigures = new();
    private readonly ConcurrentDictionary<StageActivity, byte> _activities = new();
    private readonly ConcurrentDictionary<string, SweepSeries> _sweeps = new(StringComparer.Ordinal);
    private SchedulerFigures? _scheduler;

    public GridMetrics(IMeterFactory meters, IOptions<GridMetricsOptions> options, TimeProvider clock)
    {
        _clock = clock;
        _retention = options.Value.SweepSeriesRetention;
        Meter = meters.Create(MeterName);

        _trials = Meter.CreateCounter<long>("grid.trials", "{trial}", "Trials entering a state, by slot kind of their heaviest stage");
        _stagesComputed = Meter.CreateCounter<long>("grid.stages.computed", "{stage}", "Stages computed (not found memoized)");
        _stagesReused = Meter.CreateCounter<long>("grid.stages.reused", "{stage}", "Stage results a trial got from memo or from a computation another trial started");
        _stageAttemptsFailed = Meter.CreateCounter<long>("grid.stage.attempts.failed", "{attempt}", "Stage attempts that failed (retried while attempts remain)");
        _leases = Meter.CreateCounter<long>("grid.scheduler.leases", "{lease}", "Slot leases the scheduler granted");
        _epochs = Meter.CreateCounter<long>("grid.autoencoder.epochs", "{epoch}", "Autoencoder epochs completed on this silo");
        _kmeansSteps = Meter.CreateCounter<long>("grid.kmeans.steps", "{step}", "k-means steps (Lloyd iterations or mini-batch steps) on this silo");
        _accessRefused = Meter.CreateCounter<long>("grid.http.access.refused", "{request}",
            "HTTP requests this silo refused: no token, an invalid one, a read token on a write endpoint, a cross-site write, or too many invalid tokens from one address");
        _queueWait = Meter.CreateHistogram<double>("grid.stage.queue_wait", "s", "Time a stage waited for a slot",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _stageDuration = Meter.CreateHistogram<double>("grid.stage.duration", "s", "Time a stage computed on its slot",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

        // Every bounded label combination starts at zero, so rates and dashboards have a series before the first event.
        foreach (var kind in Kinds)
        {
            foreach (string state in TrialCounterStates)
            {
                _trials.Add(0, Tag("state", state), Tag("resource", Name(kind)));
            }
            foreach (var stage in StageKinds)
            {
                _stagesComputed.Add(0, Tag("stage", Name(stage)), Tag("resource", Name(kind)));
                _stageAttemptsFailed.Add(0, Tag("stage", Name(stage)), Tag("resource", Name(kind)));
            }
            _leases.Add(0, Tag("resource", Name(kind)));
        }
        foreach (var stage in StageKinds)
        {
            _stagesReused.Add(0, Tag("stage", Name(stage)));
        }
        foreach (string reason in AccessRefusals)
        {
            _accessRefused.Add(0, Tag("reason", reason));
        }

        Meter.CreateObservableGauge("grid.slots", ObserveSlots(_slotCapacity), "{slot}", "Compute slots this silo offers");
        Meter.CreateObservableGauge("grid.slots.busy", ObserveSlots(_slotBusy), "{slot}", "Compute slots of this silo running a stage");
        Meter.CreateObservableGauge("grid.trials.active", ObserveActiveTrials, "{trial}", "Trials waiting on a stage that is queued for a slot or running on one");
        Meter.CreateObservableGauge("grid.scheduler.queue", ObserveQueue, "{stage}", "Stages waiting for a slot (reported by the silo hosting the scheduler)");
        Meter.CreateObservableGauge("grid.scheduler.workers", ObserveWorkers, "{worker}", "Workers (silos) the scheduler sees alive (reported by the silo hosting the scheduler)");
        Meter.CreateObservableGauge("grid.autoencoder.loss", ObserveAutoencoderLoss, "1", "Last completed epoch's loss of the autoencoder on each slot");
        Meter.CreateObservableGauge("grid.kmeans.inertia", ObserveInertia, "1", "Current (last reported) k-means inertia on each slot");

        Meter.CreateObservableGauge("grid.sweep.trials", ObserveSweeps(SweepTrials), "{trial}", "Trials of a sweep by state");
        Meter.CreateObservableGauge("grid.sweep.trials.planned", ObserveSweeps(SweepPlanned), "{trial}", "Trials a sweep has (grows when refine adds some)");
        Meter.CreateObservableGauge("grid.sweep.stages", ObserveSweeps(SweepStages), "{stage}", "Stages a sweep's trials computed and reused");
        Meter.CreateObservableGauge("grid.sweep.inertia", ObserveSweeps(s => SweepPoints(s, p => p.Inertia)), "1", "k-means inertia of each finished trial of a sweep, by its axes and k");
        Meter.CreateObservableGauge("grid.sweep.train_error", ObserveSweeps(s => SweepPoints(s, p => p.TrainError)), "1", "Train error of each finished trial of a sweep, by its axes and k");
        Meter.CreateObservableGauge("grid.sweep.test_error", ObserveSweeps(s => SweepPoints(s, p => p.TestError)), "1", "Test error of each finished trial of a sweep, by its axes and k");
        Meter.CreateObservableGauge("grid.sweep.best_objective", ObserveSweeps(SweepBestObjective), "1",
            "The best value of a sweep's objective among its finished trials (the metric and goal are labels)");
        Meter.CreateObservableGauge("grid.sweep.rung_arms", ObserveSweeps(SweepRungs), "{arm}",
            "Successive halving (strategy asha): per rung (epochs), the arms that reached it (outcome reached) and those pruned there (outcome pruned)");
        Meter.CreateObservableGauge("grid.sweep.knee", ObserveSweeps(SweepKnees), "{cluster}", "The k at the knee of each elbow curve of a sweep");
        foreach (var measure in QualityMeasures.All)
        {
            // grid_sweep_silhouette{…, k}, grid_sweep_silhouette_best{sweep}; likewise davies_bouldin and calinski_harabasz.
            string name = "grid.sweep." + SpecNames.Of(measure);
            Meter.CreateObservableGauge(name, ObserveSweeps(s => SweepQuality(s, measure)), "1",
                $"{measure.Described()} of the test rows of each finished trial of a sweep, by its axes and k (where defined)");
            Meter.CreateObservableGauge(name + ".best", ObserveSweeps(s => SweepBestQuality(s, measure)), "1",
                $"Best {measure.Described()} among a sweep's finished trials");
        }
        Meter.CreateObservableGauge("grid.sweep.autoencoder.loss", ObserveSweeps(SweepLosses), "1", "Last completed epoch's train and test loss of each autoencoder a sweep trains");
        Meter.CreateObservableGauge("grid.sweep.autoencoder.epochs", ObserveSweeps(SweepEpochs), "{epoch}", "Epochs completed by each autoencoder a sweep trains");
    }

    /// <summary>The meter (owned by the meter factory, which disposes it).</summary>
    public Meter Meter { get; }

    /// <summary>The label value of a slot kind: <c>cpu</c> or <c>gpu</c>.</summary>
    public static string Name(SlotKind kind) => kind == SlotKind.Gpu ? "gpu" : "cpu";

    /// <summary>The label value of a stage kind: <c>autoencoder</c> or <c>clustering</c>.</summary>
    public static string Name(StageKind kind) => kind == StageKind.Autoencoder ? "autoencoder" : "clustering";

    /// <summary>The label value of a trial state, e.g. <c>succeeded</c>.</summary>
    public static string Name(TrialState state) => SpecNames.Of(state);

    // ---- trials and stages (pushed by the grains that host them) ----

    /// <summary>A trial entered <paramref name="state"/> (one of <see cref="TrialCounterStates"/>).</summary>
    public void TrialEntered(string state, SlotKind resource, int trials = 1)
    {
        if (!TrialCounterStates.Contains(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, $"not one of {string.Join(", ", TrialCounterStates)}");
        }
        if (trials > 0)
        {
            _trials.Add(trials, Tag("state", state), Tag("resource", Name(resource)));
        }
    }

    /// <summary>A stage was computed (recorded) on a slot of <paramref name="resource"/>.</summary>
    public void StageComputed(StageKind stage, SlotKind resource) => _stagesComputed.Add(1, Tag("stage", Name(stage)), Tag("resource", Name(resource)));

    /// <summary>A trial got a stage's result without computing it (memoized, or joined in flight).</summary>
    public void StageReused(StageKind stage) => _stagesReused.Add(1, Tag("stage", Name(stage)));

    /// <summary>An attempt to compute a stage failed.</summary>
    public void StageAttemptFailed(StageKind stage, SlotKind resource) => _stageAttemptsFailed.Add(1, Tag("stage", Name(stage)), Tag("resource", Name(resource)));

    /// <summary>A stage waited <paramref name="wait"/> for its slot.</summary>
    public void StageWaited(StageKind stage, SlotKind resource, TimeSpan wait) =>
        _queueWait.Record(wait.TotalSeconds, Tag("stage", Name(stage)), Tag("resource", Name(resource)));

    /// <summary>
    /// A handle through which one stage activation says how many trials wait on it and whether
    /// it is queued or running; dispose it when the stage has no computation in flight.
    /// </summary>
    public StageActivity TrackStage()
    {
        var activity = new StageActivity(this);
        _activities[activity] = 0;
        return activity;
    }

    // ---- scheduler (pushed by the scheduler grain; only the silo hosting it reports) ----

    /// <summary>The scheduler's queues and live workers, after each change.</summary>
    public void SchedulerChanged(int queuedCpu, int queuedGpu, int aliveWorkers) =>
        Volatile.Write(ref _scheduler, new SchedulerFigures(queuedCpu, queuedGpu, aliveWorkers));

    /// <summary>The scheduler left this silo: another silo reports it from now on.</summary>
    public void SchedulerGone() => Volatile.Write(ref _scheduler, null);

    /// <summary>Reasons <see cref="AccessRefused"/> counts: the <c>reason</c> tag's values.</summary>
    public static readonly IReadOnlyList<string> AccessRefusals = ["missing", "invalid", "forbidden", "cross_site", "limited"];

    /// <summary>An HTTP request refused for <paramref name="reason"/>, one of <see cref="AccessRefusals"/>.</summary>
    public void AccessRefused(string reason) => _accessRefused.Add(1, Tag("reason", reason));

    /// <summary>The scheduler leased a slot of <paramref name="kind"/>.</summary>
    public void LeaseGranted(SlotKind kind) => _leases.Add(1, Tag("resource", Name(kind)));

    // ---- compute (pushed by the silo's stage executor, from compute threads) ----

    /// <summary>The slots this silo offers.</summary>
    public void SlotsDeclared(int cpu, int gpu)
    {
        Volatile.Write(ref _slotCapacity[(int)SlotKind.Cpu], cpu);
        Volatile.Write(ref _slotCapacity[(int)SlotKind.Gpu], gpu);
    }

    /// <summary>A stage started on a slot of <paramref name="kind"/>; dispose the result when it ends (records its duration).</summary>
    public IDisposable StageRunning(StageKind stage, SlotKind kind) => new RunningStage(this, stage, kind);

    /// <summary>The autoencoder on a slot completed an epoch with these losses.</summary>
    public void AutoencoderEpoch(SlotKind kind, int slot, double trainLoss, double? testLoss)
    {
        _epochs.Add(1, Tag("resource", Name(kind)));
        _slotFigures.AddOrUpdate((kind, slot),
            _ => new SlotFigures(trainLoss, testLoss, null),
            (_, old) => old with { TrainLoss = trainLoss, TestLoss = testLoss });
    }

    /// <summary>k-means made <paramref name="steps"/> more steps on a slot; <paramref name="inertia"/> is its current inertia.</summary>
    public void KMeansProgress(SlotKind kind, int slot, long steps, double inertia)
    {
        if (steps > 0)
        {
            _kmeansSteps.Add(steps, Tag("resource", Name(kind)));
        }
        _slotFigures.AddOrUpdate((kind, slot),
            _ => new SlotFigures(null, null, inertia),
            (_, old) => old with { Inertia = inertia });
    }

    // ---- sweeps (pushed by the sweep grain; only the silo hosting it reports) ----

    /// <summary>
    /// Publishes a sweep's progress from its trials; with <paramref name="results"/> also its elbow
    /// points and knees (worth recomputing only when a trial ended). <paramref name="finished"/> is
    /// when the sweep ended, which starts the retention clock. <paramref name="objective"/> is the sweep's
    /// (null: as sweeps recorded before objectives are ranked, <see cref="ObjectiveSpec.Resolve"/>).
    /// </summary>
    public void SweepChanged(string sweepId, IReadOnlyList<TrialStatus> trials, DateTimeOffset? finished, bool results, ObjectiveSpec? objective = null,
        StrategySpec? strategy = null)
    {
        var now = _clock.GetUtcNow();
        Prune(now);
        if (finished is { } end && end + _retention <= now)
        {
            // Ended long ago (a grain re-activated to answer a query): its series stay dropped.
            _sweeps.TryRemove(sweepId, out _);
            return;
        }
        var series = _sweeps.GetOrAdd(sweepId, id => new SweepSeries(id));
        var counts = new Dictionary<TrialState, int>();
        foreach (var trial in trials)
        {
            counts[trial.State] = counts.GetValueOrDefault(trial.State) + 1;
        }
        var stages = SweepAggregator.Stages(trials);
        Dictionary<PointKey, ElbowPoint>? points = null;
        Dictionary<CurveKey, int>? knees = null;
        BestObjective? best = null;
        IReadOnlyList<AshaArm>? arms = null;
        if (results)
        {
            points = [];
            knees = [];
            var ranking = ObjectiveSpec.Resolve(objective, trials.Where(t => t.Result is not null).Select(t => t.Result!));
            if (SweepAggregator.BestTrial(trials, ranking) is { Result: { } result })
            {
                best = new BestObjective(ranking, ranking.ValueOf(result)!.Value);
            }
            if (strategy is { Kind: StrategyKind.Asha })
            {
                arms = Asha.Arms(strategy, trials, ranking);
            }
            foreach (var curve in SweepAggregator.Curves(trials))
            {
                var key = new CurveKey(curve.Dataset, curve.Representation, curve.Scaler, curve.Seed);
                foreach (var point in curve.Points)
                {
                    points[new PointKey(key, point.K)] = point;
                }
                if (curve.KneeK is int knee)
                {
                    knees[key] = knee;
                }
            }
        }
        lock (series.Gate)
        {
            series.States = counts;
            series.Planned = trials.Count;
            series.Stages = stages;
            series.Points = points ?? series.Points;
            series.Knees = knees ?? series.Knees;
            series.Best = results ? best : series.Best;
            series.Arms = arms ?? series.Arms;
            series.EndedAt = finished;
        }
    }

    /// <summary>An autoencoder a sweep trains completed an epoch.</summary>
    public void SweepAutoencoderEpoch(string sweepId, string dataset, string representation, EpochFigures epoch)
    {
        if (!_sweeps.TryGetValue(sweepId, out var series))
        {
            return;
        }
        lock (series.Gate)
        {
            var key = (dataset, representation);
            if (series.Autoencoders.TryGetValue(key, out var known) && known.Epoch > epoch.Epoch)
            {
                // One-way reports may arrive out of order; the latest epoch wins.
                return;
            }
            series.Autoencoders[key] = epoch;
        }
    }

    /// <summary>The sweep's grain left this silo: its series here are dropped after the retention (its new silo reports it).</summary>
    public void SweepReleased(string sweepId)
    {
        if (_sweeps.TryGetValue(sweepId, out var series))
        {
            lock (series.Gate)
            {
                series.EndedAt ??= _clock.GetUtcNow();
            }
        }
    }

    /// <summary>Sweeps whose series this silo reports now (for tests and diagnostics).</summary>
    public IReadOnlyCollection<string> ReportedSweeps
    {
        get
        {
            Prune(_clock.GetUtcNow());
            return _sweeps.Keys.ToList();
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (id, series) in _sweeps)
        {
            DateTimeOffset? ended;
            lock (series.Gate)
            {
                ended = series.EndedAt;
            }
            if (ended is { } end && end + _retention <= now)
            {
                _sweeps.TryRemove(id, out _);
            }
        }
    }

    // ---- observation (on the scraping thread) ----

    private static Func<IEnumerable<Measurement<int>>> ObserveSlots(int[] figures) => () =>
        Kinds.Select(kind => new Measurement<int>(Volatile.Read(ref figures[(int)kind]), Tag("resource", Name(kind))));

    private IEnumerable<Measurement<int>> ObserveActiveTrials()
    {
        var sums = new Dictionary<(string State, SlotKind Kind), int>();
        foreach (string state in ActiveStates)
        {
            foreach (var kind in Kinds)
            {
                sums[(state, kind)] = 0;
            }
        }
        foreach (var activity in _activities.Keys)
        {
            if (activity.Current is { } current)
            {
                sums[(current.State, current.Kind)] += current.Trials;
            }
        }
        return sums.Select(s => new Measurement<int>(s.Value, Tag("state", s.Key.State), Tag("resource", Name(s.Key.Kind)))).ToList();
    }

    private IEnumerable<Measurement<int>> ObserveQueue()
    {
        if (Volatile.Read(ref _scheduler) is not { } scheduler)
        {
            return [];
        }
        return
        [
            new Measurement<int>(scheduler.QueuedCpu, Tag("resource", "cpu")),
            new Measurement<int>(scheduler.QueuedGpu, Tag("resource", "gpu")),
        ];
    }

    private IEnumerable<Measurement<int>> ObserveWorkers() =>
        Volatile.Read(ref _scheduler) is { } scheduler ? [new Measurement<int>(scheduler.AliveWorkers)] : [];

    private IEnumerable<Measurement<double>> ObserveAutoencoderLoss()
    {
        foreach (var ((kind, slot), figures) in _slotFigures)
        {
            if (figures.TrainLoss is double train)
            {
                yield return new Measurement<double>(train, Tag("resource", Name(kind)), Tag("slot", Text(slot)), Tag("split", "train"));
            }
            if (figures.TestLoss is double test)
            {
                yield return new Measurement<double>(test, Tag("resource", Name(kind)), Tag("slot", Text(slot)), Tag("split", "test"));
            }
        }
    }

    private IEnumerable<Measurement<double>> ObserveInertia()
    {
        foreach (var ((kind, slot), figures) in _slotFigures)
        {
            if (figures.Inertia is double inertia)
            {
                yield return new Measurement<double>(inertia, Tag("resource", Name(kind)), Tag("slot", Text(slot)));
            }
        }
    }

    private Func<IEnumerable<Measurement<double>>> ObserveSweeps(Func<SweepSeries, IEnumerable<Measurement<double>>> read) => () =>
    {
        Prune(_clock.GetUtcNow());
        var measurements = new List<Measurement<double>>();
        foreach (var series in _sweeps.Values)
        {
            lock (series.Gate)
            {
                measurements.AddRange(read(series));
            }
        }
        return measurements;
    };

    private static IEnumerable<Measurement<double>> SweepTrials(SweepSeries s) =>
        TrialStates.InLifeOrder.Select(state => new Measurement<double>(s.States.GetValueOrDefault(state), Tag("sweep", s.SweepId), Tag("state", Name(state))));

    private static IEnumerable<Measurement<double>> SweepPlanned(SweepSeries s) => [new Measurement<double>(s.Planned, Tag("sweep", s.SweepId))];

    private static IEnumerable<Measurement<double>> SweepStages(SweepSeries s) =>
    [
        new Measurement<double>(s.Stages.Computed, Tag("sweep", s.SweepId), Tag("outcome", "computed")),
        new Measurement<double>(s.Stages.Reused, Tag("sweep", s.SweepId), Tag("outcome", "reused")),
    ];

    /// <summary>One measurement per point of a sweep's curves that has the value (errors are missing without labels).</summary>
    private static IEnumerable<Measurement<double>> SweepPoints(SweepSeries s, Func<ElbowPoint, double?> value) =>
        s.Points
            .Where(p => value(p.Value) is not null)
            .Select(p => new Measurement<double>(value(p.Value)!.Value, [.. CurveTags(s.SweepId, p.Key.Curve), Tag("k", Text(p.Key.K))]));

    private static IEnumerable<Measurement<double>> SweepQuality(SweepSeries s, QualityMeasure measure) => SweepPoints(s, p => p.Quality(measure));

    private static IEnumerable<Measurement<double>> SweepBestQuality(SweepSeries s, QualityMeasure measure) =>
        measure.Best(s.Points.Values.Select(p => p.Quality(measure))) is double best ? [new Measurement<double>(best, Tag("sweep", s.SweepId))] : [];

    private static IEnumerable<Measurement<double>> SweepBestObjective(SweepSeries s) =>
        s.Best is { } best
            ? [new Measurement<double>(best.Value, Tag("sweep", s.SweepId), Tag("metric", SpecNames.Of(best.Objective.Metric)), Tag("goal", SpecNames.Of(best.Objective.Goal)))]
            : [];

    /// <summary>Successive halving's rungs: per rung (its epochs), the arms that reached it and the arms pruned there.</summary>
    private static IEnumerable<Measurement<double>> SweepRungs(SweepSeries s) =>
        s.Arms.SelectMany(a => a.Rungs.Select(r => (r.Epochs, Pruned: a.State == AshaArmState.Pruned && r == a.Rungs[^1])))
            .GroupBy(r => r.Epochs)
            .SelectMany(g => new[]
            {
                new Measurement<double>(g.Count(), Tag("sweep", s.SweepId), Tag("epochs", Text(g.Key)), Tag("outcome", "reached")),
                new Measurement<double>(g.Count(r => r.Pruned), Tag("sweep", s.SweepId), Tag("epochs", Text(g.Key)), Tag("outcome", "pruned")),
            });

    private static IEnumerable<Measurement<double>> SweepKnees(SweepSeries s) =>
        s.Knees.Select(k => new Measurement<double>(k.Value, CurveTags(s.SweepId, k.Key)));

    private static IEnumerable<Measurement<double>> SweepLosses(SweepSeries s)
    {
        foreach (var ((dataset, representation), epoch) in s.Autoencoders)
        {
            yield return new Measurement<double>(epoch.TrainLoss, Tag("sweep", s.SweepId), Tag("dataset", dataset), Tag("representation", representation), Tag("split", "train"));
            if (epoch.TestLoss is double test)
            {
                yield return new Measurement<double>(test, Tag("sweep", s.SweepId), Tag("dataset", dataset), Tag("representation", representation), Tag("split", "test"));
            }
        }
    }

    private static IEnumerable<Measurement<double>> SweepEpochs(SweepSeries s) =>
        s.Autoencoders.Select(a => new Measurement<double>(a.Value.Epoch, Tag("sweep", s.SweepId), Tag("dataset", a.Key.Dataset), Tag("representation", a.Key.Representation)));

    private static KeyValuePair<string, object?>[] CurveTags(string sweepId, CurveKey curve) =>
    [
        Tag("sweep", sweepId),
        Tag("dataset", curve.Dataset),
        Tag("representation", curve.Representation),
        Tag("scaler", curve.Scaler),
        Tag("seed", Text(curve.Seed)),
    ];

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record SlotFigures(double? TrainLoss, double? TestLoss, double? Inertia);

    private sealed record SchedulerFigures(int QueuedCpu, int QueuedGpu, int AliveWorkers);

    private sealed record CurveKey(string Dataset, string Representation, string Scaler, int Seed);

    private sealed record PointKey(CurveKey Curve, int K);

    /// <summary>A sweep's best value of its objective.</summary>
    private sealed record BestObjective(ObjectiveSpec Objective, double Value);

    /// <summary>What one silo knows of one sweep; guarded by <see cref="Gate"/> (written by the grain, read by scrapes).</summary>
    private sealed class SweepSeries(string sweepId)
    {
        public Lock Gate { get; } = new();

        public string SweepId { get; } = sweepId;

        public Dictionary<TrialState, int> States { get; set; } = [];

        public int Planned { get; set; }

        public StageCounts Stages { get; set; } = new(0, 0);

        public Dictionary<PointKey, ElbowPoint> Points { get; set; } = [];

        public Dictionary<CurveKey, int> Knees { get; set; } = [];

        public BestObjective? Best { get; set; }

        /// <summary>A successive-halving sweep's arms by rung; empty for other strategies.</summary>
        public IReadOnlyList<AshaArm> Arms { get; set; } = [];

        public Dictionary<(string Dataset, string Representation), EpochFigures> Autoencoders { get; } = [];

        public DateTimeOffset? EndedAt { get; set; }
    }

    private sealed class RunningStage : IDisposable
    {
        private readonly GridMetrics _metrics;
        private readonly StageKind _stage;
        private readonly SlotKind _kind;
        private readonly long _started;
        private int _disposed;

        public RunningStage(GridMetrics metrics, StageKind stage, SlotKind kind)
        {
            _metrics = metrics;
            _stage = stage;
            _kind = kind;
            _started = metrics._clock.GetTimestamp();
            Interlocked.Increment(ref metrics._slotBusy[(int)kind]);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref _metrics._slotBusy[(int)_kind]);
                _metrics._stageDuration.Record(_metrics._clock.GetElapsedTime(_started).TotalSeconds,
                    Tag("stage", Name(_stage)), Tag("resource", Name(_kind)));
            }
        }
    }

    /// <summary>One stage activation's contribution to <c>grid.trials.active</c>.</summary>
    public sealed class StageActivity : IDisposable
    {
        private readonly GridMetrics _metrics;
        private Snapshot? _current;

        internal StageActivity(GridMetrics metrics) => _metrics = metrics;

        internal Snapshot? Current => Volatile.Read(ref _current);

        /// <summary><paramref name="trials"/> trials wait on this stage, which is queued for (or running on) a slot of <paramref name="kind"/>.</summary>
        public void Set(bool running, SlotKind kind, int trials) =>
            Volatile.Write(ref _current, new Snapshot(running ? "running" : "queued", kind, trials));

        /// <summary>The number of waiting trials changed.</summary>
        public void SetTrials(int trials)
        {
            if (Current is { } current)
            {
                Volatile.Write(ref _current, current with { Trials = trials });
            }
        }

        public void Dispose() => _metrics._activities.TryRemove(this, out _);

        internal sealed record Snapshot(string State, SlotKind Kind, int Trials);
    }
}
