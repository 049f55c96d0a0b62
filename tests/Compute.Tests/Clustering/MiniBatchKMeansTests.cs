using Grid.Compute.Clustering;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

public sealed class MiniBatchKMeansTests
{
    private static MiniBatchKMeansOptions Small(int k) => new(k) { BatchSize = 64 };

    [Fact]
    public void Fit_recovers_well_separated_blobs()
    {
        var (x, truth) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 300, spread: 0.5, seed: 11);
        using (x)
        using (var fit = MiniBatchKMeans.Fit(x, Small(4) with { Seed = 5 }))
        {
            Assert.True(ClusteringData.WorstCenterError(ClusteringData.FourCenters, fit.Centers) < 0.3);
            Assert.True(ClusteringData.SamePartition(truth, fit.Labels));
        }
    }

    [Fact]
    public void Fit_inertia_and_labels_match_brute_force()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 200, spread: 4.0, seed: 12);
        using (x)
        using (var fit = MiniBatchKMeans.Fit(x, Small(6) with { Seed = 2 }))
        {
            var (labels, inertia) = ClusteringData.BruteForce(x, fit.Centers);
            Assert.Equal(inertia, fit.Inertia, inertia * 1e-5);
            Assert.Equal(labels, fit.Labels);
            Assert.Equal(labels, fit.Predict(x));
            Assert.Equal(inertia, fit.InertiaOf(x), inertia * 1e-5);
        }
    }

    [Fact]
    public void Fit_same_seed_gives_same_result_and_seeds_differ()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 200, spread: 3.0, seed: 13);
        using (x)
        {
            using var first = MiniBatchKMeans.Fit(x, Small(5) with { Seed = 21 });
            using var second = MiniBatchKMeans.Fit(x, Small(5) with { Seed = 21 });
            using var other = MiniBatchKMeans.Fit(x, Small(5) with { Seed = 22 });
            var a = ClusteringData.Rows(first.Centers).SelectMany(r => r).ToArray();
            Assert.Equal(a, ClusteringData.Rows(second.Centers).SelectMany(r => r));
            Assert.Equal(first.Steps, second.Steps);
            Assert.Equal(first.Inertia, second.Inertia);
            Assert.NotEqual(a, ClusteringData.Rows(other.Centers).SelectMany(r => r));
        }
    }

    [Fact]
    public void Fit_stops_early_without_improvement()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 250, spread: 0.5, seed: 14);
        using (x)
        {
            var options = Small(4) with { MaxIterations = 20, Seed = 3 };
            var maxSteps = 20 * 1000 / 64;
            using var patient = MiniBatchKMeans.Fit(x, options with { MaxNoImprovement = null });
            using var early = MiniBatchKMeans.Fit(x, options with { MaxNoImprovement = 3 });
            Assert.Equal(maxSteps, patient.Steps);
            Assert.Equal(20, patient.Iterations);
            Assert.InRange(early.Steps, 2, maxSteps / 4);
            Assert.Equal((int)Math.Ceiling(early.Steps * 64.0 / 1000), early.Iterations);
        }
    }

    [Fact]
    public void Fit_stops_on_small_center_change()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 100, spread: 0.5, seed: 15);
        using (x)
        using (var fit = MiniBatchKMeans.Fit(x, Small(4) with { Tolerance = 1e6, MaxNoImprovement = null, Seed = 1 }))
        {
            // The first step is ignored (its inertia measures the initialisation); the second stops.
            Assert.Equal(2, fit.Steps);
        }
    }

    [Fact]
    public void Fit_reassignment_fixes_an_empty_cluster()
    {
        // Three distinct points, 100 copies each. Random starts that pick one point twice leave a
        // centre with no rows (ties go to the first): without reassignment it never moves.
        using var x = ClusteringData.Repeated([[0f, 0f], [10f, 0f], [0f, 10f]], [100, 100, 100]);
        var options = new MiniBatchKMeansOptions(3) { Init = KMeansInit.Random, Inits = 1, BatchSize = 30, MaxIterations = 100, MaxNoImprovement = null };
        var truth = Enumerable.Range(0, 300).Select(i => i / 100).ToArray();
        var stuckInertia = 0.0;
        var seed = Enumerable.Range(0, 20).First(s =>
        {
            using var stuck = MiniBatchKMeans.Fit(x, options with { Seed = s, ReassignmentRatio = 0 });
            stuckInertia = stuck.Inertia;
            return !ClusteringData.SamePartition(truth, stuck.Labels);
        });

        // Reassignment moves the empty centre onto a random batch row until it lands on the point that
        // had no centre; the centres then separate the three points (the merged centre keeps drifting
        // towards its point at the rate 1/count, so the inertia only shrinks).
        using var fixedFit = MiniBatchKMeans.Fit(x, options with { Seed = seed });
        Assert.True(ClusteringData.SamePartition(truth, fixedFit.Labels), $"seed {seed}");
        Assert.True(fixedFit.Inertia < stuckInertia / 10, $"seed {seed}: inertia {fixedFit.Inertia} vs {stuckInertia} without reassignment");
    }

    [Fact]
    public void Fit_reports_initialisations_and_steps_and_honours_cancellation()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 100, spread: 1.0, seed: 16);
        using (x)
        {
            using var cancellation = new CancellationTokenSource();
            var progress = new SynchronousProgress<ClusteringProgress>(p =>
            {
                if (p.Phase == ClusteringPhase.Iteration && p.Step == 5)
                {
                    cancellation.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() => MiniBatchKMeans.Fit(x, Small(4) with { Inits = 3 }, progress, cancellation.Token));
            Assert.Equal([1, 2, 3], progress.Reports.Where(r => r.Phase == ClusteringPhase.Initialization).Select(r => r.Run));
            Assert.Equal([1, 2, 3, 4, 5], progress.Reports.Where(r => r.Phase == ClusteringPhase.Iteration).Select(r => r.Step));
            Assert.DoesNotContain(progress.Reports, r => r.Phase == ClusteringPhase.RunCompleted);
            Assert.All(progress.Reports, r => Assert.True(r.Inertia > 0));
        }
    }

    [Fact]
    public void Fit_restores_the_callers_thread_count()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 50, spread: 1.0, seed: 17);
        using (x)
        {
            var before = torch.get_num_threads();
            using var fit = MiniBatchKMeans.Fit(x, Small(4) with { Threads = before + 1 });
            Assert.Equal(before, torch.get_num_threads());
        }
    }

    [Theory]
    [InlineData(null, 1024, 8, 100_000, 3072)]
    [InlineData(null, 10, 50, 1000, 150)]
    [InlineData(5, 1024, 50, 1000, 150)]
    [InlineData(null, 200, 225, 60_000, 600)]
    [InlineData(null, 1024, 8, 100, 100)]
    public void Init_size_follows_scikit_learn(int? initSize, int batchSize, int clusters, long samples, int expected)
    {
        var options = new MiniBatchKMeansOptions(clusters) { InitSize = initSize, BatchSize = batchSize };
        Assert.Equal(expected, options.ResolveInitSize(samples));
    }

    [Fact]
    public void Defaults_follow_scikit_learn()
    {
        var options = new MiniBatchKMeansOptions(8);
        Assert.Equal(1024, options.BatchSize);
        Assert.Equal(100, options.MaxIterations);
        Assert.Equal(0.0, options.Tolerance);
        Assert.Equal(10, options.MaxNoImprovement);
        Assert.Null(options.InitSize);
        Assert.Equal(3, options.Inits);
        Assert.Equal(0.01, options.ReassignmentRatio);
        Assert.Equal(1, options.Threads);
        Assert.Equal(KMeansInit.KMeansPlusPlus, options.Init);
    }

    [Fact]
    public void Fit_rejects_invalid_settings()
    {
        using var x = torch.rand([50, 2]);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => MiniBatchKMeans.Fit(x, new MiniBatchKMeansOptions(2) { BatchSize = 0 })).ParamName);
        Assert.Equal("ReassignmentRatio", Assert.Throws<ArgumentOutOfRangeException>(() => MiniBatchKMeans.Fit(x, new MiniBatchKMeansOptions(2) { ReassignmentRatio = -0.1 })).ParamName);
        Assert.Throws<ArgumentException>(() => MiniBatchKMeans.Fit(x, new MiniBatchKMeansOptions(51)));
    }
}
