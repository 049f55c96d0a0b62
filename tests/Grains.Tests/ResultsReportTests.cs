using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Grains.Stages;
using Grid.Silo.Pages;

namespace Grid.Grains.Tests;

/// <summary>
/// A sweep's report from what the cluster recorded: trial statuses name their stages' artifacts, and the report
/// draws every figure from them. Pages encode whatever a spec or a run put in them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ResultsReportTests(ClusterFixture fixture)
{
    /// <summary>The stages of SweepTests' small study (reconstructions change what is drawn, not what is computed), so they are shared.</summary>
    private static SweepSpec Spec()
    {
        var result = SweepSpecParser.Parse(JsonNode.Parse("""
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
            """), "test");
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Spec!;
    }

    [Fact]
    public async Task A_finished_sweep_names_its_stage_artifacts_and_its_report_draws_every_figure()
    {
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("report-study-1");
        await sweep.SubmitAsync(Spec());
        await Until.TrueAsync(async () => (await sweep.GetSnapshotAsync())!.IsFinished, TimeSpan.FromMinutes(5), "the report study finishes");
        var snapshot = (await sweep.GetSnapshotAsync())!;
        Assert.All(snapshot.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));

        // Each status carries the hashes its stages ran under, and their artifacts are there.
        var artifacts = new ArtifactStore(ClusterFixture.ArtifactsDir);
        foreach (var trial in snapshot.Trials)
        {
            Assert.Equal(StageKeys.Autoencoder(trial.Spec), trial.AutoencoderHash);
            Assert.Equal(StageKeys.Chain(trial.Spec)[^1].Hash, trial.ClusteringHash);
            Assert.NotNull(artifacts.Find(trial.ClusteringHash!));
        }

        using var output = new TemporaryFolder();
        var sources = new ResultSources(artifacts, new DatasetStore(ClusterFixture.SiloDataDir), new FigureOptions { TsnePoints = 300, Reconstructions = 6 });
        var lines = new List<string>();
        var report = SweepReportWriter.Write(snapshot, sources, output.Path, new InlineProgress(lines.Add));

        Assert.Empty(report.Failures);
        Assert.Equal(0, report.MissingArtifacts);
        var figures = ResultFigures.List(snapshot, sources);
        Assert.Equal(figures.Count, report.Figures);
        // 4 elbows + comparison + test error; class distribution; latent train and test + reconstructions; 3 per trial.
        Assert.Equal(4 + 2 + 1 + 3 + 3 * snapshot.Total, figures.Count);
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

        // Per-cluster errors come from the clustering stage's summary: as many clusters as k.
        var best = snapshot.Trials.Single(t => t.TrialId == snapshot.BestTrialId);
        var summary = Grid.Compute.Plots.StageArtifactReader.ReadClusteringSummary(artifacts.Get(best.ClusteringHash!));
        Assert.Equal(best.Spec.K, summary.ClusterErrors.Count);
        Assert.Equal(best.Result!.FlaggedClusters, summary.ClusterErrors.Count(e => e > 0.4));
        Assert.Equal(2000, summary.TrainClassCounts!.Sum());
    }

    [Fact]
    public void Pages_encode_everything_a_spec_or_a_run_puts_in_them()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        var spec = new TrialSpec("mnist", new SplitSpec(100, 50), RepresentationSpec.Pixels, ScalerKind.None, 5, 0, KMeansSettings.MiniBatchDefaults);
        var trial = new TrialStatus("s/" + hostile, spec, TrialState.Failed, null, null, "failed: " + hostile, 0, 0);
        var snapshot = new SweepSnapshot(hostile, hostile, SweepState.Completed, [trial], [], null, new StageCounts(0, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 3);

        string page = ResultsHtml.SweepPage(snapshot, [], new ResultsHtml.PageMode(true, f => f.Name));
        string list = ResultsHtml.SweepList([snapshot]);

        foreach (string html in new[] { page, list })
        {
            Assert.DoesNotContain(hostile, html);
            Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        }
        Assert.Contains("href=\"/sweeps/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E\"", list);
    }

    [Fact]
    public void An_unwritable_report_folder_is_named_in_the_error()
    {
        using var output = new TemporaryFolder();
        string file = Path.Combine(output.Path, "a-file");
        File.WriteAllText(file, "");
        var snapshot = new SweepSnapshot("s", "s", SweepState.Completed, [], [], null, new StageCounts(0, 0), DateTimeOffset.UnixEpoch, null, 1);
        var sources = new ResultSources(new ArtifactStore(output.Path), new DatasetStore(output.Path), new FigureOptions());

        var error = Assert.Throws<IOException>(() => SweepReportWriter.Write(snapshot, sources, Path.Combine(file, "report")));
        Assert.Contains(Path.Combine(file, "report"), error.Message);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private sealed class InlineProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "grid-report-" + Guid.NewGuid().ToString("N"));

        public TemporaryFolder() => Directory.CreateDirectory(Path);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }
}
