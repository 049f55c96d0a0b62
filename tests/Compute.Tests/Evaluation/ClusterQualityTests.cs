using Grid.Compute.Data;
using Grid.Compute.Evaluation;
using Grid.Core;
using Grid.Core.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Evaluation;

public sealed class ClusterQualityTests
{
    /*
     * The reference values come from scikit-learn 1.2.1 (Debian's python3-sklearn), computed once with:
     *
     *   import numpy as np
     *   from sklearn.metrics import silhouette_score as s, davies_bouldin_score as db, calinski_harabasz_score as ch
     *   n, d = 240, 6
     *   c = np.array([5 if i == n - 1 else i % 5 for i in range(n)])
     *   X = np.array([[((c[i] * 7 + j * 3) % 11) * 4 + ((i * 31 + j * 17) % 23 - 11) / 8 * (1 + c[i] % 3) for j in range(d)] for i in range(n)])
     *   print(repr(s(X, c)), repr(db(X, c)), repr(ch(X, c)))
     *   c2 = np.array([i % 5 if i < 200 else 100 + i for i in range(n)])
     *   print(repr(s(X, c2)), repr(db(X, c2)), repr(ch(X, c2)))
     *
     * X holds multiples of 1/8 below 64, exact in float32, so the float32 tensor here is the same input. (scikit-learn on
     * X.astype(np.float32) computes distances in float32 and differs from these float64 values by 5e-8 in the silhouette
     * and 2.5e-8 relative in Calinski–Harabasz: within the 1e-6 asked for either way.)
     */
    private const int Rows = 240;
    private const int Features = 6;

    private static long Cluster(int i) => i == Rows - 1 ? 5 : i % 5;

    /// <summary>The formula above: five overlapping blobs of different spreads and one row alone in cluster 5.</summary>
    private static float[] Formula(int rows)
    {
        var x = new float[rows * Features];
        for (int i = 0; i < rows; i++)
        {
            long c = Cluster(i);
            for (int j = 0; j < Features; j++)
            {
                x[i * Features + j] = (float)(((c * 7 + j * 3) % 11) * 4 + ((i * 31 + j * 17) % 23 - 11) / 8.0 * (1 + c % 3));
            }
        }
        return x;
    }

    private static Tensor Input(int rows = Rows) => torch.tensor(Formula(rows), [rows, Features]);

    private static long[] Clusters(int rows = Rows) => Enumerable.Range(0, rows).Select(Cluster).ToArray();

    /// <summary>Within 1e-6, relative for values above 1 (Calinski–Harabasz is in the thousands).</summary>
    private static void Close(double expected, double? actual)
    {
        Assert.NotNull(actual);
        Assert.True(Math.Abs(expected - actual.Value) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual.Value:R}");
    }

    [Fact]
    public void The_three_measures_match_scikit_learn_1_2()
    {
        using var x = Input();
        var scores = ClusterQuality.Compute(x, Clusters(), seed: 0);
        Close(0.7912672265098453, scores.Silhouette);
        Close(0.30121015254686884, scores.DaviesBouldin);
        Close(2880.2694453184135, scores.CalinskiHarabasz);
        Assert.Equal(Rows, scores.Rows);
    }

    [Fact]
    public void On_real_digits_labelled_by_their_class_the_measures_match_scikit_learn_1_2()
    {
        // The first 2,000 MNIST test rows (raw pixels, 784 features) clustered by their digit. scikit-learn 1.2.1, run
        // in the folder of the MNIST IDX files:
        //   X = np.frombuffer(open('t10k-images-idx3-ubyte', 'rb').read(), np.uint8, offset=16).reshape(-1, 784)[:2000].astype(np.float64)
        //   y = np.frombuffer(open('t10k-labels-idx1-ubyte', 'rb').read(), np.uint8, offset=8)[:2000]
        //   print(repr(s(X, y)), repr(db(X, y)), repr(ch(X, y)))
        var datasets = new DatasetStore(DatasetStore.DefaultDataDirectory());
        Assert.True(datasets.IsComplete(BuiltInDatasets.Mnist), $"MNIST is not in {datasets.DataDirectory}; run `./grid data fetch mnist` (test.sh does) or set GRID_DATA_DIR");
        var test = datasets.Load("mnist", 100, 2000).Test;
        using var x = test.ToFeatureTensor();

        var scores = ClusterQuality.Compute(x, test.Labels!.Select(l => (long)l).ToArray(), seed: 0);

        Close(0.04085258988104175, scores.Silhouette);
        Close(3.879912559489958, scores.DaviesBouldin);
        Close(58.45587646324412, scores.CalinskiHarabasz);
    }

    [Fact]
    public void Rows_alone_in_their_cluster_score_a_silhouette_of_0_as_in_scikit_learn()
    {
        // 40 singletons among 5 clusters of 40 rows: their silhouette is 0 (scikit-learn's nan_to_num), not NaN.
        using var x = Input();
        var clusters = Enumerable.Range(0, Rows).Select(i => i < 200 ? i % 5 : 100L + i).ToArray();
        var scores = ClusterQuality.Compute(x, clusters, seed: 0);
        Close(-0.6581267603070735, scores.Silhouette);
        Close(1.0116463397924427, scores.DaviesBouldin);
        Close(327.63460733526915, scores.CalinskiHarabasz);
    }

