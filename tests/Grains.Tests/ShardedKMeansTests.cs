using Grid.Abstractions.Runs;
using Grid.Abstractions.Shards;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Compute.Evaluation;
using Grid.Core;
using Grid.Core.Sharding;
using Grid.Grains.Placement;
using Grid.Grains.Shards;
using Grid.Grains.Stages;
using Grid.Silo.Compute.Sharding;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TorchSharp;

namespace Grid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ShardedKMeansTests(ClusterFixture fixture)
{
    private const int TrainRows = 6000;
    private const int TestRows = 10000;

    private ShardedKMeansRunner Runner =>
        ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services.GetRequiredService<ShardedKMeansRunner>();

    [Fact]
    public async Task Sharded_fit_over_the_silos_agrees_with_the_single_process_fit_and_sends_no_rows()
    {
        // As for MNIST at k 225 and batch 200 over 3 shards, each shard's share of a batch (50) is below k (100).
        const int k = 100, batch = 150, shards = 3, features = 784;
        var data = new DatasetStore(TestData.DataDir).Load("mnist", TrainRows, TestRows);
        using var train = data.Train.ToFeatureTensor();
        using var test = data.Test.ToFeatureTensor();
        // The coordinator makes the single-process fit's random draws in its order (k-means++ seeding of every
        // n_init run, then batches and reassignments), so the two fits are the same up to summation order.
        var options = new MiniBatchKMeansOptions(k) { BatchSize = batch, Inits = 3, MaxIterations = 4, Seed = 3 };

        var run = await Runner.FitAsync("agree-1", new KMeansShardSource("mnist", TrainRows, TestRows, null, 0, 1), shards, features,
            options, ScalerKind.None, null, CancellationToken.None);
        using var single = MiniBatchKMeans.Fit(train, options);
        var classifier = ClusterClassifier.Fit(single.Labels, data.Train.Labels!, k);
        var singleTestError = classifier.Evaluate(single.Predict(test), data.Test.Labels!).Error;

        Assert.Equal(shards, run.Shards);
        Assert.Equal(ClusterFixture.Silos, run.Silos);
        Assert.Equal(single.Steps, run.Fit.Steps);
        Assert.Equal(TrainRows, run.Fit.Train.Samples);
        Assert.Equal(TestRows, run.Fit.Test.Samples);
        Assert.InRange(run.Fit.Inertia, single.Inertia * 0.99, single.Inertia * 1.01);
        Assert.InRange(run.Fit.Test.Error, singleTestError - 0.005, singleTestError + 0.005);

        // Messages, as serialized by Orleans: the largest is one set of centres plus indices (a fit's first step), a far
        // cry from a shard's 2000 rows (6 MB); a round is within the bound of 2 × shards × k × d × 4 bytes, and
        // sends less than half of every centre to every shard: after the first step, only those that moved, and those
        // without their zeros (MNIST's centres are about half zeros; 0.31 of the whole here).
        long centres = 4L * k * features;
        Assert.InRange(run.Traffic.LargestMessage, centres, centres + 4096);
        Assert.InRange(run.Fit.Rounds.BytesPerRound, centres / 4, 2.0 * shards * centres);
        Assert.True(run.Fit.Rounds.BytesSent < 0.5 * run.Fit.Rounds.Rounds * shards * centres,
            $"{run.Fit.Rounds.BytesSent} bytes sent in {run.Fit.Rounds.Rounds} rounds");
    }

