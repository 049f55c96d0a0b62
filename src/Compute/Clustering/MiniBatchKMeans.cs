using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// Mini-batch k-means with scikit-learn 1.2's semantics (<c>MiniBatchKMeans.fit</c>): the best of
/// <see cref="MiniBatchKMeansOptions.Inits"/> initialisations, each on a random <c>init_size</c> subset,
/// judged by inertia on a common validation subset; then steps on batches drawn with replacement in
/// which each centre moves to the running mean of the rows it has received (per-centre counts as
/// learning rates); random reassignment of centres with very low counts; early stopping on the
/// smoothed batch inertia and on the centres' squared change; finally labels and inertia on all rows.
/// </summary>
public static class MiniBatchKMeans
{
    /// <summary>Fits mini-batch k-means to the rows of <paramref name="x"/>, a float32 [n, d] tensor (n ≥ k).</summary>
    /// <param name="x">The data; it is not modified.</param>
    /// <param name="options">The settings, validated first.</param>
    /// <param name="progress">Receives a report after every initialisation, every step and at the end.</param>
    /// <param name="cancellationToken">Checked before every initialisation and every step.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static KMeansFit Fit(Tensor x, MiniBatchKMeansOptions options, IProgress<ClusteringProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Fit(x, options, progress, cancellationToken, initialCenters: null, initialCounts: null);

    /// <summary>
    /// Fits from the given initial centres (float32 [k, d]) instead of seeding: scikit-learn's
    /// <c>init=ndarray</c>, with which <see cref="MiniBatchKMeansOptions.Inits"/> is ignored.
    /// </summary>
    public static KMeansFit Fit(Tensor x, MiniBatchKMeansOptions options, Tensor initialCenters, IProgress<ClusteringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(initialCenters);
        ArgumentNullException.ThrowIfNull(options);
        ClusteringChecks.Matrix(initialCenters, nameof(initialCenters));
        if (initialCenters.shape[0] != options.Clusters)
        {
            throw new ArgumentException($"expected {options.Clusters} initial centres, got {initialCenters.shape[0]}", nameof(initialCenters));
        }
        ClusteringChecks.SameFeatures(x, initialCenters, nameof(x));
        return Fit(x, options, progress, cancellationToken, initialCenters, initialCounts: null);
    }

    /// <summary>
    /// As <see cref="Fit(Tensor, MiniBatchKMeansOptions, IProgress{ClusteringProgress}?, CancellationToken)"/>,
    /// but starting from <paramref name="initialCenters"/> (no initialisation runs) with
    /// <paramref name="initialCounts"/> as the centres' running counts: a warm start.
    /// </summary>
    internal static KMeansFit Fit(Tensor x, MiniBatchKMeansOptions options, IProgress<ClusteringProgress>? progress, CancellationToken cancellationToken, Tensor? initialCenters, float[]? initialCounts)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ClusteringChecks.Matrix(x, nameof(x));
        ClusteringChecks.EnoughSamples(x, options.Clusters, nameof(x));

        var n = x.shape[0];
        var clusters = options.Clusters;
        var batchSize = options.ResolveBatchSize(n);
        var initSize = options.ResolveInitSize(n);

        using var threads = new ThreadLimit(options.Threads);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(unchecked((ulong)options.Seed), x.device);

        var norms = Distances.SquaredNorms(x);
        var tolerance = Distances.ScaledTolerance(x, options.Tolerance);

