using System.Diagnostics.Metrics;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Core;
using Grid.Grains.Metrics;
using Grid.Grains.Runs;
using Grid.Grains.Stages;
using Grid.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Grid.Grains.Tests;

/// <summary>The Grid meter read the way an exporter reads it: through a <see cref="MeterListener"/>.</summary>
public sealed class GridMetricsTests : IDisposable
{
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    /// <summary>Every label the Grid meter may use: all bounded (kinds, states, a sweep's axes and objective); never a trial or stage id.</summary>
    private static readonly HashSet<string> AllowedLabels =
        ["resource", "stage", "state", "outcome", "slot", "split", "sweep", "dataset", "representation", "scaler", "seed", "k", "metric", "goal", "reason"];

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly Probe _probe;
    private readonly GridMetrics _metrics;

    public GridMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        // The listener exists before the meter, so it also sees the zeros the counters start from.
        _probe = new Probe(factory);
        _metrics = new GridMetrics(factory, Options.Create(new GridMetricsOptions { SweepSeriesRetention = Retention }), _clock);
    }

    public void Dispose()
    {
        _probe.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Sweep_series_carry_progress_elbow_points_and_knees_and_are_dropped_a_retention_after_the_sweep_ends()
    {
        var trials = Trials("sw-1", ks: [2, 4, 8, 16, 32], succeeded: 5).Append(Trial("sw-1", 64, TrialState.Running)).ToList();

        _metrics.SweepChanged("sw-1", trials, finished: null, results: true);
        var live = _probe.Observe();

        Assert.Equal(6, live.Single(m => m.Name == "grid.sweep.trials.planned" && m.Tags["sweep"] == "sw-1").Value);
        Assert.Equal(5, live.Single(m => m.Name == "grid.sweep.trials" && m.Tags["state"] == "succeeded").Value);
        Assert.Equal(1, live.Single(m => m.Name == "grid.sweep.trials" && m.Tags["state"] == "running").Value);
        var inertia = live.Where(m => m.Name == "grid.sweep.inertia").ToList();
        Assert.Equal(["16", "2", "32", "4", "8"], inertia.Select(m => m.Tags["k"]).Order(StringComparer.Ordinal));
        Assert.All(inertia, m => Assert.Equal(("sw-1", "mnist", "raw", "l2", "0"),
            (m.Tags["sweep"], m.Tags["dataset"], m.Tags["representation"], m.Tags["scaler"], m.Tags["seed"])));
        Assert.Equal(1000.0 / 8, inertia.Single(m => m.Tags["k"] == "8").Value);
        Assert.Equal(0.5 / 8, live.Single(m => m.Name == "grid.sweep.test_error" && m.Tags["k"] == "8").Value);
        var expectedKnee = SweepAggregator.Curves(trials).Single().KneeK;
        Assert.NotNull(expectedKnee);
        Assert.Equal(expectedKnee!.Value, live.Single(m => m.Name == "grid.sweep.knee").Value);

        // The sweep ends; its series stay for the retention, then go.
        var finished = _clock.GetUtcNow();
        _metrics.SweepChanged("sw-1", trials, finished, results: true);
        _clock.Advance(Retention - TimeSpan.FromSeconds(1));
        Assert.Contains(_probe.Observe(), m => m.Tags.GetValueOrDefault("sweep") == "sw-1");
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(_probe.Observe(), m => m.Tags.ContainsKey("sweep"));
        Assert.Empty(_metrics.ReportedSweeps);

        // A grain re-activated later (to answer a query) does not bring them back.
        _metrics.SweepChanged("sw-1", trials, finished, results: true);
        Assert.DoesNotContain(_probe.Observe(), m => m.Tags.ContainsKey("sweep"));
    }

    [Fact]
    public void The_best_value_of_the_sweeps_objective_is_a_gauge_labelled_with_the_metric_and_goal()
    {
        var trials = Trials("sw-o", ks: [2, 4, 8, 16, 32], succeeded: 5).ToList();

        _metrics.SweepChanged("sw-o", trials, finished: null, results: true, ObjectiveSpec.Of(ObjectiveMetric.DaviesBouldin));
        var best = Assert.Single(_probe.Observe(), m => m.Name == "grid.sweep.best_objective" && m.Tags["sweep"] == "sw-o");

        Assert.Equal(trials.Min(t => t.Result!.DaviesBouldin)!.Value, best.Value, 1e-12);
        Assert.Equal(("davies_bouldin", "minimize"), (best.Tags["metric"], best.Tags["goal"]));

        // Without an objective (a sweep recorded before them) the labelled trials rank by test error.
        _metrics.SweepChanged("sw-o", trials, finished: null, results: true);
        best = Assert.Single(_probe.Observe(), m => m.Name == "grid.sweep.best_objective" && m.Tags["sweep"] == "sw-o");
        Assert.Equal(trials.Min(t => t.Result!.TestError)!.Value, best.Value, 1e-12);
        Assert.Equal("test_error", best.Tags["metric"]);
    }

    [Fact]
    public void Sweep_series_carry_each_trials_quality_measures_and_the_best_of_each()
    {
        var trials = Trials("sw-q", ks: [2, 4, 8, 16, 32], succeeded: 5).ToList();
        // A result recorded before trials measured quality: no point, and it does not count for the best.
        var old = Trial("sw-q", 64, TrialState.Succeeded);
        trials.Add(old with { Result = old.Result! with { Silhouette = null, DaviesBouldin = null, CalinskiHarabasz = null } });

        _metrics.SweepChanged("sw-q", trials, finished: null, results: true);
        var live = _probe.Observe();

        var silhouette = live.Where(m => m.Name == "grid.sweep.silhouette").ToList();
        Assert.Equal(["16", "2", "32", "4", "8"], silhouette.Select(m => m.Tags["k"]).Order(StringComparer.Ordinal));
        Assert.Equal(1.0 / 8, silhouette.Single(m => m.Tags["k"] == "8").Value);
        Assert.Equal(0.8, live.Single(m => m.Name == "grid.sweep.davies_bouldin" && m.Tags["k"] == "8").Value, 1e-12);
        // The best of each, by its direction: the highest silhouette and Calinski–Harabasz, the lowest Davies–Bouldin.
        Assert.Equal(0.5, live.Single(m => m.Name == "grid.sweep.silhouette.best" && m.Tags["sweep"] == "sw-q").Value);
        Assert.Equal(0.2, live.Single(m => m.Name == "grid.sweep.davies_bouldin.best").Value, 1e-12);
        Assert.Equal(3200, live.Single(m => m.Name == "grid.sweep.calinski_harabasz.best").Value);
        Assert.Equal(["sweep"], live.Single(m => m.Name == "grid.sweep.silhouette.best").Tags.Keys);
    }

    [Fact]
    public void A_sweep_whose_grain_leaves_the_silo_ages_out_there_while_other_sweeps_stay()
    {
        _metrics.SweepChanged("moved", Trials("moved", ks: [2, 3], succeeded: 1).ToList(), finished: null, results: true);
        _metrics.SweepChanged("stays", Trials("stays", ks: [2, 3], succeeded: 0).ToList(), finished: null, results: true);

        _metrics.SweepReleased("moved");
        _clock.Advance(Retention + TimeSpan.FromSeconds(1));

        var sweeps = _probe.Observe().Where(m => m.Tags.ContainsKey("sweep")).Select(m => m.Tags["sweep"]).Distinct().ToList();
        Assert.Equal(["stays"], sweeps);
    }

    [Fact]
    public void No_label_carries_a_trial_or_stage_id()
    {
        var trials = Trials("sw-2", ks: [5, 10], succeeded: 2).ToList();
        _metrics.SweepChanged("sw-2", trials, finished: null, results: true);
        _metrics.SweepAutoencoderEpoch("sw-2", "mnist", "ae-z16-bce-e3", new EpochFigures(1, 3, 0.2, 0.19));
        _metrics.TrialEntered("succeeded", SlotKind.Cpu);
        _metrics.StageComputed(StageKind.Clustering, SlotKind.Cpu);
        _metrics.StageWaited(StageKind.Clustering, SlotKind.Cpu, TimeSpan.FromSeconds(2));
        using (_metrics.StageRunning(StageKind.Autoencoder, SlotKind.Gpu))
        {
            _metrics.AutoencoderEpoch(SlotKind.Gpu, 0, 0.2, 0.19);
            _metrics.KMeansProgress(SlotKind.Cpu, 0, 12, 345.6);
        }
        _metrics.SchedulerChanged(3, 0, 1);

        var measurements = _probe.Observe();

        var ids = trials.Select(t => t.TrialId)
            .Concat(trials.Select(t => t.Spec.Id))
            .Concat(trials.SelectMany(t => TestKeys.Chain(t.Spec)).Select(r => r.Hash))
            .ToList();
        Assert.NotEmpty(measurements);
        Assert.All(measurements, m =>
        {
            Assert.Subset(AllowedLabels, m.Tags.Keys.ToHashSet());
            Assert.DoesNotContain(m.Tags.Values, v => ids.Any(id => v.Contains(id, StringComparison.Ordinal)));
        });
        // And the instruments these calls feed all reported something.
        Assert.Subset(measurements.Select(m => m.Name).ToHashSet(), new HashSet<string>
        {
            "grid.trials", "grid.stages.computed", "grid.stage.queue_wait", "grid.stage.duration", "grid.autoencoder.epochs",
            "grid.autoencoder.loss", "grid.kmeans.steps", "grid.kmeans.inertia", "grid.scheduler.queue", "grid.scheduler.workers",
            "grid.sweep.autoencoder.loss", "grid.sweep.autoencoder.epochs", "grid.sweep.inertia", "grid.sweep.test_error",
            "grid.sweep.silhouette", "grid.sweep.silhouette.best", "grid.sweep.davies_bouldin.best", "grid.sweep.calinski_harabasz",
        });
    }

    [Fact]
    public void Counters_start_at_zero_for_every_state_and_kind_and_reject_unknown_states()
    {
        var zeros = _probe.Observe().Where(m => m.Name == "grid.trials").ToList();

        Assert.Equal(GridMetrics.TrialCounterStates.Count * 2, zeros.Count);
        Assert.All(zeros, m => Assert.Equal(0, m.Value));
        Assert.Throws<ArgumentOutOfRangeException>(() => _metrics.TrialEntered("pending", SlotKind.Cpu));
    }

    [Fact]
    public void Active_trials_follow_stage_activities_and_vanish_with_them()
    {
        using var queued = _metrics.TrackStage();
        var running = _metrics.TrackStage();
        queued.Set(running: false, SlotKind.Cpu, trials: 3);
        running.Set(running: true, SlotKind.Gpu, trials: 2);
        running.SetTrials(4);

        double Active(string state, string resource) =>
            _probe.Observe().Single(m => m.Name == "grid.trials.active" && m.Tags["state"] == state && m.Tags["resource"] == resource).Value;

        Assert.Equal(3, Active("queued", "cpu"));
        Assert.Equal(4, Active("running", "gpu"));
        Assert.Equal(0, Active("running", "cpu"));

        running.Dispose();
        Assert.Equal(0, Active("running", "gpu"));
        Assert.Equal(3, Active("queued", "cpu"));
    }

    [Fact]
    public void Slots_busy_count_running_stages_and_durations_are_recorded_when_they_end()
    {
        _metrics.SlotsDeclared(cpu: 2, gpu: 1);
        var first = _metrics.StageRunning(StageKind.Clustering, SlotKind.Cpu);
        var second = _metrics.StageRunning(StageKind.Clustering, SlotKind.Cpu);

        double Busy(string resource) => _probe.Observe().Single(m => m.Name == "grid.slots.busy" && m.Tags["resource"] == resource).Value;

        Assert.Equal(2, Busy("cpu"));
        Assert.Equal(2, _probe.Observe().Single(m => m.Name == "grid.slots" && m.Tags["resource"] == "cpu").Value);
        _clock.Advance(TimeSpan.FromSeconds(7));
        first.Dispose();
        first.Dispose();
        Assert.Equal(1, Busy("cpu"));
        var duration = Assert.Single(_probe.Observe(), m => m.Name == "grid.stage.duration");
        Assert.Equal(7, duration.Value, 3);
        Assert.Equal("clustering", duration.Tags["stage"]);
        second.Dispose();
        Assert.Equal(0, Busy("cpu"));
    }

    [Fact]
    public void The_latest_epoch_of_an_autoencoder_wins_when_reports_arrive_out_of_order()
    {
        _metrics.SweepChanged("sw-3", Trials("sw-3", ks: [2], succeeded: 0).ToList(), finished: null, results: false);
        _metrics.SweepAutoencoderEpoch("sw-3", "mnist", "ae-z2-bce-e3", new EpochFigures(2, 3, 0.15, 0.14));
        _metrics.SweepAutoencoderEpoch("sw-3", "mnist", "ae-z2-bce-e3", new EpochFigures(1, 3, 0.30, 0.29));

        var measurements = _probe.Observe();

        Assert.Equal(2, measurements.Single(m => m.Name == "grid.sweep.autoencoder.epochs").Value);
        Assert.Equal(0.14, measurements.Single(m => m.Name == "grid.sweep.autoencoder.loss" && m.Tags["split"] == "test").Value);
        Assert.Equal(0.15, measurements.Single(m => m.Name == "grid.sweep.autoencoder.loss" && m.Tags["split"] == "train").Value);
    }

    [Fact]
    public void Retention_must_not_be_negative()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GridMetricsOptions { SweepSeriesRetention = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Contains("Grid:Metrics:SweepSeriesRetention", error.Message);
    }

    [Theory]
    [InlineData(11111, "must differ")]
    [InlineData(8080, "must differ")]
    [InlineData(0, "must be a port number")]
    [InlineData(70000, "must be a port number")]
    public void A_metrics_port_must_be_a_port_of_its_own(int port, string message)
    {
        var options = new GridSiloOptions { SiloPort = 11111, GatewayPort = 30000, HttpPort = 8080, MetricsPort = port };

        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);

        Assert.Contains("MetricsPort", error.Message);
        Assert.Contains(message, error.Message);
        new GridSiloOptions { SiloPort = 11111, GatewayPort = 30000, HttpPort = 8080, MetricsPort = 9464 }.Validate();
    }

    [Fact]
    public void A_sweeps_trials_waiting_for_a_slot_are_counted_queued_not_running()
    {
        TrialStatus[] trials = [Trial("sw-q", 2, TrialState.Queued), Trial("sw-q", 4, TrialState.Queued), Trial("sw-q", 8, TrialState.Running), Trial("sw-q", 16, TrialState.Pending)];

        _metrics.SweepChanged("sw-q", trials, finished: null, results: false);
        var byState = _probe.Observe().Where(m => m.Name == "grid.sweep.trials" && m.Tags["sweep"] == "sw-q").ToDictionary(m => m.Tags["state"], m => m.Value);

        Assert.Equal(new Dictionary<string, double> { ["pending"] = 1, ["queued"] = 2, ["running"] = 1, ["succeeded"] = 0, ["pruned"] = 0, ["failed"] = 0, ["cancelled"] = 0 }, byState);
    }

    private static IEnumerable<TrialStatus> Trials(string sweepId, int[] ks, int succeeded) =>
        ks.Select((k, i) => Trial(sweepId, k, i < succeeded ? TrialState.Succeeded : TrialState.Pending));

    private static TrialStatus Trial(string sweepId, int k, TrialState state)
    {
        var spec = new TrialSpec("mnist", new SplitSpec(1000, 200), RepresentationSpec.Raw, ScalerKind.L2, k, 0, KMeansSettings.MiniBatchDefaults);
        // Inertia falling like 1/k bends into a knee; errors likewise.
        var result = state == TrialState.Succeeded
            ? new ClusteringResult(0.4 / k, 0.5 / k, 1000.0 / k, 5, 0.1, 10, new long[100], 0, Silhouette: 1.0 / k, DaviesBouldin: k / 10.0, CalinskiHarabasz: 100.0 * k)
            : null;
        return new TrialStatus(SweepGrain.TrialKey(sweepId, spec), spec, state, null, result, null, state == TrialState.Succeeded ? 1 : 0, 0);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public override long GetTimestamp() => _now.UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed record Measured(string Name, double Value, IReadOnlyDictionary<string, string> Tags);

    /// <summary>Collects what the Grid meter of one meter factory reports.</summary>
    private sealed class Probe : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<Measured> _measurements = [];
        private readonly Lock _gate = new();

        public Probe(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == GridMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        /// <summary>Everything pushed since the last call, plus one reading of every observable instrument.</summary>
        public IReadOnlyList<Measured> Observe()
        {
            _listener.RecordObservableInstruments();
            lock (_gate)
            {
                var all = _measurements.ToList();
                _measurements.RemoveAll(m => m.Name.StartsWith("grid.sweep.", StringComparison.Ordinal) || IsObservable(m.Name));
                return all;
            }
        }

        public void Dispose() => _listener.Dispose();

        private static bool IsObservable(string name) => name is "grid.slots" or "grid.slots.busy" or "grid.trials.active"
            or "grid.scheduler.queue" or "grid.scheduler.workers" or "grid.autoencoder.loss" or "grid.kmeans.inertia";

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = new Dictionary<string, string>();
            foreach (var tag in tags)
            {
                labels[tag.Key] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
            lock (_gate)
            {
                _measurements.Add(new Measured(instrument.Name, value, labels));
            }
        }
    }
}
