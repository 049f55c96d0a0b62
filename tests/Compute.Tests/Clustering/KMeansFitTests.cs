using Grid.Compute.Clustering;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

public sealed class KMeansFitTests
{
    [Fact]
    public void Predict_matches_brute_force_across_chunks()
    {
        // 1,100 centres on a grid with unit spacing and rows within 0.2 of one of them: more rows
        // than fit one bounded score matrix, so prediction runs in several chunks.
        const int k = 1100;
        var grid = Enumerable.Range(0, k).Select(j => new[] { j % 40, j / 40, 0.5f * (j % 3) }).ToArray();
        var random = new Random(3);
        var truth = Enumerable.Range(0, 5000).Select(_ => random.Next(k)).ToArray();
        var rows = truth.SelectMany(j => grid[j].Select(v => v + (float)(0.4 * random.NextDouble() - 0.2))).ToArray();
        using var x = torch.tensor(rows, [truth.Length, 3]);
        using var fit = new KMeansFit(torch.tensor(grid.SelectMany(r => r).ToArray(), [k, 3]), [], 0, 0, 0);
        Assert.True(truth.Length * (long)k > Distances.ChunkElements);

        var predicted = fit.Predict(x);
        Assert.Equal(truth.Select(j => (long)j), predicted);
        var (_, inertia) = ClusteringData.BruteForce(x, fit.Centers);
        Assert.Equal(inertia, fit.InertiaOf(x), inertia * 1e-4);
    }

    [Fact]
    public void Predict_rejects_wrong_width_and_use_after_dispose()
    {
        var fit = new KMeansFit(torch.zeros(2, 3), [], 0, 0, 0);
        using var wrong = torch.zeros(4, 2);
        Assert.Throws<ArgumentException>(() => fit.Predict(wrong));
        fit.Dispose();
        using var right = torch.zeros(4, 3);
        Assert.Throws<ObjectDisposedException>(() => fit.Predict(right));
    }

    [Fact]
    public void Centers_survive_the_callers_dispose_scope()
    {
        using var x = ClusteringData.Repeated([[0f, 0f], [5f, 5f]], [10, 10]);
        KMeansFit fit;
        using (var scope = torch.NewDisposeScope())
        {
            fit = KMeans.Fit(x, new KMeansOptions(2) { Inits = 1 });
        }
        using (fit)
        {
            Assert.False(fit.Centers.IsInvalid);
            Assert.Equal(0, fit.Inertia, 1e-6);
        }
    }
}
