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
using Xunit.Abstractions;

namespace Grid.Grains.Tests;

/// <summary>
/// Issue #7 in process: a three-silo test cluster with state and reminders in a real redis-server, broken
/// mid-sweep. Each test builds its own cluster (it breaks it); the collection runs alone, after the others,
/// so that no other cluster competes for the two cores while stages are timed against a kill.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(ReliabilityCollection.Name)]
public sealed class InProcessReliabilityTests(ITestOutputHelper output)
{
    private const int TrainRows = 10000;
    private const int TestRows = 2000;
    private const int Batch = 200;

    /// <summary>
    /// Passes over the train rows, with early stopping off (a patience beyond the fit's 2,000 mini-batches): every
    /// stage runs the same known number of steps, a few seconds here, so a kill lands mid-stage whichever stage it hits.
    /// </summary>
    private const int MaxIter = 40;
    private const int Patience = 1_000_000;
    private static readonly int[] Ks = [30, 60, 90, 120];

    /// <summary>Pixels, two scalers, four k: eight clustering stages of a few seconds each, one per trial (as ReliabilityTests' spec).</summary>
    private static SweepSpec PixelSpec(string name) =>
        Specs.Valid($$"""
            {
              "name": "{{name}}",
              "datasets": ["mnist"],
              "split": { "train": {{TrainRows}}, "test": {{TestRows}} },
              "representations": ["pixels"],
              "scalers": ["none", "l2"],
              "k": [{{string.Join(", ", Ks)}}],
              "seeds": [0],
              "kmeans": { "batch_size": {{Batch}}, "n_init": 1, "max_iter": {{MaxIter}}, "max_no_improvement": {{Patience}} }
            }
            """);

