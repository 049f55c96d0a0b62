using System.Globalization;
using System.Text;
using Grid.Abstractions.Runs;
using Grid.Compute.Plots;

namespace Grid.Silo.Pages;

/// <summary>
/// Several sweeps side by side (<c>grid sweep compare</c>): each sweep's best configurations, and the elbow and
/// test-error curves of all of them on one chart, each curve named by its sweep.
/// </summary>
public static class SweepComparison
{
    /// <summary>Section of the comparison's figures.</summary>
    public const string Section = "Curves of every sweep";

    /// <summary>A curve's name on a comparison chart: its sweep's id, then the curve.</summary>
    public static string CurveLabel(SweepSnapshot sweep, ElbowCurve curve) => $"{sweep.SweepId} · {ResultFigures.CurveLabel(curve)}";

    /// <summary>The comparison's figures: every sweep's elbow curves on one chart, and their test error over k.</summary>
    public static IReadOnlyList<Figure> Figures(IReadOnlyList<SweepSnapshot> sweeps)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        var curves = sweeps
            .SelectMany(s => s.Curves.Where(c => c.Points.Count > 0).Select(c => ResultFigures.ToElbowData(c) with { Label = CurveLabel(s, c) }))
            .ToList();
        if (curves.Count == 0)
        {
            return [];
        }
        string key = string.Join(",", sweeps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.SweepId}/v{s.Version}")));
        string names = string.Join(" vs ", sweeps.Select(s => s.Name));
        return
        [
            new Figure("compare-elbow.png", Section, "Elbow curves of every sweep on one chart (inertia relative to each curve's smallest k)",
                PlotDefaults.Width, PlotDefaults.Height, key + "/compare-elbow", null, _ => ResultCharts.ElbowComparison(curves, $"Elbow curves: {names}")),
            new Figure("compare-test-error.png", Section, "Test error over k, every curve of every sweep",
                PlotDefaults.Width, PlotDefaults.Height, key + "/compare-test-error", null, _ => ResultCharts.TestErrorOverK(curves, $"Test error over k: {names}")),
        ];
    }

    /// <summary>The comparison page: the sweeps, their best configurations side by side, and the figures.</summary>
    public static string Page(IReadOnlyList<SweepSnapshot> sweeps, IReadOnlyList<Figure> figures, ResultsHtml.PageMode mode)
    {
        ArgumentNullException.ThrowIfNull(sweeps);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(mode);
        var html = new StringBuilder();
        string title = "Grid · compare " + string.Join(", ", sweeps.Select(s => s.SweepId));
        ResultsHtml.Head(html, title, live: false);
        html.Append("<body data-page=\"compare\">\n<header><h1>Comparison of ").Append(ResultsHtml.Int(sweeps.Count)).Append(" sweeps</h1></header>\n<main id=\"content\">\n");

        html.Append("<section id=\"sweeps\"><h2>Sweeps</h2>\n<table id=\"sweeps-table\"><thead><tr><th>sweep</th><th>name</th><th>tags</th><th>note</th><th>state</th>")
            .Append("<th>trials</th><th>succeeded</th><th>failed</th><th>best</th></tr></thead><tbody>\n");
        foreach (var sweep in sweeps)
        {
            var best = sweep.Trials.FirstOrDefault(t => t.TrialId == sweep.BestTrialId)?.Result;
            html.Append("<tr data-sweep=\"").Append(ResultsHtml.Encode(sweep.SweepId)).Append("\"><td>").Append(ResultsHtml.Encode(sweep.SweepId))
                .Append("</td><td>").Append(ResultsHtml.Encode(sweep.Name))
                .Append("</td><td>").Append(ResultsHtml.TagList(sweep.Tags))
                .Append("</td><td>").Append(ResultsHtml.Encode(sweep.Note))
                .Append("</td><td class=\"state ").Append(ResultsHtml.StateName(sweep.State)).Append("\">").Append(ResultsHtml.StateName(sweep.State))
                .Append("</td><td>").Append(ResultsHtml.Int(sweep.Total))
                .Append("</td><td>").Append(ResultsHtml.Int(sweep.Count(TrialState.Succeeded)))
                .Append("</td><td>").Append(ResultsHtml.Int(sweep.Count(TrialState.Failed)))
                .Append("</td><td>").Append(best is null ? ResultsHtml.Missing : ResultsHtml.Encode(sweep.RankedBy.Describe(best))).Append("</td></tr>\n");
        }
        html.Append("</tbody></table></section>\n");

        html.Append("<section id=\"best\"><h2>Best configurations</h2>\n<table id=\"best-table\"><thead><tr><th>sweep</th><th>what</th><th>#</th><th>trial</th>")
            .Append("<th>k</th><th>test error</th><th>train error</th></tr></thead><tbody>\n");
        foreach (var sweep in sweeps)
        {
            var rows = BestConfigurations.Of(sweep);
            if (rows.Count == 0)
            {
                html.Append("<tr data-sweep=\"").Append(ResultsHtml.Encode(sweep.SweepId)).Append("\"><td>").Append(ResultsHtml.Encode(sweep.SweepId))
                    .Append("</td><td colspan=\"6\">no trial has succeeded</td></tr>\n");
            }
            foreach (var row in rows)
            {
                html.Append(row.Kind == BestKind.Overall ? "<tr class=\"best\"" : "<tr").Append(" data-sweep=\"").Append(ResultsHtml.Encode(sweep.SweepId))
                    .Append("\" data-trial=\"").Append(ResultsHtml.Encode(row.Trial.TrialId)).Append("\"><td>").Append(ResultsHtml.Encode(sweep.SweepId))
                    .Append("</td><td>").Append(ResultsHtml.Encode(row.What))
                    .Append("</td><td>").Append(ResultsHtml.Int(row.Number))
                    .Append("</td><td>").Append(ResultsHtml.Encode(row.Trial.Spec.Key))
                    .Append("</td><td>").Append(ResultsHtml.Int(row.Trial.Spec.K))
                    .Append("</td><td>").Append(ResultsHtml.Percent(row.Result.TestError))
                    .Append("</td><td>").Append(ResultsHtml.Percent(row.Result.TrainError)).Append("</td></tr>\n");
            }
        }
        html.Append("</tbody></table></section>\n");

        html.Append("<section id=\"figures\"><h2>").Append(ResultsHtml.Encode(Section)).Append("</h2>\n");
        if (figures.Count == 0)
        {
            html.Append("<p>No elbow curve yet in any of these sweeps.</p>\n");
        }
        html.Append("<div class=\"figures\">\n");
        foreach (var figure in figures)
        {
            ResultsHtml.FigureHtml(html, figure, mode, lazy: false);
        }
        html.Append("</div></section>\n</main>\n</body></html>\n");
        return html.ToString();
    }
}
