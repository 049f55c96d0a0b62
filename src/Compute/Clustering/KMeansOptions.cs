using Grid.Core;

namespace Grid.Compute.Clustering;

/// <summary>
/// Settings of a full-batch (Lloyd) k-means fit. The defaults are scikit-learn 1.2's
/// <c>sklearn.cluster.KMeans</c> defaults; each property names the scikit-learn parameter it mirrors.
/// </summary>
/// <param name="Clusters">Number of clusters k (scikit-learn's <c>n_clusters</c>); required, ≥ 1.</param>
public sealed record KMeansOptions(int Clusters)
{
    /// <summary>Initialisation method (<c>init</c>); scikit-learn's default is k-means++.</summary>
    public KMeansInit Init { get; init; } = KMeansInit.KMeansPlusPlus;

    /// <summary>
    /// Number of independent runs, the one with the lowest inertia being kept (<c>n_init</c>).
    /// scikit-learn 1.2's default <c>"warn"</c> resolves to 10.
    /// </summary>
    public int Inits { get; init; } = 10;

    /// <summary>Maximum number of Lloyd iterations per run (<c>max_iter</c>, default 300).</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>
    /// Relative tolerance (<c>tol</c>, default 1e-4): a run stops when the sum of squared centre
    /// shifts is at most <c>tol</c> times the mean per-feature variance of the data.
    /// </summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Seed of every random choice (<c>random_state</c>); the same seed gives the same fit on CPU.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Candidates tried per k-means++ centre (<c>n_local_trials</c> of <c>kmeans_plusplus</c>);
    /// <see langword="null"/> means scikit-learn's 2 + ⌊ln k⌋.
    /// </summary>
    public int? LocalTrials { get; init; }

    /// <summary>
    /// TorchSharp intra-op threads during the fit (not a scikit-learn parameter); the caller's setting is
    /// restored afterwards, and <see langword="null"/> leaves it alone. The default, 1, suits the grid,
    /// which runs one fit per worker slot on its own thread. On a shared machine it is also the fastest:
    /// OpenMP workers that spin while waiting for a descheduled peer made fits several times slower
    /// with 2 threads than with 1 on 2 busy cores. Give more threads to a fit that has the machine.
    /// </summary>
    public int? Threads { get; init; } = 1;

    /// <summary>
    /// How each iteration's assignment is computed (not a scikit-learn parameter, though its <c>algorithm</c> is akin):
    /// every method gives Lloyd's labels and so the same fit; they differ in the distances they compute.
    /// </summary>
    public KMeansMethod Method { get; init; } = KMeansMethod.Auto;

    /// <summary>
    /// From this k on, <see cref="KMeansMethod.Auto"/> takes Yinyang's n·k/10 bounds instead of Elkan's n·k. On MNIST at
    /// k = 225 both took the same time with one thread (25.2 and 25.4 s) and Yinyang 6 % less with two, though it
    /// recomputes twice the distances: its bounds are ten times smaller to keep up to date.
    /// </summary>
    public const int YinyangFromClusters = 20;

    /// <summary>The method <see cref="Method"/> stands for: <see cref="KMeansMethod.Auto"/> is Yinyang from k = 20 on, else Elkan.</summary>
    public KMeansMethod ResolveMethod() => Method switch
    {
        KMeansMethod.Auto => Clusters >= YinyangFromClusters ? KMeansMethod.Yinyang : KMeansMethod.Elkan,
        var chosen => chosen,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ClusteringChecks.Positive(Clusters, nameof(Clusters));
        ClusteringChecks.Positive(Inits, nameof(Inits));
        ClusteringChecks.Positive(MaxIterations, nameof(MaxIterations));
        ClusteringChecks.NonNegative(Tolerance, nameof(Tolerance));
        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentOutOfRangeException(nameof(Method), Method, "not a k-means method");
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
