using Grid.Compute.Clustering;
using Grid.Compute.Evaluation;
using Grid.Core;

namespace Grid.Compute.Tests.Clustering;

public sealed class ElbowScanTests
{
    private static readonly int[] Ks = [2, 3, 4, 5, 6, 7, 8];

    private static ElbowScanOptions Options(bool independent = false) =>
        new(new MiniBatchKMeansOptions(2) { BatchSize = 100, Inits = 1, Seed = 3 }) { Independent = independent };

    [Fact]
    public void Knee_of_a_warm_started_scan_is_the_true_number_of_blobs()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 150, spread: 0.5, seed: 1);
        using (x)
        {
            var points = ElbowScan.Run(x, Ks, Options());

            Assert.Equal(Ks, points.Select(p => p.K));
            Assert.False(points[0].WarmStarted);
            Assert.All(points.Skip(1), p => Assert.True(p.WarmStarted));
            Assert.Equal(4, Kneedle.Knee(points.Select(p => (double)p.K).ToList(), points.Select(p => p.Inertia).ToList()));
        }
    }

    [Fact]
    public void Warm_started_curve_falls_with_k_and_stays_close_to_independent_fits()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 150, spread: 0.5, seed: 2);
        using (x)
        {
            var warm = ElbowScan.Run(x, Ks, Options());
            var independent = ElbowScan.Run(x, Ks, Options(independent: true));

            for (int i = 1; i < warm.Count; i++)
            {
                // Non-increasing within 5 % (mini-batch noise).
                Assert.True(warm[i].Inertia <= warm[i - 1].Inertia * 1.05, $"k={warm[i].K}: {warm[i].Inertia} after {warm[i - 1].Inertia}");
            }
            // At and past the true k the warm start finds the same blobs: inertia within 10 %.
            foreach (var (w, f) in warm.Zip(independent).Where(p => p.First.K >= 4))
            {
                Assert.InRange(w.Inertia, f.Inertia * 0.9, f.Inertia * 1.1);
            }
            Assert.All(independent, p => Assert.False(p.WarmStarted));
        }
    }

    [Fact]
    public void Fits_are_handed_to_the_consumer_in_ascending_k_and_results_follow_the_given_order()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 50, spread: 0.5, seed: 3);
        using (x)
        {
            var seen = new List<(int K, long Rows)>();

            var points = ElbowScan.Run(x, [6, 2, 4], Options(), (k, fit) => seen.Add((k, fit.Centers.shape[0])));

            Assert.Equal([(2, 2L), (4, 4L), (6, 6L)], seen);
            Assert.Equal([6, 2, 4], points.Select(p => p.K));
        }
    }

    [Fact]
    public void Too_few_rows_or_no_k_is_rejected()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 2, spread: 0.5, seed: 4);
        using (x)
        {
            Assert.ThrowsAny<ArgumentException>(() => ElbowScan.Run(x, [2, 100], Options()));
            Assert.Throws<ArgumentException>(() => ElbowScan.Run(x, [], Options()));
        }
    }
}
