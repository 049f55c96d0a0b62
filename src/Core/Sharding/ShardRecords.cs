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
/// The centres a mini-batch step assigns to, sent as what changed since the step before: step
/// <paramref name="Generation"/> 0 of a fit carries every centre (<paramref name="Changed"/> null); each later
/// step carries only the rows <paramref name="Changed"/> whose float32 values moved, their new values in that
/// order [changed·d]. A batch of 200 rows moves about 130 of 225 centres, so a round sends about 40 % less.
/// </summary>
public sealed record CenterUpdate(int Generation, int[]? Changed, float[] Values)
{
    /// <summary>The update from <paramref name="previous"/> (null on a fit's first step) to <paramref name="next"/>, both [k·d].</summary>
    public static CenterUpdate Between(float[]? previous, float[] next, int features, int generation)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (previous is null || generation == 0)
        {
            return new CenterUpdate(0, null, next);
        }
        if (previous.Length != next.Length)
        {
            throw new ArgumentException($"{previous.Length} previous centre values against {next.Length}", nameof(next));
        }
        var changed = new List<int>();
        for (int j = 0; j * features < next.Length; j++)
        {
            if (!previous.AsSpan(j * features, features).SequenceEqual(next.AsSpan(j * features, features)))
            {
                changed.Add(j);
            }
        }
        var values = new float[changed.Count * features];
        for (int c = 0; c < changed.Count; c++)
        {
            next.AsSpan(changed[c] * features, features).CopyTo(values.AsSpan(c * features));
        }
        return new CenterUpdate(generation, [.. changed], values);
    }

    /// <summary>
    /// Applies this update to <paramref name="held"/>, the centres of step <paramref name="heldGeneration"/> (null before
    /// the fit's first step), in place, and returns the centres it describes (a copy of its values on a first step);
    /// refuses an update that does not follow them, so a shard never steps with centres the coordinator did not mean.
    /// </summary>
    public float[] ApplyTo(float[]? held, int heldGeneration, int features)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (Values.Length % features != 0 || (Changed is not null && Values.Length != Changed.Length * features))
        {
            throw new ArgumentException($"{Values.Length} centre values do not fill the changed rows of {features} features");
        }
        if (Changed is null)
        {
            return (float[])Values.Clone();
        }
        if (held is null || Generation != heldGeneration + 1)
        {
            throw new InvalidOperationException(
                $"a k-means shard received the centres of step {Generation} but holds {(held is null ? "none" : $"those of step {heldGeneration}")}; the fit must start again");
        }
        var clusters = held.Length / features;
        foreach (var j in Changed)
        {
            if ((uint)j >= (uint)clusters)
            {
                throw new ArgumentException($"centre {j} is not one of {clusters}");
            }
        }
        for (int c = 0; c < Changed.Length; c++)
        {
            Values.AsSpan(c * features, features).CopyTo(held.AsSpan(Changed[c] * features));
        }
        return held;
    }
}

/// <summary>
/// A shard's part of one mini-batch step, sparse: only the centres that received rows. Sums are float32
/// (a shard adds at most its share of one batch), so a reply is at most k·d·4 bytes plus the counts.
/// </summary>
public sealed record ShardStepResult(int[] Centers, float[] Sums, int[] Counts, double Inertia, double ComputeSeconds);

/// <summary>A shard's part of the final evaluation: inertia of its train rows and counts [cluster, class] of train and test rows.</summary>
public sealed record ShardEvaluation(double TrainInertia, long[] TrainTable, long[] TestTable, double ComputeSeconds);
