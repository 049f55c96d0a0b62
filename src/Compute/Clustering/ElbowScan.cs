using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>Settings of an elbow scan: the mini-batch settings every k uses, and how warm starts carry over.</summary>
/// <param name="Template">Mini-batch k-means settings; <see cref="MiniBatchKMeansOptions.Clusters"/> is replaced by each k.</param>
public sealed record ElbowScanOptions(MiniBatchKMeansOptions Template)
{
    /// <summary>
    /// A warm-started centre keeps at most this many rows' worth of its running count (in units of
    /// the batch size), so it can still move toward the rows the new centres take from it; with the
    /// full count (hundreds of batches) its learning rate would be too small to adapt. 0.2 was the
    /// best of 1, 0.2 measured on MNIST's whole k = 2..250 scan (grid bench elbow).
    /// </summary>
    public double WarmCountBatches { get; init; } = 0.2;

    /// <summary>
    /// Early-stopping patience (mini-batches without improvement) of a warm-started fit. A warm
    /// start begins near a minimum, so the default patience would stop it before its new centres settle.
    /// </summary>
    public int WarmMaxNoImprovement { get; init; } = 100;

    /// <summary>Run every k as an independent fit instead (the baseline a warm-started scan is compared with).</summary>
    public bool Independent { get; init; }
}

/// <summary>Progress of an elbow scan: k values done of the total, and the last one's inertia.</summary>
public sealed record ElbowScanProgress(int Done, int Total, int K, double Inertia);

/// <summary>
/// Mini-batch k-means for many k over the same rows, reusing work across k: k values run in
/// ascending order, and each starts from the previous solution's centres plus new centres chosen by
/// greedy k-means++ against them (on a random init_size sample), with the old centres' counts capped
/// so they still adapt. A warm start converges in a fraction of the steps of a fresh fit; the squared
/// norms of the rows are computed once for the whole scan.
/// </summary>
public static class ElbowScan
{
    /// <summary>
    /// One k of a scan: an independent fit when <paramref name="previousCenters"/> is null, else a warm start
    /// from the previous k's centres and running counts (<see cref="KMeansFit"/> of the k before). The fit's
    /// seed is the template's plus k, and the new centres' k-means++ sample has its own generator seeded from
    /// it, so the fit of each k is fixed by its inputs: a scan and a sweep's chain of stages agree.
    /// </summary>
    public static KMeansFit Fit(Tensor x, int k, ElbowScanOptions options, Tensor? previousCenters, float[]? previousCounts,
        IProgress<ClusteringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ClusteringChecks.Matrix(x, nameof(x));
        var fitOptions = options.Template with { Clusters = k, Seed = options.Template.Seed + k };
        if (previousCenters is null)
        {
            return MiniBatchKMeans.Fit(x, fitOptions, progress, cancellationToken);
        }
        if (previousCounts is null || previousCounts.Length != previousCenters.shape[0] || previousCenters.shape[0] >= k)
        {
            throw new ArgumentException($"a warm start for k={k} needs fewer previous centres, each with its running count", nameof(previousCounts));
        }

        var n = x.shape[0];
        using var scope = torch.NewDisposeScope();
        using var threads = new ThreadLimit(fitOptions.Threads);
        using var generator = new Generator(unchecked((ulong)fitOptions.Seed ^ ExtensionStream), x.device);
        int initSize = fitOptions.ResolveInitSize(n);
        var sample = torch.randint(n, [initSize], dtype: ScalarType.Int64, device: x.device, generator: generator);
        var rows = x.index_select(0, sample);
        var rowNorms = Distances.SquaredNorms(rows);
        var start = KMeansSeeding.Extend(rows, rowNorms, previousCenters, k - (int)previousCenters.shape[0], fitOptions.LocalTrials, generator);
        float cap = (float)(options.WarmCountBatches * fitOptions.ResolveBatchSize(n));
        var counts = new float[k];
        for (int c = 0; c < previousCounts.Length; c++)
        {
            counts[c] = Math.Min(previousCounts[c], cap);
        }
        return MiniBatchKMeans.Fit(x, fitOptions with { MaxNoImprovement = options.WarmMaxNoImprovement }, progress, cancellationToken, start, counts);
    }

    /// <summary>Distinguishes the warm start's sampling generator from the fit's, which has the same seed.</summary>
    private const ulong ExtensionStream = 0x5DEECE66DUL;

    /// <summary>
    /// Fits every k of <paramref name="ks"/> on <paramref name="x"/> and hands each fit to
    /// <paramref name="consume"/> (which must not keep it: it is disposed right after). Returns the
    /// fits' summaries in the order of <paramref name="ks"/>.
    /// </summary>
    public static IReadOnlyList<ElbowScanPoint> Run(
        Tensor x,
        IReadOnlyList<int> ks,
        ElbowScanOptions options,
        Action<int, KMeansFit>? consume = null,
        IProgress<ElbowScanProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ks);
        ArgumentNullException.ThrowIfNull(options);
        if (ks.Count == 0)
        {
            throw new ArgumentException("an elbow scan needs at least one k", nameof(ks));
        }
        ClusteringChecks.Matrix(x, nameof(x));
        var ordered = ks.Distinct().Order().ToArray();
        ClusteringChecks.EnoughSamples(x, ordered[^1], nameof(x));
        var template = options.Template;
        template.Validate();

        var results = new Dictionary<int, ElbowScanPoint>();
        KMeansFit? previous = null;
        try
        {
            for (int i = 0; i < ordered.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int k = ordered[i];
                var watch = Stopwatch.StartNew();
                var warm = options.Independent ? null : previous;
                var fit = Fit(x, k, options, warm?.Centers, warm?.Counts, cancellationToken: cancellationToken);
                double seconds = watch.Elapsed.TotalSeconds;
                results[k] = new ElbowScanPoint(k, fit.Inertia, fit.Steps, seconds, warm is not null);
                consume?.Invoke(k, fit);
                previous?.Dispose();
                previous = fit;
                progress?.Report(new ElbowScanProgress(i + 1, ordered.Length, k, results[k].Inertia));
            }
        }
        finally
        {
            previous?.Dispose();
        }
        return ks.Select(k => results[k]).ToList();
    }
}

/// <summary>One k of an elbow scan: inertia on all rows, mini-batch steps taken, fit time, and whether it was warm-started.</summary>
public sealed record ElbowScanPoint(int K, double Inertia, int Steps, double Seconds, bool WarmStarted);
