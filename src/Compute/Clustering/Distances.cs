using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// Nearest-centre assignment through matrix products, ‖x‖² − 2·x·cᵀ + ‖c‖², processed in row chunks
/// so that the [rows, k] score matrix stays bounded whatever n is.
/// </summary>
internal static class Distances
{
    /// <summary>Upper bound of elements in one [rows, k] score matrix (16 MiB of float32).</summary>
    internal const long ChunkElements = 1L << 22;

    /// <summary>The scalar 1, shared so that hot loops do not allocate native scalars for it.</summary>
    internal static readonly Scalar One = 1;

    internal static long ChunkRows(long clusters) => Math.Max(1, ChunkElements / Math.Max(1, clusters));

    /// <summary>Squared L2 norm of each row, [n].</summary>
    internal static Tensor SquaredNorms(Tensor x)
    {
        using var squares = x.square();
        return squares.sum(1);
    }

    /// <summary>
    /// Squared distances [n, m] from the rows of <paramref name="x"/> (with squared norms
    /// <paramref name="xNorms"/>) to the rows of <paramref name="a"/>, clamped at 0. The long data matrix is
    /// the left operand: for a few rows in <paramref name="a"/> that product is about twice as fast as aᵀ·x.
    /// </summary>
    internal static Tensor Pairwise(Tensor x, Tensor xNorms, Tensor a)
    {
        using var aNorms = SquaredNorms(a);
        using var xColumn = xNorms.unsqueeze(1);
        using var at = a.t();
        var d = torch.addmm(xColumn, x, at, beta: 1f, alpha: -2f);
        d.add_(aNorms);
        return d.clamp_min_(0);
    }

    /// <summary>
    /// Nearest centre of each row and its squared distance (clamped at 0). <paramref name="xNorms"/> may be
    /// null when only labels are wanted; the distances are then returned as null.
    /// </summary>
    internal static (Tensor Labels, Tensor? Distances) Assign(Tensor x, Tensor? xNorms, Tensor centers, Action<Tensor, Tensor>? perChunk = null)
    {
        var n = x.shape[0];
        var rows = ChunkRows(centers.shape[0]);
        using var centerNorms = SquaredNorms(centers);
        using var centersT = centers.t();
        if (n <= rows)
        {
            return AssignChunk(x, xNorms, centersT, centerNorms, perChunk);
        }

        var labels = new List<Tensor>();
        var distances = new List<Tensor>();
        try
        {
            for (long start = 0; start < n; start += rows)
            {
                var length = Math.Min(rows, n - start);
                using var chunk = x.narrow(0, start, length);
                using var chunkNorms = xNorms?.narrow(0, start, length);
                var (l, d) = AssignChunk(chunk, chunkNorms, centersT, centerNorms, perChunk);
                labels.Add(l);
                if (d is not null)
                {
                    distances.Add(d);
                }
            }
            return (torch.cat(labels, 0), xNorms is null ? null : torch.cat(distances, 0));
        }
        finally
        {
            foreach (var t in labels.Concat(distances))
            {
                t.Dispose();
            }
        }
    }

    private static (Tensor Labels, Tensor? Distances) AssignChunk(Tensor x, Tensor? xNorms, Tensor centersT, Tensor centerNorms, Action<Tensor, Tensor>? perChunk)
    {
        // ‖x‖² is constant per row, so the argmin needs only ‖c‖² − 2·x·cᵀ; it is added back for the distance.
        using var scores = torch.addmm(centerNorms, x, centersT, beta: 1f, alpha: -2f);
        var (mins, labels) = scores.min(1);
        perChunk?.Invoke(x, labels);
        if (xNorms is null)
        {
            mins.Dispose();
            return (labels, null);
        }
        mins.add_(xNorms).clamp_min_(0);
        return (labels, mins);
    }

    /// <summary>Sum of a float tensor, accumulated in float64, as a host number.</summary>
    internal static double Total(Tensor t)
    {
        using var sum = t.sum(ScalarType.Float64);
        return sum.item<double>();
    }

    /// <summary>‖a − b‖² summed over all elements, in float64.</summary>
    internal static double SquaredDifference(Tensor a, Tensor b)
    {
        using var difference = a.sub(b);
        using var squares = difference.square();
        return Total(squares);
    }

    /// <summary>scikit-learn's <c>_tolerance</c>: tol times the mean per-feature (population) variance.</summary>
    internal static double ScaledTolerance(Tensor x, double tolerance)
    {
        if (tolerance == 0)
        {
            return 0;
        }
        using var variances = x.var(0, unbiased: false);
        using var mean = variances.mean([0], type: ScalarType.Float64);
        return mean.item<double>() * tolerance;
    }

    /// <summary>Copies an int64 tensor to a host array.</summary>
    internal static long[] ToArray(Tensor labels)
    {
        using var contiguous = labels.contiguous();
        return contiguous.data<long>().ToArray();
    }
}
