using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Core;

namespace Grid.Abstractions.Runs;

/// <summary>
/// Where a trial is in its life. Serialized and stored by value: new states are appended, never inserted.
/// </summary>
[GenerateSerializer]
[Alias("grid.runs.trial-state")]
public enum TrialState
{
    /// <summary>Submitted; its chain has not started.</summary>
    Pending,

    /// <summary>The stage it waits on is computing on a slot (its progress says where).</summary>
    Running,

    Succeeded,

    Failed,

    Cancelled,

    /// <summary>Started, and the stage it waits on is queued for a slot (none is free of the kind it needs).</summary>
    Queued,

    /// <summary>
    /// Ended with its result, and its autoencoder was trained no further: successive halving (ASHA) did not promote it to the
    /// next rung. Its result counts like a succeeded trial's.
    /// </summary>
    Pruned,
}

/// <summary>The trial states in the order people read them (the enum's order is its storage order).</summary>
public static class TrialStates
{
    /// <summary>Pending, queued, running, then the ended states.</summary>
    public static IReadOnlyList<TrialState> InLifeOrder { get; } =
        [TrialState.Pending, TrialState.Queued, TrialState.Running, TrialState.Succeeded, TrialState.Pruned, TrialState.Failed, TrialState.Cancelled];

    /// <summary>Whether the trial has ended (succeeded, pruned, failed or was cancelled): its state no longer changes.</summary>
    public static bool IsEnded(this TrialState state) => state is TrialState.Succeeded or TrialState.Pruned or TrialState.Failed or TrialState.Cancelled;

    /// <summary>Whether a trial in this state has a result to show: it succeeded, or it was pruned after it succeeded.</summary>
    public static bool HasResult(this TrialState state) => state is TrialState.Succeeded or TrialState.Pruned;
}

/// <summary>Where a sweep is in its life. A sweep whose trials all ended is Completed, even if some failed.</summary>
[GenerateSerializer]
[Alias("grid.runs.sweep-state")]
public enum SweepState
{
    Pending,
    Running,
    Completed,
    Cancelled,
}

/// <summary>Live progress of the stage a trial waits on (autoencoder epochs, k-means steps).</summary>
/// <param name="Stage">The stage kind.</param>
/// <param name="Unit">What <paramref name="Done"/> counts, e.g. "epoch" or "step".</param>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units expected (an upper bound for k-means, which may stop early).</param>
/// <param name="Metric">The current loss or inertia, when known.</param>
/// <param name="Silo">The silo running the stage.</param>
/// <param name="Detail">A human reading of the position, e.g. "epoch 2/40", when units are finer than that.</param>
/// <param name="Epoch">Set on the one report an autoencoder sends after each epoch's evaluation: that epoch's losses.</param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.stage-progress")]
public sealed record StageProgress(
    [property: Id(0)] StageKind Stage,
    [property: Id(1)] string Unit,
    [property: Id(2)] long Done,
    [property: Id(3)] long Total,
    [property: Id(4)] double? Metric,
    [property: Id(5)] string Silo,
    [property: Id(6)] string? Detail = null,
    [property: Id(7)] EpochFigures? Epoch = null);

/// <summary>An autoencoder epoch just completed: its mean training loss and the test loss after it.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Epochs">Epochs the stage trains in all.</param>
/// <param name="TrainLoss">Mean per-pixel loss over the epoch's training batches.</param>
/// <param name="TestLoss">Mean per-pixel loss on the test rows after the epoch, when there are test rows.</param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.epoch-figures")]
public sealed record EpochFigures(
    [property: Id(0)] int Epoch,
    [property: Id(1)] int Epochs,
    [property: Id(2)] double TrainLoss,
    [property: Id(3)] double? TestLoss);

