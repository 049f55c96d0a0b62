using System.Globalization;
using Grid.Compute.Autoencoder;
using Grid.Compute.Evaluation;
using Grid.Core;

namespace Grid.Compute.Plots;

/// <summary>One elbow curve as the charts read it: its points in increasing k, and the knee if one was found.</summary>
/// <param name="Label">Names the curve in titles and legends, e.g. "mnist · ae z16 · l2 · seed 0".</param>
/// <param name="K">Cluster counts, increasing.</param>
/// <param name="Inertia">Inertia at each k.</param>
/// <param name="TrainError">Training error (0..1) at each k; null without labels.</param>
/// <param name="TestError">Test error (0..1) at each k; null without labels.</param>
/// <param name="KneeK">The k at the knee (one of <paramref name="K"/>), or null; not drawn when the curve has too few points.</param>
/// <param name="Quality">Each label-free quality measure at each k (null where missing); null when none is known.</param>
public sealed record ElbowData(
    string Label,
    IReadOnlyList<int> K,
    IReadOnlyList<double> Inertia,
    IReadOnlyList<double?> TrainError,
    IReadOnlyList<double?> TestError,
    int? KneeK,
    IReadOnlyDictionary<QualityMeasure, IReadOnlyList<double?>>? Quality = null)
{
    /// <summary>The values of one quality measure at each k (null where missing).</summary>
    public IReadOnlyList<double?> QualityOf(QualityMeasure measure) =>
        Quality is not null && Quality.TryGetValue(measure, out var values) ? values : K.Select(_ => (double?)null).ToList();

    /// <summary>Whether any point has a value of <paramref name="measure"/>.</summary>
    public bool HasQuality(QualityMeasure measure) => QualityOf(measure).Any(v => v is not null);

    /// <summary>True when some k has a test error (the data has labels).</summary>
    public bool HasTestError => TestError.Any(e => e is not null);

    /// <summary>The curve has too few points for a knee to mean anything (<see cref="Kneedle.MeaningfulPoints"/>).</summary>
    public bool TooFewPoints => !Kneedle.IsMeaningful(K.Count);

    /// <summary>The index of the knee to draw among the points, or −1 (none, or too few points for it to mean anything).</summary>
    public int KneeIndex => Kneedle.Shown(KneeK, K.Count) is int knee ? K.ToList().IndexOf(knee) : -1;
}

/// <summary>The figures of the studies, built as chart models from results.</summary>
public static class ResultCharts
{
    /// <summary>Width of a bin of the per-cluster error histogram (5 percentage points).</summary>
    public const double ErrorBinWidth = 0.05;

    /// <summary>Inertia over k for one curve, the knee circled and labelled; with too few points, a note says so instead.</summary>
    public static XYChart Elbow(ElbowData curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var markers = new List<ChartMarker>();
        if (curve.KneeIndex is >= 0 and int i)
        {
            markers.Add(new ChartMarker(curve.K[i], curve.Inertia[i], Invariant($"knee k = {curve.K[i]}")));
        }
        return new XYChart(
            "Elbow: " + curve.Label,
            "k (clusters)",
            "inertia (sum of squared distances to the centre)",
            [new ChartSeries("inertia", Doubles(curve.K), curve.Inertia)],
            markers,
            [])
        {
            CountsOnX = true,
            Notes = curve.TooFewPoints ? ["knee: " + Kneedle.TooFewPoints(curve.K.Count)] : [],
        };
    }

    /// <summary>
    /// Several elbow curves on one chart: each curve's inertia relative to its value at its smallest k (curves of
    /// different representations differ by orders of magnitude), each knee circled.
    /// </summary>
    public static XYChart ElbowComparison(IReadOnlyList<ElbowData> curves, string title = "Elbow curves compared")
    {
        ArgumentNullException.ThrowIfNull(curves);
        var series = new List<ChartSeries>();
        var markers = new List<ChartMarker>();
        foreach (var curve in curves.Where(c => c.K.Count > 0))
        {
            double first = curve.Inertia[0];
            var relative = curve.Inertia.Select(v => first > 0 ? v / first : 0).ToList();
            series.Add(new ChartSeries(curve.Label, Doubles(curve.K), relative));
            if (curve.KneeIndex is >= 0 and int i)
            {
                markers.Add(new ChartMarker(curve.K[i], relative[i], Invariant($"k = {curve.K[i]}")));
            }
        }
        return new XYChart(title, "k (clusters)", "inertia ÷ inertia at the smallest k", series, markers, [])
        {
            CountsOnX = true,
            Notes = TooFewPointsNote(curves),
        };
    }

