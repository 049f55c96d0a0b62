using System.Buffers.Binary;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Core;
using Grid.Grains.Runs;
using Grid.Grains.Stages;
using Grid.Silo.Pages;

namespace Grid.Grains.Tests;

/// <summary>
/// A sweep's report from what the cluster recorded: trial statuses name their stages' artifacts, and the report
/// draws every figure from them (PageSecurityTests: pages encode whatever a spec or a run put in them).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ResultsReportTests(ClusterFixture fixture)
{
    /// <summary>The stages of SweepTests' small study (reconstructions change what is drawn, not what is computed), so they are shared.</summary>
    private static SweepSpec Spec() =>
        Specs.Valid("""
            {
              "name": "report-study",
              "datasets": ["mnist"],
              "split": { "train": 2000, "test": 500 },
              "representations": ["pixels", { "autoencoder": { "z_dim": 4, "epochs": 1, "reconstructions": true } }],
              "scalers": ["none", "l2"],
              "k": [5, 10, 20],
              "seeds": [0],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 }
            }
            """);

    [Fact]
    public async Task A_finished_sweep_names_its_stage_artifacts_and_its_report_draws_every_figure()
    {
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("report-study-1");
        await sweep.SubmitAsync(Spec());
        await Wait.UntilAsync(async () => (await sweep.GetSnapshotAsync())!.IsFinished, TimeSpan.FromMinutes(5), "the report study finishes");
        var snapshot = (await sweep.GetSnapshotAsync())!;
        Assert.All(snapshot.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));

        // Each status carries the hashes its stages ran under, and their artifacts are there.
        var artifacts = new ArtifactStore(ClusterFixture.ArtifactsDir);
        foreach (var trial in snapshot.Trials)
        {
            Assert.Equal(TestKeys.Autoencoder(trial.Spec), trial.AutoencoderHash);
            Assert.Equal(TestKeys.Chain(trial.Spec)[^1].Hash, trial.ClusteringHash);
            Assert.NotNull(artifacts.Find(trial.ClusteringHash!));
        }

        using var output = new TempDirectory("grid-report-");
        var sources = new ResultSources(artifacts, new DatasetStore(ClusterFixture.SiloDataDir), new FigureOptions { TsnePoints = 300, Reconstructions = 6 });
        var lines = new List<string>();
        var report = SweepReportWriter.Write(snapshot, sources, output.Path, new SynchronousProgress<string>(lines.Add));

        Assert.Empty(report.Failures);
        Assert.Equal(0, report.MissingArtifacts);
        var figures = ResultFigures.List(snapshot, sources);
        Assert.Equal(figures.Count, report.Figures);
        // 4 elbows + comparison + test error + a chart per quality measure; the objective over the trials; class distribution;
        // latent train and test, loss + reconstructions; 3 per trial.
        Assert.Equal(4 + 2 + 3 + 1 + 1 + 4 + 3 * snapshot.Total, figures.Count);
        // Every trial measured its test rows (500 of them, k ≤ 20: the measures are defined).
        Assert.All(snapshot.Trials, t => Assert.All(QualityMeasures.All, m => Assert.NotNull(t.Result!.Quality(m))));
        Assert.All(snapshot.Trials, t => Assert.InRange(t.Result!.Silhouette!.Value, -1, 1));
        foreach (var figure in figures)
        {
            byte[] png = File.ReadAllBytes(Path.Combine(output.Path, SweepReportWriter.FiguresFolder, figure.Name));
            Assert.Equal((figure.Width, figure.Height), PngSize(png));
        }
        Assert.Equal(figures.Count, lines.Count(l => l.StartsWith('[')));

        string html = File.ReadAllText(report.IndexPath);
        Assert.Contains("<h1>report-study <small>report-study-1</small></h1>", html);
        Assert.Equal(snapshot.Total, CountOf(html, "<tr class=\"trial "));
        Assert.Contains("id=\"knees-table\"", html);
        Assert.Contains("best test error overall", html);
        Assert.All(figures, f => Assert.Contains($"src=\"figures/{f.Name}\"", html));
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);

        // One numbering: trial N of the results table is trial N of its section and of its figures' names.
        for (int i = 0; i < snapshot.Total; i++)
        {
            string slug = ResultFigures.TrialSlug(i, snapshot.Trials[i].Spec);
            Assert.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"t{i + 1:000}-"), slug);
            Assert.Contains($"<a href=\"#{slug}\">{i + 1}</a>", html);
            Assert.Contains($"<details id=\"{slug}\"", html);
            Assert.All(figures.Where(f => f.TrialId == snapshot.Trials[i].TrialId), f => Assert.StartsWith(slug + "-", f.Name));
        }
        Assert.DoesNotContain(figures, f => f.Name.StartsWith("t000", StringComparison.Ordinal));
        // Three k values per curve: no knee is shown, the table says why.
        Assert.Equal(4, CountOf(html, "<td class=\"knee\">too few points (3 &lt; 5)</td>"));
        Assert.DoesNotContain("knee of ", html);

        // The autoencoder's loss per epoch comes from its artifact: one point per epoch, train and test.
        var autoencoder = snapshot.Trials.First(t => t.AutoencoderHash is not null).AutoencoderHash!;
        var history = Grid.Compute.Plots.StageArtifactReader.ReadTrainingHistory(artifacts.Get(autoencoder));
        Assert.Equal([1], history.Select(e => e.Epoch));
        var loss = Assert.Single(figures, f => f.Name.StartsWith("loss-", StringComparison.Ordinal));
        Assert.Equal(ResultFigures.LatentSection, loss.Section);
        var lossChart = Assert.IsType<Grid.Compute.Plots.XYChart>(loss.Build(CancellationToken.None));
        Assert.Equal([history[0].TrainLoss], lossChart.Series[0].Y);
        Assert.Equal([history[0].TestLoss!.Value], lossChart.Series[1].Y);

        // Per-cluster errors come from the clustering stage's summary: as many clusters as k.
        var best = snapshot.Trials.Single(t => t.TrialId == snapshot.BestTrialId);
        var summary = Grid.Compute.Plots.StageArtifactReader.ReadClusteringSummary(artifacts.Get(best.ClusteringHash!));
        Assert.Equal(best.Spec.K, summary.ClusterErrors.Count);
        Assert.Equal(best.Result!.FlaggedClusters, summary.ClusterErrors.Count(e => e > 0.4));
        Assert.Equal(2000, summary.TrainClassCounts!.Sum());
    }

    [Fact]
    public void An_unwritable_report_folder_is_named_in_the_error()
    {
        using var output = new TempDirectory("grid-report-");
        string file = Path.Combine(output.Path, "a-file");
        File.WriteAllText(file, "");
        var snapshot = new SweepSnapshot("s", "s", SweepState.Completed, [], [], null, new StageCounts(0, 0), DateTimeOffset.UnixEpoch, null, 1);
        var sources = new ResultSources(new ArtifactStore(output.Path), new DatasetStore(output.Path), new FigureOptions());

        var error = Assert.Throws<IOException>(() => SweepReportWriter.Write(snapshot, sources, Path.Combine(file, "report")));
        Assert.Contains(Path.Combine(file, "report"), error.Message);
    }

    internal static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}

