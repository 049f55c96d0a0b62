namespace Grid.Compute.Evaluation;

/// <summary>
/// Uses a clustering as a classifier: each cluster is labelled with the majority class of its training
/// members (ties go to the smaller class), and every row is predicted as the label of its cluster.
/// A cluster without training members gets the training set's majority class and is flagged as empty.
/// </summary>
public sealed class ClusterClassifier
{
    private readonly byte[] _clusterLabels;
    private readonly bool[] _emptyClusters;

    private ClusterClassifier(byte[] clusterLabels, bool[] emptyClusters, int classes, byte majorityClass)
    {
        _clusterLabels = clusterLabels;
        _emptyClusters = emptyClusters;
        Classes = classes;
        MajorityClass = majorityClass;
    }

    /// <summary>Number of clusters k.</summary>
    public int Clusters => _clusterLabels.Length;

    /// <summary>Number of classes; labels are 0 … Classes − 1.</summary>
    public int Classes { get; }

    /// <summary>The most frequent class of the training labels (ties go to the smaller class).</summary>
    public byte MajorityClass { get; }

    /// <summary>The class each cluster predicts.</summary>
    public IReadOnlyList<byte> ClusterLabels => _clusterLabels;

    /// <summary>Whether each cluster had no training members (its label is then <see cref="MajorityClass"/>).</summary>
    public IReadOnlyList<bool> EmptyClusters => _emptyClusters;

    /// <summary>Labels each of the <paramref name="clusters"/> clusters with the majority class of its training rows.</summary>
    /// <param name="trainClusters">Cluster of each training row, in 0 … k − 1.</param>
    /// <param name="trainLabels">Class of each training row, in 0 … classes − 1.</param>
    /// <param name="clusters">Number of clusters k.</param>
    /// <param name="classes">Number of classes (10 for MNIST).</param>
    public static ClusterClassifier Fit(long[] trainClusters, byte[] trainLabels, int clusters, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(trainClusters);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, byte.MaxValue + 1);
        if (trainLabels.Length == 0)
        {
            throw new ArgumentException("at least one training row is needed", nameof(trainLabels));
        }

        return FromTable(Tally.Table(trainClusters, trainLabels, clusters, classes));
    }

    /// <summary>
    /// Labels clusters from a contingency table of training rows, counts [cluster, class]: what
    /// shards of a distributed fit tally locally and add up.
    /// </summary>
    public static ClusterClassifier FromTable(long[,] table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var clusters = table.GetLength(0);
        var classes = table.GetLength(1);
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, byte.MaxValue + 1);
        var classCounts = new long[classes];
        for (var c = 0; c < clusters; c++)
        {
            for (var y = 0; y < classes; y++)
            {
                classCounts[y] += table[c, y];
            }
        }
        if (classCounts.Sum() == 0)
        {
            throw new ArgumentException("at least one training row is needed", nameof(table));
        }
        var majority = (byte)Tally.ArgMax(classCounts);

        var labels = new byte[clusters];
        var empty = new bool[clusters];
        var row = new long[classes];
        for (var c = 0; c < clusters; c++)
        {
            long size = 0;
            for (var y = 0; y < classes; y++)
            {
                row[y] = table[c, y];
                size += row[y];
            }
            empty[c] = size == 0;
            labels[c] = empty[c] ? majority : (byte)Tally.ArgMax(row);
        }
        return new ClusterClassifier(labels, empty, classes, majority);
    }

    /// <summary>The predicted class of each row from its cluster.</summary>
    public byte[] Predict(long[] clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var predicted = new byte[clusters.Length];
        for (var i = 0; i < clusters.Length; i++)
        {
            predicted[i] = _clusterLabels[Tally.Cluster(clusters[i], Clusters, nameof(clusters))];
        }
        return predicted;
    }

    /// <summary>
    /// Evaluates the predictions for rows with the given <paramref name="clusters"/> and true
    /// <paramref name="labels"/>: error, confusion matrix, per-cluster error and distributions.
    /// </summary>
    /// <param name="clusters">Cluster of each row, in 0 … k − 1.</param>
    /// <param name="labels">True class of each row.</param>
    /// <param name="flagThreshold">A cluster is flagged when its error exceeds this share.</param>
    public ClassificationReport Evaluate(long[] clusters, byte[] labels, double flagThreshold = ClassificationReport.DefaultFlagThreshold)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(labels);
        if (!(flagThreshold >= 0 && flagThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(flagThreshold), flagThreshold, "flagThreshold must be in [0, 1]");
        }

        return Evaluate(Tally.Table(clusters, labels, Clusters, Classes), flagThreshold);
    }

    /// <summary>Evaluates rows given only their contingency table, counts [cluster, class] (see <see cref="FromTable"/>).</summary>
    public ClassificationReport Evaluate(long[,] table, double flagThreshold = ClassificationReport.DefaultFlagThreshold)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.GetLength(0) != Clusters || table.GetLength(1) != Classes)
        {
            throw new ArgumentException($"expected a [{Clusters}, {Classes}] table, got [{table.GetLength(0)}, {table.GetLength(1)}]", nameof(table));
        }
        if (!(flagThreshold >= 0 && flagThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(flagThreshold), flagThreshold, "flagThreshold must be in [0, 1]");
        }
        var confusion = new long[Classes][];
        for (var y = 0; y < Classes; y++)
        {
            confusion[y] = new long[Classes];
        }
        var classCounts = new long[Classes];
        var perCluster = new ClusterError[Clusters];
        long misclassified = 0;
        for (var c = 0; c < Clusters; c++)
        {
            var predicted = _clusterLabels[c];
            long size = 0;
            for (var y = 0; y < Classes; y++)
            {
                var count = table[c, y];
                confusion[y][predicted] += count;
                classCounts[y] += count;
                size += count;
            }
            var wrong = size - table[c, predicted];
            misclassified += wrong;
            var error = size == 0 ? 0 : (double)wrong / size;
            perCluster[c] = new ClusterError(c, predicted, size, wrong, error, error > flagThreshold, _emptyClusters[c]);
        }

        var percentages = new double[Classes][];
        for (var y = 0; y < Classes; y++)
        {
            percentages[y] = new double[Classes];
            for (var p = 0; p < Classes; p++)
            {
                percentages[y][p] = classCounts[y] == 0 ? 0 : 100.0 * confusion[y][p] / classCounts[y];
            }
        }

        var samples = classCounts.Sum();
        return new ClassificationReport(
            samples,
            misclassified,
            samples == 0 ? 0 : (double)misclassified / samples,
            confusion,
            percentages,
            classCounts,
            perCluster,
            flagThreshold);
    }
}
