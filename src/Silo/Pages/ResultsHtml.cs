using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Evaluation;
using Grid.Core;

namespace Grid.Silo.Pages;

/// <summary>
/// The HTML of the results pages: the list of sweeps and a sweep's page (summary, best configurations, knees,
/// the results table and every figure). The same page serves live (figures drawn on request, updating while
/// trials finish) and as a written report (figures as files beside it). Everything that comes from a spec or a
/// run (names, ids, tags, notes, labels, errors, log lines, figure names and captions) is HTML-encoded, in text and in
/// attributes; nothing is loaded from outside the silo. Live pages carry no inline script, style or event handler (the
/// silo's Content-Security-Policy forbids them): they link <see cref="PageAssets"/>, and the script reads what to poll
/// from the page's <c>data-api</c> and <c>data-url</c>.
/// </summary>
public static class ResultsHtml
{
    /// <summary>How a page refers to its figures.</summary>
    /// <param name="Live">True: the silo's page, which polls for changes; false: a written report.</param>
    /// <param name="FigureUrl">The image URL of a figure.</param>
    /// <param name="Failures">Figures that could not be drawn (report only), by name, with the reason.</param>
    public sealed record PageMode(bool Live, Func<Figure, string> FigureUrl, IReadOnlyDictionary<string, string>? Failures = null);

