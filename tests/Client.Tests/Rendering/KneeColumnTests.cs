using Grid.Abstractions.Runs;
using Grid.Client.Rendering;

namespace Grid.Client.Tests.Rendering;

/// <summary>The console's results say what the pages and figures say about knees of too few points.</summary>
public sealed class KneeColumnTests
{
    private static ElbowCurve Curve(string scaler, int[] ks, int knee) =>
        new("mnist", "raw", scaler, 0, ks.Select(k => new ElbowPoint(k, 1000.0 / k, 0.5 / k, 0.6 / k)).ToList(), knee);

    [Fact]
    public void A_knee_of_fewer_than_five_k_values_reads_too_few_points_and_is_not_marked()
    {
        var snapshot = new SweepSnapshot("s-1", "knees", SweepState.Completed, [],
            [Curve("none", [5, 10, 20], 10), Curve("l2", [5, 10, 20, 40, 80], 20)], null, new StageCounts(0, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1);
        var (console, output) = PlainConsole.Create();

        SweepRenderer.WriteResults(snapshot, console);

        string text = output.ToString();
        var knees = text[text.IndexOf("Elbow knees", StringComparison.Ordinal)..].Split('\n');
        Assert.Contains(knees, l => l.Contains("none", StringComparison.Ordinal) && l.Contains("too few points (3 < 5)", StringComparison.Ordinal));
        Assert.Contains(knees, l => l.Contains("l2", StringComparison.Ordinal) && l.Contains(" 20 ", StringComparison.Ordinal));
        // Only the five-point curve marks its knee in its own table.
        Assert.Single(text.Split('\n'), l => l.Contains("← knee", StringComparison.Ordinal));
        Assert.Contains(text.Split('\n'), l => l.Contains("20 ← knee", StringComparison.Ordinal));
    }
}
