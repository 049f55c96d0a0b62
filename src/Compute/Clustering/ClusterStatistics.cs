using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// What one shard of a mini-batch contributes to a k-means step: per-centre float64 sums of the rows
/// assigned to each centre (row-major [k·d]), per-centre counts, and the shard's inertia against the
/// centres. Statistics of disjoint shards <see cref="Merge"/> into those of their union, in any grouping,
/// and <see cref="MiniBatchKMeans.ApplyStatistics"/> turns the merged result into one step.
/// Treat the arrays as read-only.
/// </summary>
public sealed class ClusterStatistics
{
    /// <summary>Creates statistics from their parts (for example after crossing the wire).</summary>
    public ClusterStatistics(int clusters, int features, double[] sums, long[] counts, double inertia)
    {
        ClusteringChecks.Positive(clusters, nameof(clusters));
        ClusteringChecks.Positive(features, nameof(features));
        ArgumentNullException.ThrowIfNull(sums);
        ArgumentNullException.ThrowIfNull(counts);
        if (sums.LongLength != (long)clusters * features)
        {
            throw new ArgumentException($"expected {clusters}×{features} sums, got {sums.LongLength}", nameof(sums));
        }
        if (counts.Length != clusters)
        {
            throw new ArgumentException($"expected {clusters} counts, got {counts.Length}", nameof(counts));
        }
        Clusters = clusters;
        Features = features;
        Sums = sums;
        Counts = counts;
        Inertia = inertia;
    }

    /// <summary>Number of centres k.</summary>
    public int Clusters { get; }

    /// <summary>Number of features d.</summary>
    public int Features { get; }

    /// <summary>Sum of the rows assigned to each centre, row-major [k·d], accumulated in float64.</summary>
    public double[] Sums { get; }

    /// <summary>Number of rows assigned to each centre.</summary>
    public long[] Counts { get; }

    /// <summary>Sum of squared distances of the rows to their nearest centre.</summary>
    public double Inertia { get; }

    /// <summary>Number of rows these statistics cover.</summary>
    public long Samples => Counts.Sum();

    /// <summary>The statistics of no rows: the identity of <see cref="Merge"/>.</summary>
    public static ClusterStatistics Empty(int clusters, int features) =>
        new(clusters, features, new double[(long)clusters * features], new long[clusters], 0);

    /// <summary>
    /// Assigns each row of <paramref name="batch"/> (float32 [m, d]) to its nearest row of
    /// <paramref name="centers"/> (float32 [k, d]) and sums the rows, counts and squared distances per centre.
    /// </summary>
    public static ClusterStatistics Compute(Tensor batch, Tensor centers)
    {
        ClusteringChecks.Matrix(centers, nameof(centers));
        ClusteringChecks.SameFeatures(batch, centers, nameof(batch));
        var clusters = (int)centers.shape[0];
        var features = (int)centers.shape[1];

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var sums = torch.zeros([clusters, features], dtype: ScalarType.Float64, device: centers.device);
        var norms = Distances.SquaredNorms(batch);
        // Rows are widened to float64 one chunk at a time, so a large shard never exists twice in float64.
        var (labels, distances) = Distances.Assign(batch, norms, centers, (rows, rowLabels) =>
        {
            using var wide = rows.to(ScalarType.Float64);
            sums.index_add_(0, rowLabels, wide, Distances.One);
        });
        var counts = labels.bincount(null, clusters);
        return new ClusterStatistics(
            clusters,
            features,
            sums.cpu().data<double>().ToArray(),
            counts.cpu().data<long>().ToArray(),
            Distances.Total(distances!));
    }

    /// <summary>The statistics of the union of the rows of this and <paramref name="other"/> (associative, commutative).</summary>
    public ClusterStatistics Merge(ClusterStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Clusters != Clusters || other.Features != Features)
        {
            throw new ArgumentException($"cannot merge {other.Clusters}×{other.Features} statistics into {Clusters}×{Features}", nameof(other));
        }
        var sums = new double[Sums.LongLength];
        for (long i = 0; i < sums.LongLength; i++)
        {
            sums[i] = Sums[i] + other.Sums[i];
        }
        var counts = new long[Clusters];
        for (var j = 0; j < Clusters; j++)
        {
            counts[j] = Counts[j] + other.Counts[j];
        }
        return new ClusterStatistics(Clusters, Features, sums, counts, Inertia + other.Inertia);
    }
}
