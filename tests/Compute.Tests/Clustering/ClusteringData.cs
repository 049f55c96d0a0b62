using Grid.Compute.Clustering;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

/// <summary>Small, seeded data sets and brute-force references for the clustering tests.</summary>
internal static class ClusteringData
{
    /// <summary>Gaussian blobs around <paramref name="centers"/>, rows shuffled; also returns each row's blob.</summary>
    public static (Tensor X, int[] Truth) Blobs(float[][] centers, int perBlob, double spread, int seed)
    {
        var random = new Random(seed);
        var d = centers[0].Length;
        var n = centers.Length * perBlob;
        var order = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        var data = new float[n * d];
        var truth = new int[n];
        for (var i = 0; i < n; i++)
        {
            var blob = order[i] / perBlob;
            truth[i] = blob;
            for (var f = 0; f < d; f++)
            {
                data[i * d + f] = centers[blob][f] + (float)(spread * Gaussian(random));
            }
        }
        return (torch.tensor(data, [n, d]), truth);
    }

    /// <summary>Four blobs far apart in 3-D (pairwise distance ≥ 20, spread 0.5).</summary>
    public static float[][] FourCenters =>
    [
        [0f, 0f, 0f],
        [20f, 0f, 0f],
        [0f, 20f, 0f],
        [0f, 0f, 20f],
    ];

    /// <summary>Rows that repeat a few distinct points: the first <paramref name="copies"/>[i] rows are points[i], and so on.</summary>
    public static Tensor Repeated(float[][] points, int[] copies)
    {
        var rows = points.SelectMany((p, i) => Enumerable.Repeat(p, copies[i])).SelectMany(p => p).ToArray();
        return torch.tensor(rows, [copies.Sum(), points[0].Length]);
    }

    public static float[][] Rows(Tensor t)
    {
        var n = (int)t.shape[0];
        var d = (int)t.shape[1];
        var flat = t.contiguous().data<float>().ToArray();
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    public static double SquaredDistance(float[] a, float[] b)
    {
        double sum = 0;
        for (var f = 0; f < a.Length; f++)
        {
            var diff = (double)a[f] - b[f];
            sum += diff * diff;
        }
        return sum;
    }

    /// <summary>Nearest centre of each row and the total squared distance, in double precision.</summary>
    public static (long[] Labels, double Inertia) BruteForce(Tensor x, Tensor centers)
    {
        var rows = Rows(x);
        var cs = Rows(centers);
        var labels = new long[rows.Length];
        double inertia = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var best = double.PositiveInfinity;
            for (var j = 0; j < cs.Length; j++)
            {
                var d = SquaredDistance(rows[i], cs[j]);
                if (d < best)
                {
                    best = d;
                    labels[i] = j;
                }
            }
            inertia += best;
        }
        return (labels, inertia);
    }

    /// <summary>Each blob maps to one cluster and different blobs to different clusters.</summary>
    public static bool SamePartition(int[] truth, long[] labels)
    {
        var forward = new Dictionary<int, long>();
        var backward = new Dictionary<long, int>();
        for (var i = 0; i < truth.Length; i++)
        {
            if (forward.TryGetValue(truth[i], out var l) && l != labels[i])
            {
                return false;
            }
            if (backward.TryGetValue(labels[i], out var t) && t != truth[i])
            {
                return false;
            }
            forward[truth[i]] = labels[i];
            backward[labels[i]] = truth[i];
        }
        return true;
    }

    /// <summary>Largest distance from a true centre to its nearest fitted centre.</summary>
    public static double WorstCenterError(float[][] truth, Tensor centers)
    {
        var fitted = Rows(centers);
        return truth.Max(t => fitted.Min(c => Math.Sqrt(SquaredDistance(t, c))));
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
