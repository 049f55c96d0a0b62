namespace Grid.Compute.Embedding;

/// <summary>
/// How well an embedding keeps neighbourhoods: scikit-learn's <c>sklearn.manifold.trustworthiness</c>
/// (Venna and Kaski 2001),
/// T(k) = 1 − 2 / (n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_i^k} max(0, r(i, j) − k),
/// where N_i^k are the k nearest neighbours of i in the embedding and r(i, j) is the rank of j among i's
/// neighbours in the input space (1 = nearest). 1 means every embedded neighbourhood is an input
/// neighbourhood; Euclidean distances in both spaces.
/// </summary>
public static class Trustworthiness
{
    /// <summary>k = 10, the neighbourhood Grid reports (scikit-learn's default <c>n_neighbors</c> is 5).</summary>
    public const int DefaultNeighbours = 10;

    /// <summary>
    /// Computes T(<paramref name="neighbours"/>). Exact: every input-space rank is counted over all
    /// n − 1 other points (O(n²) time, memory bounded by processing rows in blocks). Ties in either space
    /// are resolved in favour of the embedding: an embedded neighbour's rank counts only the points strictly
    /// nearer than it (scikit-learn leaves tie order to its sort).
    /// </summary>
    /// <param name="high">Input rows, row-major [rows × highFeatures].</param>
    /// <param name="highFeatures">Columns of <paramref name="high"/>.</param>
    /// <param name="low">Embedded rows, row-major [rows × lowFeatures].</param>
    /// <param name="lowFeatures">Columns of <paramref name="low"/>.</param>
    /// <param name="rows">Number of points.</param>
    /// <param name="neighbours">k: at least 1 and less than rows / 2, as scikit-learn requires.</param>
    /// <returns>T(k), at most 1.</returns>
    public static double Compute(float[] high, int highFeatures, float[] low, int lowFeatures, int rows, int neighbours = DefaultNeighbours)
    {
        EmbeddingChecks.Matrix(high, rows, highFeatures, nameof(high), nameof(rows), nameof(highFeatures));
        EmbeddingChecks.Matrix(low, rows, lowFeatures, nameof(low), nameof(rows), nameof(lowFeatures));
        if (neighbours < 1 || neighbours >= rows / 2.0)
        {
            throw new ArgumentOutOfRangeException(nameof(neighbours), neighbours,
                $"{nameof(neighbours)} must be at least 1 and less than rows / 2 = {rows / 2.0}");
        }
        int k = neighbours;
        var penalties = new long[rows];
        var parallel = EmbeddingChecks.Parallel(null, CancellationToken.None);
        PairwiseBlocks.ForEach(high, rows, highFeatures, null, (start, count, block) =>
        {
            Parallel.For(0, count, parallel,
                () => (Indices: new int[k], Distances: new double[k], Thresholds: new double[k], Below: new int[k]),
                (r, _, scratch) =>
                {
                    int i = start + r;
                    penalties[i] = Penalty(i, block.AsSpan(r * rows, rows), low, lowFeatures, rows, k, scratch);
                    return scratch;
                },
                _ => { });
        }, CancellationToken.None);
        double total = 0;
        foreach (long p in penalties)
        {
            total += p;
        }
        return 1.0 - total * (2.0 / (rows * (double)k * (2.0 * rows - 3.0 * k - 1.0)));
    }

    /// <summary>Σ_j max(0, r(i, j) − k) over the k nearest embedded neighbours j of row i.</summary>
    private static long Penalty(
        int i, ReadOnlySpan<double> highDistances, float[] low, int lowFeatures, int rows, int k,
        (int[] Indices, double[] Distances, double[] Thresholds, int[] Below) scratch)
    {
        var heap = new BoundedHeap(scratch.Indices, scratch.Distances);
        var origin = low.AsSpan(i * lowFeatures, lowFeatures);
        for (int j = 0; j < rows; j++)
        {
            if (j == i)
            {
                continue;
            }
            var other = low.AsSpan(j * lowFeatures, lowFeatures);
            double d2 = 0;
            for (int f = 0; f < lowFeatures; f++)
            {
                double d = (double)origin[f] - other[f];
                d2 += d * d;
            }
            if (d2 <= heap.Bound)
            {
                heap.Offer(j, d2);
            }
        }

        // Rank of each embedded neighbour among the input distances: 1 + the points strictly nearer.
        var thresholds = scratch.Thresholds;
        var below = scratch.Below;
        double widest = double.NegativeInfinity;
        for (int t = 0; t < k; t++)
        {
            thresholds[t] = highDistances[scratch.Indices[t]];
            below[t] = 0;
            widest = Math.Max(widest, thresholds[t]);
        }
        for (int l = 0; l < rows; l++)
        {
            double d = highDistances[l];
            if (d < widest && l != i)
            {
                for (int t = 0; t < k; t++)
                {
                    if (d < thresholds[t])
                    {
                        below[t]++;
                    }
                }
            }
        }
        long penalty = 0;
        for (int t = 0; t < k; t++)
        {
            penalty += Math.Max(0, below[t] + 1 - k);
        }
        return penalty;
    }
}
