using ScottPlot;

namespace Grid.Compute.Plots;

/// <summary>
/// What a figure shows, as data: the series, markers and lines it draws. Tests and pages read the model;
/// <see cref="ToPng"/> draws exactly it (with ScottPlot, or SkiaSharp for image grids).
/// </summary>
/// <param name="Title">The figure's title, drawn above it.</param>
public abstract record Chart(string Title)
{
    /// <summary>The figure as a PNG of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public abstract byte[] ToPng(int width, int height);

    /// <summary>Writes the figure as a PNG file.</summary>
    public void SavePng(string path, int width, int height) => File.WriteAllBytes(path, ToPng(width, height));

    /// <summary>Checks a requested size: positive and at most <see cref="PlotDefaults.MaxSide"/> on each side.</summary>
    protected static void CheckSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, PlotDefaults.MaxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, PlotDefaults.MaxSide);
    }
}

/// <summary>A chart ScottPlot draws: the model becomes a <see cref="Plot"/>, which becomes the PNG.</summary>
public abstract record PlotChart(string Title, string XLabel, string YLabel) : Chart(Title)
{
    /// <summary>The x axis counts things (clusters, epochs): its ticks are whole numbers only.</summary>
    public bool CountsOnX { get; init; }

    /// <summary>The y axis counts things (clusters in a bin): its ticks are whole numbers only.</summary>
    public bool CountsOnY { get; init; }

    /// <summary>The ScottPlot figure of this model (the caller disposes it); what <see cref="ToPng"/> renders.</summary>
    public Plot ToPlot()
    {
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        Draw(plot);
        if (CountsOnX)
        {
            plot.Axes.Bottom.TickGenerator = WholeNumberTicks();
        }
        if (CountsOnY)
        {
            plot.Axes.Left.TickGenerator = WholeNumberTicks();
        }
        plot.Title(Title, PlotDefaults.TitleSize);
        // Centred from the figure's left edge to the data area's right one, not over the data area alone.
        plot.Axes.Title.FullFigureCenter = true;
        plot.XLabel(XLabel, PlotDefaults.LabelSize);
        plot.YLabel(YLabel, PlotDefaults.LabelSize);
        plot.Font.Set(PlotFonts.Family);
        return plot;
    }

    /// <summary>
    /// The ScottPlot figure laid out for a <paramref name="width"/> × <paramref name="height"/> image (the caller
    /// disposes it): what <see cref="ToPng"/> renders. Rendering it at that size gives the PNG; its last render's
    /// layout then tells where each coordinate, label and legend lies in pixels.
    /// </summary>
    public Plot ToPlot(int width, int height)
    {
        CheckSize(width, height);
        var plot = ToPlot();
        Arrange(plot, width, height);
        return plot;
    }

    /// <inheritdoc />
    public override byte[] ToPng(int width, int height)
    {
        using var plot = ToPlot(width, height);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Adds the model's plottables to <paramref name="plot"/>.</summary>
    protected abstract void Draw(Plot plot);

    /// <summary>
    /// Adjusts what depends on the figure's size in pixels (after a render at that size has laid it out); the default
    /// fits the title (<see cref="FitTitle"/>), subclasses add their own (e.g. moving labels that would overlap).
    /// </summary>
    protected virtual void Arrange(Plot plot, int width, int height)
    {
        plot.RenderInMemory(width, height);
        if (FitTitle(plot))
        {
            plot.RenderInMemory(width, height);
        }
    }

    /// <summary>
    /// Wraps a title wider than the space it is centred in (from the figure's left edge to the data area's right one,
    /// as the last render laid them out) after spaces and slashes (trial keys) into lines that fit. Returns whether it
    /// changed the title (and so the layout).
    /// </summary>
    private static bool FitTitle(Plot plot)
    {
        var title = plot.Axes.Title.Label;
        float room = plot.RenderManager.LastRender.DataRect.Right;
        using var paint = Paint.NewDisposablePaint();
        if (title.Measure(title.Text, paint).Width <= room)
        {
            return false;
        }
        var lines = new List<string>();
        string line = "";
        foreach (string piece in System.Text.RegularExpressions.Regex.Split(title.Text, "(?<=[ /])"))
        {
            if (line.Length > 0 && title.Measure((line + piece).TrimEnd(), paint).Width > room)
            {
                lines.Add(line.TrimEnd());
                line = "";
            }
            line += piece;
        }
        lines.Add(line.TrimEnd());
        title.Text = string.Join("\n", lines);
        return true;
    }

    /// <summary>
    /// Shows the legend outside the data area, on the right of the figure, so that it never covers a curve's end
    /// or a point.
    /// </summary>
    protected static void ShowLegendOutside(Plot plot) => plot.ShowLegend(Edge.Right).Alignment = Alignment.UpperCenter;

    /// <summary>Ticks at whole numbers only, and no minor ticks between them (which would fall on fractions).</summary>
    private static ScottPlot.TickGenerators.NumericAutomatic WholeNumberTicks() => new()
    {
        IntegerTicksOnly = true,
        MinorTickGenerator = new ScottPlot.TickGenerators.EvenlySpacedMinorTickGenerator(1),
    };
}

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>Points joined by a line, with a marker on each point.</summary>
    LineWithMarkers,

