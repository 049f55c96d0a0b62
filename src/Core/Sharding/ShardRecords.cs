namespace Grid.Core.Sharding;

// The records a sharded k-means fit's coordinator and shards exchange. They are defined once, here, for the
// compute core and the grain contracts alike; Grid.Abstractions carries their Orleans converters (ShardCodecs).

/// <summary>
/// Per-feature count, mean and sum of squared deviations (M2) of some rows: merged across shards with
/// Chan's parallel formula, so a StandardScaler and the tolerance's variance need no row to move.
/// </summary>
public sealed record FeatureMoments(long Rows, double[] Mean, double[] M2)
{
    /// <summary>The moments of the union of two disjoint sets of rows.</summary>
    public FeatureMoments Merge(FeatureMoments other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Mean.Length != Mean.Length)
        {
            throw new ArgumentException($"cannot merge moments of {other.Mean.Length} features into {Mean.Length}", nameof(other));
        }
        if (other.Rows == 0)
        {
            return this;
        }
        if (Rows == 0)
        {
            return other;
        }
        long rows = Rows + other.Rows;
        var mean = new double[Mean.Length];
        var m2 = new double[Mean.Length];
        for (int f = 0; f < mean.Length; f++)
        {
            double delta = other.Mean[f] - Mean[f];
            mean[f] = Mean[f] + delta * other.Rows / rows;
            m2[f] = M2[f] + other.M2[f] + delta * delta * Rows * other.Rows / rows;
        }
        return new FeatureMoments(rows, mean, m2);
    }

    /// <summary>Population variance of each feature (as numpy's <c>var</c> with ddof 0).</summary>
    public double[] Variances() => M2.Select(m => Rows == 0 ? 0 : m / Rows).ToArray();
}

/// <summary>What a shard holds: its train and test rows, features, classes, and the moments of its raw train rows.</summary>
public sealed record ShardDescription(long TrainRows, long TestRows, int Features, int Classes, FeatureMoments Raw);

/// <summary>A scaler fitted by the coordinator from merged moments, for every shard to apply to its own rows.</summary>
public sealed record ShardScaling(ScalerKind Kind, float[]? Mean, float[]? Scale);

/// <summary>
/// A shard's part of one mini-batch step, sparse: only the centres that received rows. Sums are float32
/// (a shard adds at most its share of one batch), so a reply is at most k·d·4 bytes plus the counts.
/// </summary>
public sealed record ShardStepResult(int[] Centers, float[] Sums, int[] Counts, double Inertia, double ComputeSeconds);

/// <summary>A shard's part of the final evaluation: inertia of its train rows and counts [cluster, class] of train and test rows.</summary>
public sealed record ShardEvaluation(double TrainInertia, long[] TrainTable, long[] TestTable, double ComputeSeconds);
