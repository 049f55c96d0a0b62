using System.Globalization;
using System.Text;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Evaluation;
using Grid.Compute.Pipeline;
using Grid.Compute.Plots;
using Grid.Core;

namespace Grid.Silo.Pages;

/// <summary>
/// One figure of a sweep's results: its file name, where it goes on the page, its size, and how to draw it.
/// Listing figures is cheap; <see cref="Build"/> does the work (reads artifacts, runs t-SNE, renders).
/// </summary>
/// <param name="Name">File name, unique within the sweep, e.g. <c>elbow-mnist-pixels-none-s0.png</c>.</param>
/// <param name="Section">The page section it belongs to (see <see cref="ResultFigures"/>' constants).</param>
/// <param name="Caption">What it shows, in words.</param>
/// <param name="Width">Width of the PNG in pixels.</param>
/// <param name="Height">Height of the PNG in pixels.</param>
/// <param name="CacheKey">Equal keys draw equal figures (stage hashes for stage figures, the snapshot version for sweep-wide ones).</param>
/// <param name="TrialId">The trial a per-trial figure belongs to; null for sweep-wide figures.</param>
/// <param name="Build">Builds the chart model (on the caller's thread: never on the Orleans scheduler).</param>
/// <param name="Costly">
/// Drawing it reads dataset rows or embeds codes (t-SNE): seconds, not milliseconds. The renderer draws such figures in a
/// lane of their own, so the quick ones never wait behind them.
/// </param>
public sealed record Figure(
    string Name,
    string Section,
    string Caption,
    int Width,
    int Height,
    string CacheKey,
    string? TrialId,
    Func<CancellationToken, Chart> Build,
    bool Costly = false)
{
    /// <summary>Builds and renders the PNG.</summary>
    public byte[] Render(CancellationToken cancellationToken = default) => Build(cancellationToken).ToPng(Width, Height);

    /// <summary>A short digest of <see cref="CacheKey"/>: a URL parameter that changes when the figure does.</summary>
    public string Version => ResultsHtml.ShortDigest(CacheKey);
}

/// <summary>Lists the figures of a sweep from its snapshot and what its stages left in the artifact store.</summary>
public static class ResultFigures
{
    /// <summary>Section of the elbow curves, their comparison, test error and the label-free quality measures over k.</summary>
    public const string ElbowSection = "Elbow curves";

    /// <summary>Section of the search's progress: the objective over the trials as they ended.</summary>
    public const string SearchSection = "Search";

    /// <summary>Section of the class distributions.</summary>
    public const string ClassesSection = "Class distribution";

    /// <summary>Section of each autoencoder's latent-space scatter plots and, beside them, its loss per epoch.</summary>
    public const string LatentSection = "Autoencoders: latent space and loss per epoch";

    /// <summary>Section of the reconstruction grids.</summary>
    public const string ReconstructionSection = "Reconstructions";

    /// <summary>Section of a trial's confusion matrices and per-cluster errors.</summary>
    public const string TrialSection = "Trial";

    /// <summary>Height of a reconstructions figure: two rows of digits under a title.</summary>
    public const int ReconstructionHeight = 230;

    /// <summary>A curve's name in titles and legends: <c>dataset · representation · scaler · seed N</c>.</summary>
    public static string CurveLabel(ElbowCurve curve) =>
        string.Create(CultureInfo.InvariantCulture, $"{curve.Dataset} · {curve.Representation} · {curve.Scaler} · seed {curve.Seed}");

    /// <summary>The chart data of an elbow curve.</summary>
    public static ElbowData ToElbowData(ElbowCurve curve)
    {
        var points = curve.Points.OrderBy(p => p.K).ToList();
        return new ElbowData(
            CurveLabel(curve),
            points.Select(p => p.K).ToList(),
            points.Select(p => p.Inertia).ToList(),
            points.Select(p => p.TrainError).ToList(),
            points.Select(p => p.TestError).ToList(),
            curve.KneeK,
            QualityMeasures.All.ToDictionary(m => m, m => (IReadOnlyList<double?>)points.Select(p => p.Quality(m)).ToList()));
    }

