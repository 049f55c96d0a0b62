using Orleans.Concurrency;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;

namespace Grid.Abstractions.Stages;

/// <summary>The kinds of memoized stage a trial chains.</summary>
[GenerateSerializer]
[Alias("grid.stages.stage-kind")]
public enum StageKind
{
    /// <summary>Train an autoencoder and encode train and test rows to codes.</summary>
    Autoencoder,

    /// <summary>Scale a representation, fit k-means, label clusters and evaluate.</summary>
    Clustering,
}

/// <summary>
/// What one stage computes. <paramref name="Hash"/> identifies it (its own config plus its
/// inputs' hashes); <paramref name="Trial"/> carries the settings, of which the stage reads only
/// the ones its hash covers; <paramref name="InputHash"/> names the artifact it reads (the
/// autoencoder's codes), if any; <paramref name="WarmHash"/> the clustering stage whose solution a
/// warm-started fit starts from.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.stages.stage-request")]
public sealed record StageRequest(
    [property: Id(0)] StageKind Kind,
    [property: Id(1)] string Hash,
    [property: Id(2)] TrialSpec Trial,
    [property: Id(3)] string? InputHash,
    [property: Id(4)] string? WarmHash = null);

/// <summary>The recorded result of a stage: small numbers only; bulky outputs are artifacts named by <paramref name="Hash"/>.</summary>
/// <param name="Reused">True when the caller got a result computed earlier (or by another caller's request).</param>
/// <param name="Metrics">Named figures, e.g. train_loss and test_loss for an autoencoder.</param>
/// <param name="ComputedFor">
/// The sweep whose trial's request started the computation (the part of its trial key before '/'); null in outcomes recorded
/// before it was kept. A trial that comes back after its silo was lost joins the computation it started: this still says so.
/// </param>
[GenerateSerializer, Immutable]
[Alias("grid.stages.stage-outcome")]
public sealed record StageOutcome(
    [property: Id(0)] string Hash,
    [property: Id(1)] StageKind Kind,
    [property: Id(2)] IReadOnlyDictionary<string, double> Metrics,
    [property: Id(3)] ClusteringResult? Clustering,
    [property: Id(4)] string Silo,
    [property: Id(5)] double Seconds,
    [property: Id(6)] bool Reused,
    [property: Id(7)] int Attempts,
    [property: Id(8)] string? ComputedFor = null);

/// <summary>A stage failed on every attempt; the message says why.</summary>
[GenerateSerializer]
[Alias("grid.stages.stage-failed")]
public sealed class StageFailedException(string message) : Exception(message);

/// <summary>
/// One memoized stage, keyed by its hash. Computed once however many trials ask: concurrent
/// askers await the same computation (single flight), later askers get the recorded outcome.
/// </summary>
[Alias("grid.stages.stage")]
public interface IStageGrain : IGrainWithStringKey
{
    /// <summary>Returns the stage's outcome, computing it first if needed. <paramref name="trialKey"/> receives progress.</summary>
    [Alias("run"), ResponseTimeout("7.00:00:00")]
    Task<StageOutcome> RunAsync(StageRequest request, string trialKey);

    /// <summary>The recorded outcome, or null when the stage has not completed.</summary>
    [Alias("peek")]
    Task<StageOutcome?> PeekAsync();

    /// <summary>
    /// A trial no longer needs this stage (it was cancelled). When no trial is left waiting, a
    /// computation in flight is stopped and its slot freed; nothing is recorded.
    /// </summary>
    [Alias("abandon")]
    Task AbandonAsync(string trialKey);

    /// <summary>The worker reports progress; forwarded to the waiting trials.</summary>
    [Alias("progress"), OneWay]
    Task OnProgressAsync(StageProgress progress);

    /// <summary>
    /// Forgets the recorded outcome, because its artifact is being deleted (<c>grid sweep delete --artifacts</c>):
    /// the next ask computes the stage again instead of reusing a result whose files are gone.
    /// </summary>
    [Alias("forget")]
    Task ForgetAsync();
}
