using System.Buffers.Binary;
using Grid.Compute.Plots;
using Grid.Core;
using SkiaSharp;

namespace Grid.Compute.Tests.Plots;

/// <summary>Figures are valid PNGs of the size asked for, and what they draw is the data they were given.</summary>
public sealed class PlotTests
{
    private static readonly ElbowData Curve = new(
        "mnist · raw · none · seed 0",
        [10, 25, 50, 100, 200],
        [1000.0, 600.0, 450.0, 400.0, 380.0],
        [0.30, 0.20, 0.15, 0.12, 0.11],
        [0.32, 0.22, 0.16, 0.13, 0.12],
        25);

    private static readonly ElbowData Codes = new(
        "mnist · ae-z16-bce-e3 · l2 · seed 0",
        [10, 25, 50, 100, 200],
        [8.0, 5.0, 3.0, 2.5, 2.0],
        [0.20, 0.10, 0.08, 0.07, 0.06],
        [0.21, 0.11, 0.09, 0.08, 0.07],
        50);

    /// <summary><see cref="Curve"/> with a silhouette at every k but 50 (missing there).</summary>
    private static readonly ElbowData WithSilhouette = Curve with
    {
        Quality = new Dictionary<QualityMeasure, IReadOnlyList<double?>> { [QualityMeasure.Silhouette] = [0.05, 0.09, null, 0.07, 0.06] },
    };

    /// <summary>Three k values: Kneedle's answer is always the middle one, which means nothing.</summary>
    private static readonly ElbowData Three = new("mnist · raw · l2 · seed 0", [5, 10, 20], [90.0, 60.0, 45.0], [0.3, 0.2, 0.15], [0.31, 0.21, 0.16], 10);

