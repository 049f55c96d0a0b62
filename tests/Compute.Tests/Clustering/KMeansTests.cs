using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Core;
using Grid.Core.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

public sealed class KMeansTests
{
    [Fact]
    public void Every_method_gives_lloyds_fit_on_mnist_rows()
    {
        // Real rows, where near ties between centres occur: Elkan's and Yinyang's bounds must never skip a row whose label
        // Lloyd's step would change, so every iteration, and the fit, is Lloyd's.
        var datasets = new DatasetStore(DatasetStore.DefaultDataDirectory());
        Assert.True(datasets.IsComplete(BuiltInDatasets.Mnist), $"MNIST is not in {datasets.DataDirectory}; run `./grid data fetch mnist` (test.sh does) or set GRID_DATA_DIR");
        using var x = datasets.Load("mnist", 3000, 10).Train.ToFeatureTensor();
        var options = new KMeansOptions(40) { Inits = 1, Seed = 0 };
        using var lloyd = KMeans.Fit(x, options with { Method = KMeansMethod.Lloyd });
        Assert.Equal(3000L * 40 * lloyd.Iterations, lloyd.DistancesComputed);
        Assert.True(lloyd.Iterations > 10, $"{lloyd.Iterations} iterations");

        foreach (var method in new[] { KMeansMethod.Elkan, KMeansMethod.Yinyang })
        {
            using var bounded = KMeans.Fit(x, options with { Method = method });
            Assert.Equal(lloyd.Iterations, bounded.Iterations);
            Assert.Equal(lloyd.Labels, bounded.Labels);
            Assert.Equal(lloyd.Inertia, bounded.Inertia);
            Assert.True(bounded.DistancesComputed < lloyd.DistancesComputed / 2, $"{method}: {bounded.DistancesComputed} of {lloyd.DistancesComputed} distances");
        }
    }

    [Fact]
    public void Auto_takes_yinyang_from_k_20_and_elkan_below()
    {
        Assert.Equal(KMeansMethod.Yinyang, new KMeansOptions(225).ResolveMethod());
        Assert.Equal(KMeansMethod.Yinyang, new KMeansOptions(20).ResolveMethod());
        Assert.Equal(KMeansMethod.Elkan, new KMeansOptions(19).ResolveMethod());
        Assert.Equal(KMeansMethod.Lloyd, new KMeansOptions(225) { Method = KMeansMethod.Lloyd }.ResolveMethod());
    }