    /// <summary>Points alone (scatter plots).</summary>
    Points,
}

/// <summary>One named series of (x, y) points.</summary>
/// <param name="Label">Its legend entry.</param>
/// <param name="X">X values.</param>
/// <param name="Y">Y values, as many as <paramref name="X"/>.</param>
/// <param name="Style">Line or points.</param>
/// <param name="Color">The series' colour as #RRGGBB; null: the next colour of the palette.</param>
public sealed record ChartSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, SeriesStyle Style = SeriesStyle.LineWithMarkers, string? Color = null)
{
    /// <summary>Number of points.</summary>
    public int Count => X.Count;
}

/// <summary>A highlighted point with a label (e.g. the knee of an elbow curve).</summary>
/// <param name="X">Its x.</param>
/// <param name="Y">Its y.</param>
/// <param name="Label">Text drawn next to it, and its legend entry.</param>
public sealed record ChartMarker(double X, double Y, string Label);

/// <summary>A straight reference line across the plot (e.g. the 40 % flag threshold).</summary>
/// <param name="Vertical">True: the line x = <paramref name="Value"/>; false: y = <paramref name="Value"/>.</param>
/// <param name="Value">Where it is.</param>
/// <param name="Label">Its legend entry.</param>
public sealed record ReferenceLine(bool Vertical, double Value, string Label);

