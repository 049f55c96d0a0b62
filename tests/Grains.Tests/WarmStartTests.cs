using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Grains.Stages;

namespace Grid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class WarmStartTests(ClusterFixture fixture)
{
    private const int TrainRows = 2000;
    private const int TestRows = 500;

    private static SweepSpec Spec(string kmeans) => Specs.Valid($$"""
        {
          "name": "warm",
          "datasets": ["mnist"],
          "split": { "train": {{TrainRows}}, "test": {{TestRows}} },
          "representations": ["pixels"],
          "scalers": ["none"],
          "k": [12, 4, 8],
          "seeds": [1],
          "kmeans": {{kmeans}}
        }
        """);

    [Fact]
    public void A_warm_trial_chains_a_stage_per_k_below_it_and_shares_them_with_the_curve()
    {
        var trials = SweepExpansion.Expand(Spec("""{ "batch_size": 100, "warm_start": true }"""));
        var k12 = TestKeys.Chain(trials.Single(t => t.K == 12));
        var k8 = TestKeys.Chain(trials.Single(t => t.K == 8));
        Assert.Equal([4, 8, 12], k12.Select(r => r.Trial.K));
        Assert.Null(k12[0].WarmHash);
        Assert.Equal(k12[0].Hash, k12[1].WarmHash);
        Assert.Equal(k12[1].Hash, k12[2].WarmHash);
        // k = 8's own stage is the one k = 12 passes through; its hash is what the trial reports.
        Assert.Equal(k8[^1].Hash, k12[1].Hash);
        Assert.Equal(k12[^1].Hash, TestKeys.Clustering(trials.Single(t => t.K == 12), null));
        // Warm and independent fits of the same k are different stages.
        var cold = SweepExpansion.Expand(Spec("""{ "batch_size": 100 }""")).Single(t => t.K == 8);
        Assert.NotEqual(TestKeys.Clustering(cold, null), k8[^1].Hash);
    }

    [Fact]
    public async Task A_warm_started_sweep_computes_each_k_once_and_matches_the_elbow_scan()
    {
        var spec = Spec("""{ "batch_size": 100, "n_init": 1, "warm_start": true }""");
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("warm-sweep-1");
        await sweep.SubmitAsync(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        SweepSnapshot? last = null;
        await foreach (var snapshot in sweep.WatchAsync(timeout.Token).WithCancellation(timeout.Token))
        {
            last = snapshot;
        }
        Assert.NotNull(last);
        Assert.All(last.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));
        // Three clustering stages in all: trial k = 12 passes through 4 and 8, which the other trials computed or reuse.
        Assert.Equal(3, last.Stages.Computed);
        Assert.Equal(3, last.Stages.Reused);

        // The sweep's curve is the compute core's warm-started scan over the same rows.
        var data = new DatasetStore(TestData.DataDir).Load("mnist", TrainRows, TestRows);
        using var x = data.Train.ToFeatureTensor();
        var scan = ElbowScan.Run(x, [4, 8, 12], new ElbowScanOptions(new MiniBatchKMeansOptions(2) { BatchSize = 100, Inits = 1, Seed = 1 }));
        var curve = Assert.Single(last.Curves);
        Assert.Equal([4, 8, 12], curve.Points.Select(p => p.K));
        foreach (var (point, expected) in curve.Points.Zip(scan))
        {
            Assert.Equal(expected.Inertia, point.Inertia, expected.Inertia * 1e-6);
        }
        Assert.True(scan[1].WarmStarted && scan[2].WarmStarted);
    }
}