        var hostCounts = initialCounts is null ? new float[clusters] : (float[])initialCounts.Clone();
        if (hostCounts.Length != clusters)
        {
            throw new ArgumentException($"expected {clusters} initial counts, got {hostCounts.Length}", nameof(initialCounts));
        }
        var counts = torch.tensor(hostCounts, dtype: ScalarType.Float32, device: x.device);
        var convergence = new MiniBatchConvergence(options, tolerance, n, batchSize);
        long sinceReassignment = 0;
        var maxSteps = (int)Math.Min(int.MaxValue, (long)options.MaxIterations * n / batchSize);
        var steps = 0;
        var centers = initialCenters is null
            ? Initialize(x, norms, options, initSize, generator, progress, cancellationToken)
            : initialCenters.to(ScalarType.Float32).clone();
        for (var i = 0; i < maxSteps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // scikit-learn's _random_reassign, evaluated before the step on the counts after the
            // previous one: always while a centre has no rows yet, else every 10·k processed rows.
            sinceReassignment += batchSize;
            var reassign = false;
            if (Array.IndexOf(hostCounts, 0f) >= 0 || sinceReassignment >= (long)MiniBatchKMeansOptions.ReassignmentIntervalPerCluster * clusters)
            {
                sinceReassignment = 0;
                reassign = true;
            }

            bool stop;
            using (var stepScope = torch.NewDisposeScope())
            {
                var indices = torch.randint(n, [batchSize], dtype: ScalarType.Int64, device: x.device, generator: generator);
                var batch = x.index_select(0, indices);
                var batchNorms = norms.index_select(0, indices);
                var next = Step(batch, batchNorms, centers, counts, out var batchInertia);
                counts.data<float>().CopyTo(hostCounts);
                if (reassign && options.ReassignmentRatio > 0)
                {
                    Reassign(batch, next, counts, hostCounts, options.ReassignmentRatio, generator);
                }
                var squaredChange = tolerance > 0 ? Distances.SquaredDifference(next, centers) : 0;

                next.MoveToOuterDisposeScope();
                centers.Dispose();
                centers = next;
                steps = i + 1;
                stop = convergence.ShouldStop(i, batchInertia, squaredChange);
                progress?.Report(new ClusteringProgress(ClusteringPhase.Iteration, 1, 1, steps, maxSteps, convergence.EstimatedInertia));
            }
            if (stop)
            {
                break;
            }
        }

