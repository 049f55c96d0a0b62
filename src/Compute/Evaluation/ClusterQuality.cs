using Grid.Compute.Clustering;
using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Evaluation;

/// <summary>
/// The label-free quality of a clustering of rows (<see cref="QualityMeasure"/>). Each measure is null when it is
/// undefined: fewer than two distinct clusters among the rows, or no fewer rows than clusters (where
/// scikit-learn raises).
/// </summary>
/// <param name="Silhouette">Mean silhouette coefficient, −1 … 1 (higher is better).</param>
/// <param name="DaviesBouldin">Davies–Bouldin index, ≥ 0 (lower is better).</param>
/// <param name="CalinskiHarabasz">Calinski–Harabasz index, ≥ 0 (higher is better).</param>
/// <param name="Rows">The rows measured: all of them, or the sample (<see cref="ClusterQuality.Sample"/>).</param>
public sealed record ClusterQualityScores(double? Silhouette, double? DaviesBouldin, double? CalinskiHarabasz, int Rows)
{
    /// <summary>The value of one measure.</summary>
    public double? Of(QualityMeasure measure) => QualityMeasures.Pick(measure, Silhouette, DaviesBouldin, CalinskiHarabasz);
}

/// <summary>
/// Silhouette score, Davies–Bouldin index and Calinski–Harabasz index of a labelling of rows, with scikit-learn
/// 1.2's definitions (<c>silhouette_score</c> with the euclidean metric, where a row alone in its cluster scores 0;
/// <c>davies_bouldin_score</c>; <c>calinski_harabasz_score</c>), computed in float64 from float32 rows. At most
/// <see cref="MaxRows"/> rows are measured (<see cref="Sample"/>). The silhouette's pairwise distances are computed
/// block by block with matrix products, so the n × n matrix never exists: a few blocks of
/// <see cref="BlockElements"/> float64 values are alive at a time (tens of MB), whatever n is.
/// </summary>
public static class ClusterQuality
{
    /// <summary>Rows measured at most: the silhouette is O(n²) in time.</summary>
    public const int MaxRows = 10_000;

    /// <summary>
    /// Values in one float64 block (4 MiB): a block of rows upcast, of distances, or of per-cluster sums. Measured on
    /// 10,000 MNIST rows × 784 at k = 225: 53 MB of peak extra memory (18 MB of it the per-cluster sums of all rows), in
    /// 2.2 s. (Before pairs were computed once, blocks of 8 and 16 MiB took no less time than 4 MiB and 22 and 64 MB more.)
    /// </summary>
    internal const long BlockElements = 1L << 19;

    /// <summary>Per-cluster distance sums of all rows kept at most (m·n float64 values, 32 MiB): the silhouette then computes each pair of rows once.</summary>
    internal const long AccumulatorElements = 1L << 22;

    // scikit-learn's np.allclose(x, 0): every |x| ≤ atol = 1e-8.
    private const double AllCloseToZero = 1e-8;

    /// <summary>
    /// The rows measured out of <paramref name="rows"/>: null (all of them) when there are at most
    /// <paramref name="limit"/>; otherwise a uniform sample without replacement of <paramref name="limit"/> rows,
    /// the first <paramref name="limit"/> entries of <c>torch.randperm(rows)</c> drawn with a generator seeded with
    /// <paramref name="seed"/>, in increasing row order. The same (rows, seed, limit) always gives the same sample.
    /// </summary>
    public static long[]? Sample(long rows, long seed, int limit = MaxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (rows <= limit)
        {
            return null;
        }
        using var generator = new torch.Generator(unchecked((ulong)seed));
        using var permutation = torch.randperm(rows, dtype: ScalarType.Int64, generator: generator);
        var sample = permutation.data<long>().ToArray()[..limit];
        Array.Sort(sample);
        return sample;
    }

    /// <summary>
    /// The three measures of <paramref name="rows"/> (float32 [n, d]) labelled with <paramref name="clusters"/>
    /// (any integers; only which rows share one matters), on the <see cref="Sample"/> of <paramref name="seed"/>
    /// when n exceeds <paramref name="limit"/>.
    /// </summary>
    public static ClusterQualityScores Compute(Tensor rows, IReadOnlyList<long> clusters, long seed, int limit = MaxRows)
    {
        ClusteringChecks.Matrix(rows, nameof(rows));
        ArgumentNullException.ThrowIfNull(clusters);
        if (clusters.Count != rows.shape[0])
        {
            throw new ArgumentException($"{clusters.Count} cluster indices for {rows.shape[0]} rows", nameof(clusters));
        }
        if (Sample(rows.shape[0], seed, limit) is not { } sample)
        {
            return Measure(rows, clusters);
        }
        using var scope = torch.NewDisposeScope();
        using var index = torch.tensor(sample, dtype: ScalarType.Int64);
        var selected = rows.index_select(0, index);
        return Measure(selected, sample.Select(i => clusters[(int)i]).ToArray());
    }