/// <summary>Lines or scatter points over two numeric axes, with markers and reference lines.</summary>
public sealed record XYChart(
    string Title,
    string XLabel,
    string YLabel,
    IReadOnlyList<ChartSeries> Series,
    IReadOnlyList<ChartMarker> Markers,
    IReadOnlyList<ReferenceLine> Lines) : PlotChart(Title, XLabel, YLabel)
{
    /// <summary>The legend entry of the markers when there are several (each is labelled beside it).</summary>
    public string MarkerLegend { get; init; } = "knee";

    /// <summary>Size of the points of <see cref="SeriesStyle.Points"/> series, in pixels.</summary>
    public float PointSize { get; init; } = 5;

    /// <summary>Lines of text shown in the legend without a symbol (e.g. why a curve's knee is not circled).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Pixels kept between marker labels that had to be moved apart.</summary>
    private const float LabelGap = 2;

    /// <inheritdoc />
    protected override void Draw(Plot plot)
    {
        var palette = new ScottPlot.Palettes.Category10();
        int next = 0;
        foreach (var series in Series)
        {
            var color = series.Color is { } hex ? ScottPlot.Color.FromHex(hex) : palette.GetColor(next++);
            var scatter = plot.Add.Scatter(series.X.ToArray(), series.Y.ToArray(), color);
            scatter.LegendText = series.Label;
            if (series.Style == SeriesStyle.Points)
            {
                scatter.LineWidth = 0;
                scatter.MarkerSize = PointSize;
                scatter.MarkerShape = MarkerShape.FilledCircle;
            }
            else
            {
                scatter.LineWidth = 2;
                scatter.MarkerSize = 6;
            }
        }
        foreach (var line in Lines)
        {
            var color = ScottPlot.Color.FromHex(PlotDefaults.ReferenceColor);
            var axisLine = line.Vertical
                ? (ScottPlot.Plottables.AxisLine)plot.Add.VerticalLine(line.Value, 2, color, LinePattern.Dashed)
                : plot.Add.HorizontalLine(line.Value, 2, color, LinePattern.Dashed);
            axisLine.LegendText = line.Label;
        }
        for (int m = 0; m < Markers.Count; m++)
        {
            var marker = Markers[m];
            var color = ScottPlot.Color.FromHex(PlotDefaults.MarkerColor);
            var shape = plot.Add.Marker(marker.X, marker.Y, MarkerShape.OpenCircle, 18, color);
            shape.MarkerLineWidth = 3;
            // One legend entry for all markers of a kind: the labels beside them tell them apart.
            shape.LegendText = m == 0 ? (Markers.Count == 1 ? marker.Label : MarkerLegend) : "";
            var text = plot.Add.Text(marker.Label, marker.X, marker.Y);
            text.LabelFontSize = PlotDefaults.AnnotationSize;
            text.LabelFontColor = color;
            text.LabelBold = true;
            text.LabelAlignment = Alignment.LowerLeft;
            text.OffsetX = 10;
            text.OffsetY = -10;
        }
        foreach (string note in Notes)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = note });
        }
        if (Series.Count + Lines.Count + Markers.Count + Notes.Count > 1)
        {
            ShowLegendOutside(plot);
        }
    }

    /// <summary>
    /// Moves marker labels that would overlap (e.g. two curves with their knee at the same k) apart vertically:
    /// each label, left to right, takes the nearest place above or below where it was put that is clear of the labels
    /// placed before it and of the markers' circles, inside the data area where there is room.
    /// </summary>
    protected override void Arrange(Plot plot, int width, int height)
    {
        // The base's render laid out the axes and recorded where each label is drawn; offsets do not change the layout.
        base.Arrange(plot, width, height);
        var labels = plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().ToList();
        if (labels.Count < 2)
        {
            return;
        }
        var data = plot.RenderManager.LastRender.DataRect;
        var placed = plot.GetPlottables().OfType<ScottPlot.Plottables.Marker>()
            .Select(m => new PixelRect(plot.GetPixel(m.Location), m.MarkerSize / 2 + m.MarkerLineWidth))
            .ToList();
        foreach (var label in labels.OrderBy(l => l.LabelStyle.LastRenderPixelRect.Left).ThenBy(l => l.LabelStyle.LastRenderPixelRect.Top))
        {
            var rect = label.LabelStyle.LastRenderPixelRect;
            float step = rect.Height + LabelGap;
            var shifts = Enumerable.Range(0, 2 * placed.Count + 3)
                .Select(i => (i % 2 == 1 ? -1 : 1) * ((i + 1) / 2) * step)
                .ToList();
            bool Free(float dy) => !placed.Any(p => Overlap(p, rect.WithDelta(0, dy)));
            bool Inside(float dy) => rect.Top + dy >= data.Top && rect.Bottom + dy <= data.Bottom;
            float shift = shifts.FirstOrDefault(dy => Free(dy) && Inside(dy), float.NaN);
            if (float.IsNaN(shift))
            {
                shift = shifts.First(Free);
            }
            label.OffsetY += shift;
            placed.Add(rect.WithDelta(0, shift));
        }
    }

    /// <summary>Whether two pixel rectangles share any area.</summary>
    public static bool Overlap(PixelRect a, PixelRect b) =>
        a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;
}

/// <summary>One group of bars: a value for each category.</summary>
/// <param name="Label">Its legend entry (e.g. "train").</param>
/// <param name="Values">One value per category.</param>
public sealed record BarGroup(string Label, IReadOnlyList<double> Values);

