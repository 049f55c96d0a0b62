namespace Grid.Compute.Tests.Embedding;

/// <summary>Small seeded data sets and brute-force references for the embedding tests.</summary>
internal static class EmbeddingData
{
    /// <summary>
    /// <paramref name="blobs"/> Gaussian blobs of <paramref name="perBlob"/> points in <paramref name="features"/>
    /// dimensions, centres drawn with spread <paramref name="separation"/>, points with spread 1; rows shuffled.
    /// </summary>
    public static (float[] Data, int[] Blob) Blobs(int blobs, int perBlob, int features, double separation, int seed)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, blobs)
            .Select(_ => Enumerable.Range(0, features).Select(_ => separation * Gaussian(random)).ToArray())
            .ToArray();
        int n = blobs * perBlob;
        var order = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        var data = new float[n * features];
        var blob = new int[n];
        for (int i = 0; i < n; i++)
        {
            blob[i] = order[i] / perBlob;
            for (int f = 0; f < features; f++)
            {
                data[i * features + f] = (float)(centres[blob[i]][f] + Gaussian(random));
            }
        }
        return (data, blob);
    }

    /// <summary>Independent standard normal values.</summary>
    public static float[] Noise(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)Gaussian(random)).ToArray();
    }

    public static double Gaussian(Random random)
    {
        double u = 1.0 - random.NextDouble();
        double v = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }

    public static double SquaredDistance(float[] data, int features, int a, int b)
    {
        double sum = 0;
        for (int f = 0; f < features; f++)
        {
            double d = (double)data[a * features + f] - data[b * features + f];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>The k nearest other rows of row i, nearest first, ties to the lower index.</summary>
    public static int[] Nearest(float[] data, int features, int rows, int i, int k) =>
        Enumerable.Range(0, rows).Where(j => j != i)
            .OrderBy(j => SquaredDistance(data, features, i, j)).ThenBy(j => j)
            .Take(k).ToArray();

    /// <summary>scikit-learn's trustworthiness written out with full sorts (ranks from a stable sort by distance).</summary>
    public static double NaiveTrustworthiness(float[] high, int highFeatures, float[] low, int lowFeatures, int rows, int k)
    {
        double total = 0;
        for (int i = 0; i < rows; i++)
        {
            var order = Enumerable.Range(0, rows).Where(j => j != i)
                .OrderBy(j => SquaredDistance(high, highFeatures, i, j)).ToArray();
            var rank = new int[rows];
            for (int r = 0; r < order.Length; r++)
            {
                rank[order[r]] = r + 1;
            }
            foreach (int j in Nearest(low, lowFeatures, rows, i, k))
            {
                total += Math.Max(0, rank[j] - k);
            }
        }
        return 1 - total * 2.0 / (rows * (double)k * (2.0 * rows - 3.0 * k - 1.0));
    }
}
