using System.Globalization;
using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// How k-means runs in every trial of a sweep; the number of clusters and the random state come
/// from the trial. Defaults are scikit-learn's (1.4 and later, <c>n_init="auto"</c> with
/// k-means++ initialisation resolving to 1): see <see cref="MiniBatchDefaults"/> and
/// <see cref="FullDefaults"/>.
/// </summary>
/// <param name="Algorithm">Mini-batch or full-batch k-means.</param>
/// <param name="BatchSize">Rows per mini-batch; <see langword="null"/> for <see cref="KMeansAlgorithm.Full"/>.</param>
/// <param name="NInit">Initialisations tried; the one with the lowest inertia wins.</param>
/// <param name="MaxIter">Iterations (full) or passes over the data (mini-batch) per initialisation.</param>
/// <param name="Tol">Convergence tolerance on centre movement (≥ 0; 0 disables it for mini-batch).</param>
/// <param name="MaxNoImprovement">Mini-batches without an inertia improvement before stopping early; <see langword="null"/> for <see cref="KMeansAlgorithm.Full"/>.</param>
/// <param name="Shards">
/// Mini-batch only: <see langword="null"/> fits in one process; N ≥ 2 spreads the rows over N shard grains on
/// the silos; <see cref="AutoShards"/> (0) picks the number from the data size and the live silos.
/// </param>
/// <param name="WarmStart">
/// Mini-batch only: each k of a curve starts from the solution of the k before it (plus new centres by
/// k-means++), as <c>grid bench elbow</c> does, instead of an independent fit: a whole elbow in a fraction of the time.
/// </param>
/// <param name="Method">
/// Full only: how each iteration assigns rows (<see cref="KMeansMethod"/>). Every method gives Lloyd's result, so it is
/// left out of <see cref="Describe"/> and of the stage key: a stage fitted with one method is the stage of any other.
/// </param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.kmeans-settings")]
public sealed record KMeansSettings(
    [property: Id(0)] KMeansAlgorithm Algorithm,
    [property: Id(1)] int? BatchSize,
    [property: Id(2)] int NInit,
    [property: Id(3)] int MaxIter,
    [property: Id(4)] double Tol,
    [property: Id(5)] int? MaxNoImprovement,
    [property: Id(6)] int? Shards = null,
    [property: Id(7)] bool WarmStart = false,
    [property: Id(8)] KMeansMethod Method = KMeansMethod.Auto)
{
    /// <summary>The value of <see cref="Shards"/> for <c>shards: auto</c>.</summary>
    public const int AutoShards = 0;

    /// <summary>scikit-learn's MiniBatchKMeans: batch_size 1024, n_init 1, max_iter 100, tol 0.0, max_no_improvement 10.</summary>
    public static KMeansSettings MiniBatchDefaults { get; } = new(KMeansAlgorithm.MiniBatch, 1024, 1, 100, 0.0, 10);

    /// <summary>scikit-learn's KMeans: n_init 1, max_iter 300, tol 1e-4.</summary>
    public static KMeansSettings FullDefaults { get; } = new(KMeansAlgorithm.Full, null, 1, 300, 1e-4, null);

    /// <summary>The defaults of <paramref name="algorithm"/>.</summary>
    public static KMeansSettings DefaultsFor(KMeansAlgorithm algorithm) => algorithm switch
    {
        KMeansAlgorithm.MiniBatch => MiniBatchDefaults,
        KMeansAlgorithm.Full => FullDefaults,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    /// <summary>A canonical one-line description, e.g. <c>minibatch(batch=200,n_init=3,max_iter=100,tol=0,max_no_improvement=10)</c>.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (BatchSize is { } batch)
        {
            parts.Add($"batch_size={batch}");
        }
        parts.Add($"n_init={NInit}");
        parts.Add($"max_iter={MaxIter}");
        parts.Add("tol=" + Tol.ToString("R", CultureInfo.InvariantCulture));
        if (MaxNoImprovement is { } patience)
        {
            parts.Add($"max_no_improvement={patience}");
        }
        if (WarmStart)
        {
            parts.Add("warm_start");
        }
        if (Shards is not null)
        {
            // Not the count: a sharded fit draws the same random sequence whatever the number of
            // shards, so results differ from the single-process fit but not between shard counts.
            parts.Add("sharded");
        }
        return $"{SpecNames.Of(Algorithm)}({string.Join(",", parts)})";
    }
}
