using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// Full-batch k-means (Lloyd's algorithm) with scikit-learn 1.2's semantics: k-means++ (or random)
/// initialisation, data centred on its mean for accurate distances, empty clusters moved to the rows
/// farthest from their centres, convergence on unchanged labels or on the squared centre shift within
/// the variance-scaled tolerance, and the best of <see cref="KMeansOptions.Inits"/> runs by inertia
/// (all runs draw from one generator seeded with <see cref="KMeansOptions.Seed"/>). Each assignment
/// gives Lloyd's labels but, with Elkan's or Yinyang's bounds (<see cref="KMeansOptions.Method"/>), recomputes
/// distances only for rows whose nearest centre may have changed, and updates the per-cluster sums from the
/// rows that moved. CPU tensors.
/// </summary>
public static class KMeans
{
    /// <summary>Fits k-means to the rows of <paramref name="x"/>, a float32 [n, d] tensor (n ≥ k).</summary>
    /// <param name="x">The data; it is not modified.</param>
    /// <param name="options">The settings, validated first.</param>
    /// <param name="progress">Receives a report after every iteration and at the end of every run.</param>
    /// <param name="cancellationToken">Checked before every iteration.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static KMeansFit Fit(Tensor x, KMeansOptions options, IProgress<ClusteringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ClusteringChecks.Matrix(x, nameof(x));
        ClusteringChecks.EnoughSamples(x, options.Clusters, nameof(x));

        using var threads = new ThreadLimit(options.Threads);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(unchecked((ulong)options.Seed), x.device);

        // As scikit-learn does: subtracting the mean keeps ‖x‖² small, so the expanded
        // ‖x‖² − 2·x·c + ‖c‖² loses less to float32 cancellation.
        var mean = x.mean([0]);
        var centered = x.sub(mean);
        var norms = Distances.SquaredNorms(centered);
        var tolerance = Distances.ScaledTolerance(x, options.Tolerance);
        var totalNorm = Distances.Total(norms);

        Tensor? bestCenters = null;
        Tensor? bestLabels = null;
        var bestInertia = double.PositiveInfinity;
        var bestIterations = 0;
        long bestDistances = 0;
        for (var run = 1; run <= options.Inits; run++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var initial = KMeansSeeding.Choose(centered, norms, options.Clusters, options.Init, options.LocalTrials, generator);
            var result = Lloyd(centered, norms, totalNorm, initial, options, tolerance, run, progress, cancellationToken);
            progress?.Report(new ClusteringProgress(ClusteringPhase.RunCompleted, run, options.Inits, result.Iterations, options.MaxIterations, result.Inertia));

            // scikit-learn keeps a later run only if it is better and not the same partition
            // relabelled (rounding can make an identical clustering look slightly better).
            if (bestLabels is null || (result.Inertia < bestInertia && !SameClustering(result.Labels, bestLabels, options.Clusters)))
            {
                bestCenters?.Dispose();
                bestLabels?.Dispose();
                (bestCenters, bestLabels, bestInertia, bestIterations, bestDistances) = result;
            }
            else
            {
                result.Centers.Dispose();
                result.Labels.Dispose();
            }
        }