    /// <summary>
    /// With <paramref name="orchestrationOnTheVictim"/>, the killed silo also holds the sweep grain, every trial and every
    /// stage grain (placed there on purpose); without, Orleans places them where it likes.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_silo_killed_while_it_runs_a_stage_costs_no_attempt_and_the_sweep_ends_with_every_result_once(bool orchestrationOnTheVictim)
    {
        await using var cluster = await DurableCluster.StartAsync(output);
        var spec = PixelSpec("killed");
        var chosen = orchestrationOnTheVictim ? cluster.Cluster.SecondarySilos[0] : null;
        await cluster.SubmitAsync("killed", spec, placeOn: chosen);

        var (victim, lease) = await cluster.BusySecondaryAsync(TimeSpan.FromMinutes(1), only: chosen);
        // Work the survivors run for stage grains of the victim (all of it, when the victim holds every stage grain).
        var orphans = orchestrationOnTheVictim
            ? cluster.Cluster.GetActiveSilos().Where(s => s != victim).SelectMany(DurableCluster.RunningOn).Select(l => l.Token).ToList()
            : [];
        var killed = DateTimeOffset.UtcNow;
        await cluster.Cluster.KillSiloAsync(victim);
        double killSeconds = (DateTimeOffset.UtcNow - killed).TotalSeconds;

        var result = await cluster.WaitForSweepAsync("killed", TimeSpan.FromMinutes(3));
        output.WriteLine($"killed {victim.Name}{(orchestrationOnTheVictim ? " (holding the sweep, its trials and stages)" : "")} " +
            $"{(killed - result.Submitted).TotalSeconds:F1} s into the sweep while it ran stage {lease.StageHash} " +
            $"(the kill took {killSeconds:F1} s); the sweep completed {(result.Finished!.Value - killed).TotalSeconds:F1} s after the kill");

        await AssertEveryTrialSucceededOnceAsync(cluster, result, (int)SweepExpansion.Count(spec));
        AssertResultsEqualTheComputeCore(result);
        // The interrupted stage ran again on a survivor, and the lost silo did not count as an attempt.
        var outcome = await cluster.Grains.GetGrain<IStageGrain>(lease.StageHash).PeekAsync();
        Assert.NotNull(outcome);
        Assert.NotEqual(victim.Name, outcome.Silo);
        Assert.Equal(1, outcome.Attempts);

        // A stage activation of the dead silo that still queued for a slot is not granted one (every slot is free now,
        // so a grant would be immediate): its wait is dropped.
        await cluster.WaitUntilEverySiloSeesDeadAsync(victim, TimeSpan.FromSeconds(30));
        // Nobody would record it, so the scheduler stopped it and freed its slot rather than leave it to the lease grace
        // (a stage that ends in the moment before the kill is released normally, hence "any").
        if (orphans.Count > 0)
        {
            Assert.Contains(cluster.LogLines, line => orphans.Any(token => line.Contains($"lease {token} ") && line.Contains("which is dead; the work is stopped")));
        }
        await Assert.ThrowsAsync<SiloUnavailableException>(() => cluster.Scheduler
            .AcquireAsync(SlotKind.Cpu, "a-stage-of-the-dead-silo", victim.SiloAddress.ToParsableString())
            .WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>As above: with <paramref name="orchestrationOnTheLeaver"/>, the stopped silo holds the sweep, its trials and stages.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_silo_stopped_gracefully_finishes_its_stage_leaves_and_the_sweep_ends_with_every_result_once(bool orchestrationOnTheLeaver)
    {
        await using var cluster = await DurableCluster.StartAsync(output);
        var spec = PixelSpec("stopped");
        var chosen = orchestrationOnTheLeaver ? cluster.Cluster.SecondarySilos[0] : null;
        await cluster.SubmitAsync("stopped", spec, placeOn: chosen);

        var (leaving, lease) = await cluster.BusySecondaryAsync(TimeSpan.FromMinutes(1), only: chosen);
        var stopped = DateTimeOffset.UtcNow;
        // Returns once the silo has drained (finished or handed back its stage) and left the cluster.
        await cluster.Cluster.StopSiloAsync(leaving);
        double stopSeconds = (DateTimeOffset.UtcNow - stopped).TotalSeconds;
        Assert.DoesNotContain(leaving, cluster.Cluster.GetActiveSilos());

        var result = await cluster.WaitForSweepAsync("stopped", TimeSpan.FromMinutes(3));
        var outcome = await cluster.Grains.GetGrain<IStageGrain>(lease.StageHash).PeekAsync();
        Assert.NotNull(outcome);
        output.WriteLine($"stopped {leaving.Name}{(orchestrationOnTheLeaver ? " (holding the sweep, its trials and stages)" : "")} {(stopped - result.Submitted).TotalSeconds:F1} s into the sweep while it ran stage {lease.StageHash}: " +
            $"it left {stopSeconds:F1} s later, the stage {(outcome.Silo == leaving.Name ? "finished there" : $"was handed back and ran on {outcome.Silo}")}; " +
            $"the sweep completed {(result.Finished!.Value - stopped).TotalSeconds:F1} s after the stop began");

        await AssertEveryTrialSucceededOnceAsync(cluster, result, (int)SweepExpansion.Count(spec));
        AssertResultsEqualTheComputeCore(result);
        // A stage lasts seconds and the drain allows 30: the leaving silo finished it and its result was recorded,
        // once, on the first attempt.
        Assert.Equal(leaving.Name, outcome.Silo);
        Assert.Equal(1, outcome.Attempts);
        Assert.InRange(stopSeconds, 0, DurableCluster.DrainTimeout.TotalSeconds + 30);
    }

    /// <summary>
    /// Exactly one terminal state and one result per trial, no trial twice, and the trial grains (the records the
    /// sweep folds) agree with the sweep; every trial's stage was recorded once, computed or joined.
    /// </summary>
    private static async Task AssertEveryTrialSucceededOnceAsync(DurableCluster cluster, SweepSnapshot sweep, int trials)
    {
        Assert.Equal(SweepState.Completed, sweep.State);
        Assert.Equal(trials, sweep.Total);
        Assert.Equal(trials, sweep.Trials.Count);
        Assert.Equal(trials, sweep.Trials.Select(t => t.TrialId).Distinct().Count());
        Assert.Equal(trials, sweep.Trials.Select(t => t.Spec.Id).Distinct().Count());
        Assert.All(sweep.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));
        Assert.All(sweep.Trials, t => Assert.NotNull(t.Result));
        Assert.Equal(trials, sweep.Count(TrialState.Succeeded));
        Assert.Equal(0, sweep.Count(TrialState.Failed));
        // One clustering stage per trial: computed by it, or joined while another trial of the same stage ran it.
        Assert.Equal(trials, sweep.Stages.Computed + sweep.Stages.Reused);
        foreach (var trial in sweep.Trials)
        {
            var status = await cluster.Grains.GetGrain<ITrialGrain>(trial.TrialId).GetStatusAsync();
            Assert.NotNull(status);
            Assert.Equal(TrialState.Succeeded, status.State);
            // The same record (the confusion matrix is a list, compared by reference in the record's Equals).
            Assert.Equal((trial.Result!.TrainError, trial.Result.TestError, trial.Result.Inertia, trial.Result.Iterations),
                (status.Result!.TrainError, status.Result.TestError, status.Result.Inertia, status.Result.Iterations));
            Assert.Equal(trial.Result.TestConfusion, status.Result.TestConfusion);
        }
    }

    /// <summary>What the broken cluster recorded is what the compute core computes for the same trials.</summary>
    private static void AssertResultsEqualTheComputeCore(SweepSnapshot sweep)
    {
        var data = new DatasetStore(TestData.DataDir).Load("mnist", TrainRows, TestRows);
        using var pixels = data.Train.ToFeatureTensor();
        using var testPixels = data.Test.ToFeatureTensor();
        foreach (var trial in sweep.Trials)
        {
            var config = trial.Spec;
            var options = new MiniBatchKMeansOptions(config.K)
            {
                BatchSize = Batch,
                Inits = 1,
                MaxIterations = MaxIter,
                MaxNoImprovement = Patience,
                Seed = config.Seed,
            };
            var (train, test) = FittedScaler.FitTransform(config.Scaler, pixels, testPixels);
            using (train)
            using (test)
            using (var fit = MiniBatchKMeans.Fit(train, options))
            {
                var classifier = ClusterClassifier.Fit(fit.Labels, data.Train.Labels!, config.K);
                Assert.Equal(fit.Inertia, trial.Result!.Inertia, fit.Inertia * 1e-6);
                Assert.Equal(classifier.Evaluate(fit.Labels, data.Train.Labels!).Error, trial.Result.TrainError!.Value, 1e-9);
                Assert.Equal(classifier.Evaluate(fit.Predict(test), data.Test.Labels!).Error, trial.Result.TestError!.Value, 1e-9);
            }
        }
    }
}

/// <summary>Clusters that tests break: one at a time, with no other test running beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    public const string Name = "reliability";
}