/// <summary>What the pages show from a snapshot alone: knees, numbering, and figures left out when their artifact is.</summary>
public sealed class ResultsPageTests : IDisposable
{
    private readonly TempDirectory _root = new("grid-pages-");

    public void Dispose() => _root.Dispose();

    internal static TrialStatus Trial(ScalerKind scaler, int k, string? autoencoderHash = null)
    {
        var representation = autoencoderHash is null ? RepresentationSpec.Raw : RepresentationSpec.Of(new AutoencoderSpec(2, Epochs: 3));
        var spec = new TrialSpec("mnist", new SplitSpec(100, 50), representation, scaler, k, 0, KMeansSettings.MiniBatchDefaults);
        var result = new ClusteringResult(0.5 / k, 0.6 / k, 1000.0 / k, 5, 0.1, 2, [10, 2, 3, 9], 0);
        return new TrialStatus(spec.Key, spec, TrialState.Succeeded, null, result, null, 1, 0, autoencoderHash);
    }

    private static ElbowCurve Curve(string scaler, int[] ks, int knee) =>
        new("mnist", "raw", scaler, 0, ks.Select(k => new ElbowPoint(k, 1000.0 / k, 0.5 / k, 0.6 / k)).ToList(), knee);

    private ResultSources Sources() => new(new ArtifactStore(_root.File("artifacts")), new DatasetStore(_root.File("data")), new FigureOptions());