        bestCenters!.add_(mean);
        return new KMeansFit(bestCenters, Distances.ToArray(bestLabels!), bestInertia, bestIterations, bestIterations) { DistancesComputed = bestDistances };
    }

    private static LloydResult Lloyd(Tensor x, Tensor norms, double totalNorm, Tensor centers, KMeansOptions options, double tolerance, int run, IProgress<ClusteringProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var assignment = KMeansAssignment.Create(options.ResolveMethod(), x, norms, centers);
        var relocated = false;
        var iterations = 0;
        for (var i = 1; i <= options.MaxIterations; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iterations = i;
            if (i > 1)
            {
                assignment.Update(centers);
            }
            // scikit-learn's strict convergence: no label changed (its first labels_old is all −1).
            var stable = i > 1 && !relocated && assignment.Changed == 0;
            double shift;
            double inertia;
            using (var step = torch.NewDisposeScope())
            {
                relocated = RelocateEmptyClusters(x, norms, centers, assignment);
                inertia = InertiaFromSums(totalNorm, centers, assignment.Sums, assignment.Counts);
                var counts = assignment.Counts;
                var divisor = torch.where(counts.gt(0), counts, torch.ones_like(counts));
                var next = assignment.Sums.div(divisor.unsqueeze(1)).to(ScalarType.Float32);
                var shifts = next.sub(centers).square().sum(1);
                shift = Distances.Total(shifts);
                assignment.Shift(shifts.sqrt_());

                next.MoveToOuterDisposeScope();
                centers.Dispose();
                centers = next;
            }
            progress?.Report(new ClusteringProgress(ClusteringPhase.Iteration, run, options.Inits, i, options.MaxIterations, inertia));
            if (stable || shift <= tolerance)
            {
                break;
            }
        }

        // A last assignment so that labels and inertia match the final centres (scikit-learn reruns
        // the E-step unless the labels were already stable; rerunning always costs one pass).
        var (finalLabels, finalDistances) = Distances.Assign(x, norms, centers);
        using (finalDistances)
        {
            return new LloydResult(centers, finalLabels, Distances.Total(finalDistances!), iterations, assignment.DistancesComputed);
        }
    }

    /// <summary>
    /// The inertia of the current assignment against <paramref name="centers"/> from the per-cluster sums:
    /// Σ‖x‖² − 2·Σⱼ cⱼ·Sⱼ + Σⱼ nⱼ‖cⱼ‖², in float64, without another pass over the rows.
    /// </summary>
    private static double InertiaFromSums(double totalNorm, Tensor centers, Tensor sums, Tensor counts)
    {
        using var scope = torch.NewDisposeScope();
        var wide = centers.to(ScalarType.Float64);
        var cross = wide.mul(sums).sum().item<double>();
        var own = wide.square().sum(1).mul_(counts).sum().item<double>();
        return Math.Max(0, totalNorm - 2 * cross + own);
    }

    /// <summary>
    /// scikit-learn's <c>_relocate_empty_clusters_dense</c>: each empty cluster takes one of the rows
    /// farthest from their current centre, moving that row's contribution out of its old cluster.
    /// Returns whether any cluster was empty.
    /// </summary>
    private static bool RelocateEmptyClusters(Tensor x, Tensor norms, Tensor centers, KMeansAssignment assignment)
    {
        using var scope = torch.NewDisposeScope();
        var empty = assignment.Counts.eq(0).nonzero().flatten();
        var emptyCount = (int)empty.shape[0];
        if (emptyCount == 0)
        {
            return false;
        }
        // Rare: exact distances of every row to its (nearest) centre, as scikit-learn uses.
        var (_, distances) = Distances.Assign(x, norms, centers);
        var emptyClusters = Distances.ToArray(empty);
        var (_, far) = distances!.topk(emptyCount);
        var farRows = Distances.ToArray(far);
        var farLabels = Distances.ToArray(assignment.Labels.index_select(0, far));
        for (var j = 0; j < emptyCount; j++)
        {
            var row = x[farRows[j]].to(ScalarType.Float64);
            assignment.Sums[farLabels[j]].sub_(row);
            assignment.Sums[emptyClusters[j]].copy_(row);
            assignment.Counts[emptyClusters[j]].fill_(1);
            assignment.Counts[farLabels[j]].sub_(1);
            assignment.Relabel(farRows[j], emptyClusters[j]);
        }
        return true;
    }

    /// <summary>scikit-learn's <c>_is_same_clustering</c>: labels2 is a function of labels1.</summary>
    private static bool SameClustering(Tensor labels1, Tensor labels2, int clusters)
    {
        using var scope = torch.NewDisposeScope();
        var mapping = torch.full(clusters, -1L, dtype: ScalarType.Int64).scatter_(0, labels1, labels2);
        return mapping.index_select(0, labels1).eq(labels2).all().item<bool>();
    }

    /// <param name="Distances">Row-to-centre distances the iterations computed (the final assignment's n·k apart).</param>
    private sealed record LloydResult(Tensor Centers, Tensor Labels, double Inertia, int Iterations, long Distances);
}