    /// <summary>Width and height from a PNG's signature and IHDR chunk; fails when the bytes are not a PNG.</summary>
    public static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.Length > 33, $"{png.Length} bytes cannot be a PNG");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        // And a decoder reads the whole image.
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        int height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        return (width, height);
    }

    public static TheoryData<string> ChartKinds() => new("elbow", "comparison", "test-error", "quality", "confusion", "confusion-percent", "histogram", "classes", "latent", "reconstructions");

    private static Chart Make(string kind) => kind switch
    {
        "elbow" => ResultCharts.Elbow(Curve),
        "comparison" => ResultCharts.ElbowComparison([Curve, Codes]),
        "test-error" => ResultCharts.TestErrorOverK([Curve, Codes]),
        "quality" => ResultCharts.QualityOverK([WithSilhouette, Codes], QualityMeasure.Silhouette),
        "confusion" => ResultCharts.ConfusionCounts([5, 1, 0, 2, 7, 1, 0, 0, 9], 3, "counts"),
        "confusion-percent" => ResultCharts.ConfusionRowPercent([5, 1, 0, 2, 7, 1, 0, 0, 9], 3, "percent"),
        "histogram" => ResultCharts.ClusterErrorHistogram([0.0, 0.1, 0.45, 0.9], 0.4, "errors"),
        "classes" => ResultCharts.ClassDistribution([10, 20, 30], [1, 2, 3], "classes"),
        "latent" => ResultCharts.LatentScatter([0f, 0f, 1f, 1f, 2f, 0.5f], [0, 1, 1], "latent", "z1", "z2"),
        "reconstructions" => ResultCharts.Reconstructions([Square(1f), Square(0.5f)], [Square(0.9f), Square(0.4f)], ["3", "7"], 28, 28, "reconstructions"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static float[] Square(float value) => Enumerable.Repeat(value, 28 * 28).ToArray();

    [Theory]
    [MemberData(nameof(ChartKinds))]
    public void Every_figure_is_a_valid_png_of_the_requested_size(string kind)
    {
        var chart = Make(kind);

        Assert.Equal((640, 400), PngSize(chart.ToPng(640, 400)));
        Assert.Equal((PlotDefaults.Width, PlotDefaults.Height), PngSize(chart.ToPng(PlotDefaults.Width, PlotDefaults.Height)));
        Assert.False(string.IsNullOrWhiteSpace(chart.Title));
    }

    [Fact]
    public void A_png_file_is_written_where_asked()
    {
        using var dir = new TempDirectory("grid-plot-");
        string path = dir.File("elbow.png");
        ResultCharts.Elbow(Curve).SavePng(path, 500, 300);
        Assert.Equal((500, 300), PngSize(File.ReadAllBytes(path)));
    }

    [Fact]
    public void Sizes_outside_the_limits_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ResultCharts.Elbow(Curve).ToPng(0, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => ResultCharts.Elbow(Curve).ToPng(100, PlotDefaults.MaxSide + 1));
    }

    [Fact]
    public void Elbow_draws_the_curve_and_circles_the_knee_at_its_k()
    {
        var chart = ResultCharts.Elbow(Curve);

        var series = Assert.Single(chart.Series);
        Assert.Equal([10.0, 25, 50, 100, 200], series.X);
        Assert.Equal(Curve.Inertia, series.Y);
        var knee = Assert.Single(chart.Markers);
        Assert.Equal((25.0, 600.0), (knee.X, knee.Y));
        Assert.Contains("k = 25", knee.Label);
        Assert.Contains(Curve.Label, chart.Title);
        Assert.Equal("k (clusters)", chart.XLabel);

        // The ScottPlot figure holds exactly that: the scatter's points and a marker at the knee.
        using var plot = chart.ToPlot();
        var scatter = Assert.Single(plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>());
        Assert.Equal(series.X, scatter.Data.GetScatterPoints().Select(p => p.X));
        Assert.Equal(series.Y, scatter.Data.GetScatterPoints().Select(p => p.Y));
        var marker = Assert.Single(plot.GetPlottables().OfType<ScottPlot.Plottables.Marker>());
        Assert.Equal(25, marker.Location.X);
        Assert.Equal(600, marker.Location.Y);
    }

    [Fact]
    public void A_curve_without_a_knee_has_no_marker()
    {
        Assert.Empty(ResultCharts.Elbow(Curve with { KneeK = null }).Markers);
        Assert.Empty(ResultCharts.Elbow(Curve with { KneeK = null }).Notes);
    }

    [Fact]
    public void A_knee_of_fewer_than_five_points_is_not_circled_and_the_figure_says_why()
    {
        var chart = ResultCharts.Elbow(Three);

        Assert.Empty(chart.Markers);
        Assert.Equal(["knee: too few points (3 < 5)"], chart.Notes);
        // The note is the legend's second line, beside the data.
        using var plot = chart.ToPlot();
        Assert.Contains(plot.Legend.ManualItems, i => i.LabelText == "knee: too few points (3 < 5)");
        Assert.Single(plot.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>());
        Assert.Empty(plot.GetPlottables().OfType<ScottPlot.Plottables.Marker>());

        // Four points are still too few; five are enough.
        Assert.Empty(ResultCharts.Elbow(Curve with { K = [10, 25, 50, 100], Inertia = [1000, 600, 450, 400] }).Markers);
        Assert.Single(ResultCharts.Elbow(Curve).Markers);
    }

    [Fact]
    public void Curves_of_too_few_points_get_no_knee_circle_on_the_shared_charts_and_a_note_counts_them()
    {
        var comparison = ResultCharts.ElbowComparison([Curve, Three]);
        var testError = ResultCharts.TestErrorOverK([Curve, Three]);

        foreach (var chart in new[] { comparison, testError })
        {
            Assert.Equal([25.0], chart.Markers.Select(m => m.X));
            Assert.Equal(["no knee: 1 curve with fewer than 5 points"], chart.Notes);
        }
        Assert.Empty(ResultCharts.TestErrorOverK([Curve, Codes]).Notes);
    }

    [Fact]
    public void A_quality_measure_over_k_draws_the_k_values_that_have_it_and_circles_the_knee()
    {
        var chart = ResultCharts.QualityOverK([WithSilhouette, Codes], QualityMeasure.Silhouette);

        // Codes has no silhouette: it is left out, not drawn at zero.
        var series = Assert.Single(chart.Series);
        Assert.Equal(WithSilhouette.Label, series.Label);
        Assert.Equal([10.0, 25, 100, 200], series.X);
        Assert.Equal([0.05, 0.09, 0.07, 0.06], series.Y);
        Assert.Equal((25.0, 0.09), (Assert.Single(chart.Markers).X, chart.Markers[0].Y));
        Assert.Equal("silhouette (higher is better), test rows", chart.YLabel);
        Assert.Empty(ResultCharts.QualityOverK([Codes], QualityMeasure.DaviesBouldin).Series);
    }

    [Fact]
    public void Comparison_puts_every_curve_on_one_chart_relative_to_its_smallest_k_with_each_knee()
    {
        var chart = ResultCharts.ElbowComparison([Curve, Codes]);

        Assert.Equal([Curve.Label, Codes.Label], chart.Series.Select(s => s.Label));
        Assert.Equal([1.0, 0.6, 0.45, 0.4, 0.38], chart.Series[0].Y);
        Assert.Equal([1.0, 5.0 / 8, 3.0 / 8, 2.5 / 8, 2.0 / 8], chart.Series[1].Y);
        Assert.Equal([(25.0, 0.6), (50.0, 3.0 / 8)], chart.Markers.Select(m => (m.X, m.Y)));
    }

    [Fact]
    public void Test_error_over_k_is_in_percent_per_curve()
    {
        var chart = ResultCharts.TestErrorOverK([Curve, Codes]);

        Assert.Equal(Curve.TestError.Select(e => e!.Value * 100), chart.Series[0].Y);
        Assert.Equal(Codes.TestError.Select(e => e!.Value * 100), chart.Series[1].Y);
        Assert.Equal([25.0, 50.0], chart.Markers.Select(m => m.X));
        Assert.Equal("test error (%)", chart.YLabel);
    }

    [Fact]
    public void Confusion_counts_put_each_count_in_its_cell_rows_true_columns_predicted()
    {
        long[] confusion = [5, 1, 0, 2, 7, 1, 0, 0, 9];
        var chart = ResultCharts.ConfusionCounts(confusion, 3, "counts");

        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(confusion[r * 3 + c], chart.Values[r, c]);
                Assert.Equal(confusion[r * 3 + c].ToString(), chart.CellText[r, c]);
            }
        }
        Assert.Equal(["0", "1", "2"], chart.RowLabels);
        Assert.Equal("true class", chart.YLabel);
        Assert.Equal("predicted class", chart.XLabel);
        // Every cell's number is drawn.
        using var plot = chart.ToPlot();
        Assert.Equal(9, plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().Count());
    }

    [Fact]
    public void Confusion_row_percentages_sum_to_100_per_true_class()
    {
        var chart = ResultCharts.ConfusionRowPercent([5, 1, 0, 2, 7, 1, 0, 0, 0], 3, "percent");

        Assert.Equal(100, chart.Values[0, 0] + chart.Values[0, 1] + chart.Values[0, 2], 9);
        Assert.Equal(70, chart.Values[1, 1], 9);
        Assert.Equal("70.0", chart.CellText[1, 1]);
        Assert.Equal("83.3", chart.CellText[0, 0]);
        // A class with no rows shows zeros, not NaN.
        Assert.Equal("0.0", chart.CellText[2, 2]);
    }

    [Fact]
    public void Cluster_error_histogram_counts_every_cluster_and_draws_the_40_percent_line()
    {
        double[] errors = [0.0, 0.02, 0.12, 0.41, 0.45, 0.9, 1.0];
        var chart = ResultCharts.ClusterErrorHistogram(errors, 0.4, "errors");

        var counts = Assert.Single(chart.Groups).Values;
        Assert.Equal(20, counts.Count);
        Assert.Equal(errors.Length, counts.Sum());
        Assert.Equal(2, counts[0]);
        Assert.Equal(1, counts[2]);
        // Bins include their lower edge: 0.41 is in 40–45, 0.45 in 45–50.
        Assert.Equal(1, counts[8]);
        Assert.Equal(1, counts[9]);
        // 0.9 falls in bin 18; 1.0 in the last bin, 19.
        Assert.Equal(1, counts[18]);
        Assert.Equal(1, counts[19]);
        var line = Assert.Single(chart.Lines);
        Assert.True(line.Vertical);
        // Bin 8 (40–45 %) is centred on 8, so 40 % lies at its left edge, 7.5.
        Assert.Equal(7.5, line.Value, 9);
        Assert.Contains("4 of 7 clusters above 40 %", chart.Title);
    }

    [Fact]
    public void Class_distribution_shows_train_and_test_shares()
    {
        var chart = ResultCharts.ClassDistribution([10, 30, 60], [5, 5, 0], "classes");

        Assert.Equal(2, chart.Groups.Count);
        Assert.StartsWith("train (100 rows)", chart.Groups[0].Label);
        Assert.Equal([10.0, 30.0, 60.0], chart.Groups[0].Values);
        Assert.Equal([50.0, 50.0, 0.0], chart.Groups[1].Values);
        Assert.Equal(["0", "1", "2"], chart.Categories);
    }

    [Fact]
    public void Latent_scatter_has_one_coloured_series_per_class_holding_exactly_its_points()
    {
        float[] xy = [0f, 0f, 1f, 1f, 2f, 0.5f, 3f, 3f];
        byte[] labels = [7, 1, 7, 0];
        var chart = ResultCharts.LatentScatter(xy, labels, "latent", "z1", "z2");

        Assert.Equal(["0", "1", "7"], chart.Series.Select(s => s.Label));
        Assert.All(chart.Series, s => Assert.Equal(SeriesStyle.Points, s.Style));
        var seven = chart.Series.Single(s => s.Label == "7");
        Assert.Equal([0.0, 2.0], seven.X);
        Assert.Equal([0.0, 0.5], seven.Y);
        Assert.Equal(PlotDefaults.ClassColor(7), seven.Color);
        Assert.Equal([3.0], chart.Series[0].X);
        // The legend lists the classes, beside the data area.
        using var plot = chart.ToPlot();
        Assert.Single(plot.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>());
        Assert.Equal(3, plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Count());
    }

    [Fact]
    public void Reconstructions_put_originals_in_the_first_row_and_reconstructions_below()
    {
        var originals = new[] { Square(1f), Square(0f) };
        var outputs = new[] { Square(0.5f), Square(0.25f) };
        var chart = ResultCharts.Reconstructions(originals, outputs, ["3", "8"], 28, 28, "rec");

        Assert.Equal(["original", "reconstructed"], chart.RowLabels);
        Assert.Equal(["3", "8"], chart.ColumnLabels);
        Assert.Same(originals[0], chart.Rows[0][0]);
        Assert.Same(outputs[1], chart.Rows[1][1]);

        // The images are drawn: large areas of exactly their grey levels (0.5 → 128, 0.25 → 64), above the original black one.
        using var bitmap = SKBitmap.Decode(chart.ToPng(400, 300));
        int Count(byte level) => bitmap.Pixels.Count(p => p.Red == level && p.Green == level && p.Blue == level);
        Assert.True(Count(128) > 1000, $"{Count(128)} pixels of the 0.5 reconstruction");
        Assert.True(Count(64) > 1000, $"{Count(64)} pixels of the 0.25 reconstruction");
        Assert.True(Count(0) > 1000, $"{Count(0)} pixels of the black original");
        int Row(byte level) => Enumerable.Range(0, bitmap.Height).First(y => Enumerable.Range(0, bitmap.Width).Any(x => bitmap.GetPixel(x, y) == new SKColor(level, level, level)));
        Assert.True(Row(0) < Row(128), "originals are drawn above their reconstructions");
    }
}
