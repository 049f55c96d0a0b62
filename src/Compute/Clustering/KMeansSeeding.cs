using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>Initial centres: scikit-learn's greedy k-means++ (<c>_kmeans_plusplus</c>) or random rows.</summary>
internal static class KMeansSeeding
{
    /// <summary>Initial centres [k, d] chosen among the rows of <paramref name="x"/>; a new tensor in the caller's scope.</summary>
    internal static Tensor Choose(Tensor x, Tensor xNorms, int clusters, KMeansInit init, int? localTrials, Generator generator)
    {
        return init switch
        {
            KMeansInit.KMeansPlusPlus => PlusPlus(x, xNorms, clusters, localTrials, generator),
            KMeansInit.Random => RandomRows(x, clusters, generator),
            _ => throw new ArgumentOutOfRangeException(nameof(init), init, "unknown KMeansInit"),
        };
    }

    /// <summary>The number of k-means++ candidates per centre scikit-learn uses: 2 + ⌊ln k⌋.</summary>
    internal static int DefaultLocalTrials(int clusters) => 2 + (int)Math.Log(clusters);

    private static Tensor RandomRows(Tensor x, int clusters, Generator generator)
    {
        // scikit-learn: random_state.permutation(n_samples)[:n_clusters]
        using var permutation = torch.randperm(x.shape[0], generator: generator);
        using var chosen = permutation.narrow(0, 0, clusters);
        return x.index_select(0, chosen);
    }

    /// <summary>
    /// <paramref name="extra"/> more centres after <paramref name="existing"/> by the same greedy
    /// k-means++ rule, as if the existing centres had been chosen first: returns [existing + extra, d].
    /// Used to warm-start a fit with more clusters from the solution with fewer.
    /// </summary>
    internal static Tensor Extend(Tensor x, Tensor xNorms, Tensor existing, int extra, int? localTrials, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var total = (int)existing.shape[0] + extra;
        var (_, distances) = Distances.Assign(x, xNorms, existing);
        var closest = distances!.to(ScalarType.Float32).DetachFromDisposeScope();
        var indices = Continue(x, xNorms, closest, new long[extra], 0, localTrials ?? DefaultLocalTrials(total), generator);
        var chosen = torch.tensor(indices, dtype: ScalarType.Int64, device: x.device);
        return torch.cat([existing, x.index_select(0, chosen)], 0).MoveToOuterDisposeScope();
    }

    private static Tensor PlusPlus(Tensor x, Tensor xNorms, int clusters, int? localTrials, Generator generator)
    {
        var n = x.shape[0];
        var trials = localTrials ?? DefaultLocalTrials(clusters);
        var indices = new long[clusters];

        using var first = torch.randint(n, [1], dtype: ScalarType.Int64, generator: generator);
        indices[0] = first.item<long>();
        Tensor closest;
        using (var firstRow = x.index_select(0, first))
        using (var distances = Distances.Pairwise(x, xNorms, firstRow))
        {
            closest = distances.squeeze(1).clone();
        }

        Continue(x, xNorms, closest, indices, 1, trials, generator);
        using var chosen = torch.tensor(indices, dtype: ScalarType.Int64, device: x.device);
        return x.index_select(0, chosen);
    }

    /// <summary>
    /// Fills <paramref name="indices"/> from <paramref name="start"/> on by greedy k-means++ given each
    /// row's squared distance to the nearest centre chosen so far (<paramref name="closest"/>, which it
    /// takes ownership of and disposes).
    /// </summary>
    private static long[] Continue(Tensor x, Tensor xNorms, Tensor closest, long[] indices, int start, int trials, Generator generator)
    {
        var n = x.shape[0];
        try
        {
            for (var c = start; c < indices.Length; c++)
            {
                using var scope = torch.NewDisposeScope();
                // Draw candidates with probability proportional to the squared distance to the nearest
                // chosen centre: uniform draws times the potential, located in the float64 running sum.
                var cumulative = closest.cumsum(0, ScalarType.Float64);
                var potential = cumulative[n - 1];
                var draws = torch.rand([trials], dtype: ScalarType.Float64, generator: generator).mul_(potential);
                var candidates = torch.searchsorted(cumulative, draws).clamp_max_(n - 1);
                var rows = x.index_select(0, candidates);
                var distances = Distances.Pairwise(x, xNorms, rows);
                var updated = torch.minimum(distances, closest.unsqueeze(1));
                var potentials = updated.sum(0, type: ScalarType.Float64);
                var best = potentials.argmin().item<long>();
                indices[c] = candidates[best].item<long>();
                var next = updated.select(1, best).contiguous().DetachFromDisposeScope();
                closest.Dispose();
                closest = next;
            }
        }
        finally
        {
            closest.Dispose();
        }
        return indices;
    }
}
