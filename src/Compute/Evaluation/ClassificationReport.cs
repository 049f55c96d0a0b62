namespace Grid.Compute.Evaluation;

/// <summary>
/// How well a <see cref="ClusterClassifier"/> predicts a set of rows.
/// </summary>
/// <param name="Samples">Number of rows evaluated.</param>
/// <param name="Misclassified">Rows whose cluster's label differs from their class.</param>
/// <param name="Error">Share of rows misclassified (relative error).</param>
/// <param name="Confusion">Counts [classes][classes]: row = true class, column = predicted class.</param>
/// <param name="ConfusionRowPercentages">Each confusion row as percentages of that true class (0 for an absent class).</param>
/// <param name="ClassCounts">Number of rows of each true class: the class distribution of the data.</param>
/// <param name="Clusters">Per-cluster sizes and errors.</param>
/// <param name="FlagThreshold">Per-cluster error above which a cluster is flagged.</param>
public sealed record ClassificationReport(
    long Samples,
    long Misclassified,
    double Error,
    long[][] Confusion,
    double[][] ConfusionRowPercentages,
    long[] ClassCounts,
    IReadOnlyList<ClusterError> Clusters,
    double FlagThreshold)
{
    /// <summary>The study's threshold: clusters with more than 40 % of members outside their class are flagged.</summary>
    public const double DefaultFlagThreshold = 0.40;

    /// <summary>Number of rows in each cluster.</summary>
    public long[] ClusterSizes => Clusters.Select(c => c.Size).ToArray();

    /// <summary>Share of the rows in each class.</summary>
    public double[] ClassShares => ClassCounts.Select(c => Samples == 0 ? 0 : (double)c / Samples).ToArray();

    /// <summary>The clusters whose error exceeds <see cref="FlagThreshold"/>.</summary>
    public IReadOnlyList<ClusterError> FlaggedClusters => Clusters.Where(c => c.Flagged).ToArray();
}

/// <summary>One cluster's part in a <see cref="ClassificationReport"/>.</summary>
/// <param name="Cluster">The cluster index.</param>
/// <param name="Label">The class the cluster predicts (its training majority class).</param>
/// <param name="Size">Members among the evaluated rows.</param>
/// <param name="Misclassified">Members whose class is not <paramref name="Label"/>.</param>
/// <param name="Error">Share of members outside the cluster's class (0 when it has none).</param>
/// <param name="Flagged">Whether <paramref name="Error"/> exceeds the report's threshold.</param>
/// <param name="EmptyInTraining">The cluster had no training members; its label is the global majority class.</param>
public sealed record ClusterError(int Cluster, byte Label, long Size, long Misclassified, double Error, bool Flagged, bool EmptyInTraining);
