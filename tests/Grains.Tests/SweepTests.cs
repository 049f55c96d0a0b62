using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Compute.Evaluation;
using Grid.Compute.Scaling;
using Grid.Core;
using Grid.Grains.Stages;

namespace Grid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class SweepTests(ClusterFixture fixture)
{
    private const int TrainRows = 2000;
    private const int TestRows = 500;

    /// <summary>Pixels and one small autoencoder × two scalers × three k: 12 trials, 6 of them sharing the autoencoder.</summary>
    private static readonly SweepSpec SmallStudy = Specs.Valid($$"""
        {
          "name": "small-study",
          "datasets": ["mnist"],
          "split": { "train": {{TrainRows}}, "test": {{TestRows}} },
          "representations": ["pixels", { "autoencoder": { "z_dim": 4, "epochs": 1 } }],
          "scalers": ["none", "l2"],
          "k": [5, 10, 20],
          "seeds": [0],
          "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 }
        }
        """);

    private async Task<SweepSnapshot> RunToEndAsync(string sweepId, SweepSpec spec, TimeSpan timeout)
    {
        var sweep = fixture.Grains.GetGrain<ISweepGrain>(sweepId);
        var submitted = await sweep.SubmitAsync(spec);
        // Strategies that add trials as results come (asha, tpe) start with their first ones.
        Assert.Equal(SweepExpansion.Expand(spec).Count, submitted.Total);
        using var cancel = new CancellationTokenSource(timeout);
        SweepSnapshot? last = null;
        try
        {
            await foreach (var snapshot in sweep.WatchAsync(cancel.Token).WithCancellation(cancel.Token))
            {
                last = snapshot;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"sweep {sweepId} did not finish within {timeout.TotalSeconds:F0}s; last: {last?.Count(TrialState.Succeeded)} succeeded of {last?.Total}");
        }
        Assert.NotNull(last);
        Assert.True(last.IsFinished, $"the watch ended before the sweep did ({last.State})");
        return last;
    }

    [Fact]
    public async Task Small_sweep_runs_end_to_end_shares_its_autoencoder_and_matches_the_compute_core()
    {
        var result = await RunToEndAsync("small-study-1", SmallStudy, TimeSpan.FromMinutes(5));

        Assert.Equal(SweepState.Completed, result.State);
        Assert.All(result.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));
        // 12 clustering stages + 1 autoencoder computed; the autoencoder's 5 other users reused it.
        Assert.Equal(new StageCounts(13, 5), result.Stages);
        Assert.Equal(4, result.Curves.Count);
        Assert.All(result.Curves, c => Assert.Equal([5, 10, 20], c.Points.Select(p => p.K)));
        Assert.All(result.Curves, c => Assert.True(c.Points[0].Inertia > c.Points[^1].Inertia, $"{c.Representation}/{c.Scaler}: inertia falls with k"));
        Assert.NotNull(result.BestTrialId);

        // The autoencoder stage trained exactly once.
        var aeTrial = result.Trials.First(t => t.Spec.Representation.Kind == RepresentationKind.Autoencoder).Spec;
        var aeOutcome = await fixture.Grains.GetGrain<IStageGrain>(TestKeys.Autoencoder(aeTrial)!).PeekAsync();
        Assert.NotNull(aeOutcome);
        Assert.Equal(1, aeOutcome.Attempts);

        // The pixels/none curve equals the compute core run directly on the same rows.
        var data = new DatasetStore(TestData.DataDir).Load("mnist", TrainRows, TestRows);
        var curve = result.Curves.Single(c => c.Representation == "raw" && c.Scaler == "none");
        foreach (var point in curve.Points)
        {
            using var train = data.Train.ToFeatureTensor();
            using var test = data.Test.ToFeatureTensor();
            using var scaler = FittedScaler.Fit(ScalerKind.None, train);
            using var x = scaler.Transform(train);
            using var xTest = scaler.Transform(test);
            using var fit = MiniBatchKMeans.Fit(x, new MiniBatchKMeansOptions(point.K) { BatchSize = 200, Inits = 1, Seed = 0 });
            var classifier = ClusterClassifier.Fit(fit.Labels, data.Train.Labels!, point.K);
            Assert.Equal(fit.Inertia, point.Inertia, fit.Inertia * 1e-6);
            Assert.Equal(classifier.Evaluate(fit.Labels, data.Train.Labels!).Error, point.TrainError!.Value, 1e-9);
            Assert.Equal(classifier.Evaluate(fit.Predict(xTest), data.Test.Labels!).Error, point.TestError!.Value, 1e-9);
        }

