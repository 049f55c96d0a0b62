using Grid.Compute.Clustering;
using Grid.Compute.Clustering.Sharding;
using Grid.Compute.Evaluation;
using Grid.Compute.Scaling;
using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

public sealed class ShardedMiniBatchKMeansTests
{
    /// <summary>Twelve blobs in <paramref name="features"/> dimensions, close enough that k-means has real work to do.</summary>
    private static float[][] TwelveCenters(int features = 6)
    {
        var random = new Random(3);
        return Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, features).Select(_ => (float)(random.NextDouble() * 30)).ToArray()).ToArray();
    }

    /// <summary>Splits rows into <paramref name="shards"/> in-process shards; labels are the blob of each row.</summary>
    private static (InProcessShardChannel[] Channels, KMeansShard[] Shards) Split(Tensor x, int[] truth, int shards, ShardTraffic? traffic = null)
    {
        var n = (int)x.shape[0];
        var parts = Enumerable.Range(0, shards).Select(s =>
        {
            var (start, count) = KMeansShard.Range(n, shards, s);
            var labels = truth.Skip(start).Take(count).Select(t => (byte)t).ToArray();
            // The test split is the same rows: enough to exercise the evaluation tallies.
            return new KMeansShard(x.narrow(0, start, count).clone(), labels, x.narrow(0, start, count).clone(), labels);
        }).ToArray();
        return (parts.Select(p => new InProcessShardChannel(p, traffic)).ToArray(), parts);
    }

    [Fact]
    public void Range_covers_every_row_once_in_balanced_parts()
    {
        var ranges = Enumerable.Range(0, 7).Select(s => KMeansShard.Range(100, 7, s)).ToArray();
        Assert.Equal(0, ranges[0].Start);
        for (var s = 1; s < ranges.Length; s++)
        {
            Assert.Equal(ranges[s - 1].Start + ranges[s - 1].Count, ranges[s].Start);
        }
        Assert.Equal(100, ranges.Sum(r => r.Count));
        Assert.InRange(ranges.Max(r => r.Count) - ranges.Min(r => r.Count), 0, 1);
    }

    [Fact]
    public void Feature_moments_merged_equal_those_of_all_rows()
    {
        var (x, truth) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 50, spread: 2.0, seed: 4);
        using (x)
        {
            var (_, shards) = Split(x, truth, 3);
            var merged = shards.Select(s => s.Describe().Raw).Aggregate((a, b) => a.Merge(b));
            using var scaler = FittedScaler.Fit(ScalerKind.Standard, x);
            Assert.Equal(200, merged.Rows);
            for (var f = 0; f < 3; f++)
            {
                Assert.Equal(scaler.Mean![f], merged.Mean[f], 1e-4);
                Assert.Equal(scaler.Scale![f], Math.Sqrt(merged.Variances()[f]), 1e-4);
            }
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Fit_is_the_single_process_fit_with_the_same_seed(int shardCount)
    {
        // Overlapping blobs, where any difference in seeding or batches would end in another local optimum:
        // the coordinator makes the single-process fit's draws in its order, so both fits are the same.
        var (x, truth) = ClusteringData.Blobs(TwelveCenters(), perBlob: 150, spread: 3.0, seed: 9);
        using (x)
        {
            var options = new MiniBatchKMeansOptions(12) { BatchSize = 90, Inits = 3, Seed = 1 };
            using var single = MiniBatchKMeans.Fit(x, options);
            var (channels, shards) = Split(x, truth, shardCount);
            var sharded = await ShardedMiniBatchKMeans.FitAsync(channels, options, ScalerKind.None);

            Assert.Equal(single.Steps, sharded.Steps);
            Assert.Equal(single.Inertia, sharded.Inertia, single.Inertia * 1e-5);
            var singleCenters = single.Centers.data<float>().ToArray();
            Assert.All(Enumerable.Range(0, singleCenters.Length), i => Assert.Equal(singleCenters[i], sharded.Centers[i], 1e-2f));
            // The shards' inertia is that of the centres they returned, computed here independently.
            using var shardedCenters = torch.tensor(sharded.Centers, [12, 6]);
            var (labels, inertia) = ClusteringData.BruteForce(x, shardedCenters);
            Assert.Equal(inertia, sharded.Inertia, inertia * 1e-5);
            Assert.Equal(labels.Length, sharded.Train.Samples);
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(1, ScalerKind.None)]
    [InlineData(3, ScalerKind.L2)]
    public async Task Quality_measures_are_the_single_process_stages_for_the_same_centres(int shardCount, ScalerKind scaler)
    {
        var (x, truth) = ClusteringData.Blobs(TwelveCenters(), perBlob: 150, spread: 3.0, seed: 9);
        using (x)
        {
            var options = new MiniBatchKMeansOptions(12) { BatchSize = 90, Inits = 1, Seed = 6 };
            var (channels, shards) = Split(x, truth, shardCount);
            // 1,800 test rows measured on a sample of 500, drawn over all of them and gathered from the shards that hold them.
            var sharded = await ShardedMiniBatchKMeans.FitAsync(channels, options, scaler, qualityRows: 500);

            // What StagePipeline.Cluster does: the scaled test rows, the clusters the fit predicts for them, the trial's seed.
            using var scope = torch.NewDisposeScope();
            var (_, test) = FittedScaler.FitTransform(scaler, x, x);
            using var fit = new KMeansFit(torch.tensor(sharded.Centers, [12, 6]), [], 0, 0, 0);
            var single = ClusterQuality.Compute(test, fit.Predict(test), options.Seed, limit: 500);

            Assert.Equal(500, sharded.Quality.Rows);
            Assert.NotNull(sharded.Quality.Silhouette);
            Assert.Equal(single, sharded.Quality);
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    [Fact]
    public async Task Fit_from_the_same_start_draws_the_same_batches_as_the_single_process_fit()
    {
        // Overlapping blobs, where different batches would end in different local optima: only equal draws agree.
        var (x, truth) = ClusteringData.Blobs(TwelveCenters(), perBlob: 120, spread: 4.0, seed: 12);
        using (x)
        {
            var options = new MiniBatchKMeansOptions(12) { BatchSize = 50, Seed = 4 };
            using var start = x.narrow(0, 0, 12).clone();
            using var single = MiniBatchKMeans.Fit(x, options, start);
            var (channels, shards) = Split(x, truth, 3);
            var sharded = await ShardedMiniBatchKMeans.FitAsync(channels, options, ScalerKind.None, initialCenters: start.data<float>().ToArray());
            Assert.Equal(single.Steps, sharded.Steps);
            Assert.Equal(single.Inertia, sharded.Inertia, single.Inertia * 1e-4);
            var singleCenters = single.Centers.data<float>().ToArray();
            Assert.All(Enumerable.Range(0, singleCenters.Length), i => Assert.Equal(singleCenters[i], sharded.Centers[i], 1e-2f));
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    [Fact]
    public async Task Fit_same_seed_same_centres_whatever_the_shard_count()
    {
        // The coordinator draws every random choice over all rows, so the shard count changes only summation order.
        var (x, truth) = ClusteringData.Blobs(TwelveCenters(), perBlob: 100, spread: 3.0, seed: 10);
        using (x)
        {
            var options = new MiniBatchKMeansOptions(12) { BatchSize = 60, Seed = 7 };
            var (two, twoShards) = Split(x, truth, 2);
            var (five, fiveShards) = Split(x, truth, 5);
            var a = await ShardedMiniBatchKMeans.FitAsync(two, options, ScalerKind.None);
            var b = await ShardedMiniBatchKMeans.FitAsync(five, options, ScalerKind.None);
            Assert.Equal(a.Steps, b.Steps);
            Assert.Equal(a.Inertia, b.Inertia, a.Inertia * 1e-4);
            foreach (var shard in twoShards.Concat(fiveShards))
            {
                shard.Dispose();
            }
        }
    }

    [Fact]
    public async Task Steps_after_the_first_send_only_the_centres_that_moved_and_fit_as_the_single_process_fit()
    {
        // k well above the batch (as MNIST's 225 against 200): each step moves at most a batch's worth of centres
        // (no reassignment here), and each shard applies them to the centres it kept from the step before.
        const int k = 40, batch = 8, shardCount = 3, d = 6;
        var (x, truth) = ClusteringData.Blobs(TwelveCenters(), perBlob: 40, spread: 3.0, seed: 5);
        using (x)
        {
            var options = new MiniBatchKMeansOptions(k) { BatchSize = batch, Inits = 2, Seed = 4, ReassignmentRatio = 0 };
            using var single = MiniBatchKMeans.Fit(x, options);
            var traffic = new ShardTraffic();
            var (channels, shards) = Split(x, truth, shardCount, traffic);
            var sharded = await ShardedMiniBatchKMeans.FitAsync(channels, options, ScalerKind.None, traffic);

            Assert.Equal(single.Steps, sharded.Steps);
            var singleCenters = single.Centers.data<float>().ToArray();
            Assert.All(Enumerable.Range(0, singleCenters.Length), i => Assert.Equal(singleCenters[i], sharded.Centers[i], 1e-3f));
            // Sent per round: the first carries every centre to every shard, the others at most `batch` centres
            // (values and indices) and the batch's row indices.
            var rounds = sharded.Rounds.Rounds;
            Assert.True(rounds > 10, $"{rounds} rounds");
            long everyCentre = 4L * k * d;
            Assert.InRange(sharded.Rounds.BytesSent, everyCentre * shardCount, everyCentre * shardCount + rounds * (shardCount * 4L * batch * (d + 1) + 8L * batch));
            Assert.True(sharded.Rounds.BytesSent < rounds * shardCount * everyCentre / 3, $"{sharded.Rounds.BytesSent} bytes sent in {rounds} rounds");
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }

    [Fact]
    public async Task Messages_are_bounded_by_centres_not_rows()
    {
        // As for MNIST (batch 200 over 3 shards, k 225), each shard's share of a batch is smaller than k.
        const int k = 12, d = 40, shardCount = 3;
        var options = new MiniBatchKMeansOptions(k) { BatchSize = 24, Seed = 2 };
        var largest = new List<long>();
        foreach (var perBlob in new[] { 100, 400 })
        {
            var (x, truth) = ClusteringData.Blobs(TwelveCenters(d), perBlob, spread: 3.0, seed: 11);
            using (x)
            {
                var traffic = new ShardTraffic();
                var (channels, shards) = Split(x, truth, shardCount, traffic);
                var fit = await ShardedMiniBatchKMeans.FitAsync(channels, options, ScalerKind.Standard, traffic);
                // The largest message is a set of centres and a few indices, never a shard's rows.
                Assert.InRange(traffic.LargestMessage, 4L * k * d, 4L * k * d + 8L * options.BatchSize * shardCount);
                Assert.InRange(fit.Rounds.BytesPerRound, 4.0 * d * shardCount, 2.0 * shardCount * k * d * 4);
                largest.Add(traffic.LargestMessage);
                foreach (var shard in shards)
                {
                    shard.Dispose();
                }
            }
        }
        // Four times the rows per shard, and no message grew with them.
        Assert.InRange(largest[1], 0, largest[0] + 8L * options.BatchSize * shardCount);
    }

    [Fact]
    public async Task Fit_rejects_too_few_rows()
    {
        var (x, truth) = ClusteringData.Blobs(ClusteringData.FourCenters, perBlob: 2, spread: 1.0, seed: 1);
        using (x)
        {
            var (channels, shards) = Split(x, truth, 2);
            var error = await Assert.ThrowsAsync<ArgumentException>(() => ShardedMiniBatchKMeans.FitAsync(channels, new MiniBatchKMeansOptions(20), ScalerKind.None));
            Assert.Contains("fewer than Clusters = 20", error.Message);
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
        }
    }
}
