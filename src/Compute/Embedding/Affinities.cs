namespace Grid.Compute.Embedding;

/// <summary>
/// The joint input similarities P of t-SNE as a symmetric sparse matrix in compressed rows: for each
/// point a Gaussian over its nearest neighbours whose bandwidth gives the wanted perplexity (a binary
/// search on the precision, as scikit-learn's <c>_binary_search_perplexity</c>), then
/// P = (P_cond + P_condᵀ) / Σ. The entries sum to 1.
/// </summary>
internal sealed class Affinities
{
    /// <summary>Entropy tolerance of the bandwidth search, in nats (scikit-learn's <c>PERPLEXITY_TOLERANCE</c>).</summary>
    internal const double EntropyTolerance = 1e-5;

    /// <summary>Steps of the bandwidth search (scikit-learn's <c>n_steps</c>).</summary>
    internal const int SearchSteps = 100;

    /// <summary>Floor of a row's normaliser (scikit-learn's <c>EPSILON_DBL</c>).</summary>
    internal const double MinimumRowSum = 1e-8;

    private Affinities(int[] rowStarts, int[] columns, double[] values)
    {
        RowStarts = rowStarts;
        Columns = columns;
        Values = values;
    }

    /// <summary>Start of each row's entries in <see cref="Columns"/> and <see cref="Values"/>; n + 1 entries.</summary>
    internal int[] RowStarts { get; }

    /// <summary>Column of each entry, ascending within a row.</summary>
    internal int[] Columns { get; }

    /// <summary>P_ij of each entry.</summary>
    internal double[] Values { get; }

    internal int Rows => RowStarts.Length - 1;

    /// <summary>
    /// Builds P from each row's <paramref name="k"/> nearest neighbours (<paramref name="neighbours"/>,
    /// <paramref name="squaredDistances"/>: [rows × k]).
    /// </summary>
    internal static Affinities Compute(int[] neighbours, double[] squaredDistances, int rows, int k, double perplexity, ParallelOptions parallel)
    {
        var conditional = new double[(long)rows * k];
        double targetEntropy = Math.Log(perplexity);
        Parallel.For(0, rows, parallel, i => SearchRow(squaredDistances.AsSpan(i * k, k), conditional.AsSpan(i * k, k), targetEntropy));
        return Symmetrize(neighbours, conditional, rows, k);
    }

    /// <summary>
    /// Finds the precision β whose Gaussian over <paramref name="distances"/> has entropy
    /// <paramref name="targetEntropy"/> and writes its probabilities. Distances are taken relative to the
    /// nearest (which leaves the probabilities and the entropy unchanged) so that exp does not underflow
    /// for widely spaced data.
    /// </summary>
    internal static void SearchRow(ReadOnlySpan<double> distances, Span<double> probabilities, double targetEntropy)
    {
        double nearest = double.PositiveInfinity;
        foreach (double d in distances)
        {
            nearest = Math.Min(nearest, d);
        }
        double beta = 1;
        double betaMin = double.NegativeInfinity;
        double betaMax = double.PositiveInfinity;
        for (int step = 0; step < SearchSteps; step++)
        {
            double sum = 0;
            for (int j = 0; j < distances.Length; j++)
            {
                probabilities[j] = Math.Exp(-(distances[j] - nearest) * beta);
                sum += probabilities[j];
            }
            sum = Math.Max(sum, MinimumRowSum);
            double weighted = 0;
            for (int j = 0; j < distances.Length; j++)
            {
                probabilities[j] /= sum;
                weighted += (distances[j] - nearest) * probabilities[j];
            }
            double entropy = Math.Log(sum) + beta * weighted;
            double difference = entropy - targetEntropy;
            if (Math.Abs(difference) <= EntropyTolerance)
            {
                break;
            }
            if (difference > 0)
            {
                betaMin = beta;
                beta = double.IsPositiveInfinity(betaMax) ? beta * 2 : (beta + betaMax) / 2;
            }
            else
            {
                betaMax = beta;
                beta = double.IsNegativeInfinity(betaMin) ? beta / 2 : (beta + betaMin) / 2;
            }
        }
    }

    private static Affinities Symmetrize(int[] neighbours, double[] conditional, int rows, int k)
    {
        // Each row gets its own k entries plus one for every row that lists it as a neighbour.
        var counts = new int[rows + 1];
        for (int i = 0; i < rows; i++)
        {
            counts[i] += k;
            for (int t = 0; t < k; t++)
            {
                counts[neighbours[i * k + t]]++;
            }
        }
        var starts = new int[rows + 1];
        for (int i = 0; i < rows; i++)
        {
            starts[i + 1] = starts[i] + counts[i];
        }
        var fill = new int[rows];
        Array.Copy(starts, fill, rows);
        var columns = new int[starts[rows]];
        var values = new double[starts[rows]];
        for (int i = 0; i < rows; i++)
        {
            for (int t = 0; t < k; t++)
            {
                int j = neighbours[i * k + t];
                double p = conditional[i * k + t];
                columns[fill[i]] = j;
                values[fill[i]++] = p;
                columns[fill[j]] = i;
                values[fill[j]++] = p;
            }
        }

        // Sort each row by column and merge the (at most two) entries of one pair.
        var mergedStarts = new int[rows + 1];
        int write = 0;
        for (int i = 0; i < rows; i++)
        {
            int start = starts[i];
            int length = starts[i + 1] - start;
            Array.Sort(columns, values, start, length);
            mergedStarts[i] = write;
            for (int e = start; e < start + length; e++)
            {
                if (write > mergedStarts[i] && columns[write - 1] == columns[e])
                {
                    values[write - 1] += values[e];
                }
                else
                {
                    columns[write] = columns[e];
                    values[write++] = values[e];
                }
            }
        }
        mergedStarts[rows] = write;
        Array.Resize(ref columns, write);
        Array.Resize(ref values, write);
        double total = 0;
        foreach (double v in values)
        {
            total += v;
        }
        double scale = 1.0 / Math.Max(total, double.Epsilon);
        for (int e = 0; e < write; e++)
        {
            values[e] *= scale;
        }
        return new Affinities(mergedStarts, columns, values);
    }
}
