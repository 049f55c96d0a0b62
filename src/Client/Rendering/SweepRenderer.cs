using System.Globalization;
using Grid.Abstractions.Runs;
using Grid.Compute.Evaluation;
using Grid.Core;
using Spectre.Console;

namespace Grid.Client.Rendering;

/// <summary>Console views of a sweep: live progress while it runs, and the results tables at the end.</summary>
public static class SweepRenderer
{
    /// <summary>
    /// Follows a stream of snapshots: one bar for the sweep, one per running trial (autoencoder
    /// epochs, k-means steps). Without an interactive terminal it prints a line per finished trial.
    /// Returns the last snapshot.
    /// </summary>
    public static async Task<SweepSnapshot?> WatchAsync(IAsyncEnumerable<SweepSnapshot> snapshots, IAnsiConsole console, CancellationToken cancellationToken)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return await WatchPlainAsync(snapshots, console, cancellationToken);
        }
        SweepSnapshot? last = null;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask? overall = null;
                var bars = new Dictionary<string, ProgressTask>();
                await foreach (var snapshot in snapshots.WithCancellation(cancellationToken))
                {
                    last = snapshot;
                    overall ??= context.AddTask(Markup.Escape($"sweep {snapshot.SweepId}"), maxValue: Math.Max(1, snapshot.Total));
                    int ended = snapshot.Trials.Count(t => t.State.IsEnded());
                    int waiting = snapshot.Count(TrialState.Pending) + snapshot.Count(TrialState.Queued);
                    overall.Value = ended;
                    overall.Description = Markup.Escape($"sweep {snapshot.SweepId} · {ended}/{snapshot.Total} done · " +
                        $"{snapshot.Count(TrialState.Running)} running · {waiting} waiting for a slot · {snapshot.Count(TrialState.Failed)} failed");
                    foreach (var trial in snapshot.Trials)
                    {
                        // A bar per trial whose stage computes on a slot; trials queued for one are counted above.
                        bool running = trial.State == TrialState.Running;
                        if (running && !bars.ContainsKey(trial.TrialId))
                        {
                            bars[trial.TrialId] = context.AddTask(Markup.Escape(trial.Spec.Key), maxValue: 1);
                        }
                        if (!bars.TryGetValue(trial.TrialId, out var bar))
                        {
                            continue;
                        }
                        if (!running)
                        {
                            bar.Value = bar.MaxValue;
                            bar.StopTask();
                            bars.Remove(trial.TrialId);
                            if (trial.State == TrialState.Failed)
                            {
                                console.MarkupLine($"[red]failed[/] {Markup.Escape(trial.Spec.Key)}: {Markup.Escape(trial.Error ?? "unknown reason")}");
                            }
                            continue;
                        }
                        if (trial.Progress is { } p && p.Total > 0)
                        {
                            bar.MaxValue = p.Total;
                            bar.Value = Math.Min(p.Done, p.Total);
                        }
                        bar.Description = Markup.Escape(Describe(trial));
                    }
                    if (snapshot.IsFinished)
                    {
                        overall.Value = overall.MaxValue;
                        break;
                    }
                }
            });
        return last;
    }

    private static async Task<SweepSnapshot?> WatchPlainAsync(IAsyncEnumerable<SweepSnapshot> snapshots, IAnsiConsole console, CancellationToken cancellationToken)
    {
        SweepSnapshot? last = null;
        var reported = new HashSet<string>();
        await foreach (var snapshot in snapshots.WithCancellation(cancellationToken))
        {
            last = snapshot;
            foreach (var trial in snapshot.Trials)
            {
                if (trial.State.IsEnded() && reported.Add(trial.TrialId))
                {
                    string detail = trial.State switch
                    {
                        TrialState.Succeeded or TrialState.Pruned => string.Create(CultureInfo.InvariantCulture,
                            $"{Errors(trial.Result!)}inertia {trial.Result!.Inertia:G4}, {QualityMeasures.Describe(trial.Result.Quality)}"),
                        TrialState.Failed => trial.Error ?? "unknown reason",
                        _ => "cancelled",
                    };
                    console.WriteLine($"[{reported.Count}/{snapshot.Total}] {SpecNames.Of(trial.State)} {trial.Spec.Key}: {detail}");
                }
            }
            if (snapshot.IsFinished)
            {
                break;
            }
        }
        return last;
    }

    /// <summary>"4 pruned, " when successive halving pruned trials; nothing otherwise.</summary>
    private static string Pruned(SweepSnapshot snapshot) =>
        snapshot.Count(TrialState.Pruned) is int pruned and > 0 ? $"{pruned} pruned, " : "";

    private static string Describe(TrialStatus trial)
    {
        if (trial.Progress is not { } p)
        {
            return $"{trial.Spec.Key} · starting on a slot";
        }
        string stage = p.Stage == Grid.Abstractions.Stages.StageKind.Autoencoder ? "autoencoder" : "k-means";
        string metric = p.Metric is double m ? string.Create(CultureInfo.InvariantCulture, $" · {(p.Stage == Grid.Abstractions.Stages.StageKind.Autoencoder ? "loss" : "inertia")} {m:G4}") : "";
        string position = p.Detail ?? $"{p.Unit} {p.Done}/{p.Total}";
        return $"{trial.Spec.Key} · {stage} {position}{metric} · {p.Silo}";
    }

    /// <summary>The results: a summary, one table per elbow curve with its knee, the best trial and failures.</summary>
    public static void WriteResults(SweepSnapshot snapshot, IAnsiConsole console)
    {
        console.MarkupLine($"[bold]Sweep {Markup.Escape(snapshot.SweepId)}[/] ({Markup.Escape(snapshot.Name)}): {SpecNames.Of(snapshot.State)} · " +
            $"{snapshot.Count(TrialState.Succeeded)} succeeded, {Pruned(snapshot)}{snapshot.Count(TrialState.Failed)} failed, {snapshot.Count(TrialState.Cancelled)} cancelled of {snapshot.Total}");
        foreach (var curve in snapshot.Curves)
        {
            var table = new Table()
                .Title(Markup.Escape($"{curve.Dataset} · {curve.Representation} · {curve.Scaler} · seed {curve.Seed}"))
                .AddColumns("k", "inertia", "train error", "test error")
                .AddColumns(QualityMeasures.All.Select(m => Markup.Escape(m.Title())).ToArray());
            foreach (var point in curve.Points)
            {
                string k = point.K == Kneedle.Shown(curve.KneeK, curve.Points.Count) ? $"[yellow]{point.K} ← knee[/]" : point.K.ToString(CultureInfo.InvariantCulture);
                table.AddRow([k, point.Inertia.ToString("G6", CultureInfo.InvariantCulture),
                    Error(point.TrainError), Error(point.TestError),
                    .. QualityMeasures.All.Select(m => m.Format(point.Quality(m)))]);
            }
            console.Write(table);
        }
        if (snapshot.Curves.Count > 0)
        {
            var knees = new Table().Title("Elbow knees (Kneedle on inertia)").AddColumns("dataset", "representation", "scaler", "seed", "knee k");
            foreach (var curve in snapshot.Curves)
            {
                knees.AddRow(Markup.Escape(curve.Dataset), Markup.Escape(curve.Representation), Markup.Escape(curve.Scaler),
                    curve.Seed.ToString(CultureInfo.InvariantCulture), Kneedle.Describe(curve.KneeK, curve.Points.Count) ?? "—");
            }
            console.Write(knees);
        }
        if (snapshot.Trials.FirstOrDefault(t => t.TrialId == snapshot.BestTrialId) is { Result: { } best } bestTrial)
        {
            string errors = best.TestError is null ? "" : string.Create(CultureInfo.InvariantCulture, $"test error {best.TestError:F4} (train {best.TrainError:F4}) · ");
            console.MarkupLine($"Best by {Markup.Escape(snapshot.RankedBy.Metric.Title())}: [green]{Markup.Escape(bestTrial.Spec.Key)}[/] {errors}{Markup.Escape(QualityMeasures.Describe(best.Quality))}");
        }
        console.MarkupLine($"Stages: {snapshot.Stages.Computed} computed, {snapshot.Stages.Reused} reused");
        var autoencoders = AutoencoderTraining.Of(snapshot.Trials);
        if (autoencoders.Count > 0)
        {
            var (trained, reused) = AutoencoderTraining.Totals(autoencoders);
            console.MarkupLine($"Autoencoders: {autoencoders.Count}, {trained} epochs trained, {reused} continued from shorter trainings or reused");
        }
        foreach (var failed in snapshot.Trials.Where(t => t.State == TrialState.Failed))
        {
            console.MarkupLine($"[red]failed[/] {Markup.Escape(failed.Spec.Key)}: {Markup.Escape(failed.Error ?? "unknown reason")}");
        }
    }

    /// <summary>One line per sweep for <c>grid sweep list</c>.</summary>
    public static void WriteList(IReadOnlyList<SweepSummary> sweeps, IAnsiConsole console)
    {
        var table = new Table().AddColumns("id", "name", "tags", "state", "trials", "succeeded", "failed", "submitted", "note");
        foreach (var s in sweeps)
        {
            table.AddRow(Markup.Escape(s.SweepId), Markup.Escape(s.Name), Markup.Escape(string.Join(",", s.Tags ?? [])), SpecNames.Of(s.State),
                s.Trials.ToString(CultureInfo.InvariantCulture), s.Succeeded.ToString(CultureInfo.InvariantCulture),
                s.Failed.ToString(CultureInfo.InvariantCulture), s.Submitted.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(s.Note ?? ""));
        }
        console.Write(table);
    }

    /// <summary>A classifier error with four decimals, or "—" for data without labels.</summary>
    public static string Error(double? value) => value?.ToString("F4", CultureInfo.InvariantCulture) ?? QualityMeasures.Missing;

    // "test error 0.1234, " for labelled results; nothing without labels.
    private static string Errors(ClusteringResult result) =>
        result.TestError is double test ? string.Create(CultureInfo.InvariantCulture, $"test error {test:F4}, ") : "";
}
