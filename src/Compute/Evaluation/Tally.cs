namespace Grid.Compute.Evaluation;

/// <summary>Counting helpers shared by the classifier and its report.</summary>
internal static class Tally
{
    /// <summary>Counts [cluster, class] over rows, checking both indices.</summary>
    internal static long[,] Table(long[] clusters, byte[] labels, int clusterCount, int classes)
    {
        if (clusters.Length != labels.Length)
        {
            throw new ArgumentException($"{clusters.Length} clusters but {labels.Length} labels", nameof(labels));
        }
        var table = new long[clusterCount, classes];
        for (var i = 0; i < clusters.Length; i++)
        {
            var c = Cluster(clusters[i], clusterCount, nameof(clusters));
            var y = labels[i];
            if (y >= classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), y, $"label at row {i} is not below classes = {classes}");
            }
            table[c, y]++;
        }
        return table;
    }

    internal static int Cluster(long cluster, int clusterCount, string name)
    {
        if (cluster < 0 || cluster >= clusterCount)
        {
            throw new ArgumentOutOfRangeException(name, cluster, $"cluster must be in 0 … {clusterCount - 1}");
        }
        return (int)cluster;
    }

    /// <summary>Index of the largest count; the first one on ties.</summary>
    internal static int ArgMax(long[] counts)
    {
        var best = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }
        return best;
    }
}
