using Grid.Compute.Plots;
using ScottPlot;
using SkiaSharp;

namespace Grid.Compute.Tests.Plots;

/// <summary>
/// Where things land in the rendered PNGs: heatmap cells under their ticks and numbers, legends off the data,
/// labels apart, whole numbers on axes that count.
/// </summary>
public sealed class FigureLayoutTests
{
    /// <summary>A realistic 10-class confusion: a bright diagonal over small, uneven off-diagonal counts.</summary>
    private static long[] Realistic()
    {
        var random = new Random(7);
        var confusion = new long[100];
        for (int r = 0; r < 10; r++)
        {
            for (int c = 0; c < 10; c++)
            {
                confusion[r * 10 + c] = r == c ? 850 + random.Next(130) : random.Next(40);
            }
        }
        return confusion;
    }

    /// <summary>Every cell far from its neighbours in value, so a cell drawn half a cell off shows another colour.</summary>
    private static long[] Checkered() =>
        Enumerable.Range(0, 100).Select(i => (long)(((i / 10 * 7 + i % 10 * 3) % 10) * 100 + i / 10 + i % 10)).ToArray();

    public static TheoryData<string, string, int, int> Heatmaps() => new()
    {
        { "counts", "realistic", PlotDefaults.Square, PlotDefaults.Square },
        { "percent", "realistic", PlotDefaults.Square, PlotDefaults.Square },
        { "counts", "checkered", PlotDefaults.Square, PlotDefaults.Square },
        { "percent", "checkered", 640, 480 },
        { "counts", "checkered", 500, 380 },
    };