/// <summary>Bars over categories or bins; several groups side by side; optional vertical reference lines in category units.</summary>
/// <param name="Categories">The label under each position 0, 1, …</param>
/// <param name="Groups">The bar groups.</param>
/// <param name="Lines">Reference lines, with x in category positions (a bin edge is at i − 0.5).</param>
public sealed record BarChart(
    string Title,
    string XLabel,
    string YLabel,
    IReadOnlyList<string> Categories,
    IReadOnlyList<BarGroup> Groups,
    IReadOnlyList<ReferenceLine> Lines) : PlotChart(Title, XLabel, YLabel)
{
    /// <summary>Show each category's label only every this many positions (dense histograms).</summary>
    public int LabelEvery { get; init; } = 1;

    /// <inheritdoc />
    protected override void Draw(Plot plot)
    {
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / Math.Max(1, Groups.Count);
        for (int g = 0; g < Groups.Count; g++)
        {
            var color = palette.GetColor(g);
            var bars = Groups[g].Values.Select((value, i) => new Bar
            {
                Position = i - 0.4 + width * (g + 0.5),
                Value = value,
                Size = width,
                FillColor = color,
                LineWidth = 0,
            }).ToList();
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = Groups[g].Label;
        }
        foreach (var line in Lines)
        {
            var color = ScottPlot.Color.FromHex(PlotDefaults.ReferenceColor);
            var axisLine = line.Vertical
                ? (ScottPlot.Plottables.AxisLine)plot.Add.VerticalLine(line.Value, 2, color, LinePattern.Dashed)
                : plot.Add.HorizontalLine(line.Value, 2, color, LinePattern.Dashed);
            axisLine.LegendText = line.Label;
        }
        var ticks = Categories
            .Select((label, i) => (label, i))
            .Where(t => t.i % Math.Max(1, LabelEvery) == 0)
            .ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.Select(t => (double)t.i).ToArray(), ticks.Select(t => t.label).ToArray());
        plot.Axes.Margins(bottom: 0);
        if (Groups.Count + Lines.Count > 1)
        {
            ShowLegendOutside(plot);
        }
    }
}

/// <summary>A matrix as coloured cells with a number written in each, rows top to bottom.</summary>
/// <param name="RowLabels">Labels of the rows (drawn top to bottom).</param>
/// <param name="ColumnLabels">Labels of the columns (left to right).</param>
/// <param name="Values">The values, [row, column], that set each cell's colour.</param>
/// <param name="CellText">The text written in each cell, [row, column].</param>
/// <param name="ColorBarLabel">What the colour scale measures.</param>
public sealed record HeatmapChart(
    string Title,
    string XLabel,
    string YLabel,
    IReadOnlyList<string> RowLabels,
    IReadOnlyList<string> ColumnLabels,
    double[,] Values,
    string[,] CellText,
    string ColorBarLabel) : PlotChart(Title, XLabel, YLabel)
{
    /// <inheritdoc />
    protected override void Draw(Plot plot)
    {
        int rows = Values.GetLength(0), columns = Values.GetLength(1);
        var heatmap = plot.Add.Heatmap(Values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (r, c) centred at x = c, y = rows − 1 − r: row 0 on top, as a confusion matrix reads. Rectangle sets
        // the cells' outer edges; Extent would set the outer cells' centres (and shift every cell by half a cell here).
        heatmap.Rectangle = new CoordinateRect(-0.5, columns - 0.5, -0.5, rows - 0.5);
        double min = Values.Cast<double>().DefaultIfEmpty(0).Min(), max = Values.Cast<double>().DefaultIfEmpty(0).Max();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                var text = plot.Add.Text(CellText[r, c], c, rows - 1 - r);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = PlotDefaults.CellTextSize;
                text.LabelFontName = PlotFonts.Family;
                // Light text on the dark end of Viridis, dark text on the light end.
                bool dark = max <= min || (Values[r, c] - min) / (max - min) < 0.6;
                text.LabelFontColor = dark ? Colors.White : Colors.Black;
            }
        }
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = ColorBarLabel;
        // The colour bar's axis is a panel that plot.Font.Set does not reach.
        colorBar.LabelStyle.FontName = PlotFonts.Family;
        colorBar.LabelStyle.FontSize = PlotDefaults.LabelSize;
        colorBar.LabelStyle.Bold = false;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, columns).Select(c => (double)c).ToArray(), ColumnLabels.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r)).ToArray(), RowLabels.ToArray());
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        plot.HideGrid();
    }
}