/// <summary>The small result of a clustering trial: errors, inertia and the confusion matrix. No rows, no centres.</summary>
/// <param name="TrainError">Share of training rows whose cluster's majority class is not theirs; null for a dataset without labels (then <paramref name="Classes"/> is 0 and there is no confusion). It was a plain double before unlabeled data: stored values read back unchanged.</param>
/// <param name="TestError">The same on the test rows, with cluster labels learned from train; null without labels.</param>
/// <param name="Inertia">Sum of squared distances of training rows to their centre.</param>
/// <param name="Iterations">k-means iterations (full) or epochs seen (mini-batch).</param>
/// <param name="FitSeconds">Wall time of the k-means fit.</param>
/// <param name="Classes">Number of classes (rows and columns of the confusion matrix).</param>
/// <param name="TestConfusion">Test confusion counts, row-major [true class, predicted class].</param>
/// <param name="FlaggedClusters">Clusters whose share of members outside the majority class exceeds the flag threshold.</param>
/// <param name="Silhouette">
/// Label-free quality of the clustering of the test rows (all of them, or a seeded sample of 10,000), with scikit-learn's
/// definitions (<see cref="QualityMeasure"/>): the mean silhouette. Null where undefined (fewer than two clusters among
/// the rows) and in results recorded before it was measured; so are the next two.
/// </param>
/// <param name="DaviesBouldin">The Davies–Bouldin index of the same rows.</param>
/// <param name="CalinskiHarabasz">The Calinski–Harabasz index of the same rows.</param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.clustering-result")]
public sealed record ClusteringResult(
    [property: Id(0)] double? TrainError,
    [property: Id(1)] double? TestError,
    [property: Id(2)] double Inertia,
    [property: Id(3)] int Iterations,
    [property: Id(4)] double FitSeconds,
    [property: Id(5)] int Classes,
    [property: Id(6)] IReadOnlyList<long> TestConfusion,
    [property: Id(7)] int FlaggedClusters,
    [property: Id(8)] double? Silhouette = null,
    [property: Id(9)] double? DaviesBouldin = null,
    [property: Id(10)] double? CalinskiHarabasz = null)
{
    /// <summary>The value of one quality measure, or null.</summary>
    public double? Quality(QualityMeasure measure) => QualityMeasures.Pick(measure, Silhouette, DaviesBouldin, CalinskiHarabasz);
}

/// <summary>What happened in a trial's log line.</summary>
[GenerateSerializer]
[Alias("grid.runs.trial-event-kind")]
public enum TrialEventKind
{
    /// <summary>The trial's chain started.</summary>
    Started,

    /// <summary>The trial's chain started again on a new activation (its silo went away); finished stages are reused.</summary>
    Resumed,

    /// <summary>A stage attempt began on a silo's slot.</summary>
    Attempt,

    /// <summary>A stage attempt failed; <see cref="TrialEvent.Detail"/> says why and whether it is tried again.</summary>
    Error,

    /// <summary>The silo under a stage was lost (killed, stopped, unreachable); the stage is asked for again without spending an attempt.</summary>
    Lost,

    /// <summary>A stage was computed for this trial.</summary>
    Computed,

    /// <summary>A stage's recorded result was reused (memoized by hash).</summary>
    Reused,

    /// <summary>The trial succeeded.</summary>
    Succeeded,

    /// <summary>The trial failed; <see cref="TrialEvent.Detail"/> is the reason.</summary>
    Failed,

    /// <summary>The trial was cancelled.</summary>
    Cancelled,

    /// <summary><c>grid sweep retry</c> started the trial again.</summary>
    Retried,

    /// <summary>Successive halving did not promote the trial's autoencoder to the next rung.</summary>
    Pruned,
}

/// <summary>
/// One line of a trial's log: stage attempts, retries, silo losses and failures with their reasons. A trial keeps
/// the last <see cref="MaxPerTrial"/> (<see cref="TrialStatus.EventsDropped"/> counts the older ones it let go).
/// </summary>
/// <param name="Time">When it happened.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Stage">The stage it concerns, if any.</param>
/// <param name="StageHash">That stage's hash (its artifact folder), if any.</param>
/// <param name="Attempt">The stage attempt (1-based), or 0 when not about an attempt.</param>
/// <param name="Silo">The silo it happened on, when known.</param>
/// <param name="Detail">A short reason or figure, e.g. the error message or "12.3 s".</param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.trial-event")]
public sealed record TrialEvent(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] TrialEventKind Kind,
    [property: Id(2)] StageKind? Stage = null,
    [property: Id(3)] string? StageHash = null,
    [property: Id(4)] int Attempt = 0,
    [property: Id(5)] string? Silo = null,
    [property: Id(6)] string? Detail = null)
{
    /// <summary>Log lines a trial keeps: bounded, so statuses and snapshots stay small.</summary>
    public const int MaxPerTrial = 50;

    /// <summary>
    /// The line as people read it (no time), e.g. <c>attempt 1 of clustering 3f2a09c1 on host:11111</c> or
    /// <c>error clustering 3f2a09c1 (attempt 1) on host:11111: out of memory; tried again</c>.
    /// </summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        string attempt = Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        text.Append(Kind == TrialEventKind.Attempt ? "attempt " + attempt + " of" : SpecNames.Of(Kind));
        if (Stage is { } stage)
        {
            text.Append(' ').Append(SpecNames.Of(stage));
            if (StageHash is { Length: > 0 } hash)
            {
                text.Append(' ').Append(ShortHash(hash));
            }
        }
        if (Attempt > 0 && Kind != TrialEventKind.Attempt)
        {
            text.Append(" (attempt ").Append(attempt).Append(')');
        }
        if (Silo is { Length: > 0 } silo)
        {
            text.Append(" on ").Append(silo);
        }
        if (Detail is { Length: > 0 } detail)
        {
            text.Append(": ").Append(detail);
        }
        return text.ToString();
    }

    /// <summary>The first 8 digits of a stage hash: enough to tell a trial's stages apart in its log.</summary>
    public static string ShortHash(string? hash) => hash is { Length: > 8 } ? hash[..8] : hash ?? "";
}

