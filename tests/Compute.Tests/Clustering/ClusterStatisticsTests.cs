using Grid.Compute.Clustering;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

public sealed class ClusterStatisticsTests
{
    [Fact]
    public void Compute_sums_counts_and_inertia_by_hand()
    {
        using var centers = torch.tensor(new float[] { 0, 0, 10, 10, 100, 100 }, [3, 2]);
        using var batch = torch.tensor(new float[] { 1, 1, 3, 3, 9, 9 }, [3, 2]);
        var stats = ClusterStatistics.Compute(batch, centers);
        Assert.Equal([4.0, 4.0, 9.0, 9.0, 0.0, 0.0], stats.Sums);
        Assert.Equal([2L, 1L, 0L], stats.Counts);
        Assert.Equal(2 + 18 + 2, stats.Inertia, 1e-4);
        Assert.Equal(3, stats.Samples);
    }

    [Fact]
    public void Merge_of_two_halves_equals_the_whole()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 100, spread: 5.0, seed: 21);
        using (x)
        using (var centers = x.narrow(0, 0, 6).clone())
        using (var firstHalf = x.narrow(0, 0, 150))
        using (var secondHalf = x.narrow(0, 150, 250))
        {
            var whole = ClusterStatistics.Compute(x, centers);
            var merged = ClusterStatistics.Compute(firstHalf, centers).Merge(ClusterStatistics.Compute(secondHalf, centers));
            Assert.Equal(whole.Counts, merged.Counts);
            Assert.Equal(400, merged.Samples);
            for (var i = 0; i < whole.Sums.Length; i++)
            {
                Assert.Equal(whole.Sums[i], merged.Sums[i], 1e-9 * Math.Max(1, Math.Abs(whole.Sums[i])));
            }
            Assert.Equal(whole.Inertia, merged.Inertia, whole.Inertia * 1e-6);
        }
    }

    [Fact]
    public void Merge_is_associative_with_empty_as_identity()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 30, spread: 5.0, seed: 22);
        using (x)
        using (var centers = x.narrow(0, 0, 4).clone())
        {
            var parts = Enumerable.Range(0, 3).Select(p => { using var part = x.narrow(0, p * 40, 40); return ClusterStatistics.Compute(part, centers); }).ToArray();
            var left = parts[0].Merge(parts[1]).Merge(parts[2]);
            var right = parts[0].Merge(parts[1].Merge(parts[2]));
            Assert.Equal(left.Counts, right.Counts);
            Assert.Equal(left.Sums, right.Sums, new ToleranceComparer(1e-9));
            var withEmpty = ClusterStatistics.Empty(4, 3).Merge(left);
            Assert.Equal(left.Sums, withEmpty.Sums);
            Assert.Equal(left.Counts, withEmpty.Counts);
            Assert.Equal(left.Inertia, withEmpty.Inertia);
        }
    }

    [Fact]
    public void Merge_rejects_different_shapes()
    {
        Assert.Throws<ArgumentException>(() => ClusterStatistics.Empty(3, 2).Merge(ClusterStatistics.Empty(3, 4)));
        Assert.Throws<ArgumentException>(() => new ClusterStatistics(2, 2, new double[3], new long[2], 0));
    }

    [Fact]
    public void Apply_statistics_moves_centres_to_running_means_by_hand()
    {
        using var centers = torch.tensor(new float[] { 0, 0, 10, 10, 100, 100 }, [3, 2]);
        using var batch = torch.tensor(new float[] { 1, 1, 3, 3, 9, 9 }, [3, 2]);
        var counts = new double[] { 2, 0, 5 };
        using var next = MiniBatchKMeans.ApplyStatistics(centers, counts, ClusterStatistics.Compute(batch, centers));
        // (0·2 + (1 + 3)) / (2 + 2) = 1; (10·0 + 9) / (0 + 1) = 9; the third centre got no rows.
        Assert.Equal([1f, 1f, 9f, 9f, 100f, 100f], next.data<float>().ToArray());
        Assert.Equal([4.0, 1.0, 5.0], counts);
    }

    [Fact]
    public void Apply_statistics_of_merged_shards_equals_the_in_process_step()
    {
        var (x, _) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 60, spread: 5.0, seed: 23);
        using (x)
        using (var scope = torch.NewDisposeScope())
        {
            var centers = x.narrow(0, 0, 5).clone();
            var runningCounts = new float[] { 3, 0, 7, 1, 0 };
            var counts = torch.tensor(runningCounts);
            var batch = x.narrow(0, 10, 200);
            var norms = batch.square().sum(1);
            var stepped = MiniBatchKMeans.Step(batch, norms, centers, counts, out var inertia);

            var shardCounts = runningCounts.Select(c => (double)c).ToArray();
            var merged = ClusterStatistics.Compute(batch.narrow(0, 0, 70), centers).Merge(ClusterStatistics.Compute(batch.narrow(0, 70, 130), centers));
            var applied = MiniBatchKMeans.ApplyStatistics(centers, shardCounts, merged);

            Assert.Equal(stepped.data<float>().ToArray(), applied.data<float>().ToArray(), new ToleranceComparer(1e-4));
            Assert.Equal(counts.data<float>().ToArray().Select(c => (double)c), shardCounts);
            Assert.Equal(inertia, merged.Inertia, inertia * 1e-5);
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>, IEqualityComparer<float>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));

        public bool Equals(float a, float b) => Equals((double)a, b);

        public int GetHashCode(double value) => 0;

        public int GetHashCode(float value) => 0;
    }
}