    [Fact]
    public void A_knee_of_fewer_than_five_points_is_shown_as_too_few_points_in_the_knees_table_the_best_table_and_the_caption()
    {
        int[] three = [5, 10, 20], five = [5, 10, 20, 40, 80];
        var trials = three.Select(k => Trial(ScalerKind.None, k)).Concat(five.Select(k => Trial(ScalerKind.L2, k))).ToList();
        var snapshot = new SweepSnapshot("s-knees", "knees", SweepState.Completed, trials,
            [Curve("none", three, 10), Curve("l2", five, 20)], trials[^1].TrialId, new StageCounts(8, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 4);
        var figures = ResultFigures.List(snapshot, Sources());

        string html = ResultsHtml.SweepPage(snapshot, figures, new ResultsHtml.PageMode(false, f => f.Name));

        Assert.Contains("<td>3</td><td class=\"knee\">too few points (3 &lt; 5)</td><td>—</td>", html);
        Assert.Contains("<td>5</td><td class=\"knee\">20</td>", html);
        Assert.Equal(1, ResultsReportTests.CountOf(html, "knee of "));
        Assert.Contains(System.Net.WebUtility.HtmlEncode("knee of mnist · raw · l2 · seed 0"), html);
        Assert.Contains(figures, f => f.Name == "elbow-mnist-raw-none-s0.png" && f.Caption.EndsWith("(knee k: too few points (3 < 5))", StringComparison.Ordinal));
        Assert.Contains(figures, f => f.Name == "elbow-mnist-raw-l2-s0.png" && f.Caption.EndsWith("(knee k: 20)", StringComparison.Ordinal));
        // Trials are numbered from 1 in the table, the sections and the figure names alike.
        Assert.Contains($"<a href=\"#t001-{ResultFigures.Slug(trials[0].Spec.Key)}\">1</a>", html);
        Assert.Contains(figures, f => f.Name == $"t008-{ResultFigures.Slug(trials[7].Spec.Key)}-confusion.png");
    }

    [Fact]
    public void Quality_measures_show_in_the_tables_and_the_json_api_with_a_dash_where_missing_and_are_charted_over_k()
    {
        int[] ks = [5, 10, 20, 40, 80];
        // k = 40 was recorded before trials measured quality: its measures are missing.
        var trials = ks.Select(k => Trial(ScalerKind.L2, k))
            .Select(t => t.Spec.K == 40 ? t : t with { Result = t.Result! with { Silhouette = 0.01 * t.Spec.K, DaviesBouldin = 2.0 - 0.01 * t.Spec.K, CalinskiHarabasz = 10.0 * t.Spec.K } })
            .ToList();
        var snapshot = new SweepSnapshot("s-quality", "quality", SweepState.Completed, trials, SweepAggregator.Curves(trials),
            SweepAggregator.Best(trials, ObjectiveSpec.Of(ObjectiveMetric.TestError)), new StageCounts(5, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 5);
        var figures = ResultFigures.List(snapshot, Sources());

        string html = ResultsHtml.SweepPage(snapshot, figures, new ResultsHtml.PageMode(false, f => f.Name));

        Assert.Contains("<th title=\"silhouette (higher is better), on the test rows\">silhouette</th>", html);
        Assert.Contains("<th title=\"Davies–Bouldin (lower is better), on the test rows\">Davies–Bouldin</th>", html);
        // The best trial is the lowest test error (k = 80): in the results table, and in the best table as the best
        // overall and the best of its curve.
        Assert.Equal(80, trials.Single(t => t.TrialId == snapshot.BestTrialId).Spec.K);
        int rows = 1 + BestConfigurations.Of(snapshot).Count(b => b.Trial.Spec.K == 80);
        Assert.True(rows >= 3);
        Assert.Equal(rows, ResultsReportTests.CountOf(html, "<td class=\"quality\" data-measure=\"silhouette\">0.8000</td>"));
        Assert.Equal(rows, ResultsReportTests.CountOf(html, "<td class=\"quality\" data-measure=\"davies_bouldin\">1.2000</td>"));
        Assert.Equal(rows, ResultsReportTests.CountOf(html, "<td class=\"quality\" data-measure=\"calinski_harabasz\">800.0</td>"));
        foreach (string measure in new[] { "silhouette", "davies_bouldin", "calinski_harabasz" })
        {
            Assert.Equal(1, ResultsReportTests.CountOf(html, $"<td class=\"quality\" data-measure=\"{measure}\">—</td>"));
        }

        // One chart per measure, next to the elbow: the k values that have the measure.
        var silhouette = Assert.Single(figures, f => f.Name == "silhouette.png");
        Assert.Equal(ResultFigures.ElbowSection, silhouette.Section);
        var chart = Assert.IsType<Grid.Compute.Plots.XYChart>(silhouette.Build(CancellationToken.None));
        Assert.Equal([5.0, 10, 20, 80], Assert.Single(chart.Series).X);
        Assert.Equal([0.05, 0.1, 0.2, 0.8], chart.Series[0].Y);
        // The knee is circled where the measure is known there.
        var knee = Kneedle.Shown(snapshot.Curves.Single().KneeK, ks.Length);
        Assert.Equal(knee is int at && at != 40 ? [at] : Array.Empty<double>(), chart.Markers.Select(m => m.X));
        Assert.Contains(figures, f => f.Name == "davies-bouldin.png");
        Assert.Contains(figures, f => f.Name == "calinski-harabasz.png");

        // The JSON API names the best trial with its measures.
        var best = ResultsEndpoints.Status(snapshot)["best"]!;
        Assert.Equal(80, best["k"]!.GetValue<int>());
        Assert.Equal(0.8, best["silhouette"]!.GetValue<double>());
        Assert.Equal(1.2, best["davies_bouldin"]!.GetValue<double>(), 1e-12);
        Assert.Equal(800.0, best["calinski_harabasz"]!.GetValue<double>());

        // Without any measure (results from before them), no chart is listed.
        var old = snapshot with { Trials = ks.Select(k => Trial(ScalerKind.L2, k)).ToList(), Curves = SweepAggregator.Curves(ks.Select(k => Trial(ScalerKind.L2, k))) };
        Assert.DoesNotContain(ResultFigures.List(old, Sources()), f => f.Name is "silhouette.png" or "davies-bouldin.png" or "calinski-harabasz.png");
        Assert.Null(ResultsEndpoints.Status(old)["best"]!["silhouette"]);
    }

    [Fact]
    public void An_autoencoder_loss_figure_needs_its_artifact_and_its_history_but_not_the_dataset()
    {
        var trial = Trial(ScalerKind.None, 5, autoencoderHash: "ae1");
        var snapshot = new SweepSnapshot("s-loss", "loss", SweepState.Completed, [trial], [], trial.TrialId, new StageCounts(2, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 2);
        var sources = Sources();
        bool HasLoss() => ResultFigures.List(snapshot, sources).Any(f => f.Name.StartsWith("loss-", StringComparison.Ordinal));

        // No artifact: no loss figure, and the report counts the artifact as missing.
        Assert.False(HasLoss());
        Assert.Equal(1, SweepReportWriter.Write(snapshot, sources, _root.File("report-1")).MissingArtifacts);

        // An artifact from before stages recorded their history: still none.
        string folder = sources.Artifacts.Commit("ae1", _ => { });
        Assert.False(HasLoss());

        // With its history (and no dataset in the data directory, so no latent figures): the loss figure alone.
        Grid.Compute.Autoencoder.TrainingHistory.Write(Path.Combine(folder, StagePipeline.HistoryFile),
            [new(1, 0.30, 0.28, 2, 100), new(2, 0.20, 0.19, 2, 100), new(3, 0.15, 0.16, 2, 100)]);
        var figure = Assert.Single(ResultFigures.List(snapshot, sources), f => f.Section == ResultFigures.LatentSection);
        Assert.Equal("loss-mnist-ae-z2-bce-e3-s0.png", figure.Name);
        var chart = Assert.IsType<Grid.Compute.Plots.XYChart>(figure.Build(CancellationToken.None));
        Assert.Equal([0.30, 0.20, 0.15], chart.Series[0].Y);
        Assert.Equal([0.28, 0.19, 0.16], chart.Series[1].Y);
        var report = SweepReportWriter.Write(snapshot, sources, _root.File("report-2"));
        Assert.Empty(report.Failures);
        Assert.Equal(0, report.MissingArtifacts);
        Assert.True(File.Exists(_root.File("report-2", SweepReportWriter.FiguresFolder, figure.Name)));
    }
}