/// <summary>A trial as the sweep sees it.</summary>
/// <param name="AutoencoderHash">
/// The hash of the trial's autoencoder stage (its artifact folder in the artifact store holds the weights and
/// codes), or null when it clusters pixels or the trial has not started.
/// </param>
/// <param name="ClusteringHash">
/// The hash of the trial's (last) clustering stage, whose artifact holds the centres and <c>summary.json</c>
/// (per-cluster errors, class counts); null until the trial starts. Results pages and reports read artifacts by these.
/// </param>
/// <param name="Events">The trial's log lines, oldest first (at most <see cref="TrialEvent.MaxPerTrial"/>); null when none.</param>
/// <param name="EventsDropped">Older log lines let go to keep the bound.</param>
/// <param name="Retries">
/// How many times <c>grid sweep retry</c> started the trial again. A sweep ignores reports from an earlier run, so
/// a late report of the failure being retried cannot end the new run.
/// </param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.trial-status")]
public sealed record TrialStatus(
    [property: Id(0)] string TrialId,
    [property: Id(1)] TrialSpec Spec,
    [property: Id(2)] TrialState State,
    [property: Id(3)] StageProgress? Progress,
    [property: Id(4)] ClusteringResult? Result,
    [property: Id(5)] string? Error,
    [property: Id(6)] int StagesComputed,
    [property: Id(7)] int StagesReused,
    [property: Id(8)] string? AutoencoderHash = null,
    [property: Id(9)] string? ClusteringHash = null,
    [property: Id(10)] IReadOnlyList<TrialEvent>? Events = null,
    [property: Id(11)] int EventsDropped = 0,
    [property: Id(12)] int Retries = 0,
    [property: Id(13)] IReadOnlyList<AutoencoderTraining>? Autoencoders = null)
{
    /// <summary>This status with <paramref name="line"/> appended to its log, the oldest lines let go past the bound.</summary>
    public TrialStatus WithEvent(TrialEvent line)
    {
        var events = Events ?? [];
        int drop = Math.Max(0, events.Count + 1 - TrialEvent.MaxPerTrial);
        // An array, not a collection expression: grain storage (JSON with type names) must be able to name the type it reads back.
        return this with { Events = events.Skip(drop).Append(line).ToArray(), EventsDropped = EventsDropped + drop };
    }
}

/// <summary>
/// One autoencoder stage of a trial's chain, as the trial met it: how many epochs it holds, how many it trained itself
/// and how many it continued from a shorter training of the same autoencoder (epoch-prefix reuse).
/// </summary>
/// <param name="Computed">True when this trial's request computed the stage; false when it was memoized or joined.</param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.autoencoder-training")]
public sealed record AutoencoderTraining(
    [property: Id(0)] string Hash,
    [property: Id(1)] string Label,
    [property: Id(2)] int Epochs,
    [property: Id(3)] int EpochsTrained,
    [property: Id(4)] int EpochsReused,
    [property: Id(5)] bool Computed,
    [property: Id(6)] double Seconds)
{
    /// <summary>The stage metric with the epochs it trained itself.</summary>
    public const string EpochsTrainedMetric = "epochs_trained";

    /// <summary>The stage metric with the epochs it took from a shorter training.</summary>
    public const string EpochsReusedMetric = "epochs_reused";

    /// <summary>
    /// A sweep's autoencoder stages, one each, from its trials' chains; a stage counts as computed when any of the
    /// sweep's trials computed it (else an earlier sweep did, and it trained nothing for this one).
    /// </summary>
    public static IReadOnlyList<AutoencoderTraining> Of(IEnumerable<TrialStatus> trials) =>
        trials.SelectMany(t => t.Autoencoders ?? [])
            .GroupBy(a => a.Hash, StringComparer.Ordinal)
            .Select(g => g.FirstOrDefault(a => a.Computed) ?? g.First())
            .OrderBy(a => a.Label, StringComparer.Ordinal)
            .ThenBy(a => a.Epochs)
            .ToArray();

    /// <summary>Epochs the sweep trained (computed stages only) and epochs it did not have to train: continued or memoized.</summary>
    public static (int Trained, int Reused) Totals(IReadOnlyList<AutoencoderTraining> stages)
    {
        int trained = stages.Where(a => a.Computed).Sum(a => a.EpochsTrained);
        return (trained, stages.Sum(a => a.Epochs) - trained);
    }
}