    /// <summary>
    /// Every heatmap the project draws (the confusion matrices in counts and in row percentages): in the PNG, each
    /// cell's colour is the colormap's colour for its value at the cell's centre as the axes place it, which is
    /// where its tick labels point and its number is written.
    /// </summary>
    [Theory]
    [MemberData(nameof(Heatmaps))]
    public void Every_heatmap_cell_has_its_colour_where_its_ticks_and_number_are(string kind, string data, int width, int height)
    {
        long[] confusion = data == "realistic" ? Realistic() : Checkered();
        var chart = kind == "counts"
            ? ResultCharts.ConfusionCounts(confusion, 10, "counts")
            : ResultCharts.ConfusionRowPercent(confusion, 10, "percent");
        int rows = chart.RowLabels.Count, columns = chart.ColumnLabels.Count;

        using var plot = chart.ToPlot(width, height);
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        using var bitmap = SKBitmap.Decode(png);
        var heatmap = Assert.Single(plot.GetPlottables().OfType<ScottPlot.Plottables.Heatmap>());
        var texts = plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().ToList();
        var bottomTicks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).ToList();
        var leftTicks = plot.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).ToList();

        var wrong = new List<string>();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                // The cell's centre in coordinates, from the axes: the ticks labelled with its column and row.
                double x = Assert.Single(bottomTicks, t => t.Label == chart.ColumnLabels[c]).Position;
                double y = Assert.Single(leftTicks, t => t.Label == chart.RowLabels[r]).Position;
                Pixel centre = plot.GetPixel(new Coordinates(x, y));
                float cellHeight = Math.Abs(plot.GetPixel(new Coordinates(x, y + 1)).Y - centre.Y);

                // Its number is written there.
                var number = Assert.Single(texts, t => t.Location == new Coordinates(x, y));
                Assert.Equal(chart.CellText[r, c], number.LabelText);
                var box = number.LabelStyle.LastRenderPixelRect;
                Assert.True(Math.Abs(box.HorizontalCenter - centre.X) <= 2 && Math.Abs(box.VerticalCenter - centre.Y) <= 2,
                    $"cell ({r}, {c}): number centred at ({box.HorizontalCenter}, {box.VerticalCenter}), cell centre at ({centre.X}, {centre.Y})");

                // The number covers the very centre, so the colour is read just above and below it, inside the cell.
                var expected = heatmap.Colormap.GetColor(chart.Values[r, c], heatmap.GetRange());
                foreach (float dy in new[] { -0.3f * cellHeight, 0.3f * cellHeight })
                {
                    var actual = bitmap.GetPixel((int)Math.Round(centre.X), (int)Math.Round(centre.Y + dy));
                    if (!Near(actual, expected))
                    {
                        wrong.Add($"({r}, {c}) value {chart.Values[r, c]}: {actual} at ({centre.X:0}, {centre.Y + dy:0}), expected {expected.ToHex()}");
                    }
                }
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {2 * rows * columns} samples show another colour than their cell's:\n" + string.Join("\n", wrong.Take(12)));
    }

    /// <summary>Two curves with their knees at the same k and almost the same value, a third near them.</summary>
    private static readonly ElbowData[] Crowded =
    [
        new("mnist · raw · none · seed 0", [5, 10, 20, 40, 80, 160], [1000, 700, 450, 380, 340, 320], [.4, .3, .2, .15, .12, .11], [.42, .31, .21, .16, .13, .12], 20),
        new("mnist · raw · l2 · seed 0", [5, 10, 20, 40, 80, 160], [10, 7.2, 4.6, 3.9, 3.5, 3.3], [.38, .29, .2, .14, .11, .1], [.40, .30, .205, .15, .12, .11], 20),
        new("mnist · raw · standard · seed 0", [5, 10, 20, 40, 80, 160], [90, 66, 41, 35, 31, 29], [.39, .3, .21, .15, .12, .11], [.41, .305, .208, .155, .125, .115], 10),
    ];

    /// <summary>Latent points that fill the whole plane, the upper right corner included.</summary>
    private static Chart Latent()
    {
        var random = new Random(3);
        int n = 2000;
        var xy = new float[2 * n];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 10);
            xy[2 * i] = (float)random.NextDouble();
            xy[2 * i + 1] = (float)random.NextDouble();
        }
        return ResultCharts.LatentScatter(xy, labels, "latent", "z1", "z2");
    }

    public static TheoryData<string> ChartsWithLegends() => new("comparison", "test-error", "histogram", "classes", "latent");

    private static (Chart Chart, int Width, int Height) WithLegend(string kind) => kind switch
    {
        "comparison" => (ResultCharts.ElbowComparison(Crowded), PlotDefaults.Width, PlotDefaults.Height),
        "test-error" => (ResultCharts.TestErrorOverK(Crowded), PlotDefaults.Width, PlotDefaults.Height),
        "histogram" => (ResultCharts.ClusterErrorHistogram([0.0, 0.01, 0.02, 0.03, 0.5, 0.9, 0.95, 0.97, 1.0], 0.4, "errors"), PlotDefaults.Width, PlotDefaults.Height),
        // The last class's test bar is the tallest, in the upper right corner where a legend used to sit.
        "classes" => (ResultCharts.ClassDistribution([100, 120, 90, 95, 101, 80, 99, 110, 97, 108], [10, 12, 9, 9, 10, 8, 10, 11, 9, 14], "classes"), PlotDefaults.Width, PlotDefaults.Height),
        "latent" => (Latent(), PlotDefaults.Square, PlotDefaults.Square),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A legend's rectangle in the rendered figure, whether inside the data area or in a panel beside it.</summary>
    private static PixelRect LegendRect(Plot plot)
    {
        var size = plot.Legend.LastRenderSize;
        Assert.False(float.IsNaN(size.Width), "the legend was drawn");
        var layout = plot.RenderManager.LastRender.Layout;
        if (plot.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>().SingleOrDefault() is { } panel)
        {
            using var paint = Paint.NewDisposablePaint();
            var area = panel.GetPanelRect(layout.DataRect, layout.PanelSizes[panel], layout.PanelOffsets[panel], paint);
            return new PixelRect(size).AlignedInside(area, panel.Alignment);
        }
        return new PixelRect(size).AlignedInside(layout.DataRect.Contract(plot.Legend.Margin), plot.Legend.Alignment);
    }

    /// <summary>Every plotted point in pixels: scatter points, markers, and the top of every bar.</summary>
    private static List<Pixel> PlottedPoints(Plot plot)
    {
        var coordinates = new List<Coordinates>();
        foreach (var plottable in plot.GetPlottables())
        {
            switch (plottable)
            {
                case ScottPlot.Plottables.Scatter scatter:
                    coordinates.AddRange(scatter.Data.GetScatterPoints());
                    break;
                case ScottPlot.Plottables.Marker marker:
                    coordinates.Add(marker.Location);
                    break;
                case ScottPlot.Plottables.BarPlot bars:
                    coordinates.AddRange(bars.Bars.SelectMany(b => new[] { new Coordinates(b.Position - b.Size / 2, b.Value), new Coordinates(b.Position + b.Size / 2, b.Value) }));
                    break;
            }
        }
        return coordinates.Select(plot.GetPixel).ToList();
    }

    [Theory]
    [MemberData(nameof(ChartsWithLegends))]
    public void Legends_lie_outside_the_data_and_cover_no_point(string kind)
    {
        var (chart, width, height) = WithLegend(kind);
        using var plot = ((PlotChart)chart).ToPlot(width, height);
        plot.RenderInMemory(width, height);

        var legend = LegendRect(plot);
        var data = plot.RenderManager.LastRender.DataRect;
        var points = PlottedPoints(plot);
        Assert.NotEmpty(points);
        var covered = points.Where(p => legend.Contains(p)).ToList();
        Assert.True(covered.Count == 0, $"the legend {legend} covers {covered.Count} of {points.Count} points, e.g. {covered.FirstOrDefault()}");
        Assert.False(XYChart.Overlap(legend, data), $"the legend {legend} lies on the data area {data}");
        Assert.True(legend.Left >= 0 && legend.Right <= width && legend.Top >= 0 && legend.Bottom <= height, $"the legend {legend} leaves the {width}×{height} figure");
    }

    public static TheoryData<string> ChartsWithKneeLabels() => new("comparison", "test-error");

    [Theory]
    [MemberData(nameof(ChartsWithKneeLabels))]
    public void Knee_labels_never_overlap_even_when_knees_coincide(string kind)
    {
        var chart = kind == "comparison" ? ResultCharts.ElbowComparison(Crowded) : ResultCharts.TestErrorOverK(Crowded);
        Assert.Equal(2, chart.Markers.Count(m => m.X == 20));

        using var plot = chart.ToPlot(PlotDefaults.Width, PlotDefaults.Height);
        plot.RenderInMemory(PlotDefaults.Width, PlotDefaults.Height);

        var labels = plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().ToList();
        Assert.Equal(chart.Markers.Select(m => m.Label), labels.Select(l => l.LabelText));
        var data = plot.RenderManager.LastRender.DataRect;
        for (int i = 0; i < labels.Count; i++)
        {
            var a = labels[i].LabelStyle.LastRenderPixelRect;
            Assert.True(a.Top >= data.Top && a.Bottom <= data.Bottom, $"label '{labels[i].LabelText}' {a} leaves the data area {data}");
            for (int j = i + 1; j < labels.Count; j++)
            {
                var b = labels[j].LabelStyle.LastRenderPixelRect;
                Assert.False(XYChart.Overlap(a, b), $"labels '{labels[i].LabelText}' {a} and '{labels[j].LabelText}' {b} overlap");
            }
        }
    }

    public static TheoryData<string, string> CountAxes() => new()
    {
        { "histogram of 4 clusters", "y" },
        { "histogram of 1 cluster", "y" },
        { "elbow over k = 2..6", "x" },
        { "comparison over k = 2..6", "x" },
        { "test error over k = 2..6", "x" },
    };

    [Theory]
    [MemberData(nameof(CountAxes))]
    public void Axes_that_count_have_ticks_at_whole_numbers_only(string kind, string axis)
    {
        var small = new ElbowData("small", [2, 3, 4, 5, 6], [50, 30, 22, 20, 19], [.5, .4, .35, .33, .32], [.5, .41, .36, .34, .33], 3);
        PlotChart chart = kind switch
        {
            "histogram of 4 clusters" => ResultCharts.ClusterErrorHistogram([0.0, 0.01, 0.02, 0.5], 0.4, "errors"),
            "histogram of 1 cluster" => ResultCharts.ClusterErrorHistogram([0.3], 0.4, "errors"),
            "elbow over k = 2..6" => ResultCharts.Elbow(small),
            "comparison over k = 2..6" => ResultCharts.ElbowComparison([small, small with { Label = "other" }]),
            "test error over k = 2..6" => ResultCharts.TestErrorOverK([small]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        Assert.True(axis == "x" ? chart.CountsOnX : chart.CountsOnY);

        using var plot = chart.ToPlot(PlotDefaults.Width, PlotDefaults.Height);
        plot.RenderInMemory(PlotDefaults.Width, PlotDefaults.Height);

        var ticks = axis == "x" ? plot.Axes.Bottom.TickGenerator.Ticks : plot.Axes.Left.TickGenerator.Ticks;
        Assert.True(ticks.Count(t => t.IsMajor) >= 2, $"{ticks.Length} ticks");
        var fractional = ticks.Where(t => t.Position != Math.Round(t.Position)).Select(t => t.Position).ToList();
        Assert.True(fractional.Count == 0, $"ticks at {string.Join(", ", fractional)}");
    }

    [Theory]
    [InlineData(PlotDefaults.Width)]
    [InlineData(640)]
    public void A_title_wider_than_its_room_is_wrapped_into_lines_that_fit(int width)
    {
        var chart = ResultCharts.ClusterErrorHistogram([0.1, 0.5, 0.9], 0.4, "Per-cluster error: fashion-mnist/ae-z25-bce-e40/standard/k225/s0");

        using var plot = chart.ToPlot(width, PlotDefaults.Height);
        plot.RenderInMemory(width, PlotDefaults.Height);

        var title = plot.Axes.Title.Label;
        Assert.Contains('\n', title.Text);
        Assert.Equal(chart.Title.Replace(" ", "", StringComparison.Ordinal), title.Text.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
        var drawn = title.LastRenderPixelRect;
        Assert.True(drawn.Left >= 0 && drawn.Right <= width, $"the title {drawn} leaves the {width}-pixel figure");
        // A title that fits stays on one line.
        using var small = ResultCharts.Elbow(Crowded[0]).ToPlot(width, PlotDefaults.Height);
        Assert.DoesNotContain('\n', small.Axes.Title.Label.Text);
    }

    private static bool Near(SKColor actual, ScottPlot.Color expected, int tolerance = 2) =>
        Math.Abs(actual.Red - expected.R) <= tolerance && Math.Abs(actual.Green - expected.G) <= tolerance && Math.Abs(actual.Blue - expected.B) <= tolerance;
}