    /// <summary>Test error (in %) over k, one series per curve, each knee circled.</summary>
    public static XYChart TestErrorOverK(IReadOnlyList<ElbowData> curves, string title = "Test error over k")
    {
        ArgumentNullException.ThrowIfNull(curves);
        var series = new List<ChartSeries>();
        var markers = new List<ChartMarker>();
        foreach (var curve in curves.Where(c => c.HasTestError))
        {
            var known = Enumerable.Range(0, curve.K.Count).Where(i => curve.TestError[i] is not null).ToList();
            series.Add(new ChartSeries(curve.Label, known.Select(i => (double)curve.K[i]).ToList(), known.Select(i => curve.TestError[i]!.Value * 100).ToList()));
            if (curve.KneeIndex is >= 0 and int knee && curve.TestError[knee] is double atKnee)
            {
                markers.Add(new ChartMarker(curve.K[knee], atKnee * 100, Invariant($"k = {curve.K[knee]}")));
            }
        }
        return new XYChart(title, "k (clusters)", "test error (%)", series, markers, [])
        {
            CountsOnX = true,
            Notes = TooFewPointsNote(curves),
        };
    }

    /// <summary>
    /// A search's progress: each ended trial's objective value in the order the trials ended (points), and the best value so far
    /// (a line that only ever improves).
    /// </summary>
    /// <param name="values">The values, in the order their trials ended.</param>
    /// <param name="metric">The objective's name for the y axis, e.g. "test error".</param>
    /// <param name="minimize">Whether lower values are better.</param>
    public static XYChart ObjectiveOverTime(IReadOnlyList<double> values, string metric, bool minimize, string title)
    {
        ArgumentNullException.ThrowIfNull(values);
        var x = Enumerable.Range(1, values.Count).Select(i => (double)i).ToList();
        var best = new List<double>(values.Count);
        foreach (double value in values)
        {
            best.Add(best.Count == 0 ? value : minimize ? Math.Min(best[^1], value) : Math.Max(best[^1], value));
        }
        return new XYChart(title, "trials ended", metric, [new ChartSeries("trial", x, values.ToList(), SeriesStyle.Points), new ChartSeries("best so far", x, best)], [], [])
        {
            CountsOnX = true,
        };
    }

    /// <summary>
    /// A label-free quality measure over k, one series per curve (its k values where the measure is known), each
    /// knee circled: drawn next to the elbow, it shows whether the knee's k also clusters the test rows well.
    /// </summary>
    public static XYChart QualityOverK(IReadOnlyList<ElbowData> curves, QualityMeasure measure, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var series = new List<ChartSeries>();
        var markers = new List<ChartMarker>();
        foreach (var curve in curves.Where(c => c.HasQuality(measure)))
        {
            var values = curve.QualityOf(measure);
            var known = Enumerable.Range(0, curve.K.Count).Where(i => values[i] is not null).ToList();
            series.Add(new ChartSeries(curve.Label, known.Select(i => (double)curve.K[i]).ToList(), known.Select(i => values[i]!.Value).ToList()));
            if (curve.KneeIndex is >= 0 and int knee && values[knee] is double atKnee)
            {
                markers.Add(new ChartMarker(curve.K[knee], atKnee, Invariant($"k = {curve.K[knee]}")));
            }
        }
        return new XYChart(title ?? measure.Title() + " over k", "k (clusters)", measure.Described() + ", test rows", series, markers, [])
        {
            CountsOnX = true,
            Notes = TooFewPointsNote(curves.Where(c => c.HasQuality(measure)).ToList()),
        };
    }

    /// <summary>A note naming how many curves have too few points for their knee to be circled, if any do.</summary>
    private static List<string> TooFewPointsNote(IReadOnlyList<ElbowData> curves)
    {
        int few = curves.Count(c => c.K.Count > 0 && c.TooFewPoints);
        return few == 0 ? [] : [Invariant($"no knee: {few} curve{(few == 1 ? "" : "s")} with fewer than {Kneedle.MeaningfulPoints} points")];
    }

