using System.Text.Json.Nodes;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Client.Rendering;
using Grid.Core;

namespace Grid.Client.Tests.Rendering;

/// <summary>The label-free quality measures in the console's output: <c>--json</c> keys, the results tables, the best line.</summary>
public sealed class QualityOutputTests
{
    private static TrialStatus Trial(int k, bool measured)
    {
        var spec = new TrialSpec("mnist", new SplitSpec(1000, 200), RepresentationSpec.Raw, ScalerKind.L2, k, 0, KMeansSettings.MiniBatchDefaults);
        var result = new ClusteringResult(0.4 / k, 0.5 / k, 1000.0 / k, 5, 0.1, 2, [1, 0, 0, 1], 0);
        if (measured)
        {
            result = result with { Silhouette = 0.125, DaviesBouldin = 1.75, CalinskiHarabasz = 321.5 };
        }
        return new TrialStatus($"s/{k}", spec, TrialState.Succeeded, null, result, null, 1, 0);
    }

    private static SweepSnapshot Snapshot()
    {
        TrialStatus[] trials = [Trial(5, measured: true), Trial(10, measured: false)];
        var curve = new ElbowCurve("mnist", "raw", "l2", 0,
            [new ElbowPoint(5, 200, 0.08, 0.1, 0.125, 1.75, 321.5), new ElbowPoint(10, 100, 0.04, 0.05)], null);
        return new SweepSnapshot("s", "quality", SweepState.Completed, trials, [curve], "s/10", new StageCounts(2, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 3);
    }

    [Fact]
    public void Json_trials_and_curve_points_carry_the_measures_by_name_and_null_where_missing()
    {
        var json = JsonNode.Parse(SweepJson.Serialize(Snapshot()))!;

        var measured = json["trials"]![0]!;
        Assert.Equal(0.125, measured["silhouette"]!.GetValue<double>());
        Assert.Equal(1.75, measured["davies_bouldin"]!.GetValue<double>());
        Assert.Equal(321.5, measured["calinski_harabasz"]!.GetValue<double>());
        var older = json["trials"]![1]!.AsObject();
        Assert.All(["silhouette", "davies_bouldin", "calinski_harabasz"], key =>
        {
            Assert.True(older.ContainsKey(key), key);
            Assert.Null(older[key]);
        });
        // Recorded without an objective: ranked, as then, by test error; the best value is the best trial's.
        Assert.Equal("test_error", json["objective"]!["metric"]!.GetValue<string>());
        Assert.Equal("minimize", json["objective"]!["goal"]!.GetValue<string>());
        Assert.Equal(json["trials"]!.AsArray().Single(t => t!["id"]!.GetValue<string>() == json["best_trial"]!.GetValue<string>())!["test_error"]!.GetValue<double>(),
            json["best_value"]!.GetValue<double>());
        var points = json["elbow_curves"]![0]!["points"]!.AsArray();
        Assert.Equal(0.125, points[0]!["silhouette"]!.GetValue<double>());
        Assert.Null(points[1]!["calinski_harabasz"]);
    }

    [Fact]
    public void The_results_table_has_a_column_per_measure_with_a_dash_where_missing_and_the_best_line_names_them()
    {
        var (console, output) = PlainConsole.Create();

        SweepRenderer.WriteResults(Snapshot(), console);

        var lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("silhouette", StringComparison.Ordinal) && l.Contains("Davies–Bouldin", StringComparison.Ordinal)
            && l.Contains("Calinski–Harabasz", StringComparison.Ordinal) && l.Contains("test error", StringComparison.Ordinal));
        var five = Assert.Single(lines, l => l.Contains(" 5 ", StringComparison.Ordinal) && l.Contains("200", StringComparison.Ordinal));
        Assert.Contains("0.1250", five);
        Assert.Contains("1.7500", five);
        Assert.Contains("321.5", five);
        var ten = Assert.Single(lines, l => l.Contains(" 10 ", StringComparison.Ordinal) && l.Contains("100", StringComparison.Ordinal));
        Assert.Equal(3, ten.Split('—').Length - 1);
        var best = Assert.Single(lines, l => l.StartsWith("Best by test error:", StringComparison.Ordinal));
        Assert.Contains("silhouette —, Davies–Bouldin —, Calinski–Harabasz —", best);
    }
}