        // The same study again, in a new sweep: every stage is reused, none computed.
        var again = await RunToEndAsync("small-study-2", SmallStudy, TimeSpan.FromMinutes(2));
        Assert.Equal(new StageCounts(0, 18), again.Stages);
        Assert.Equal(
            result.Trials.Select(t => t.Result!.TestError).Order(),
            again.Trials.Select(t => t.Result!.TestError).Order());
    }

    private static SweepSpec PrefixStudy(string name, string epochs) => Specs.Valid($$"""
        {
          "name": "{{name}}",
          "datasets": ["mnist"],
          "split": { "train": 1000, "test": 200 },
          "representations": [{ "autoencoder": { "z_dim": 3, "epochs": {{epochs}}, "batch_size": 64 } }],
          "scalers": ["none"],
          "k": [5],
          "seeds": [0],
          "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 }
        }
        """);

    [Fact]
    public async Task A_longer_training_continues_the_shorter_one_of_its_own_sweep_and_of_an_earlier_sweep()
    {
        var first = await RunToEndAsync("prefix-1", PrefixStudy("prefix-1", "[1, 2]"), TimeSpan.FromMinutes(5));

        Assert.All(first.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));
        // The 2-epoch trial chains the 1-epoch stage first and continues it: 2 epochs trained for both, not 3.
        var stages = AutoencoderTraining.Of(first.Trials);
        Assert.Equal([(1, 1, 0, true), (2, 1, 1, true)], stages.Select(a => (a.Epochs, a.EpochsTrained, a.EpochsReused, a.Computed)));
        Assert.Equal((2, 1), AutoencoderTraining.Totals(stages));

        // A later sweep asking 3 epochs finds the 2-epoch stage's checkpoint and trains one epoch.
        var second = await RunToEndAsync("prefix-2", PrefixStudy("prefix-2", "3"), TimeSpan.FromMinutes(5));

        var longer = Assert.Single(AutoencoderTraining.Of(second.Trials));
        Assert.Equal((3, 1, 2, true), (longer.Epochs, longer.EpochsTrained, longer.EpochsReused, longer.Computed));
        var outcome = await fixture.Grains.GetGrain<IStageGrain>(longer.Hash).PeekAsync();
        Assert.Equal(3, outcome!.Metrics["epochs"]);
    }

    [Fact]
    public async Task Successive_halving_promotes_the_best_arm_which_ends_with_a_straight_trainings_weights_and_prunes_the_rest()
    {
        var spec = Specs.Valid("""
            {
              "name": "asha",
              "datasets": ["mnist"],
              "split": { "train": 1000, "test": 200 },
              "representations": [{ "autoencoder": { "z_dim": [2, 3, 4], "batch_size": 64, "learning_rate": 2.0e-3 } }],
              "scalers": ["none"],
              "k": [5],
              "seeds": [0],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 },
              "strategy": { "asha": { "max_epochs": 3, "min_epochs": 1, "reduction": 3 } }
            }
            """);

        // Its own learning rate: no other test of this cluster trains these autoencoders, whose epochs this test counts.
        var result = await RunToEndAsync("asha-1", spec, TimeSpan.FromMinutes(5));

        // Three arms at 1 epoch; the best of the three goes on to 3 epochs, the other two are pruned with their results.
        Assert.Equal(4, result.Total);
        Assert.Equal(2, result.Count(TrialState.Pruned));
        Assert.Equal(2, result.Count(TrialState.Succeeded));
        Assert.All(result.Trials, t => Assert.NotNull(t.Result));
        var survivor = Assert.Single(result.Trials, t => t.Spec.Representation.Autoencoder!.Epochs == 3);
        var atFirstRung = result.Trials.Where(t => t.Spec.Representation.Autoencoder!.Epochs == 1).ToList();
        var best = atFirstRung.MinBy(t => t.Result!.TestError)!;
        Assert.Equal(best.Spec.Representation.Autoencoder!.ZDim, survivor.Spec.Representation.Autoencoder!.ZDim);
        Assert.Equal(TrialState.Succeeded, best.State);
        // 1 + 1 + 1 epochs at the first rung, then 2 more for the survivor: 5 trained, its first epoch reused.
        Assert.Equal((5, 1), AutoencoderTraining.Totals(AutoencoderTraining.Of(result.Trials)));
        Assert.Equal(2, result.Arms.Count(a => a.State == AshaArmState.Pruned));
        Assert.Equal([1, 3], Assert.Single(result.Arms, a => a.State == AshaArmState.Finished).Rungs.Select(r => r.Epochs));
        // The pages show the rungs (an arm per row, its score per rung) and the objective over the trials as they ended.
        string page = Grid.Silo.Pages.ResultsHtml.SweepPage(result, [], new Grid.Silo.Pages.ResultsHtml.PageMode(false, f => f.Name));
        Assert.Contains("<table id=\"rungs-table\">", page);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(page, "<tr class=\"arm "));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(page, "<tr class=\"arm pruned\">"));
        var sources = new Grid.Silo.Pages.ResultSources(new Grid.Compute.Pipeline.ArtifactStore(ClusterFixture.ArtifactsDir), new DatasetStore(ClusterFixture.SiloDataDir), new Grid.Silo.Pages.FigureOptions());
        var objective = Assert.Single(Grid.Silo.Pages.ResultFigures.List(result, sources), f => f.Name == "objective.png");
        Assert.True(objective.Render().Length > 1000, "the objective figure is drawn");

        // Exact: the survivor's autoencoder equals the same configuration trained for 3 epochs straight.
        var request = TestKeys.Chain(survivor.Spec).Last(r => r.Kind == StageKind.Autoencoder);
        var options = new Grid.Silo.Compute.StageInputs(Grid.Core.Datasets.DatasetRegistry.BuiltIn).Autoencoder(request).ToOptions();
        var data = new DatasetStore(TestData.DataDir).Load("mnist", 1000, 200);
        using var straight = new Grid.Compute.Autoencoder.AutoencoderTrainer(options);
        straight.Train(data.Train, data.Test);
        string weights = Path.Combine(new Grid.Compute.Pipeline.ArtifactStore(ClusterFixture.ArtifactsDir).Get(request.Hash), Grid.Compute.Pipeline.StagePipeline.WeightsFile);
        using var continued = Grid.Compute.Autoencoder.AutoencoderTrainer.FromWeights(weights, options);
        double difference = straight.Model.parameters().Zip(continued.Model.parameters())
            .Max(p => (p.First - p.Second).abs().max().item<float>());
        Assert.True(difference <= 1e-6, $"the survivor's weights differ from a straight training's by {difference}");
    }

    [Fact]
    public async Task Tpe_proposes_configurations_after_its_start_up_ones_end_until_its_trials_are_reached()
    {
        var spec = Specs.Valid("""
            {
              "name": "tpe",
              "datasets": ["mnist"],
              "split": { "train": 1000, "test": 200 },
              "representations": [{ "autoencoder": { "z_dim": { "int_uniform": [2, 6] }, "learning_rate": { "log_uniform": [1.0e-3, 1.0e-2] }, "epochs": 1, "batch_size": 64 } }],
              "scalers": ["none"],
              "k": [5],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 },
              "strategy": { "tpe": { "trials": 4, "startup": 2, "seed": 3 } }
            }
            """);

        var result = await RunToEndAsync("tpe-1", spec, TimeSpan.FromMinutes(5));

        // Two start-up configurations, then two proposed from their results: four, each within the space.
        Assert.Equal(4, result.Total);
        Assert.All(result.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));
        var configurations = result.Trials.Select(t => t.Spec.Representation.Autoencoder!).ToList();
        Assert.Equal(4, configurations.Distinct().Count());
        Assert.All(configurations, ae => Assert.InRange(ae.ZDim, 2, 6));
        Assert.All(configurations, ae => Assert.InRange(ae.LearningRate, 1e-3, 1e-2));
    }

    [Fact]
    public async Task Successive_halving_with_a_tpe_sampler_adds_arms_as_results_come_and_closes_its_rungs_once_every_arm_is_in()
    {
        var spec = Specs.Valid("""
            {
              "name": "asha-tpe",
              "datasets": ["mnist"],
              "split": { "train": 1000, "test": 200 },
              "representations": [{ "autoencoder": { "z_dim": { "int_uniform": [2, 6] }, "learning_rate": { "log_uniform": [1.0e-3, 1.0e-2] }, "batch_size": 64 } }],
              "scalers": ["none"],
              "k": [5],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 },
              "strategy": { "asha": { "max_epochs": 3, "min_epochs": 1, "reduction": 3, "sampler": "tpe", "trials": 4, "startup": 2, "seed": 5 } }
            }
            """);

        var result = await RunToEndAsync("asha-tpe-1", spec, TimeSpan.FromMinutes(5));

        // Four arms at 1 epoch (two at random, two proposed by TPE); the best went on to 3 epochs; the rest were pruned.
        Assert.All(result.Trials, t => Assert.True(t.State.IsEnded() && t.Result is not null, $"{t.Spec.Key}: {t.State} {t.Error}"));
        Assert.Equal(4, result.Arms.Count);
        Assert.All(result.Arms, a => Assert.NotEqual(AshaArmState.Open, a.State));
        Assert.Contains(result.Arms, a => a.State == AshaArmState.Finished);
        Assert.Equal(result.Arms.Count(a => a.State == AshaArmState.Pruned), result.Count(TrialState.Pruned));
        Assert.True(result.Count(TrialState.Pruned) >= 2, $"{result.Count(TrialState.Pruned)} pruned");
        Assert.All(result.Trials, t => Assert.InRange(t.Spec.Representation.Autoencoder!.ZDim, 2, 6));
    }

    [Fact]
    public async Task Cancel_stops_running_and_pending_trials_and_frees_the_slots()
    {
        var spec = Specs.Valid($$"""
            {
              "name": "to-cancel",
              "datasets": ["mnist"],
              "split": { "train": {{TrainRows}}, "test": {{TestRows}} },
              "representations": [{ "autoencoder": { "z_dim": 3, "epochs": 500 } }],
              "scalers": ["none"],
              "k": [5, 6, 7],
              "seeds": [11]
            }
            """);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("to-cancel");
        await sweep.SubmitAsync(spec);
        await Wait.UntilAsync(async () =>
            (await sweep.GetSnapshotAsync())!.Trials.Any(t => t.Progress is { Stage: StageKind.Autoencoder, Done: > 0 }),
            TimeSpan.FromMinutes(2), "the autoencoder reports its first epoch");

        var cancelled = await sweep.CancelAsync();

        Assert.Equal(SweepState.Cancelled, cancelled!.State);
        Assert.All(cancelled.Trials, t => Assert.Equal(TrialState.Cancelled, t.State));
        Assert.Equal(new StageCounts(0, 0), cancelled.Stages);
        // Abandoned by every trial, the autoencoder stops and its slot is freed.
        await Wait.UntilAsync(async () =>
        {
            var status = await fixture.Grains.GetGrain<ISchedulerGrain>(0).GetStatusAsync();
            return status.Workers.Sum(w => w.BusyCpu + w.BusyGpu) == 0;
        }, TimeSpan.FromSeconds(60), "the cancelled autoencoder frees its slot");
        Assert.Null(await fixture.Grains.GetGrain<IStageGrain>(TestKeys.Autoencoder(cancelled.Trials[0].Spec)!).PeekAsync());
    }

    [Fact]
    public async Task A_stage_that_fails_every_attempt_fails_its_trials_with_the_reason()
    {
        // The silos' data directory has no Fashion-MNIST.
        var spec = Specs.Valid("""
            {
              "name": "missing-data",
              "datasets": ["fashion-mnist"],
              "split": { "train": 1000, "test": 100 },
              "representations": ["pixels"],
              "scalers": ["none"],
              "k": [5, 6]
            }
            """);

        var result = await RunToEndAsync("missing-data", spec, TimeSpan.FromMinutes(2));

        Assert.Equal(SweepState.Completed, result.State);
        Assert.All(result.Trials, t =>
        {
            Assert.Equal(TrialState.Failed, t.State);
            Assert.Contains("failed after 3 attempts", t.Error);
            Assert.Contains("grid data fetch fashion-mnist", t.Error);
        });
        Assert.Empty(result.Curves);
        Assert.Null(result.BestTrialId);
    }

    [Fact]
    public async Task Refine_knee_adds_k_values_until_the_knee_is_located_to_the_step()
    {
        var spec = Specs.Valid($$"""
            {
              "name": "refine",
              "datasets": ["mnist"],
              "split": { "train": {{TrainRows}}, "test": {{TestRows}} },
              "representations": ["pixels"],
              "scalers": ["l2"],
              "k": [2, 12, 40, 80],
              "seeds": [5],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 },
              "refine": { "knee": { "step": 3 } }
            }
            """);

        var result = await RunToEndAsync("refine", spec, TimeSpan.FromMinutes(3));

        Assert.Equal(SweepState.Completed, result.State);
        Assert.True(result.Total > 4, "refinement added trials");
        Assert.All(result.Trials, t => Assert.Equal(TrialState.Succeeded, t.State));
        var curve = Assert.Single(result.Curves);
        Assert.NotNull(curve.KneeK);
        int at = curve.Points.ToList().FindIndex(p => p.K == curve.KneeK);
        Assert.True(at == 0 || curve.KneeK - curve.Points[at - 1].K <= 3, $"left neighbour of knee {curve.KneeK} within 3");
        Assert.True(at == curve.Points.Count - 1 || curve.Points[at + 1].K - curve.KneeK <= 3, $"right neighbour of knee {curve.KneeK} within 3");
    }

    [Fact]
    public async Task Watchdog_reminder_records_a_result_whose_report_never_arrived()
    {
        var spec = Specs.Valid("""
            {
              "name": "lost-report",
              "datasets": ["mnist"],
              "split": { "train": 1000, "test": 100 },
              "representations": ["pixels"],
              "scalers": ["none"],
              "k": [4],
              "seeds": [9]
            }
            """);
        var trialSpec = SweepExpansion.Expand(spec).Single();
        // The trial runs first and reports to another (unknown) sweep; when the real sweep starts
        // it, the trial is already done and reports nothing: its one report was "lost".
        var trial = fixture.Grains.GetGrain<ITrialGrain>(Grid.Grains.Runs.SweepGrain.TrialKey("lost-report", trialSpec));
        await trial.StartAsync("nowhere", trialSpec);
        await Wait.UntilAsync(async () => (await trial.GetStatusAsync())?.State == TrialState.Succeeded,
            TimeSpan.FromMinutes(1), "the trial succeeds on its own");

        var sweep = fixture.Grains.GetGrain<ISweepGrain>("lost-report");
        var submitted = await sweep.SubmitAsync(spec);
        Assert.Equal(TrialState.Pending, Assert.Single(submitted.Trials).State);

        await Wait.UntilAsync(async () => (await sweep.GetSnapshotAsync())!.State == SweepState.Completed,
            TimeSpan.FromSeconds(60), "the watchdog reminder reconciles the sweep with its trial");
        var done = (await sweep.ReconcileAsync())!;
        Assert.Equal(TrialState.Succeeded, Assert.Single(done.Trials).State);
        Assert.NotNull(done.Trials[0].Result);
    }

    [Fact]
    public async Task Scheduler_sees_both_silos_with_their_slots()
    {
        var status = await fixture.Grains.GetGrain<ISchedulerGrain>(0).GetStatusAsync();

        Assert.Equal(ClusterFixture.Silos, status.Workers.Count(w => w.Alive));
        Assert.All(status.Workers, w => Assert.Equal((1, 0), (w.CpuSlots, w.GpuSlots)));
        Assert.Equal(ClusterFixture.Silos, status.Workers.Select(w => w.Silo).Distinct().Count());
    }

    [Fact]
    public async Task Unknown_sweep_has_no_snapshot_and_cancel_is_harmless()
    {
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("never-submitted");
        Assert.Null(await sweep.GetSnapshotAsync());
        Assert.Null(await sweep.CancelAsync());
    }
}