/// <summary>One point of an elbow curve, with the label-free quality measures of its trial (null when not known).</summary>
[GenerateSerializer, Immutable]
[Alias("grid.runs.elbow-point")]
public sealed record ElbowPoint(
    [property: Id(0)] int K,
    [property: Id(1)] double Inertia,
    [property: Id(2)] double? TrainError,
    [property: Id(3)] double? TestError,
    [property: Id(4)] double? Silhouette = null,
    [property: Id(5)] double? DaviesBouldin = null,
    [property: Id(6)] double? CalinskiHarabasz = null)
{
    /// <summary>The value of one quality measure, or null.</summary>
    public double? Quality(QualityMeasure measure) => QualityMeasures.Pick(measure, Silhouette, DaviesBouldin, CalinskiHarabasz);
}

/// <summary>Inertia and errors over k for one (dataset, representation, scaler, seed), with its knee.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.runs.elbow-curve")]
public sealed record ElbowCurve(
    [property: Id(0)] string Dataset,
    [property: Id(1)] string Representation,
    [property: Id(2)] string Scaler,
    [property: Id(3)] int Seed,
    [property: Id(4)] IReadOnlyList<ElbowPoint> Points,
    [property: Id(5)] int? KneeK);

/// <summary>How many stage computations a sweep caused, and how many it found already done.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.runs.stage-counts")]
public sealed record StageCounts(
    [property: Id(0)] int Computed,
    [property: Id(1)] int Reused);

/// <summary>Everything a watcher shows about a sweep. <paramref name="Version"/> grows with every change.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.runs.sweep-snapshot")]
public sealed record SweepSnapshot(
    [property: Id(0)] string SweepId,
    [property: Id(1)] string Name,
    [property: Id(2)] SweepState State,
    [property: Id(3)] IReadOnlyList<TrialStatus> Trials,
    [property: Id(4)] IReadOnlyList<ElbowCurve> Curves,
    [property: Id(5)] string? BestTrialId,
    [property: Id(6)] StageCounts Stages,
    [property: Id(7)] DateTimeOffset Submitted,
    [property: Id(8)] DateTimeOffset? Finished,
    [property: Id(9)] long Version,
    [property: Id(10)] IReadOnlyList<string>? Tags = null,
    [property: Id(11)] string? Note = null,
    [property: Id(12)] ObjectiveSpec? Objective = null,
    [property: Id(13)] StrategySpec? Strategy = null)
{
    public int Total => Trials.Count;

    /// <summary>For a successive-halving sweep, its arms by rung (scores, promoted, pruned); empty otherwise.</summary>
    public IReadOnlyList<AshaArm> Arms => Strategy is { Kind: StrategyKind.Asha } asha ? Asha.Arms(asha, Trials, RankedBy) : [];

    /// <summary>What <see cref="BestTrialId"/> was chosen by: the spec's objective, or for sweeps recorded before objectives the rule they followed.</summary>
    public ObjectiveSpec RankedBy => ObjectiveSpec.Resolve(Objective, Trials.Where(t => t.Result is not null).Select(t => t.Result!));

    public int Count(TrialState state) => Trials.Count(t => t.State == state);

    public bool IsFinished => State is SweepState.Completed or SweepState.Cancelled;
}

/// <summary>One line of <c>grid sweep list</c>.</summary>
/// <param name="Tags">The sweep's tags (<c>--tag</c>), or null when it has none.</param>
/// <param name="Note">The sweep's note (<c>--note</c>), or null.</param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.sweep-summary")]
public sealed record SweepSummary(
    [property: Id(0)] string SweepId,
    [property: Id(1)] string Name,
    [property: Id(2)] SweepState State,
    [property: Id(3)] int Trials,
    [property: Id(4)] int Succeeded,
    [property: Id(5)] int Failed,
    [property: Id(6)] DateTimeOffset Submitted,
    [property: Id(7)] IReadOnlyList<string>? Tags = null,
    [property: Id(8)] string? Note = null);

/// <summary>What <c>grid sweep delete</c> did.</summary>
/// <param name="Deleted">False when the sweep still runs and deleting it was not forced (nothing was removed).</param>
/// <param name="Trials">Trials whose records were removed.</param>
/// <param name="UnreferencedStages">
/// With artifacts: the hashes of this sweep's stages that no other sweep's trials use. Their memoized results are
/// forgotten (a later sweep computes them again), so their artifact folders may be deleted.
/// </param>
/// <param name="SharedStages">With artifacts: this sweep's stages that other sweeps use too, which stay.</param>
[GenerateSerializer, Immutable]
[Alias("grid.runs.sweep-deletion")]
public sealed record SweepDeletion(
    [property: Id(0)] bool Deleted,
    [property: Id(1)] int Trials,
    [property: Id(2)] IReadOnlyList<string> UnreferencedStages,
    [property: Id(3)] int SharedStages);