    [Fact]
    public void Clusters_of_identical_rows_or_with_one_centroid_give_scikit_learns_limits()
    {
        // scikit-learn 1.2.1: X = np.array([[1,2],[1,2],[1,2],[5,5],[5,5]], dtype=float), c = [0,0,0,1,1] gives
        // 1.0 0.0 1.0; X2 = np.array([[0,0],[2,0],[1,1],[1,-1]], dtype=float), c2 = [0,0,1,1] gives
        // -0.2928932188134524 0.0 0.0 (silhouette, Davies–Bouldin, Calinski–Harabasz).
        using var identical = torch.tensor(new float[] { 1, 2, 1, 2, 1, 2, 5, 5, 5, 5 }, [5, 2]);
        Assert.Equal(new ClusterQualityScores(1.0, 0.0, 1.0, 5), ClusterQuality.Compute(identical, [0, 0, 0, 1, 1], seed: 0));

        using var sameCentroid = torch.tensor(new float[] { 0, 0, 2, 0, 1, 1, 1, -1 }, [4, 2]);
        var scores = ClusterQuality.Compute(sameCentroid, [0, 0, 1, 1], seed: 0);
        Close(-0.2928932188134524, scores.Silhouette);
        Assert.Equal((0.0, 0.0), (scores.DaviesBouldin, scores.CalinskiHarabasz));
    }

    [Fact]
    public void Blocks_of_any_size_give_the_same_measures()
    {
        // Tiny blocks: many of them, each pair computed once (credited to both) or, without room for the sums of
        // all rows, twice.
        using var x = Input();
        var whole = ClusterQuality.Measure(x, Clusters());
        foreach (var (elements, accumulator) in new[] { (50L, 1L << 22), (500L, 1L << 22), (50L, 1L), (500L, 1L) })
        {
            var blocked = ClusterQuality.Measure(x, Clusters(), elements, accumulator);
            Assert.Equal(whole.Silhouette!.Value, blocked.Silhouette!.Value, 1e-12);
            Assert.Equal(whole.DaviesBouldin!.Value, blocked.DaviesBouldin!.Value, 1e-12);
            Assert.Equal(whole.CalinskiHarabasz!.Value, blocked.CalinskiHarabasz!.Value, 1e-9);
        }
    }

    [Fact]
    public void One_cluster_or_a_cluster_per_row_leaves_the_measures_undefined()
    {
        using var x = Input();
        var one = ClusterQuality.Compute(x, Enumerable.Repeat(7L, Rows).ToArray(), seed: 0);
        Assert.Equal(new ClusterQualityScores(null, null, null, Rows), one);
        var each = ClusterQuality.Compute(x, Enumerable.Range(0, Rows).Select(i => (long)i).ToArray(), seed: 0);
        Assert.Equal(new ClusterQualityScores(null, null, null, Rows), each);
        // n − 1 clusters is the most scikit-learn accepts.
        var most = ClusterQuality.Compute(x, Enumerable.Range(0, Rows).Select(i => (long)Math.Max(i, 1)).ToArray(), seed: 0);
        Assert.NotNull(most.Silhouette);
    }

    [Fact]
    public void More_rows_than_the_limit_are_measured_on_a_seeded_sample_of_the_limit()
    {
        const int rows = 600, limit = 250;
        using var x = Input(rows);
        var clusters = Clusters(rows);
        var first = ClusterQuality.Compute(x, clusters, seed: 3, limit);
        var again = ClusterQuality.Compute(x, clusters, seed: 3, limit);
        Assert.Equal(limit, first.Rows);
        Assert.Equal(first, again);

        var sample = ClusterQuality.Sample(rows, 3, limit)!;
        Assert.Equal(limit, sample.Length);
        Assert.Equal(limit, sample.Distinct().Count());
        Assert.Equal(sample.Order(), sample);
        Assert.All(sample, r => Assert.InRange(r, 0, rows - 1));
        Assert.NotEqual(sample, ClusterQuality.Sample(rows, 4, limit));
        Assert.Null(ClusterQuality.Sample(limit, 3, limit));

        // The sample's measures are those of exactly those rows.
        using var index = torch.tensor(sample, dtype: ScalarType.Int64);
        using var selected = x.index_select(0, index);
        Assert.Equal(first, ClusterQuality.Measure(selected, sample.Select(r => clusters[r]).ToArray()));
    }

    [Fact]
    public void Scores_name_each_measure()
    {
        var scores = new ClusterQualityScores(0.5, 1.5, 300, 10);
        Assert.Equal([0.5, 1.5, 300], QualityMeasures.All.Select(m => scores.Of(m)!.Value));
        Assert.Equal(["silhouette", "davies_bouldin", "calinski_harabasz"], QualityMeasures.All.Select(m => SpecNames.Of(m)));
        Assert.Equal(0.9, QualityMeasure.Silhouette.Best([0.2, null, 0.9]));
        Assert.Equal(0.4, QualityMeasure.DaviesBouldin.Best([0.7, 0.4, null]));
        Assert.Null(QualityMeasure.CalinskiHarabasz.Best([null, null]));
    }
}