    [Fact]
    public async Task Sweep_with_kmeans_shards_runs_sharded_and_matches_a_direct_fit_with_another_shard_count()
    {
        var spec = Specs.Valid("""
            {
              "name": "sharded",
              "datasets": ["mnist"],
              "split": { "train": 3000, "test": 1000 },
              "representations": ["pixels"],
              "scalers": ["l2"],
              "k": [12],
              "seeds": [5],
              "kmeans": { "batch_size": 120, "n_init": 2, "shards": 2 }
            }
            """);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("sharded-sweep-1");
        await sweep.SubmitAsync(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        SweepSnapshot? last = null;
        await foreach (var snapshot in sweep.WatchAsync(timeout.Token).WithCancellation(timeout.Token))
        {
            last = snapshot;
        }
        Assert.NotNull(last);
        var trial = Assert.Single(last.Trials);
        Assert.True(trial.State == TrialState.Succeeded, $"{trial.State}: {trial.Error}");

        var outcome = await fixture.Grains.GetGrain<IStageGrain>(TestKeys.Clustering(trial.Spec, null)).PeekAsync();
        Assert.NotNull(outcome);
        Assert.Equal(2, outcome.Metrics["shards"]);
        Assert.True(outcome.Metrics["rounds"] > 1);

        // A sharded fit draws one random sequence over all rows: three shards give the same fit as two.
        var direct = await Runner.FitAsync("direct-1", new KMeansShardSource("mnist", 3000, 1000, null, 0, 1), 3, 784,
            new MiniBatchKMeansOptions(12) { BatchSize = 120, Inits = 2, Seed = 5 }, ScalerKind.L2, null, CancellationToken.None);
        Assert.Equal(direct.Fit.Inertia, trial.Result!.Inertia, direct.Fit.Inertia * 1e-4);
        Assert.Equal(direct.Fit.Test.Error, trial.Result.TestError!.Value, 1e-9);
    }

    [Fact]
    public async Task A_silo_lost_mid_fit_fails_that_fit_and_the_retry_gives_the_same_result()
    {
        var source = new KMeansShardSource("mnist", TrainRows, 1000, null, 0, 1);
        var options = new MiniBatchKMeansOptions(40) { BatchSize = 100, Inits = 1, MaxIterations = 10, MaxNoImprovement = null, Seed = 8 };
        var reference = await Runner.FitAsync("lost-reference", source, 3, 784, options, ScalerKind.None, null, CancellationToken.None);

        // A third silo joins; the fit puts one shard on each silo, and that silo dies mid-fit.
        var extra = await fixture.Cluster.StartAdditionalSiloAsync();
        var scheduler = fixture.Grains.GetGrain<Grid.Abstractions.Workers.ISchedulerGrain>(0);
        await Wait.UntilAsync(async () => (await scheduler.GetStatusAsync()).Workers.Count(w => w.Alive) == ClusterFixture.Silos + 1,
            TimeSpan.FromSeconds(30), "the extra silo's worker registers");
        var midway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new ActionProgress<ClusteringProgress>(p =>
        {
            if (p.Phase == ClusteringPhase.Iteration && p.Step >= 20)
            {
                midway.TrySetResult();
            }
        });
        var doomed = Runner.FitAsync("lost-1", source, 3, 784, options, ScalerKind.None, progress, CancellationToken.None);
        await midway.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await fixture.Cluster.KillSiloAsync(extra);
        var failure = await Record.ExceptionAsync(() => doomed.WaitAsync(TimeSpan.FromSeconds(90)));
        Assert.NotNull(failure);
        Assert.IsNotType<TimeoutException>(failure);

        // Once the dead silo is out of the picture the retry (a new fit id, new shard grains) runs on the two
        // left, three shards on two silos, and gives the result the undisturbed fit gave.
        await Wait.UntilAsync(async () => (await scheduler.GetStatusAsync()).Workers.Count(w => w.Alive) == ClusterFixture.Silos,
            TimeSpan.FromSeconds(60), "the scheduler drops the dead silo's worker");
        var retry = await Runner.FitAsync("lost-2", source, 3, 784, options, ScalerKind.None, null, CancellationToken.None);
        Assert.Equal(ClusterFixture.Silos, retry.Silos);
        Assert.Equal(reference.Fit.Steps, retry.Fit.Steps);
        Assert.Equal(reference.Fit.Inertia, retry.Fit.Inertia, reference.Fit.Inertia * 1e-5);
        Assert.Equal(reference.Fit.Test.Error, retry.Fit.Test.Error, 1e-9);
    }

    [Fact]
    public async Task A_shard_without_rows_says_the_fit_must_start_again()
    {
        var silo = fixture.Cluster.Primary!.SiloAddress.ToParsableString();
        var shard = fixture.Grains.GetGrain<IKMeansShardGrain>(SiloBoundKeys.For(silo, "never-loaded/0"));
        var error = await Assert.ThrowsAsync<StageFailedException>(() => shard.StepAsync(new CenterUpdate(0, null, new float[4]), [0]));
        Assert.Contains("holds no rows", error.Message);
    }
}