    /// <summary>The three measures of all of <paramref name="rows"/> (float32 [n, d]) labelled with <paramref name="clusters"/>, without sampling.</summary>
    public static ClusterQualityScores Measure(Tensor rows, IReadOnlyList<long> clusters) => Measure(rows, clusters, BlockElements, AccumulatorElements);

    /// <summary>
    /// <see cref="Measure(Tensor, IReadOnlyList{long})"/> with blocks of at most <paramref name="blockElements"/> values and
    /// per-cluster sums of all rows kept up to <paramref name="accumulatorElements"/> values (tests make them tiny).
    /// </summary>
    internal static ClusterQualityScores Measure(Tensor rows, IReadOnlyList<long> clusters, long blockElements, long accumulatorElements)
    {
        ClusteringChecks.Matrix(rows, nameof(rows));
        ArgumentNullException.ThrowIfNull(clusters);
        int n = checked((int)rows.shape[0]);
        if (clusters.Count != n)
        {
            throw new ArgumentException($"{clusters.Count} cluster indices for {n} rows", nameof(clusters));
        }
        // scikit-learn's LabelEncoder: the distinct clusters present, numbered 0 … m − 1 in increasing order.
        var distinct = clusters.Distinct().Order().ToArray();
        int m = distinct.Length;
        if (m < 2 || m >= n)
        {
            return new ClusterQualityScores(null, null, null, n);
        }
        var code = distinct.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
        var labels = clusters.Select(c => code[c]).ToArray();
        var counts = new long[m];
        foreach (var label in labels)
        {
            counts[label]++;
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var labelTensor = torch.tensor(labels, dtype: ScalarType.Int64);
        var countTensor = torch.tensor(counts, dtype: ScalarType.Int64).to(ScalarType.Float64);
        var (daviesBouldin, calinskiHarabasz) = Dispersions(rows, labelTensor, countTensor, m, blockElements);
        double silhouette = Silhouette(rows, labelTensor, countTensor, m, blockElements, accumulatorElements);
        return new ClusterQualityScores(silhouette, daviesBouldin, calinskiHarabasz, n);
    }

    /// <summary>Rows per block so that a block of <paramref name="width"/> float64 values per row stays within <paramref name="elements"/>.</summary>
    private static long BlockRows(long elements, long width, long cap) => Math.Clamp(elements / Math.Max(1, width), 1, Math.Max(1, cap));

    /// <summary>Davies–Bouldin and Calinski–Harabasz: two passes over the rows in float64 blocks, then O(m²·d) on the centroids.</summary>
    private static (double DaviesBouldin, double CalinskiHarabasz) Dispersions(Tensor rows, Tensor labels, Tensor counts, int m, long elements)
    {
        long n = rows.shape[0], d = rows.shape[1];
        long block = BlockRows(elements, d, n);
        var sums = torch.zeros([m, d], dtype: ScalarType.Float64);
        for (long start = 0; start < n; start += block)
        {
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(block, n - start);
            sums.index_add_(0, labels.narrow(0, start, length), rows.narrow(0, start, length).to(ScalarType.Float64), Distances.One);
        }
        var centroids = sums.div(counts.unsqueeze(1));
        var mean = sums.sum([0L]).div_(n);
        // Between-cluster dispersion: Σ n_k ‖μ_k − μ‖².
        double extra = Scalar(centroids.sub(mean).pow_(2).sum(1).mul_(counts).sum());

        // Within-cluster: Σ ‖x − μ_k‖² (Calinski–Harabasz) and each cluster's mean ‖x − μ_k‖ (Davies–Bouldin).
        double intra = 0;
        var distanceSums = torch.zeros([m], dtype: ScalarType.Float64);
        for (long start = 0; start < n; start += block)
        {
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(block, n - start);
            var chunkLabels = labels.narrow(0, start, length);
            var squared = rows.narrow(0, start, length).to(ScalarType.Float64).sub_(centroids.index_select(0, chunkLabels)).pow_(2).sum(1);
            intra += Scalar(squared.sum());
            distanceSums.index_add_(0, chunkLabels, squared.sqrt_(), Distances.One);
        }
        double calinskiHarabasz = intra == 0 ? 1.0 : extra * (n - m) / (intra * (m - 1.0));

        var spread = distanceSums.div_(counts);
        var spreadValues = spread.data<double>().ToArray();
        // Centroid distances as scikit-learn's pairwise_distances computes them (‖a‖² + ‖b‖² − 2a·b, clamped, diagonal 0).
        var centroidNorms = centroids.square().sum(1);
        double largestCentroidDistance = 0;
        double ratioSum = 0;
        long centroidBlock = BlockRows(elements, Math.Max(m, d), m);
        for (long start = 0; start < m; start += centroidBlock)
        {
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(centroidBlock, m - start);
            var distances = torch.addmm(centroidNorms.unsqueeze(0), centroids.narrow(0, start, length), centroids.t(), beta: 1, alpha: -2)
                .add_(centroidNorms.narrow(0, start, length).unsqueeze(1))
                .clamp_min_(0);
            var diagonal = torch.arange(length, dtype: ScalarType.Int64);
            distances.index_put_(0.0, diagonal, diagonal.add(start));
            distances.sqrt_();
            largestCentroidDistance = Math.Max(largestCentroidDistance, Scalar(distances.max()));
            // (s_i + s_j) / d_ij, with d_ij = 0 (the diagonal, coinciding centroids) counting as infinitely far.
            var combined = spread.narrow(0, start, length).unsqueeze(1).add(spread.unsqueeze(0));
            var ratios = combined.div_(distances.masked_fill_(distances.eq(0), double.PositiveInfinity));
            ratioSum += Scalar(ratios.max(1).values.sum());
        }
        bool spreadsVanish = spreadValues.All(s => Math.Abs(s) <= AllCloseToZero);
        bool centroidsCoincide = largestCentroidDistance <= AllCloseToZero;
        double daviesBouldin = spreadsVanish || centroidsCoincide ? 0.0 : ratioSum / m;
        return (daviesBouldin, calinskiHarabasz);
    }

    /// <summary>
    /// Mean silhouette: for each row, a = mean distance to the other rows of its cluster, b = the smallest mean
    /// distance to the rows of another cluster, s = (b − a) / max(a, b), 0 for a row alone in its cluster. The rows
    /// are cut into blocks; the distances between two blocks are summed per cluster for the rows of each. When the
    /// per-cluster sums of all rows fit in <paramref name="accumulatorElements"/> (m·n values), each pair of blocks is
    /// computed once and credited to both (half the products: the distance is symmetric); otherwise each block's
    /// sums are made and used in turn, and every pair is computed twice.
    /// </summary>
    private static double Silhouette(Tensor rows, Tensor labels, Tensor counts, int m, long elements, long accumulatorElements)
    {
        long n = rows.shape[0], d = rows.shape[1];
        // Square blocks: a block of rows upcast (b·d), of distances (b·b) and of per-cluster sums (m·b) each within budget.
        long block = BlockRows(elements, Math.Max(Math.Max(d, m), (long)Math.Sqrt(elements)), Math.Min(n, 1024));
        bool symmetric = (long)m * n <= accumulatorElements;
        var norms = torch.empty([n], dtype: ScalarType.Float64);
        for (long start = 0; start < n; start += block)
        {
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(block, n - start);
            norms.narrow(0, start, length).copy_(rows.narrow(0, start, length).to(ScalarType.Float64).pow_(2).sum(1));
        }
        // Per cluster, the summed distance from each row: [m, n] when symmetric, else one block's [m, b] at a time.
        var all = symmetric ? torch.zeros([m, n], dtype: ScalarType.Float64) : null;

        double total = 0;
        for (long start = 0; start < n; start += block)
        {
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(block, n - start);
            var ownLabels = labels.narrow(0, start, length);
            var blockT = rows.narrow(0, start, length).to(ScalarType.Float64).t();
            var blockNorms = norms.narrow(0, start, length).unsqueeze(0);
            var perCluster = all?.narrow(1, start, length) ?? torch.zeros([m, length], dtype: ScalarType.Float64);
            // With the sums of all rows kept, the blocks before this one have already credited it.
            for (long other = symmetric ? start : 0; other < n; other += block)
            {
                using var inner = torch.NewDisposeScope();
                long width = Math.Min(block, n - other);
                // [rows of the other block, rows of this one]: ‖x‖² + ‖y‖² − 2x·y, clamped, as scikit-learn computes them.
                var distances = torch.addmm(blockNorms, rows.narrow(0, other, width).to(ScalarType.Float64), blockT, beta: 1, alpha: -2)
                    .add_(norms.narrow(0, other, width).unsqueeze(1))
                    .clamp_min_(0);
                if (other == start)
                {
                    // A row's distance to itself is 0, as scikit-learn sets it (the expansion leaves rounding there).
                    var diagonal = torch.arange(width, dtype: ScalarType.Int64);
                    distances.index_put_(0.0, diagonal, diagonal);
                }
                distances.sqrt_();
                var otherLabels = labels.narrow(0, other, width);
                perCluster.index_add_(0, otherLabels, distances, Distances.One);
                if (symmetric && other != start)
                {
                    all!.narrow(1, other, width).index_add_(0, ownLabels, distances.t().contiguous(), Distances.One);
                }
            }
            var own = ownLabels.unsqueeze(0);
            var sameCluster = perCluster.gather(0, own).squeeze(0);
            var a = sameCluster.div(counts.index_select(0, ownLabels).sub(1));
            var far = torch.full([1, length], double.PositiveInfinity, dtype: ScalarType.Float64);
            // This block's sums are complete and used only here: they may be overwritten.
            var b = perCluster.scatter_(0, own, far).div_(counts.unsqueeze(1)).min(0).values;
            // 0/0 (a row alone in its cluster, or a = b = 0) is NaN, which scikit-learn turns into 0.
            var s = b.sub(a).div_(torch.maximum(a, b)).nan_to_num_(0.0, 0.0, 0.0);
            total += Scalar(s.sum());
        }
        return total / n;
    }

    private static double Scalar(Tensor t) => t.to(ScalarType.Float64).item<double>();
}