    /// <summary>Whether a trial lies on a curve (same dataset, representation, scaler and seed).</summary>
    public static bool OnCurve(TrialSpec trial, ElbowCurve curve) =>
        trial.Dataset == curve.Dataset && trial.Representation.Label == curve.Representation
        && SpecNames.Of(trial.Scaler) == curve.Scaler && trial.Seed == curve.Seed;

    /// <summary>A file-name-safe form of a label: lower-case letters, digits and dashes.</summary>
    public static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }
        string slug = builder.ToString();
        while (slug.Contains("--", StringComparison.Ordinal))
        {
            slug = slug.Replace("--", "-", StringComparison.Ordinal);
        }
        return slug.Trim('-');
    }

    /// <summary>
    /// The number of the trial at <paramref name="index"/> (from 0) in the sweep's list, counted from 1: the one number
    /// the results table, the per-trial sections and the figure names show.
    /// </summary>
    public static int TrialNumber(int index) => index + 1;

    /// <summary>The name of the figures of the trial at <paramref name="index"/>: its number (<see cref="TrialNumber"/>) and its key.</summary>
    public static string TrialSlug(int index, TrialSpec spec) => string.Create(CultureInfo.InvariantCulture, $"t{TrialNumber(index):000}-{Slug(spec.Key)}");

    /// <summary>
    /// Every figure the sweep has data for now: figures whose artifacts or dataset are missing are left out
    /// (a page never links an image that cannot be drawn).
    /// </summary>
    public static IReadOnlyList<Figure> List(SweepSnapshot snapshot, ResultSources sources)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(sources);
        var figures = new List<Figure>();
        string sweepKey = string.Create(CultureInfo.InvariantCulture, $"{snapshot.SweepId}/v{snapshot.Version}");
        AddElbows(figures, snapshot, sweepKey);
        AddSearch(figures, snapshot, sweepKey);
        AddClassDistributions(figures, snapshot, sources);
        AddAutoencoderFigures(figures, snapshot, sources);
        AddTrialFigures(figures, snapshot, sources);
        return figures;
    }

    /// <summary>
    /// The figure of the sweep named <paramref name="name"/>, or null. The name is only compared with the names
    /// <see cref="List"/> gives, never joined to a path, so "../x", its encoded forms, absolute paths and other sweeps'
    /// figures are not found, and no file is read for them.
    /// </summary>
    public static Figure? Find(SweepSnapshot snapshot, string name, ResultSources sources) =>
        List(snapshot, sources).FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    private static void AddElbows(List<Figure> figures, SweepSnapshot snapshot, string sweepKey)
    {
        var curves = snapshot.Curves.Where(c => c.Points.Count > 0).ToList();
        foreach (var curve in curves)
        {
            var data = ToElbowData(curve);
            string name = string.Create(CultureInfo.InvariantCulture, $"elbow-{Slug($"{curve.Dataset}-{curve.Representation}-{curve.Scaler}-s{curve.Seed}")}.png");
            string knee = Kneedle.Describe(curve.KneeK, curve.Points.Count) is { } text ? "knee k: " + text : "no knee yet";
            figures.Add(new Figure(name, ElbowSection, $"Elbow curve of {data.Label} ({knee})", PlotDefaults.Width, PlotDefaults.Height,
                $"{sweepKey}/{name}", null, _ => ResultCharts.Elbow(data)));
        }
        if (curves.Count > 1)
        {
            var all = curves.Select(ToElbowData).ToList();
            figures.Add(new Figure("elbow-comparison.png", ElbowSection, "All elbow curves on one chart (inertia relative to each curve's smallest k)",
                PlotDefaults.Width, PlotDefaults.Height, $"{sweepKey}/elbow-comparison", null,
                _ => ResultCharts.ElbowComparison(all, $"Elbow curves compared: {snapshot.Name}")));
        }
        if (curves.Count > 0)
        {
            var all = curves.Select(ToElbowData).ToList();
            if (all.Any(c => c.HasTestError))
            {
                figures.Add(new Figure("test-error.png", ElbowSection, "Test error over k, every curve with labels",
                    PlotDefaults.Width, PlotDefaults.Height, $"{sweepKey}/test-error", null,
                    _ => ResultCharts.TestErrorOverK(all, $"Test error over k: {snapshot.Name}")));
            }
            foreach (var measure in QualityMeasures.All.Where(m => all.Any(c => c.HasQuality(m))))
            {
                string name = Slug(SpecNames.Of(measure));
                string title = char.ToUpperInvariant(measure.Title()[0]) + measure.Title()[1..];
                figures.Add(new Figure(name + ".png", ElbowSection,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{measure.Described()} over k, every curve: the test rows (a seeded sample of {ClusterQuality.MaxRows:N0} when there are more), without labels"),
                    PlotDefaults.Width, PlotDefaults.Height, $"{sweepKey}/{name}", null,
                    _ => ResultCharts.QualityOverK(all, measure, $"{title} over k: {snapshot.Name}")));
            }
        }
    }

    /// <summary>The objective of every trial with a value, in the order the trials ended (their last log line's time), and the best so far.</summary>
    private static void AddSearch(List<Figure> figures, SweepSnapshot snapshot, string sweepKey)
    {
        var objective = snapshot.RankedBy;
        var values = snapshot.Trials
            .Select((trial, index) => (trial, index))
            .Where(t => t.trial.State.HasResult() && t.trial.Result is not null && objective.ValueOf(t.trial.Result) is not null)
            .OrderBy(t => t.trial.Events is { Count: > 0 } events ? events[^1].Time : DateTimeOffset.MaxValue)
            .ThenBy(t => t.index)
            .Select(t => objective.ValueOf(t.trial.Result!)!.Value)
            .ToList();
        if (values.Count < 2)
        {
            return;
        }
        figures.Add(new Figure("objective.png", SearchSection,
            $"The objective ({objective}) of each trial as the trials ended, and the best so far",
            PlotDefaults.Width, PlotDefaults.Height, $"{sweepKey}/objective", null,
            _ => ResultCharts.ObjectiveOverTime(values, objective.Metric.Title(), objective.Goal == ObjectiveGoal.Minimize, $"Search progress: {snapshot.Name}")));
    }

    private static void AddClassDistributions(List<Figure> figures, SweepSnapshot snapshot, ResultSources sources)
    {
        var succeeded = snapshot.Trials.Where(t => t is { Result.Classes: > 0 } && t.State.HasResult()).ToList();
        foreach (var group in succeeded.GroupBy(t => (t.Spec.Dataset, t.Spec.Split.Train, t.Spec.Split.Test)))
        {
            var (dataset, train, test) = group.Key;
            // Any trial of the split knows its class counts; prefer one whose summary is in the artifact store.
            var trial = group.FirstOrDefault(t => sources.Artifact(t.ClusteringHash) is not null) ?? group.First();
            string name = Slug(string.Create(CultureInfo.InvariantCulture, $"classes-{dataset}-{train}-{test}")) + ".png";
            figures.Add(new Figure(name, ClassesSection,
                string.Create(CultureInfo.InvariantCulture, $"Class distribution of {dataset}: {train:N0} training and {test:N0} test rows"),
                PlotDefaults.Width, PlotDefaults.Height, $"{trial.ClusteringHash ?? trial.TrialId}/classes", null,
                _ => ClassDistribution(trial, sources)));
        }
    }

    private static BarChart ClassDistribution(TrialStatus trial, ResultSources sources)
    {
        var result = trial.Result!;
        IReadOnlyList<long>? train = null, test = null;
        if (sources.Artifact(trial.ClusteringHash) is { } folder)
        {
            var summary = StageArtifactReader.ReadClusteringSummary(folder);
            train = summary.TrainClassCounts;
            test = summary.TestClassCounts;
        }
        if (train is null && sources.HasDataset(trial.Spec.Dataset))
        {
            // Artifacts written before summaries recorded class counts: count the labels themselves.
            var data = sources.Load(sources.Selection(trial.Spec));
            var counts = new long[result.Classes];
            foreach (byte label in data.Train.Labels ?? [])
            {
                if (label < counts.Length)
                {
                    counts[label]++;
                }
            }
            train = counts;
        }
        // The test confusion's rows are the test rows per class.
        test ??= Enumerable.Range(0, result.Classes)
            .Select(r => Enumerable.Range(0, result.Classes).Sum(c => result.TestConfusion[r * result.Classes + c]))
            .ToList();
        return ResultCharts.ClassDistribution(train, test,
            string.Create(CultureInfo.InvariantCulture, $"Class distribution: {trial.Spec.Dataset} ({trial.Spec.Split.Train:N0} train, {trial.Spec.Split.Test:N0} test)"));
    }

    private static void AddAutoencoderFigures(List<Figure> figures, SweepSnapshot snapshot, ResultSources sources)
    {
        var autoencoders = snapshot.Trials
            .Where(t => t.AutoencoderHash is not null && t.Spec.Representation.Autoencoder is not null)
            .GroupBy(t => t.AutoencoderHash!)
            .Select(g => (Hash: g.Key, Trial: g.First(), Reconstructions: g.Any(t => t.Spec.Representation.Autoencoder!.Reconstructions)))
            .OrderBy(a => a.Trial.Spec.Dataset, StringComparer.Ordinal)
            .ThenBy(a => a.Trial.Spec.Representation.Autoencoder!.ZDim)
            .ThenBy(a => a.Trial.Spec.Representation.Label, StringComparer.Ordinal)
            .ThenBy(a => a.Trial.Spec.Seed);
        var options = sources.Options;
        foreach (var (hash, trial, reconstructions) in autoencoders)
        {
            var spec = trial.Spec;
            // A missing artifact leaves out all of the autoencoder's figures (the report counts it as missing).
            if (sources.Artifact(hash) is not { } folder)
            {
                continue;
            }
            string label = string.Create(CultureInfo.InvariantCulture, $"{spec.Representation.Label} · {spec.Dataset} · s{spec.Seed}");
            string slug = Slug(string.Create(CultureInfo.InvariantCulture, $"{spec.Dataset}-{spec.Representation.Label}-s{spec.Seed}"));
            var selection = sources.Selection(spec);
            var autoencoder = spec.Representation.Autoencoder!;
            bool hasData = sources.HasDataset(spec.Dataset);
            string how = autoencoder.ZDim == 2 ? "the codes themselves" : "a t-SNE embedding of the codes";
            foreach (bool train in hasData ? new[] { true, false } : [])
            {
                string split = train ? "train" : "test";
                string key = string.Create(CultureInfo.InvariantCulture, $"{hash}/latent-{split}/{options.TsnePoints}/{options.DirectPoints}/{options.Seed}");
                figures.Add(new Figure($"latent-{split}-{slug}.png", LatentSection,
                    $"Latent space of {label}, {split} rows: {how}, coloured by class", PlotDefaults.Square, PlotDefaults.Square, key, null,
                    ct => Latent(sources, hash, selection, train, label, ct), Costly: true));
            }
            // Artifacts written before stages recorded their history have no loss curve.
            if (StageArtifactReader.HasTrainingHistory(folder))
            {
                string loss = SpecNames.Of(autoencoder.Loss);
                figures.Add(new Figure($"loss-{slug}.png", LatentSection,
                    $"Loss per epoch of {label}: {loss} on the training rows (mean over each epoch's batches) and on the test rows (after each epoch)",
                    PlotDefaults.Width, PlotDefaults.Height, $"{hash}/loss", null,
                    _ => ResultCharts.LossCurve(StageArtifactReader.ReadTrainingHistory(sources.Artifacts.Get(hash)), loss, $"Loss per epoch: {label}")));
            }
            // Reconstructions are drawn as grey images: for grey image data only.
            if (reconstructions && hasData && sources.Datasets.Registry.Get(spec.Dataset) is { IsImage: true, Shape: [1, _, _] })
            {
                figures.Add(new Figure($"reconstructions-{slug}.png", ReconstructionSection,
                    $"Test images (top) and their reconstructions by {label} (bottom)", PlotDefaults.Width, ReconstructionHeight,
                    string.Create(CultureInfo.InvariantCulture, $"{hash}/reconstructions/{options.Reconstructions}"), null,
                    _ => Reconstructions(sources, hash, selection, label), Costly: true));
            }
        }
    }

    private static XYChart Latent(ResultSources sources, string hash, DataSelection selection, bool train, string label, CancellationToken cancellationToken)
    {
        string folder = sources.Artifacts.Get(hash);
        var (codes, rows, columns) = StageArtifactReader.ReadCodes(folder, train);
        var data = sources.Load(selection);
        // Unlabeled rows are drawn in one colour.
        var labels = (train ? data.Train : data.Test).Labels ?? new byte[rows];
        var options = sources.Options;
        int max = columns == 2 ? options.DirectPoints : options.TsnePoints;
        var points = LatentProjection.Project(codes, rows, columns, labels, max, options.Seed, cancellationToken);
        string split = train ? "train" : "test";
        string what = points.Embedded
            ? string.Create(CultureInfo.InvariantCulture, $"t-SNE of {points.Labels.Length:N0}/{rows:N0} {split} codes")
            : string.Create(CultureInfo.InvariantCulture, $"{points.Labels.Length:N0}/{rows:N0} {split} codes");
        return ResultCharts.LatentScatter(points.XY, points.Labels, $"{label}: {what}",
            points.Embedded ? "t-SNE 1" : "z₁", points.Embedded ? "t-SNE 2" : "z₂");
    }

    private static ImageGridChart Reconstructions(ResultSources sources, string hash, DataSelection selection, string label)
    {
        string folder = sources.Artifacts.Get(hash);
        var test = sources.Load(selection).Test;
        var (originals, outputs, labels) = StageArtifactReader.Reconstruct(folder, test, sources.Options.Reconstructions);
        var dataset = sources.Datasets.Registry.Get(selection.Dataset);
        var captions = labels is null
            ? Enumerable.Range(1, originals.Length).Select(row => $"row {row}").ToList()
            : labels.Select(l => dataset.ClassName(l)).ToList();
        return ResultCharts.Reconstructions(originals, outputs, captions, test.Height, test.Width, $"Reconstructions: {label}");
    }

    private static void AddTrialFigures(List<Figure> figures, SweepSnapshot snapshot, ResultSources sources)
    {
        for (int i = 0; i < snapshot.Trials.Count; i++)
        {
            var trial = snapshot.Trials[i];
            // Confusion matrices and cluster errors need class labels.
            if (trial is not { Result: { Classes: > 0 } result } || !trial.State.HasResult())
            {
                continue;
            }
            string slug = TrialSlug(i, trial.Spec);
            string key = trial.ClusteringHash ?? trial.TrialId;
            string label = trial.Spec.Key;
            figures.Add(new Figure($"{slug}-confusion.png", TrialSection, $"Test confusion matrix of {label}, counts",
                PlotDefaults.Square, PlotDefaults.Square, $"{key}/confusion", trial.TrialId,
                _ => ResultCharts.ConfusionCounts(result.TestConfusion, result.Classes, $"Test confusion (counts): {label}")));
            figures.Add(new Figure($"{slug}-confusion-percent.png", TrialSection, $"Test confusion matrix of {label}, % of each true class",
                PlotDefaults.Square, PlotDefaults.Square, $"{key}/confusion-percent", trial.TrialId,
                _ => ResultCharts.ConfusionRowPercent(result.TestConfusion, result.Classes, $"Test confusion (row %): {label}")));
            if (sources.Artifact(trial.ClusteringHash) is not null)
            {
                figures.Add(new Figure($"{slug}-cluster-errors.png", TrialSection,
                    $"Per-cluster error of {label}: share of each cluster's training members outside its majority class",
                    PlotDefaults.Width, PlotDefaults.Height, $"{key}/cluster-errors", trial.TrialId,
                    _ =>
                    {
                        var summary = StageArtifactReader.ReadClusteringSummary(sources.Artifacts.Get(trial.ClusteringHash!));
                        return ResultCharts.ClusterErrorHistogram(summary.ClusterErrors, ClassificationReport.DefaultFlagThreshold, $"Per-cluster error: {label}");
                    }));
            }
        }
    }
}
