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

        var n = x.shape[0];
        var results = new Dictionary<int, ElbowScanPoint>();
        using var generator = new Generator(unchecked((ulong)template.Seed), x.device);
        Tensor? previous = null;
        float[]? previousCounts = null;
        try
        {
            for (int i = 0; i < ordered.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int k = ordered[i];
                var fitOptions = template with { Clusters = k, Seed = template.Seed + k };
                var watch = Stopwatch.StartNew();
                KMeansFit fit;
                if (previous is null || options.Independent)
                {
                    fit = MiniBatchKMeans.Fit(x, fitOptions, cancellationToken: cancellationToken);
                }
                else
                {
                    using var scope = torch.NewDisposeScope();
                    using var threads = new ThreadLimit(template.Threads);
                    int initSize = fitOptions.ResolveInitSize(n);
                    var sample = torch.randint(n, [initSize], dtype: ScalarType.Int64, device: x.device, generator: generator);
                    var rows = x.index_select(0, sample);
                    var rowNorms = Distances.SquaredNorms(rows);
                    var start = KMeansSeeding.Extend(rows, rowNorms, previous, k - (int)previous.shape[0], template.LocalTrials, generator);
                    float cap = (float)(options.WarmCountBatches * fitOptions.ResolveBatchSize(n));
                    var counts = new float[k];
                    for (int c = 0; c < previousCounts!.Length; c++)
                    {
                        counts[c] = Math.Min(previousCounts[c], cap);
                    }
                    fit = MiniBatchKMeans.Fit(x, fitOptions with { MaxNoImprovement = options.WarmMaxNoImprovement }, null, cancellationToken, start, counts);
                }
                using (fit)
                {
                    double seconds = watch.Elapsed.TotalSeconds;
                    results[k] = new ElbowScanPoint(k, fit.Inertia, fit.Steps, seconds, !options.Independent && previous is not null);
                    consume?.Invoke(k, fit);
                    previous?.Dispose();
                    previous = fit.Centers.clone().DetachFromDisposeScope();
                    previousCounts = fit.Counts;
                }
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
