namespace Grid.Compute.Clustering.Sharding;

/// <summary>
/// How the coordinator of a sharded mini-batch k-means fit talks to one shard. In the grid the shard is a
/// grain on another silo; in tests and benchmarks it can be a <see cref="KMeansShard"/> in this process.
/// Every argument and reply is at most O(k·d) numbers (centres, statistics) or O(batch) indices: rows
/// never leave the shard, except a centre's new position, which is a row by scikit-learn's definition.
/// </summary>
public interface IKMeansShardChannel
{
    /// <summary>Loads the shard (if needed) and describes it.</summary>
    Task<ShardDescription> DescribeAsync(CancellationToken cancellationToken);

    /// <summary>Scales the shard's rows; returns the moments of its scaled train rows.</summary>
    Task<FeatureMoments> ScaleAsync(ShardScaling scaling, CancellationToken cancellationToken);

    /// <summary>Starts k-means++ seeding <paramref name="seeding"/> on the given local train rows (drawn with replacement).</summary>
    Task BeginSeedingAsync(int seeding, long[] rows, CancellationToken cancellationToken);

    /// <summary>
    /// Commits candidate <paramref name="commit"/> of the last scoring (if any and not yet committed), then
    /// returns the sample rows found at <paramref name="offsets"/>: positions in the running sum of squared
    /// distances to the nearest chosen centre, or, before any centre exists, sample indices.
    /// </summary>
    Task<float[]> SeedCandidatesAsync(int seeding, int? commit, double[] offsets, CancellationToken cancellationToken);

    /// <summary>
    /// Commits candidate <paramref name="commit"/> of the last scoring (if any and not yet committed), then
    /// returns, for each candidate (row-major [m·d]), the sample's potential if it were added.
    /// </summary>
    Task<double[]> SeedScoresAsync(int seeding, int? commit, float[] candidates, CancellationToken cancellationToken);

    /// <summary>Forgets seeding <paramref name="seeding"/>.</summary>
    Task EndSeedingAsync(int seeding, CancellationToken cancellationToken);

    /// <summary>Inertia of the given local train rows (with replacement) against <paramref name="centers"/> [k·d].</summary>
    Task<double> SampleInertiaAsync(long[] rows, float[] centers, CancellationToken cancellationToken);

    /// <summary>Assigns the given local train rows (this shard's part of a mini-batch) to <paramref name="centers"/> and sums them per centre; the rows are kept for <see cref="BatchRowsAsync"/>.</summary>
    Task<ShardStepResult> StepAsync(float[] centers, long[] rows, CancellationToken cancellationToken);

    /// <summary>The rows at the given positions of this shard's part of the last mini-batch: new centres for a reassignment.</summary>
    Task<float[]> BatchRowsAsync(int[] positions, CancellationToken cancellationToken);

    /// <summary>Assigns every train and test row to its nearest centre and tallies them.</summary>
    Task<ShardEvaluation> EvaluateAsync(float[] centers, int classes, CancellationToken cancellationToken);
}