        var iterations = (int)Math.Ceiling((double)steps * batchSize / n);
        var (labels, distances) = Distances.Assign(x, norms, centers);
        var inertia = Distances.Total(distances!);
        progress?.Report(new ClusteringProgress(ClusteringPhase.RunCompleted, 1, 1, steps, maxSteps, inertia));
        return new KMeansFit(centers, Distances.ToArray(labels), inertia, iterations, steps, counts.data<float>().ToArray());
    }

    /// <summary>
    /// One scikit-learn mini-batch step without reassignment (<c>_mini_batch_step</c>): assigns the batch,
    /// returns the new centres and adds the batch's per-centre counts to <paramref name="counts"/>.
    /// <paramref name="inertia"/> is the batch's inertia against the old centres.
    /// </summary>
    internal static Tensor Step(Tensor batch, Tensor batchNorms, Tensor centers, Tensor counts, out double inertia)
    {
        var clusters = centers.shape[0];
        var (labels, distances) = Distances.Assign(batch, batchNorms, centers);
        using (labels)
        using (distances)
        {
            inertia = Distances.Total(distances!);
            using var sums = torch.zeros_like(centers).index_add_(0, labels, batch, Distances.One);
            using var batchCounts = labels.bincount(null, clusters).to(counts.dtype);
            return UpdateCenters(centers, counts, sums, batchCounts);
        }
    }

    /// <summary>
    /// scikit-learn's <c>_minibatch_update_dense</c>: c ← (c·N + S) / (N + m) for centres with m &gt; 0.
    /// Written as c + (S − c·m) / max(N + m, 1), which leaves centres with m = 0 unchanged.
    /// <paramref name="counts"/> (N) becomes N + m in place.
    /// </summary>
    internal static Tensor UpdateCenters(Tensor centers, Tensor counts, Tensor sums, Tensor batchCounts)
    {
        counts.add_(batchCounts);
        using var m = batchCounts.unsqueeze(1);
        using var moved = centers.mul(m);
        using var delta = sums.sub(moved);
        using var clamped = counts.clamp_min(1);
        using var denominator = clamped.unsqueeze(1);
        delta.div_(denominator);
        return centers.add(delta);
    }

    private static Tensor Initialize(Tensor x, Tensor norms, MiniBatchKMeansOptions options, int initSize, Generator generator, IProgress<ClusteringProgress>? progress, CancellationToken cancellationToken)
    {
        var n = x.shape[0];

        // One validation subset judges every initialisation.
        using var validationIndices = torch.randint(n, [initSize], dtype: ScalarType.Int64, device: x.device, generator: generator);
        using var validation = x.index_select(0, validationIndices);
        using var validationNorms = norms.index_select(0, validationIndices);

        Tensor? best = null;
        var bestInertia = double.PositiveInfinity;
        for (var run = 1; run <= options.Inits; run++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var runScope = torch.NewDisposeScope();
            Tensor candidate;
            if (initSize < n)
            {
                var indices = torch.randint(n, [initSize], dtype: ScalarType.Int64, device: x.device, generator: generator);
                candidate = KMeansSeeding.Choose(x.index_select(0, indices), norms.index_select(0, indices), options.Clusters, options.Init, options.LocalTrials, generator);
            }
            else
            {
                candidate = KMeansSeeding.Choose(x, norms, options.Clusters, options.Init, options.LocalTrials, generator);
            }
            var (_, distances) = Distances.Assign(validation, validationNorms, candidate);
            var inertia = Distances.Total(distances!);
            progress?.Report(new ClusteringProgress(ClusteringPhase.Initialization, run, options.Inits, 0, 0, inertia));
            if (best is null || inertia < bestInertia)
            {
                best?.Dispose();
                best = candidate.MoveToOuterDisposeScope();
                bestInertia = inertia;
            }
        }
        return best!;
    }

    /// <summary>
    /// The reassignment part of scikit-learn's <c>_mini_batch_step</c>: centres whose count is below
    /// ratio · max(count) (at most half a batch of them, those with the smallest counts) move to distinct
    /// random rows of the batch, and their counts are raised to the smallest count among the others.
    /// </summary>
    private static void Reassign(Tensor batch, Tensor centers, Tensor counts, float[] hostCounts, double ratio, Generator generator)
    {
        var rows = batch.shape[0];
        var (targets, kept) = SelectReassigned(hostCounts, ratio, rows);
        if (targets.Length == 0)
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        var chosen = torch.randperm(rows, dtype: ScalarType.Int64, device: batch.device, generator: generator).narrow(0, 0, targets.Length);
        var targetIndex = torch.tensor(targets, dtype: ScalarType.Int64, device: centers.device);
        centers.index_copy_(0, targetIndex, batch.index_select(0, chosen));

        counts.index_fill_(0, targetIndex, kept);
        foreach (var j in targets)
        {
            hostCounts[j] = kept;
        }
    }

    /// <summary>
    /// Which centres a reassignment moves (scikit-learn's rule): those whose count is below
    /// ratio · max(count), at most half of the <paramref name="batchRows"/>, the smallest counts first;
    /// and the count they restart from, the smallest count among the others.
    /// </summary>
    internal static (long[] Targets, float Kept) SelectReassigned(float[] hostCounts, double ratio, long batchRows)
    {
        var threshold = ratio * hostCounts.Max();
        var flagged = hostCounts.Select(c => c < threshold).ToArray();
        var limit = MiniBatchKMeansOptions.MaxReassignedBatchShare * batchRows;
        if (flagged.Count(f => f) > limit)
        {
            // Keep only the (int)limit smallest counts; OrderBy is stable, so ties go by index.
            var order = Enumerable.Range(0, hostCounts.Length).OrderBy(j => hostCounts[j]).ToArray();
            for (var p = (int)limit; p < order.Length; p++)
            {
                flagged[order[p]] = false;
            }
        }
        var targets = Enumerable.Range(0, hostCounts.Length).Where(j => flagged[j]).Select(j => (long)j).ToArray();
        // "Don't reset them too small to avoid instant reassignment" (scikit-learn's comment).
        var kept = hostCounts.Where((_, j) => !flagged[j]).DefaultIfEmpty(0f).Min();
        return (targets, kept);
    }
}