    /// <summary>A confusion matrix of counts, row = true class, column = predicted class, the count in each cell.</summary>
    /// <param name="confusion">Counts, row-major [true, predicted], <paramref name="classes"/>² values.</param>
    public static HeatmapChart ConfusionCounts(IReadOnlyList<long> confusion, int classes, string title)
    {
        var values = Matrix(confusion, classes);
        var text = new string[classes, classes];
        for (int r = 0; r < classes; r++)
        {
            for (int c = 0; c < classes; c++)
            {
                text[r, c] = ((long)values[r, c]).ToString(CultureInfo.InvariantCulture);
            }
        }
        var labels = ClassLabels(classes);
        return new HeatmapChart(title, "predicted class", "true class", labels, labels, values, text, "test rows");
    }

    /// <summary>A confusion matrix in row percentages (each true class sums to 100 %), one decimal in each cell.</summary>
    public static HeatmapChart ConfusionRowPercent(IReadOnlyList<long> confusion, int classes, string title)
    {
        var counts = Matrix(confusion, classes);
        var values = new double[classes, classes];
        var text = new string[classes, classes];
        for (int r = 0; r < classes; r++)
        {
            double total = 0;
            for (int c = 0; c < classes; c++)
            {
                total += counts[r, c];
            }
            for (int c = 0; c < classes; c++)
            {
                values[r, c] = total > 0 ? counts[r, c] * 100 / total : 0;
                text[r, c] = values[r, c].ToString("0.0", CultureInfo.InvariantCulture);
            }
        }
        var labels = ClassLabels(classes);
        return new HeatmapChart(title, "predicted class", "true class", labels, labels, values, text, "% of the true class");
    }

    /// <summary>
    /// How many clusters have each share of members outside their majority class, in bins of
    /// <see cref="ErrorBinWidth"/>, with a dashed line at the flag threshold (bin i spans positions i ± 0.5).
    /// </summary>
    /// <param name="errors">Each cluster's error, 0..1.</param>
    /// <param name="threshold">The flag threshold (the study's 40 %).</param>
    public static BarChart ClusterErrorHistogram(IReadOnlyList<double> errors, double threshold, string title)
    {
        ArgumentNullException.ThrowIfNull(errors);
        int bins = (int)Math.Round(1 / ErrorBinWidth);
        var counts = new double[bins];
        foreach (double error in errors)
        {
            counts[BinOf(error)]++;
        }
        var categories = Enumerable.Range(0, bins)
            .Select(i => Invariant($"{i * ErrorBinWidth * 100:0}–{(i + 1) * ErrorBinWidth * 100:0}"))
            .ToList();
        int flagged = errors.Count(e => e > threshold);
        return new BarChart(
            Invariant($"{title}: {flagged} of {errors.Count} clusters above {threshold * 100:0} %"),
            "share of a cluster's members outside its majority class (%)",
            "clusters",
            categories,
            [new BarGroup("clusters", counts)],
            [new ReferenceLine(true, ThresholdPosition(threshold), Invariant($"flag threshold {threshold * 100:0} %"))])
        {
            LabelEvery = 2,
            CountsOnY = true,
        };
    }

    /// <summary>The histogram bin of an error in 0..1 (1 falls in the last bin).</summary>
    public static int BinOf(double error)
    {
        int bins = (int)Math.Round(1 / ErrorBinWidth);
        return Math.Clamp((int)Math.Floor(error / ErrorBinWidth + 1e-9), 0, bins - 1);
    }

    /// <summary>Where a share lies on the histogram's category axis (bin i is centred on i).</summary>
    public static double ThresholdPosition(double share) => share / ErrorBinWidth - 0.5;

    /// <summary>The share (in %) of each class among the training and test rows, side by side.</summary>
    /// <param name="train">Training rows per class, or null when unknown.</param>
    /// <param name="test">Test rows per class, or null when unknown.</param>
    public static BarChart ClassDistribution(IReadOnlyList<long>? train, IReadOnlyList<long>? test, string title)
    {
        int classes = Math.Max(train?.Count ?? 0, test?.Count ?? 0);
        var groups = new List<BarGroup>();
        if (train is not null)
        {
            groups.Add(new BarGroup(Invariant($"train ({train.Sum():N0} rows)"), Shares(train)));
        }
        if (test is not null)
        {
            groups.Add(new BarGroup(Invariant($"test ({test.Sum():N0} rows)"), Shares(test)));
        }
        return new BarChart(title, "class", "share of the rows (%)", ClassLabels(classes), groups, []);
    }