    [Fact]
    public void Fit_recovers_well_separated_blobs()
    {
        var (x, truth) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 50, spread: 0.5, seed: 1);
        using (x)
        using (var fit = KMeans.Fit(x, new KMeansOptions(4) { Seed = 3 }))
        {
            Assert.True(ClusteringData.WorstCenterError(ClusteringData.FourCenters, fit.Centers) < 0.3);
            Assert.True(ClusteringData.SamePartition(truth, fit.Labels));
            Assert.Equal([4L, 3L], fit.Centers.shape);
        }
    }

    [Fact]
    public void Fit_inertia_and_labels_match_brute_force()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 40, spread: 3.0, seed: 2);
        using (x)
        using (var fit = KMeans.Fit(x, new KMeansOptions(5) { Seed = 7, Inits = 2 }))
        {
            var (labels, inertia) = ClusteringData.BruteForce(x, fit.Centers);
            Assert.Equal(inertia, fit.Inertia, inertia * 1e-5);
            Assert.Equal(labels, fit.Labels);
            Assert.Equal(labels, fit.Predict(x));
            Assert.Equal(inertia, fit.InertiaOf(x), inertia * 1e-5);
        }
    }

    [Fact]
    public void Fit_centers_are_means_of_their_clusters()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 30, spread: 4.0, seed: 4);
        using (x)
        using (var fit = KMeans.Fit(x, new KMeansOptions(4) { Seed = 1, Tolerance = 0 }))
        {
            // With tol = 0 the run ends on stable labels, where each centre is the mean of its rows.
            var rows = ClusteringData.Rows(x);
            var centers = ClusteringData.Rows(fit.Centers);
            for (var j = 0; j < 4; j++)
            {
                var members = rows.Where((_, i) => fit.Labels[i] == j).ToArray();
                Assert.NotEmpty(members);
                for (var f = 0; f < 3; f++)
                {
                    Assert.Equal(members.Average(r => (double)r[f]), centers[j][f], 1e-3);
                }
            }
        }
    }

    [Fact]
    public void Fit_same_seed_gives_same_result()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 40, spread: 6.0, seed: 5);
        using (x)
        {
            var options = new KMeansOptions(6) { Seed = 11, Inits = 3 };
            using var first = KMeans.Fit(x, options);
            using var second = KMeans.Fit(x, options);
            Assert.Equal(ClusteringData.Rows(first.Centers).SelectMany(r => r), ClusteringData.Rows(second.Centers).SelectMany(r => r));
            Assert.Equal(first.Labels, second.Labels);
            Assert.Equal(first.Inertia, second.Inertia);
            Assert.Equal(first.Iterations, second.Iterations);
        }
    }

    [Fact]
    public void Fit_keeps_the_run_with_lowest_inertia()
    {
        // Structureless data with random starts: the runs end in different local minima.
        using var x = torch.rand([300, 2], generator: new Generator(5));
        var progress = new SynchronousProgress<ClusteringProgress>();
        using var fit = KMeans.Fit(x, new KMeansOptions(9) { Init = KMeansInit.Random, Inits = 6, Seed = 2 }, progress);
        var runs = progress.Reports.Where(r => r.Phase == ClusteringPhase.RunCompleted).Select(r => r.Inertia).ToArray();
        Assert.Equal(6, runs.Length);
        Assert.True(runs.Max() > runs.Min() * 1.001, "the runs should differ for the test to mean something");
        Assert.Equal(runs.Min(), fit.Inertia, runs.Min() * 1e-9);
    }

    [Fact]
    public void Fit_stops_before_max_iterations_when_converged()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 50, spread: 0.5, seed: 6);
        using (x)
        {
            var progress = new SynchronousProgress<ClusteringProgress>();
            using var fit = KMeans.Fit(x, new KMeansOptions(4) { Inits = 1, MaxIterations = 100, Seed = 4 }, progress);
            Assert.InRange(fit.Iterations, 1, 10);
            Assert.Equal(fit.Iterations, progress.Reports.Count(r => r.Phase == ClusteringPhase.Iteration));
            Assert.Equal(fit.Iterations, fit.Steps);
        }
    }

    [Fact]
    public void Fit_max_iterations_bounds_the_run()
    {
        using var x = torch.rand([400, 2], generator: new Generator(9));
        using var fit = KMeans.Fit(x, new KMeansOptions(12) { Inits = 1, MaxIterations = 2, Tolerance = 0, Seed = 1 });
        Assert.Equal(2, fit.Iterations);
    }

    [Fact]
    public void Fit_relocates_empty_clusters()
    {
        // 20 copies of one point and two lone points: random starts almost always pick the repeated
        // point twice, which leaves a cluster empty; relocation moves it to the farthest row.
        using var x = ClusteringData.Repeated([[0f, 0f], [10f, 0f], [0f, 10f]], [20, 1, 1]);
        for (var seed = 0; seed < 5; seed++)
        {
            using var fit = KMeans.Fit(x, new KMeansOptions(3) { Init = KMeansInit.Random, Inits = 1, Seed = seed });
            Assert.True(fit.Inertia < 1e-6, $"seed {seed}: inertia {fit.Inertia}");
            Assert.Equal(3, fit.Labels.Distinct().Count());
        }
    }

    [Fact]
    public void Fit_reports_progress_and_honours_cancellation()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 30, spread: 1.0, seed: 7);
        using (x)
        {
            using var cancellation = new CancellationTokenSource();
            var progress = new SynchronousProgress<ClusteringProgress>(p =>
            {
                if (p.Phase == ClusteringPhase.Iteration)
                {
                    cancellation.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() => KMeans.Fit(x, new KMeansOptions(4) { Inits = 5 }, progress, cancellation.Token));
            var report = Assert.Single(progress.Reports);
            Assert.Equal(1, report.Step);
            Assert.Equal(1, report.Run);
            Assert.Equal(5, report.Runs);
            Assert.True(report.Inertia > 0);
        }
    }

    [Fact]
    public void Fit_rejects_invalid_settings()
    {
        using var x = torch.rand([5, 2]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit(x, new KMeansOptions(0)));
        Assert.Equal("Clusters", error.ParamName);
        Assert.Equal("Tolerance", Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit(x, new KMeansOptions(2) { Tolerance = -1 })).ParamName);
        Assert.Throws<ArgumentException>(() => KMeans.Fit(x, new KMeansOptions(6)));
        using var doubles = torch.rand([5, 2], dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => KMeans.Fit(doubles, new KMeansOptions(2)));
    }

    [Fact]
    public void Defaults_follow_scikit_learn()
    {
        var options = new KMeansOptions(8);
        Assert.Equal(KMeansInit.KMeansPlusPlus, options.Init);
        Assert.Equal(10, options.Inits);
        Assert.Equal(300, options.MaxIterations);
        Assert.Equal(1e-4, options.Tolerance);
        Assert.Equal(1, options.Threads);
    }
}
