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

    private static bool Near(SKColor actual, ScottPlot.Color expected, int tolerance = 2) =>
        Math.Abs(actual.Red - expected.R) <= tolerance && Math.Abs(actual.Green - expected.G) <= tolerance && Math.Abs(actual.Blue - expected.B) <= tolerance;
}