    /// <summary>Points of a 2-D latent space (codes or their embedding), one colour per class with a legend.</summary>
    /// <param name="xy">Row-major (x, y) of each point.</param>
    /// <param name="labels">Class of each point.</param>
    public static XYChart LatentScatter(IReadOnlyList<float> xy, IReadOnlyList<byte> labels, string title, string xLabel, string yLabel)
    {
        ArgumentNullException.ThrowIfNull(xy);
        ArgumentNullException.ThrowIfNull(labels);
        if (xy.Count != 2 * labels.Count)
        {
            throw new ArgumentException($"{xy.Count} coordinates do not give one (x, y) per each of {labels.Count} labels", nameof(xy));
        }
        var series = labels
            .Select((label, i) => (label, i))
            .GroupBy(p => p.label)
            .OrderBy(g => g.Key)
            .Select(g => new ChartSeries(
                g.Key.ToString(CultureInfo.InvariantCulture),
                g.Select(p => (double)xy[2 * p.i]).ToList(),
                g.Select(p => (double)xy[2 * p.i + 1]).ToList(),
                SeriesStyle.Points,
                PlotDefaults.ClassColor(g.Key)))
            .ToList();
        return new XYChart(title, xLabel, yLabel, series, [], []) { PointSize = labels.Count > 3000 ? 2 : 4 };
    }

    /// <summary>An autoencoder's training and test loss after each epoch, as its training run recorded them.</summary>
    /// <param name="history">The epochs, in order.</param>
    /// <param name="loss">The loss's name (e.g. "bce"), for the axis label.</param>
    public static XYChart LossCurve(IReadOnlyList<AutoencoderEpoch> history, string loss, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        var series = new List<ChartSeries>
        {
            new("train (epoch mean)", history.Select(e => (double)e.Epoch).ToList(), history.Select(e => e.TrainLoss).ToList()),
        };
        var tested = history.Where(e => e.TestLoss is not null).ToList();
        if (tested.Count > 0)
        {
            series.Add(new ChartSeries("test (after the epoch)", tested.Select(e => (double)e.Epoch).ToList(), tested.Select(e => e.TestLoss!.Value).ToList()));
        }
        return new XYChart(title, "epoch", Invariant($"loss ({loss}, mean per pixel)"), series, [], []) { CountsOnX = true };
    }

    /// <summary>Grey test images in the first row and their reconstructions below, each column captioned (with the image's class, where known).</summary>
    /// <param name="originals">Each image's intensities in 0..1.</param>
    /// <param name="reconstructions">The reconstruction of each original, same size.</param>
    /// <param name="captions">Caption of each column.</param>
    public static ImageGridChart Reconstructions(IReadOnlyList<float[]> originals, IReadOnlyList<float[]> reconstructions, IReadOnlyList<string> captions, int height, int width, string title)
    {
        if (originals.Count != reconstructions.Count || originals.Count != captions.Count)
        {
            throw new ArgumentException($"{originals.Count} originals, {reconstructions.Count} reconstructions and {captions.Count} captions must be as many");
        }
        return new ImageGridChart(
            title,
            height,
            width,
            ["original", "reconstructed"],
            captions.ToList(),
            [originals.ToList(), reconstructions.ToList()]);
    }

    private static double[,] Matrix(IReadOnlyList<long> confusion, int classes)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (confusion.Count != classes * classes)
        {
            throw new ArgumentException($"{confusion.Count} counts do not make a {classes}×{classes} matrix", nameof(confusion));
        }
        var values = new double[classes, classes];
        for (int r = 0; r < classes; r++)
        {
            for (int c = 0; c < classes; c++)
            {
                values[r, c] = confusion[r * classes + c];
            }
        }
        return values;
    }

    private static List<double> Shares(IReadOnlyList<long> counts)
    {
        double total = counts.Sum();
        return counts.Select(c => total > 0 ? c * 100 / total : 0).ToList();
    }

    private static List<string> ClassLabels(int classes) =>
        Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList();

    private static List<double> Doubles(IReadOnlyList<int> values) => values.Select(v => (double)v).ToList();

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