    /// <summary>The list of sweeps with their progress, newest first; the live page refreshes itself.</summary>
    public static string SweepList(IReadOnlyList<SweepSnapshot> sweeps)
    {
        var html = new StringBuilder();
        Head(html, "Grid · sweeps", live: true);
        html.Append("<body data-page=\"sweeps\"").Append(LiveAttributes(ListApi, "/")).Append(" data-version=\"").Append(Encode(ListVersion(sweeps))).Append("\">\n");
        html.Append("<header><h1>Grid · sweeps</h1></header>\n<main id=\"content\">\n");
        if (sweeps.Count == 0)
        {
            html.Append("<p id=\"empty\">No sweeps yet. Submit one with <code>grid sweep submit SPEC</code>.</p>\n");
        }
        else
        {
            html.Append("<table id=\"sweeps\"><thead><tr><th>sweep</th><th>name</th><th>tags</th><th>state</th><th>progress</th><th>succeeded</th><th>failed</th><th>best</th><th>submitted</th></tr></thead><tbody>\n");
            foreach (var sweep in sweeps)
            {
                int ended = Ended(sweep);
                var best = sweep.Trials.FirstOrDefault(t => t.TrialId == sweep.BestTrialId)?.Result;
                html.Append("<tr data-sweep=\"").Append(Encode(sweep.SweepId)).Append("\">")
                    .Append("<td><a href=\"/sweeps/").Append(Encode(Uri.EscapeDataString(sweep.SweepId))).Append("\">").Append(Encode(sweep.SweepId)).Append("</a></td>")
                    .Append("<td>").Append(Encode(sweep.Name)).Append("</td>")
                    .Append("<td>").Append(TagList(sweep.Tags)).Append("</td>")
                    .Append("<td class=\"state ").Append(StateName(sweep.State)).Append("\">").Append(StateName(sweep.State)).Append("</td>")
                    .Append("<td>").Append(Progress(ended, sweep.Total)).Append("</td>")
                    .Append("<td>").Append(Int(sweep.Count(TrialState.Succeeded))).Append("</td>")
                    .Append("<td>").Append(Int(sweep.Count(TrialState.Failed))).Append("</td>")
                    .Append("<td>").Append(best is null ? Missing : Encode(sweep.RankedBy.Describe(best))).Append("</td>")
                    .Append("<td>").Append(Encode(sweep.Submitted.ToString("u", CultureInfo.InvariantCulture))).Append("</td></tr>\n");
            }
            html.Append("</tbody></table>\n");
        }
        html.Append("</main>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>A sweep's page: summary, best configurations, knees, every trial, and its figures.</summary>
    public static string SweepPage(SweepSnapshot snapshot, IReadOnlyList<Figure> figures, PageMode mode)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(mode);
        var html = new StringBuilder();
        Head(html, $"Grid · {snapshot.Name} ({snapshot.SweepId})", mode.Live);
        string escapedId = Uri.EscapeDataString(snapshot.SweepId);
        html.Append("<body data-page=\"sweep\" data-sweep=\"").Append(Encode(snapshot.SweepId)).Append('"')
            .Append(mode.Live ? LiveAttributes(ListApi + "/" + escapedId, "/sweeps/" + escapedId) : "")
            .Append(" data-version=\"").Append(snapshot.Version.ToString(CultureInfo.InvariantCulture))
            .Append("\" data-state=\"").Append(StateName(snapshot.State)).Append("\">\n<header>");
        if (mode.Live)
        {
            html.Append("<nav><a href=\"/\">all sweeps</a></nav>");
        }
        html.Append("<h1>").Append(Encode(snapshot.Name)).Append(" <small>").Append(Encode(snapshot.SweepId)).Append("</small></h1></header>\n");
        html.Append("<main id=\"content\">\n");
        Summary(html, snapshot, mode);
        Labels(html, snapshot);
        Best(html, snapshot);
        Knees(html, snapshot);
        Rungs(html, snapshot);
        Table(html, snapshot, figures);
        Figures(html, figures, mode);
        TrialFigures(html, snapshot, figures, mode);
        TrialLogs(html, snapshot);
        html.Append("</main>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>The JSON the list of sweeps polls; a sweep's page polls <c>{ListApi}/{id}</c>.</summary>
    public const string ListApi = "/api/sweeps";

    /// <summary>
    /// The page shown for a sweep id this cluster does not know (status 404).
    /// </summary>
    public static string NoSuchSweep(string id)
    {
        var html = new StringBuilder();
        Head(html, "Grid · no such sweep", live: true);
        html.Append("<body data-page=\"not-found\">\n<main><p>No sweep <code>").Append(Encode(id))
            .Append("</code> on this cluster. <a href=\"/\">All sweeps</a></p></main>\n</body></html>\n");
        return html.ToString();
    }

    /// <summary>The version of a list of sweeps: changes whenever one of them does.</summary>
    public static string ListVersion(IReadOnlyList<SweepSnapshot> sweeps) =>
        string.Join(",", sweeps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.SweepId}:{s.Version}")));

    /// <summary>Trials that ended (succeeded, pruned, failed or cancelled).</summary>
    public static int Ended(SweepSnapshot snapshot) => snapshot.Trials.Count(t => t.State.IsEnded());

    /// <summary>A state as the pages and the JSON endpoints name it.</summary>
    public static string StateName(SweepState state) => SpecNames.Of(state);

    private static void Summary(StringBuilder html, SweepSnapshot snapshot, PageMode mode)
    {
        int ended = Ended(snapshot);
        html.Append("<section id=\"summary\"><p>State: <strong id=\"state\">").Append(StateName(snapshot.State)).Append("</strong> · ")
            .Append("<span id=\"progress\">").Append(Int(ended)).Append(" of ").Append(Int(snapshot.Total)).Append(" trials ended</span> ")
            .Append(Progress(ended, snapshot.Total))
            .Append(" · ").Append(Int(snapshot.Count(TrialState.Succeeded))).Append(" succeeded, ")
            .Append(snapshot.Count(TrialState.Pruned) is int pruned and > 0 ? Int(pruned) + " pruned, " : "")
            .Append(Int(snapshot.Count(TrialState.Failed))).Append(" failed, ")
            .Append(Int(snapshot.Count(TrialState.Running))).Append(" running, ")
            .Append(Int(snapshot.Count(TrialState.Queued))).Append(" queued for a slot · stages: ")
            .Append(Int(snapshot.Stages.Computed)).Append(" computed, ").Append(Int(snapshot.Stages.Reused)).Append(" reused · submitted ")
            .Append(Encode(snapshot.Submitted.ToString("u", CultureInfo.InvariantCulture)));
        if (snapshot.Finished is { } finished)
        {
            html.Append(" · finished ").Append(Encode(finished.ToString("u", CultureInfo.InvariantCulture)));
        }
        html.Append("</p>");
        if (mode.Live && !snapshot.IsFinished)
        {
            html.Append("<p class=\"note\">This page updates itself as trials finish.</p>");
        }
        else if (!mode.Live && !snapshot.IsFinished)
        {
            html.Append("<p class=\"note\">The sweep was still running when this report was written: it shows the trials that had ended.</p>");
        }
        html.Append("</section>\n");
    }

    private static void Best(StringBuilder html, SweepSnapshot snapshot)
    {
        html.Append("<section id=\"best\"><h2>Best configurations</h2>\n");
        var best = BestConfigurations.Of(snapshot);
        if (best.Count == 0)
        {
            html.Append("<p>No trial has finished yet.</p></section>\n");
            return;
        }
        html.Append("<table id=\"best-table\"><thead><tr><th>what</th><th>trial</th><th>k</th><th>test error</th><th>train error</th>").Append(QualityHeaders()).Append("</tr></thead><tbody>\n");
        foreach (var row in best)
        {
            BestRow(html, row.What, row.Trial, row.Result, overall: row.Kind == BestKind.Overall);
        }
        html.Append("</tbody></table></section>\n");
    }

    private static void BestRow(StringBuilder html, string what, TrialStatus trial, ClusteringResult result, bool overall)
    {
        html.Append(overall ? "<tr class=\"best\">" : "<tr>")
            .Append("<td>").Append(Encode(what)).Append("</td><td>").Append(Encode(trial.Spec.Key)).Append("</td><td>")
            .Append(Int(trial.Spec.K)).Append("</td><td>").Append(Percent(result.TestError)).Append("</td><td>")
            .Append(Percent(result.TrainError)).Append("</td>").Append(QualityCells(result)).Append("</tr>\n");
    }

    /// <summary>A header cell per label-free quality measure, its direction in the tooltip.</summary>
    private static string QualityHeaders() =>
        string.Concat(QualityMeasures.All.Select(m => "<th title=\"" + Encode(m.Described() + ", on the test rows") + "\">" + Encode(m.Title()) + "</th>"));

    /// <summary>A cell per quality measure of <paramref name="result"/> (<see cref="QualityMeasures.Missing"/> where it has none).</summary>
    private static string QualityCells(ClusteringResult? result) =>
        string.Concat(QualityMeasures.All.Select(m => "<td class=\"quality\" data-measure=\"" + Encode(SpecNames.Of(m)) + "\">" + Encode(m.Format(result?.Quality(m))) + "</td>"));

    private static void Knees(StringBuilder html, SweepSnapshot snapshot)
    {
        html.Append("<section id=\"knees\"><h2>Knees</h2>\n");
        if (snapshot.Curves.Count == 0)
        {
            html.Append("<p>No elbow curve yet.</p></section>\n");
            return;
        }
        html.Append("<table id=\"knees-table\"><thead><tr><th>dataset</th><th>representation</th><th>scaler</th><th>seed</th><th>points</th><th>knee k</th><th>test error at the knee</th></tr></thead><tbody>\n");
        foreach (var curve in snapshot.Curves)
        {
            int? knee = Kneedle.Shown(curve.KneeK, curve.Points.Count);
            var atKnee = curve.Points.FirstOrDefault(p => p.K == knee);
            html.Append("<tr><td>").Append(Encode(curve.Dataset)).Append("</td><td>").Append(Encode(curve.Representation))
                .Append("</td><td>").Append(Encode(curve.Scaler)).Append("</td><td>").Append(Int(curve.Seed))
                .Append("</td><td>").Append(Int(curve.Points.Count)).Append("</td><td class=\"knee\">")
                .Append(Encode(Kneedle.Describe(curve.KneeK, curve.Points.Count) ?? Missing)).Append("</td><td>")
                .Append(atKnee is null ? Missing : Percent(atKnee.TestError)).Append("</td></tr>\n");
        }
        html.Append("</tbody></table></section>\n");
    }

    /// <summary>Successive halving's arms: each one's score (the best objective over its trials) at every rung it reached, and what became of it.</summary>
    private static void Rungs(StringBuilder html, SweepSnapshot snapshot)
    {
        var arms = snapshot.Arms;
        if (arms.Count == 0)
        {
            return;
        }
        var rungs = snapshot.Strategy!.Rungs;
        html.Append("<section id=\"rungs\"><h2>Successive halving</h2>\n<p>Each arm's best ").Append(Encode(snapshot.RankedBy.ToString()))
            .Append(" at each rung (epochs) it reached; the top 1/").Append(Int(snapshot.Strategy.Reduction))
            .Append(" of the arms that completed a rung go on to the next.</p>\n<table id=\"rungs-table\"><thead><tr><th>dataset</th><th>arm</th>");
        foreach (int epochs in rungs)
        {
            html.Append("<th>").Append(Int(epochs)).Append(" epochs</th>");
        }
        html.Append("<th>outcome</th></tr></thead><tbody>\n");
        foreach (var arm in arms.OrderBy(a => a.Dataset, StringComparer.Ordinal).ThenByDescending(a => a.Rungs.Count).ThenBy(a => a.Label, StringComparer.Ordinal))
        {
            string outcome = arm.State switch
            {
                AshaArmState.Finished => "finished",
                AshaArmState.Pruned => "pruned",
                _ => "running",
            };
            html.Append("<tr class=\"arm ").Append(outcome).Append("\"><td>").Append(Encode(arm.Dataset)).Append("</td><td>").Append(Encode(arm.Label)).Append("</td>");
            foreach (int epochs in rungs)
            {
                var rung = arm.Rungs.FirstOrDefault(r => r.Epochs == epochs);
                html.Append("<td>").Append(rung switch
                {
                    null => "",
                    { Complete: false } => "running",
                    { Score: double score } => Encode(snapshot.RankedBy.Metric.Format(score)),
                    _ => Missing,
                }).Append("</td>");
            }
            html.Append("<td>").Append(outcome).Append("</td></tr>\n");
        }
        html.Append("</tbody></table></section>\n");
    }

    private static void Table(StringBuilder html, SweepSnapshot snapshot, IReadOnlyList<Figure> figures)
    {
        var withFigures = figures.Where(f => f.TrialId is not null).Select(f => f.TrialId!).ToHashSet(StringComparer.Ordinal);
        html.Append("<section id=\"results\"><h2>Results</h2>\n")
            .Append("<table id=\"results-table\"><thead><tr><th>#</th><th>dataset</th><th>representation</th><th>scaler</th><th>seed</th><th>k</th><th>state</th>")
            .Append("<th>train error</th><th>test error</th><th>inertia</th>").Append(QualityHeaders())
            .Append("<th>clusters above 40 %</th><th>fit (s)</th><th>stages computed / reused</th><th>note</th></tr></thead><tbody>\n");
        for (int i = 0; i < snapshot.Trials.Count; i++)
        {
            var trial = snapshot.Trials[i];
            var spec = trial.Spec;
            var result = trial.Result;
            string state = SpecNames.Of(trial.State);
            html.Append("<tr class=\"trial ").Append(state).Append(trial.TrialId == snapshot.BestTrialId ? " best" : "")
                .Append("\" data-trial=\"").Append(Encode(trial.TrialId)).Append("\"><td>");
            if (withFigures.Contains(trial.TrialId))
            {
                html.Append("<a href=\"#").Append(Encode(ResultFigures.TrialSlug(i, spec))).Append("\">").Append(Int(ResultFigures.TrialNumber(i))).Append("</a>");
            }
            else
            {
                html.Append(Int(ResultFigures.TrialNumber(i)));
            }
            html.Append("</td><td>").Append(Encode(spec.Dataset)).Append("</td><td>").Append(Encode(spec.Representation.Label))
                .Append("</td><td>").Append(Encode(SpecNames.Of(spec.Scaler))).Append("</td><td>").Append(Int(spec.Seed))
                .Append("</td><td>").Append(Int(spec.K)).Append("</td><td class=\"state ").Append(state).Append("\">").Append(state)
                .Append("</td><td>").Append(result is null ? Missing : Percent(result.TrainError))
                .Append("</td><td>").Append(result is null ? Missing : Percent(result.TestError))
                .Append("</td><td>").Append(result is null ? Missing : Encode(result.Inertia.ToString("G6", CultureInfo.InvariantCulture)))
                .Append("</td>").Append(QualityCells(result))
                .Append("<td>").Append(result is null ? Missing : Int(result.FlaggedClusters))
                .Append("</td><td>").Append(result is null ? Missing : Encode(result.FitSeconds.ToString("0.0", CultureInfo.InvariantCulture)))
                .Append("</td><td>").Append(Int(trial.StagesComputed)).Append(" / ").Append(Int(trial.StagesReused))
                .Append("</td><td>").Append(Encode(trial.Error ?? trial.Progress?.Detail ?? "")).Append("</td></tr>\n");
        }
        html.Append("</tbody></table></section>\n");
    }

    private static void Figures(StringBuilder html, IReadOnlyList<Figure> figures, PageMode mode)
    {
        html.Append("<section id=\"figures\"><h2>Figures</h2>\n");
        var sweepWide = figures.Where(f => f.TrialId is null).ToList();
        if (sweepWide.Count == 0)
        {
            html.Append("<p>No figures yet: they appear as trials finish.</p>\n");
        }
        foreach (var section in sweepWide.GroupBy(f => f.Section))
        {
            html.Append("<h3>").Append(Encode(section.Key)).Append("</h3>\n<div class=\"figures\">\n");
            foreach (var figure in section)
            {
                FigureHtml(html, figure, mode, lazy: false);
            }
            html.Append("</div>\n");
        }
        html.Append("</section>\n");
    }

    private static void TrialFigures(StringBuilder html, SweepSnapshot snapshot, IReadOnlyList<Figure> figures, PageMode mode)
    {
        var byTrial = figures.Where(f => f.TrialId is not null).ToLookup(f => f.TrialId!, StringComparer.Ordinal);
        if (byTrial.Count == 0)
        {
            return;
        }
        html.Append("<section id=\"trials\"><h2>Per trial: confusion matrices and per-cluster errors</h2>\n");
        for (int i = 0; i < snapshot.Trials.Count; i++)
        {
            var trial = snapshot.Trials[i];
            if (!byTrial.Contains(trial.TrialId))
            {
                continue;
            }
            bool best = trial.TrialId == snapshot.BestTrialId;
            html.Append("<details id=\"").Append(Encode(ResultFigures.TrialSlug(i, trial.Spec))).Append('"').Append(best ? " open" : "").Append("><summary>")
                .Append(Int(ResultFigures.TrialNumber(i))).Append(". ").Append(Encode(trial.Spec.Key));
            if (trial.Result is { } result)
            {
                html.Append(" — test error ").Append(Percent(result.TestError));
            }
            if (best)
            {
                html.Append(" (best)");
            }
            html.Append("</summary>\n<div class=\"figures\">\n");
            foreach (var figure in byTrial[trial.TrialId])
            {
                // Closed sections load their images only when opened.
                FigureHtml(html, figure, mode, lazy: !best);
            }
            html.Append("</div></details>\n");
        }
        html.Append("</section>\n");
    }

    internal static void FigureHtml(StringBuilder html, Figure figure, PageMode mode, bool lazy)
    {
        html.Append("<figure data-figure=\"").Append(Encode(figure.Name)).Append("\">");
        if (mode.Failures is { } failures && failures.TryGetValue(figure.Name, out string? reason))
        {
            html.Append("<p class=\"missing\">could not draw ").Append(Encode(figure.Name)).Append(": ").Append(Encode(reason)).Append("</p>");
        }
        else
        {
            string url = mode.FigureUrl(figure);
            html.Append("<a href=\"").Append(Encode(url)).Append("\"><img src=\"").Append(Encode(url)).Append("\" width=\"")
                .Append(figure.Width.ToString(CultureInfo.InvariantCulture)).Append("\" height=\"").Append(figure.Height.ToString(CultureInfo.InvariantCulture))
                .Append("\" alt=\"").Append(Encode(figure.Caption)).Append('"').Append(lazy ? " loading=\"lazy\"" : "").Append("></a>");
        }
        html.Append("<figcaption>").Append(Encode(figure.Caption)).Append("</figcaption></figure>\n");
    }

    /// <summary>A sweep's tags and note (<c>--tag</c>, <c>--note</c>), when it has any.</summary>
    private static void Labels(StringBuilder html, SweepSnapshot snapshot)
    {
        if (snapshot.Tags is not { Count: > 0 } && string.IsNullOrEmpty(snapshot.Note))
        {
            return;
        }
        html.Append("<section id=\"labels\"><p>");
        if (snapshot.Tags is { Count: > 0 } tags)
        {
            html.Append("Tags: <span id=\"tags\">").Append(TagList(tags)).Append("</span>");
        }
        if (!string.IsNullOrEmpty(snapshot.Note))
        {
            html.Append(snapshot.Tags is { Count: > 0 } ? " · " : "").Append("Note: <span id=\"note\">").Append(Encode(snapshot.Note)).Append("</span>");
        }
        html.Append("</p></section>\n");
    }

    /// <summary>Tags as badges; empty when there are none.</summary>
    internal static string TagList(IReadOnlyList<string>? tags) =>
        tags is null ? "" : string.Concat(tags.Select(t => "<span class=\"tag\">" + Encode(t) + "</span>"));

    /// <summary>
    /// Each trial's log: stage attempts, errors with their reasons, silo losses, reuse and the outcome. Failed
    /// trials' logs are open; the others fold.
    /// </summary>
    private static void TrialLogs(StringBuilder html, SweepSnapshot snapshot)
    {
        if (!snapshot.Trials.Any(t => t.Events is { Count: > 0 }))
        {
            return;
        }
        html.Append("<section id=\"trial-logs\"><h2>Trial logs</h2>\n");
        for (int i = 0; i < snapshot.Trials.Count; i++)
        {
            var trial = snapshot.Trials[i];
            if (trial.Events is not { Count: > 0 } events)
            {
                continue;
            }
            string state = SpecNames.Of(trial.State);
            html.Append("<details class=\"log\" id=\"log-").Append(Encode(ResultFigures.TrialSlug(i, trial.Spec))).Append("\" data-trial=\"").Append(Encode(trial.TrialId)).Append('"')
                .Append(trial.State == TrialState.Failed ? " open" : "").Append("><summary>")
                .Append(Int(i + 1)).Append(". ").Append(Encode(trial.Spec.Key)).Append(" — <span class=\"state ").Append(state).Append("\">").Append(state).Append("</span> · ")
                .Append(Int(events.Count)).Append(events.Count == 1 ? " line" : " lines");
            if (trial.Retries > 0)
            {
                html.Append(" · retried ").Append(Int(trial.Retries)).Append(trial.Retries == 1 ? " time" : " times");
            }
            html.Append("</summary>\n");
            if (trial.EventsDropped > 0)
            {
                html.Append("<p class=\"note\">").Append(Int(trial.EventsDropped)).Append(" earlier lines were not kept.</p>\n");
            }
            html.Append("<table class=\"log\"><thead><tr><th>time (UTC)</th><th>stage</th><th>attempt</th><th>silo</th><th>event</th><th>detail</th></tr></thead><tbody>\n");
            foreach (var line in events)
            {
                string kind = SpecNames.Of(line.Kind);
                html.Append("<tr class=\"").Append(kind).Append("\"><td>").Append(Encode(line.Time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))
                    .Append("</td><td>").Append(line.Stage is { } stage ? Encode(SpecNames.Of(stage) + " " + TrialEvent.ShortHash(line.StageHash)) : "")
                    .Append("</td><td>").Append(line.Attempt > 0 ? Int(line.Attempt) : "")
                    .Append("</td><td>").Append(Encode(line.Silo))
                    .Append("</td><td>").Append(kind)
                    .Append("</td><td>").Append(Encode(line.Detail)).Append("</td></tr>\n");
            }
            html.Append("</tbody></table></details>\n");
        }
        html.Append("</section>\n");
    }

    /// <summary>
    /// The document's head: charset, viewport, the (encoded) title. A live page (<paramref name="live"/>: served by the silo,
    /// under its Content-Security-Policy) links the stylesheet and the update script from <see cref="PageAssets"/>; the
    /// script acts only on a page whose body has <c>data-api</c> (see <see cref="LiveAttributes"/>), so any page of the silo
    /// may use this head. A written report, opened from disk without a server, carries the same style inline and no script.
    /// </summary>
    internal static void Head(StringBuilder html, string title, bool live)
    {
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            // No favicon request (a 404 would be a console error on every page).
            .Append("<link rel=\"icon\" href=\"data:,\">")
            .Append("<title>").Append(Encode(title)).Append("</title>\n");
        if (live)
        {
            html.Append("<meta name=\"generator\" content=\"grid silo\">")
                .Append("<link rel=\"stylesheet\" href=\"").Append(Encode(PageAssets.Stylesheet.Url)).Append("\">")
                // Deferred: it runs once the body (and its data- attributes) is parsed.
                .Append("<script src=\"").Append(Encode(PageAssets.LiveScript.Url)).Append("\" defer></script>");
        }
        else
        {
            html.Append("<style>").Append(PageAssets.Stylesheet.Text).Append("</style>");
        }
        html.Append("</head>\n");
    }

    /// <summary>
    /// The body attributes that make a live page update itself: <c>data-api</c>, the JSON it polls (its <c>version</c> and
    /// <c>finished</c>), and <c>data-url</c>, the page fetched again when the version changes.
    /// </summary>
    internal static string LiveAttributes(string api, string url) =>
        " data-api=\"" + Encode(api) + "\" data-url=\"" + Encode(url) + "\"";

    private static string Progress(int done, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"<progress value=\"{done}\" max=\"{Math.Max(1, total)}\">{done}/{total}</progress>");

    /// <summary>What a cell shows for a value that is missing: the console's and the quality measures' dash.</summary>
    internal const string Missing = QualityMeasures.Missing;

    internal static string Percent(double? share) => share is double value ? Encode((value * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %") : Missing;

    internal static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>The first 12 hex digits of the SHA-256 of <paramref name="text"/>: a URL parameter that changes when the text does.</summary>
    internal static string ShortDigest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
