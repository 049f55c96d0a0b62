using Grid.Compute.Evaluation;

namespace Grid.Compute.Tests.Evaluation;

public sealed class ClusterClassifierTests
{
    // Training rows: cluster 0 holds classes {1, 1, 2}, cluster 1 {3, 3}, cluster 2 {2}; cluster 3 is
    // empty. Class counts 1:2, 2:2, 3:2, so the global majority is class 1 (ties go to the smaller).
    private static readonly long[] _trainClusters = [0, 0, 0, 1, 1, 2];
    private static readonly byte[] _trainLabels = [1, 1, 2, 3, 3, 2];

    [Fact]
    public void Fit_labels_each_cluster_with_its_majority_class()
    {
        var classifier = ClusterClassifier.Fit(_trainClusters, _trainLabels, clusters: 4, classes: 4);
        Assert.Equal([1, 3, 2, 1], classifier.ClusterLabels);
        Assert.Equal([false, false, false, true], classifier.EmptyClusters);
        Assert.Equal(1, classifier.MajorityClass);
        Assert.Equal([1, 1, 3, 2, 1], classifier.Predict([0, 3, 1, 2, 0]));
    }

    [Fact]
    public void From_table_agrees_with_fit_and_evaluate_on_rows()
    {
        // The same training rows as counts [cluster, class], as shards of a distributed fit add them up.
        var table = new long[4, 4];
        for (var i = 0; i < _trainClusters.Length; i++)
        {
            table[_trainClusters[i], _trainLabels[i]]++;
        }
        var fromRows = ClusterClassifier.Fit(_trainClusters, _trainLabels, clusters: 4, classes: 4);
        var fromTable = ClusterClassifier.FromTable(table);
        Assert.Equal(fromRows.ClusterLabels, fromTable.ClusterLabels);
        Assert.Equal(fromRows.EmptyClusters, fromTable.EmptyClusters);

        var onRows = fromRows.Evaluate(_trainClusters, _trainLabels);
        var onTable = fromTable.Evaluate(table);
        Assert.Equal(onRows.Samples, onTable.Samples);
        Assert.Equal(onRows.Error, onTable.Error);
        Assert.Equal(onRows.Confusion, onTable.Confusion);
        Assert.Equal(onRows.Clusters, onTable.Clusters);
        Assert.Throws<ArgumentException>(() => fromTable.Evaluate(new long[3, 4]));
        Assert.Throws<ArgumentException>(() => ClusterClassifier.FromTable(new long[2, 3]));
    }

    [Fact]
    public void Fit_breaks_ties_towards_the_smaller_class()
    {
        var classifier = ClusterClassifier.Fit([0, 0, 0, 0], [7, 4, 7, 4], clusters: 1);
        Assert.Equal([4], classifier.ClusterLabels);
    }

    [Fact]
    public void Evaluate_computes_error_and_confusion_by_hand()
    {
        var classifier = ClusterClassifier.Fit(_trainClusters, _trainLabels, clusters: 4, classes: 4);
        // Predictions: cluster 0 → 1, 1 → 3, 2 → 2, 3 → 1.
        long[] clusters = [0, 0, 1, 1, 2, 3, 0, 1];
        byte[] labels = [1, 2, 3, 0, 2, 1, 1, 3];
        var report = classifier.Evaluate(clusters, labels);

        // Wrong: row 1 (2 → 1), row 3 (0 → 3): 2 of 8.
        Assert.Equal(8, report.Samples);
        Assert.Equal(2, report.Misclassified);
        Assert.Equal(0.25, report.Error);
        long[][] confusion =
        [
            [0, 0, 0, 1],
            [0, 3, 0, 0],
            [0, 1, 1, 0],
            [0, 0, 0, 2],
        ];
        Assert.Equal(confusion, report.Confusion);
        Assert.Equal([0.0, 0.0, 0.0, 100.0], report.ConfusionRowPercentages[0]);
        Assert.Equal([0.0, 50.0, 50.0, 0.0], report.ConfusionRowPercentages[2]);
        Assert.Equal([1L, 3L, 2L, 2L], report.ClassCounts);
        Assert.Equal([0.125, 0.375, 0.25, 0.25], report.ClassShares);
    }

    [Fact]
    public void Evaluate_computes_per_cluster_error_and_flags_above_the_threshold()
    {
        var classifier = ClusterClassifier.Fit(_trainClusters, _trainLabels, clusters: 4, classes: 4);
        // Cluster 0 (label 1): members 1, 2, 2, 1, 1 → 2/5 = 0.40 wrong: not above 0.40.
        // Cluster 1 (label 3): members 3, 0 → 1/2 = 0.5: flagged. Cluster 2: member 2 → 0.
        // Cluster 3 (label 1, empty in training): no members.
        long[] clusters = [0, 0, 0, 0, 0, 1, 1, 2];
        byte[] labels = [1, 2, 2, 1, 1, 3, 0, 2];
        var report = classifier.Evaluate(clusters, labels);

        Assert.Equal([5L, 2L, 1L, 0L], report.ClusterSizes);
        Assert.Equal([0.4, 0.5, 0.0, 0.0], report.Clusters.Select(c => c.Error));
        Assert.Equal([2L, 1L, 0L, 0L], report.Clusters.Select(c => c.Misclassified));
        Assert.Equal([false, true, false, false], report.Clusters.Select(c => c.Flagged));
        Assert.Equal(1, Assert.Single(report.FlaggedClusters).Cluster);
        Assert.True(report.Clusters[3].EmptyInTraining);
        Assert.Equal(ClassificationReport.DefaultFlagThreshold, report.FlagThreshold);

        var strict = classifier.Evaluate(clusters, labels, flagThreshold: 0.3);
        Assert.Equal([0, 1], strict.FlaggedClusters.Select(c => c.Cluster));
    }

    [Fact]
    public void Evaluate_on_training_data_error_is_share_outside_majority()
    {
        var classifier = ClusterClassifier.Fit(_trainClusters, _trainLabels, clusters: 4, classes: 4);
        var report = classifier.Evaluate(_trainClusters, _trainLabels);
        // Only the class-2 row in cluster 0 is outside its cluster's majority.
        Assert.Equal(1.0 / 6, report.Error, 1e-12);
        Assert.Equal(1.0 / 3, report.Clusters[0].Error, 1e-12);
    }

    [Fact]
    public void Rejects_mismatched_or_out_of_range_input()
    {
        Assert.Throws<ArgumentException>(() => ClusterClassifier.Fit([0, 1], [1], clusters: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClusterClassifier.Fit([0, 2], [1, 1], clusters: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClusterClassifier.Fit([0, 1], [1, 10], clusters: 2));
        var classifier = ClusterClassifier.Fit([0, 1], [1, 2], clusters: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => classifier.Evaluate([0, 5], [1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => classifier.Evaluate([0, 1], [1, 2], flagThreshold: 1.5));
    }
}
