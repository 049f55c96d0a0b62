using Grid.Core.Sharding;

namespace Grid.Compute.Clustering.Sharding;

/// <summary>
/// How the coordinator of a sharded mini-batch k-means fit talks to one shard. In the grid the shard is a
/// grain on another silo; in tests and benchmarks it can be a <see cref="KMeansShard"/> in this process.
/// Every argument and reply is at most O(k·d) numbers (centres, statistics) or O(batch + init sample) indices
/// and distances: rows never leave the shard, except those that become centres (k-means++ candidates and
/// reassigned centres), which are rows by scikit-learn's definition, and the seeded sample of at most
/// <see cref="Evaluation.ClusterQuality.MaxRows"/> test rows the label-free quality measures are computed on.
/// </summary>
public interface IKMeansShardChannel
{
    /// <summary>Loads the shard (if needed) and describes it.</summary>
    Task<ShardDescription> DescribeAsync(CancellationToken cancellationToken);

    /// <summary>Scales the shard's rows; returns the moments of its scaled train rows.</summary>
    Task<FeatureMoments> ScaleAsync(ShardScaling scaling, CancellationToken cancellationToken);

    /// <summary>Starts k-means++ seeding <paramref name="seeding"/> on the given local train rows (drawn with replacement), kept in this order.</summary>
    Task BeginSeedingAsync(int seeding, long[] rows, CancellationToken cancellationToken);

    /// <summary>The rows at the given positions of this shard's part of seeding <paramref name="seeding"/>'s sample: candidate centres.</summary>
    Task<float[]> SeedRowsAsync(int seeding, int[] positions, CancellationToken cancellationToken);

    /// <summary>Squared distances [rows·m] from this shard's part of the sample to each candidate (row-major [m·d]).</summary>
    Task<float[]> SeedDistancesAsync(int seeding, float[] candidates, CancellationToken cancellationToken);

    /// <summary>Forgets seeding <paramref name="seeding"/>.</summary>
    Task EndSeedingAsync(int seeding, CancellationToken cancellationToken);

    /// <summary>Inertia of the given local train rows (with replacement) against <paramref name="centers"/> [k·d].</summary>
    Task<double> SampleInertiaAsync(long[] rows, float[] centers, CancellationToken cancellationToken);

    /// <summary>
    /// Brings the shard's centres up to date with <paramref name="centers"/> (every centre on a fit's first step, then
    /// those that changed), assigns the given local train rows (this shard's part of a mini-batch) to them and sums
    /// them per centre; the rows are kept for <see cref="BatchRowsAsync"/>.
    /// </summary>
    Task<ShardStepResult> StepAsync(CenterUpdate centers, long[] rows, CancellationToken cancellationToken);

    /// <summary>The rows at the given positions of this shard's part of the last mini-batch: new centres for a reassignment.</summary>
    Task<float[]> BatchRowsAsync(int[] positions, CancellationToken cancellationToken);

    /// <summary>Assigns every train and test row to its nearest centre and tallies them.</summary>
    Task<ShardEvaluation> EvaluateAsync(float[] centers, int classes, CancellationToken cancellationToken);

    /// <summary>The scaled test rows at the given local indices, in that order (row-major [rows·d]): the shard's part of the quality sample.</summary>
    Task<float[]> TestRowsAsync(long[] rows, CancellationToken cancellationToken);
}
