namespace Grid.Compute.Clustering;

/// <summary>
/// Settings of a mini-batch k-means fit. The defaults are scikit-learn 1.2's
/// <c>sklearn.cluster.MiniBatchKMeans</c> defaults (including the constants that scikit-learn
/// hard-codes in <c>_kmeans.py</c>); each member names the scikit-learn parameter it mirrors.
/// </summary>
/// <param name="Clusters">Number of clusters k (scikit-learn's <c>n_clusters</c>); required, ≥ 1.</param>
public sealed record MiniBatchKMeansOptions(int Clusters)
{
    /// <summary>scikit-learn's default <c>init_size</c> is this many batches…</summary>
    public const int InitSizeBatchMultiple = 3;

    /// <summary>…raised to this many times k when that is smaller than k.</summary>
    public const int InitSizeClusterMultiple = 3;

    /// <summary>A random reassignment is considered each time this many times k samples have been processed.</summary>
    public const int ReassignmentIntervalPerCluster = 10;

    /// <summary>At most this share of a batch's rows become new centres in one reassignment.</summary>
    public const double MaxReassignedBatchShare = 0.5;

    /// <summary>Initialisation method (<c>init</c>); scikit-learn's default is k-means++.</summary>
    public KMeansInit Init { get; init; } = KMeansInit.KMeansPlusPlus;

    /// <summary>
    /// Number of initialisations tried, each on its own random subset of <see cref="InitSize"/> rows; the
    /// one with the lowest inertia on a common validation subset is kept (<c>n_init</c>; 1.2's
    /// <c>"warn"</c> resolves to 3).
    /// </summary>
    public int Inits { get; init; } = 3;

    /// <summary>Rows per mini-batch (<c>batch_size</c>, 1024 since scikit-learn 1.2).</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Maximum number of epochs (<c>max_iter</c>, default 100): at most max_iter · n / batch_size steps.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Relative tolerance on the squared change of the centres in one step (<c>tol</c>, default 0: off),
    /// scaled by the mean per-feature variance of the data as for <see cref="KMeansOptions.Tolerance"/>.
    /// </summary>
    public double Tolerance { get; init; }

    /// <summary>
    /// Stop after this many consecutive steps without improvement of the smoothed (exponentially
    /// weighted) batch inertia (<c>max_no_improvement</c>, default 10); <see langword="null"/> disables it.
    /// </summary>
    public int? MaxNoImprovement { get; init; } = 10;

    /// <summary>
    /// Rows drawn (with replacement) for each initialisation and for the validation subset (<c>init_size</c>);
    /// <see langword="null"/> means 3 · batch_size, raised to 3 · k if smaller than k. Always capped at n.
    /// </summary>
    public int? InitSize { get; init; }

    /// <summary>
    /// Centres whose count falls below this share of the largest count are moved to random batch rows
    /// (<c>reassignment_ratio</c>, default 0.01); 0 disables reassignment.
    /// </summary>
    public double ReassignmentRatio { get; init; } = 0.01;

    /// <summary>Seed of every random choice (<c>random_state</c>); the same seed gives the same fit on CPU.</summary>
    public long Seed { get; init; }

    /// <summary>Candidates tried per k-means++ centre; <see langword="null"/> means 2 + ⌊ln k⌋.</summary>
    public int? LocalTrials { get; init; }

    /// <summary>
    /// TorchSharp intra-op threads during the fit (not a scikit-learn parameter; scikit-learn runs each batch of up to 256 rows as one OpenMP chunk, so on one thread); the caller's setting is
    /// restored afterwards, and <see langword="null"/> leaves it alone. The default, 1, suits the grid,
    /// which runs one fit per worker slot on its own thread. On a shared machine it is also the fastest:
    /// OpenMP workers that spin while waiting for a descheduled peer made fits several times slower
    /// with 2 threads than with 1 on 2 busy cores. Give more threads to a fit that has the machine.
    /// </summary>
    public int? Threads { get; init; } = 1;

    /// <summary>The batch size used for <paramref name="samples"/> rows: <see cref="BatchSize"/> capped at n.</summary>
    public int ResolveBatchSize(long samples) => (int)Math.Min(BatchSize, samples);

    /// <summary>The <c>init_size</c> scikit-learn 1.2 uses for <paramref name="samples"/> rows.</summary>
    public int ResolveInitSize(long samples)
    {
        var initSize = InitSize ?? InitSizeBatchMultiple * ResolveBatchSize(samples);
        if (initSize < Clusters)
        {
            initSize = InitSizeClusterMultiple * Clusters;
        }
        return (int)Math.Min(initSize, samples);
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ClusteringChecks.Positive(Clusters, nameof(Clusters));
        ClusteringChecks.Positive(Inits, nameof(Inits));
        ClusteringChecks.Positive(BatchSize, nameof(BatchSize));
        ClusteringChecks.Positive(MaxIterations, nameof(MaxIterations));
        ClusteringChecks.NonNegative(Tolerance, nameof(Tolerance));
        ClusteringChecks.NonNegative(ReassignmentRatio, nameof(ReassignmentRatio));
        if (MaxNoImprovement is { } patience)
        {
            ClusteringChecks.Positive(patience, nameof(MaxNoImprovement));
        }
        if (InitSize is { } initSize)
        {
            ClusteringChecks.Positive(initSize, nameof(InitSize));
        }
        if (LocalTrials is { } trials)
        {
            ClusteringChecks.Positive(trials, nameof(LocalTrials));
        }
        if (Threads is { } threads)
        {
            ClusteringChecks.Positive(threads, nameof(Threads));
        }
    }
}
