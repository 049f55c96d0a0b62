using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Compute.Pipeline;
using Grid.Core;
using Grid.Grains.Stages;
using Grid.Silo.Pages;
using Microsoft.Extensions.DependencyInjection;
using nietras.SeparatedValues;
using Orleans.Storage;
using Orleans.TestingHost;
using Parquet.Serialization;

namespace Grid.Grains.Tests;

/// <summary>
/// Managing sweeps on a real test cluster: trial logs, retry, delete (with artifacts), tags and notes, export and
/// comparison. Stages fail where a test asks them to (<see cref="FaultInjectingExecutor"/>); every sweep clusters a
/// few hundred MNIST rows with its own seed, so its stages are its own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SweepManagementTests(ClusterFixture fixture)
{
    private static SweepSpec Spec(string name, int seed, string ks, string scalers = "\"none\"", string kmeans = "") =>
        Specs.Valid($$"""
            {
              "name": "{{name}}",
              "datasets": ["mnist"],
              "split": { "train": 1000, "test": 200 },
              "representations": ["pixels"],
              "scalers": [{{scalers}}],
              "k": [{{ks}}],
              "seeds": [{{seed}}],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 {{kmeans}} }
            }
            """);

    /// <summary>The hash of the last (own) stage of the trial with <paramref name="k"/>.</summary>
    private static string StageOf(SweepSpec spec, int k) => TestKeys.Chain(SweepExpansion.Expand(spec).Single(t => t.K == k))[^1].Hash;

    private async Task<SweepSnapshot> FinishedAsync(ISweepGrain sweep, string phase)
    {
        await Wait.UntilAsync(async () => (await sweep.GetSnapshotAsync())!.IsFinished, TimeSpan.FromMinutes(3), phase);
        return (await sweep.GetSnapshotAsync())!;
    }

    private ISweepRegistryGrain Registry => fixture.Grains.GetGrain<ISweepRegistryGrain>(0);

    [Fact]
    public async Task A_stage_that_fails_once_then_succeeds_shows_both_attempts_in_the_trial_log()
    {
        var spec = Spec("fail-once", seed: 31, ks: "4");
        string hash = StageOf(spec, 4);
        FaultInjectingExecutor.Fail(hash, attempts: 1);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("fail-once");
        await sweep.SubmitAsync(spec, ["baseline", "pixels"], "first try");

        var done = await FinishedAsync(sweep, "the sweep whose stage fails once finishes");

        var trial = Assert.Single(done.Trials);
        Assert.True(trial.State == TrialState.Succeeded, $"{trial.State}: {trial.Error}");
        var lines = trial.Events!;
        Assert.Equal(TrialEventKind.Started, lines[0].Kind);
        Assert.Equal(TrialEventKind.Succeeded, lines[^1].Kind);
        Assert.Equal(
            [(TrialEventKind.Attempt, 1), (TrialEventKind.Error, 1), (TrialEventKind.Attempt, 2), (TrialEventKind.Computed, 2)],
            lines.Where(l => l.StageHash == hash).Select(l => (l.Kind, l.Attempt)));
        var error = lines.Single(l => l.Kind == TrialEventKind.Error);
        Assert.Contains(FaultInjectingExecutor.Message, error.Detail);
        Assert.Equal(StageKind.Clustering, error.Stage);
        Assert.All(lines.Where(l => l.Kind is TrialEventKind.Attempt or TrialEventKind.Error or TrialEventKind.Computed),
            l => Assert.False(string.IsNullOrEmpty(l.Silo), $"{l.Kind} names its silo"));
        Assert.Equal(lines.Select(l => l.Time).Order(), lines.Select(l => l.Time));
        // The attempt and the result it gave name the silo alike (host:port, as progress does).
        Assert.Equal(lines.Single(l => l.Kind == TrialEventKind.Computed).Silo, lines.Single(l => l.Kind == TrialEventKind.Attempt && l.Attempt == 2).Silo);

        // The report and the live pages show the log, with the reason of the failed attempt.
        string page = ResultsHtml.SweepPage(done, [], new ResultsHtml.PageMode(false, f => f.Name));
        Assert.Contains("id=\"trial-logs\"", page);
        Assert.Contains(WebUtility.HtmlEncode(FaultInjectingExecutor.Message), page);
    }

    [Fact]
    public async Task Tags_and_note_are_stored_with_the_sweep_and_shown_in_the_list_and_on_the_pages()
    {
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("tagged");
        await sweep.SubmitAsync(Spec("tagged", seed: 38, ks: "3"), ["baseline", "a<b", "baseline"], "raw pixels, \"first\" try");

        var done = await FinishedAsync(sweep, "the tagged sweep finishes");

        Assert.Equal(["baseline", "a<b"], done.Tags);
        Assert.Equal("raw pixels, \"first\" try", done.Note);
        var listed = (await Registry.ListAsync()).Single(s => s.SweepId == "tagged");
        Assert.Equal(["baseline", "a<b"], listed.Tags);
        Assert.Equal(done.Note, listed.Note);
        string page = ResultsHtml.SweepPage(done, [], new ResultsHtml.PageMode(false, f => f.Name));
        Assert.Contains("<span class=\"tag\">a&lt;b</span>", page);
        Assert.Contains(WebUtility.HtmlEncode(done.Note!), page);
        Assert.Contains("<span class=\"tag\">baseline</span>", ResultsHtml.SweepList([done]));
    }

    [Fact]
    public async Task Retry_reruns_the_failed_trials_reusing_the_stages_that_succeeded()
    {
        // Warm start: the k = 5 trial's chain passes through the k = 3 stage, which the k = 3 trial computes.
        var spec = Spec("retry", seed: 32, ks: "3, 5", kmeans: ", \"warm_start\": true");
        string failing = StageOf(spec, 5);
        FaultInjectingExecutor.Fail(failing, attempts: 3);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("retry");
        await sweep.SubmitAsync(spec);
        var first = await FinishedAsync(sweep, "the sweep with a failing stage finishes");
        Assert.Equal(SweepState.Completed, first.State);
        var failed = Assert.Single(first.Trials, t => t.State == TrialState.Failed);
        Assert.Equal(5, failed.Spec.K);
        Assert.Contains("failed after 3 attempts", failed.Error);
        Assert.Null(await fixture.Grains.GetGrain<IStageGrain>(failing).PeekAsync());

        var retried = (await sweep.RetryAsync(includeCancelled: true))!;

        Assert.Equal(SweepState.Running, retried.State);
        Assert.Null(retried.Finished);
        Assert.Equal(1, retried.Trials.Single(t => t.Spec.K == 5).Retries);
        var done = await FinishedAsync(sweep, "the retried trial finishes");
        Assert.Equal(SweepState.Completed, done.State);
        Assert.All(done.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));
        var again = done.Trials.Single(t => t.Spec.K == 5);
        Assert.Equal((1, 1), (again.StagesComputed, again.StagesReused));
        Assert.Equal(1, again.Retries);
        Assert.Null(again.Error);
        Assert.Contains(again.Events!, l => l.Kind == TrialEventKind.Retried);
        Assert.Equal(1, (await fixture.Grains.GetGrain<IStageGrain>(failing).PeekAsync())!.Attempts);
        var listed = (await Registry.ListAsync()).Single(s => s.SweepId == "retry");
        Assert.Equal((SweepState.Completed, 2, 0), (listed.State, listed.Succeeded, listed.Failed));

        // A late report of the run that was retried changes nothing.
        await sweep.OnTrialUpdatedAsync(failed);
        Assert.Equal(TrialState.Succeeded, (await sweep.GetSnapshotAsync())!.Trials.Single(t => t.Spec.K == 5).State);
        // Nothing left to retry: the sweep stays as it is.
        Assert.Equal(SweepState.Completed, (await sweep.RetryAsync(includeCancelled: true))!.State);
    }

    [Fact]
    public async Task Retry_of_a_cancelled_sweep_runs_its_cancelled_trials_only_when_asked_and_the_sweep_completes()
    {
        var spec = Spec("retry-cancelled", seed: 40, ks: "3");
        string hash = StageOf(spec, 3);
        FaultInjectingExecutor.Hold(hash);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("retry-cancelled");
        await sweep.SubmitAsync(spec);
        await Wait.UntilAsync(async () => (await sweep.GetSnapshotAsync())!.Trials[0].Events?.Any(l => l.Kind == TrialEventKind.Attempt) == true,
            TimeSpan.FromMinutes(1), "the held stage starts its attempt");
        Assert.Equal(SweepState.Cancelled, (await sweep.CancelAsync())!.State);
        FaultInjectingExecutor.Release(hash);

        var failedOnly = (await sweep.RetryAsync(includeCancelled: false))!;

        Assert.Equal(SweepState.Cancelled, failedOnly.State);
        Assert.Equal(TrialState.Cancelled, failedOnly.Trials[0].State);

        var retried = (await sweep.RetryAsync(includeCancelled: true))!;

        Assert.Equal(SweepState.Running, retried.State);
        var done = await FinishedAsync(sweep, "the retried cancelled trial finishes");
        Assert.Equal(SweepState.Completed, done.State);
        var trial = Assert.Single(done.Trials);
        Assert.True(trial.State == TrialState.Succeeded, $"{trial.State}: {trial.Error}");
        Assert.Equal(1, trial.Retries);
        Assert.Equal(
            [TrialEventKind.Started, TrialEventKind.Attempt, TrialEventKind.Cancelled, TrialEventKind.Retried, TrialEventKind.Started, TrialEventKind.Attempt, TrialEventKind.Computed, TrialEventKind.Succeeded],
            trial.Events!.Select(l => l.Kind));
    }

    [Fact]
    public async Task Delete_removes_the_records_and_with_artifacts_only_the_stages_no_other_sweep_uses()
    {
        var specA = Spec("delete-a", seed: 33, ks: "4, 6");
        var specB = Spec("delete-b", seed: 33, ks: "6, 7");
        var a = fixture.Grains.GetGrain<ISweepGrain>("delete-a");
        var b = fixture.Grains.GetGrain<ISweepGrain>("delete-b");
        await a.SubmitAsync(specA);
        await b.SubmitAsync(specB);
        var doneA = await FinishedAsync(a, "sweep delete-a finishes");
        await FinishedAsync(b, "sweep delete-b finishes");
        string own = StageOf(specA, 4), shared = StageOf(specA, 6);
        Assert.Equal(shared, StageOf(specB, 6));
        var store = new ArtifactStore(ClusterFixture.ArtifactsDir);
        Assert.NotNull(store.Find(own));

        var deletion = (await a.DeleteAsync(force: false, artifacts: true))!;

        Assert.True(deletion.Deleted);
        Assert.Equal(2, deletion.Trials);
        Assert.Equal([own], deletion.UnreferencedStages);
        Assert.Equal(1, deletion.SharedStages);
        Assert.Null(await a.GetSnapshotAsync());
        Assert.DoesNotContain(await Registry.ListAsync(), s => s.SweepId == "delete-a");
        foreach (var trial in doneA.Trials)
        {
            Assert.Null(await fixture.Grains.GetGrain<ITrialGrain>(trial.TrialId).GetStatusAsync());
        }
        Assert.Null(await fixture.Grains.GetGrain<IStageGrain>(own).PeekAsync());
        Assert.NotNull(await fixture.Grains.GetGrain<IStageGrain>(shared).PeekAsync());
        Assert.NotNull(await b.GetSnapshotAsync());

        // What the console then does with the list: the unreferenced artifact goes, the shared one stays.
        Assert.True(store.Delete(own) > 0);
        Assert.Null(store.Find(own));
        Assert.NotNull(store.Find(shared));
        Assert.Null(store.Delete(own));

        // The id is free again, and the forgotten stage is computed again rather than reused without its files.
        await a.SubmitAsync(specA);
        var redone = await FinishedAsync(a, "sweep delete-a, submitted again, finishes");
        Assert.All(redone.Trials, t => Assert.True(t.State == TrialState.Succeeded, $"{t.Spec.Key}: {t.State} {t.Error}"));
        Assert.Equal((1, 0), redone.Trials.Where(t => t.Spec.K == 4).Select(t => (t.StagesComputed, t.StagesReused)).Single());
        Assert.Equal((0, 1), redone.Trials.Where(t => t.Spec.K == 6).Select(t => (t.StagesComputed, t.StagesReused)).Single());
        Assert.NotNull(store.Find(own));
    }

    [Fact]
    public async Task Delete_leaves_a_running_sweep_alone_unless_forced()
    {
        var spec = Specs.Valid("""
            {
              "name": "delete-running",
              "datasets": ["mnist"],
              "split": { "train": 2000, "test": 500 },
              "representations": [{ "autoencoder": { "z_dim": 3, "epochs": 500 } }],
              "scalers": ["none"],
              "k": [5],
              "seeds": [35]
            }
            """);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("delete-running");
        await sweep.SubmitAsync(spec);
        await Wait.UntilAsync(async () => (await sweep.GetSnapshotAsync())!.State == SweepState.Running,
            TimeSpan.FromMinutes(1), "the long sweep starts running");

        var refused = (await sweep.DeleteAsync(force: false, artifacts: false))!;

        Assert.False(refused.Deleted);
        Assert.Equal(SweepState.Running, (await sweep.GetSnapshotAsync())!.State);
        Assert.Contains(await Registry.ListAsync(), s => s.SweepId == "delete-running");

        var forced = (await sweep.DeleteAsync(force: true, artifacts: false))!;

        Assert.True(forced.Deleted);
        Assert.Null(await sweep.GetSnapshotAsync());
        Assert.DoesNotContain(await Registry.ListAsync(), s => s.SweepId == "delete-running");
        await Wait.UntilAsync(async () =>
        {
            var status = await fixture.Grains.GetGrain<ISchedulerGrain>(0).GetStatusAsync();
            return status.Workers.Sum(w => w.BusyCpu + w.BusyGpu) == 0;
        }, TimeSpan.FromSeconds(60), "the deleted sweep's autoencoder frees its slot");
    }

    [Fact]
    public async Task Export_reads_back_with_Sep_Parquet_Net_and_Python_csv_with_the_snapshot_values()
    {
        var spec = Spec("export", seed: 36, ks: "3, 4", scalers: "\"none\", \"l2\"");
        // One trial fails, so the export has missing results and an error with a comma and quotes in it.
        FaultInjectingExecutor.Fail(TestKeys.Chain(SweepExpansion.Expand(spec).Single(t => t.K == 4 && t.Scaler == ScalerKind.L2))[^1].Hash, 3);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("export");
        await sweep.SubmitAsync(spec);
        var snapshot = await FinishedAsync(sweep, "the sweep to export finishes");
        Assert.Equal(1, snapshot.Count(TrialState.Failed));
        var expected = SweepExport.Rows(snapshot);
        var names = SweepExport.Columns.Select(c => c.Name).ToList();
        using var folder = new TempDirectory("grid-export-");
        string csv = folder.File("export.csv");
        string parquet = folder.File("export.parquet");
        await using (var file = File.Create(csv))
        {
            await SweepExport.WriteAsync(snapshot, ExportFormat.Csv, file);
        }
        await using (var file = File.Create(parquet))
        {
            await SweepExport.WriteAsync(snapshot, ExportFormat.Parquet, file);
        }

        // CSV, read back with Sep.
        using (var reader = Sep.Reader(o => o with { Unescape = true }).FromFile(csv))
        {
            Assert.Equal(names, reader.Header.ColNames);
            int i = 0;
            foreach (var row in reader)
            {
                var trial = snapshot.Trials[i];
                Assert.Equal(trial.Spec.Key, row["key"].ToString());
                Assert.Equal(trial.Spec.K, row["k"].Parse<int>());
                Assert.Equal(trial.State.ToString().ToLowerInvariant(), row["state"].ToString());
                Assert.Equal(trial.Result?.TestError, trial.Result is null ? null : row["test_error"].Parse<double>());
                Assert.Equal(trial.Result?.Silhouette, trial.Result is null ? null : row["silhouette"].Parse<double>());
                Assert.Equal(trial.Error ?? "", row["error"].ToString());
                foreach (string name in names)
                {
                    Assert.Equal(SweepExport.Format(expected[i][name]), row[name].ToString());
                }
                i++;
            }
            Assert.Equal(snapshot.Total, i);
        }

        // CSV, read by Python's csv module.
        var python = await RunAsync("python3", "-c",
            "import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))", csv);
        var rows = JsonNode.Parse(python)!.AsArray();
        Assert.Equal(snapshot.Total, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(names, rows[i]!.AsObject().Select(p => p.Key));
            foreach (string name in names)
            {
                Assert.Equal(SweepExport.Format(expected[i][name]), rows[i]![name]!.GetValue<string>());
            }
            Assert.Equal(snapshot.Trials[i].Error ?? "", rows[i]!["error"]!.GetValue<string>());
        }

        // Parquet, read back with Parquet.Net: typed columns, nulls where a result is missing.
        await using (var file = File.OpenRead(parquet))
        {
            var read = await ParquetSerializer.DeserializeUntypedAsync(file);
            Assert.Equal(names, read.Schema.GetDataFields().Select(f => f.Name));
            Assert.Equal(snapshot.Total, read.Data.Count);
            for (int i = 0; i < read.Data.Count; i++)
            {
                foreach (string name in names)
                {
                    // The untyped reader leaves a missing value out of its row.
                    Assert.Equal(expected[i][name], read.Data[i].TryGetValue(name, out object? value) ? value : null);
                }
            }
        }
    }

    [Fact]
    public async Task Compare_of_two_real_sweeps_lists_both_bests_and_draws_their_curves_on_one_chart()
    {
        var a = fixture.Grains.GetGrain<ISweepGrain>("compare-a");
        var b = fixture.Grains.GetGrain<ISweepGrain>("compare-b");
        await a.SubmitAsync(Spec("compare-a", seed: 37, ks: "3, 5, 8"));
        await b.SubmitAsync(Spec("compare-b", seed: 37, ks: "3, 5, 8", scalers: "\"l2\""), ["normalizer"]);
        SweepSnapshot[] sweeps = [await FinishedAsync(a, "compare-a finishes"), await FinishedAsync(b, "compare-b finishes")];
        using var folder = new TempDirectory("grid-compare-");
        var report = SweepReportWriter.WriteComparison(sweeps, folder.Path);

        Assert.Empty(report.Failures);
        Assert.Equal(2, report.Figures);
        string page = File.ReadAllText(report.IndexPath);
        foreach (var sweep in sweeps)
        {
            var best = BestConfigurations.Of(sweep);
            Assert.Equal(BestKind.Overall, best[0].Kind);
            Assert.Equal(sweep.BestTrialId, best[0].Trial.TrialId);
            Assert.Equal(sweep.Trials.Where(t => t.Result is not null).Min(t => t.Result!.TestError), best[0].Result.TestError);
            // Its best trial's row, under its own sweep.
            Assert.Contains($"<tr class=\"best\" data-sweep=\"{sweep.SweepId}\" data-trial=\"{WebUtility.HtmlEncode(sweep.BestTrialId)}\">", page);
        }
        Assert.Contains("<span class=\"tag\">normalizer</span>", page);
        foreach (string name in new[] { "compare-elbow.png", "compare-test-error.png" })
        {
            var png = File.ReadAllBytes(folder.File(SweepReportWriter.FiguresFolder, name));
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
            Assert.Contains($"src=\"figures/{name}\"", page);
        }
    }

    [Fact]
    public void Sweep_and_trial_state_with_logs_tags_and_retries_survive_the_grain_storage_serializer()
    {
        // The serializer a silo stores grain state with (JSON naming each object's type, in Redis in cluster mode).
        var serializer = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services.GetRequiredService<IGrainStorageSerializer>();
        var spec = SweepExpansion.Expand(Spec("stored", seed: 39, ks: "3")).Single();
        var status = new TrialStatus("stored/t", spec, TrialState.Failed, null, null, "boom", 0, 1, Retries: 2)
            .WithEvent(new TrialEvent(DateTimeOffset.UnixEpoch, TrialEventKind.Error, StageKind.Clustering, "c0ffee", 1, "127.0.0.1:11111", "boom"))
            .WithEvent(new TrialEvent(DateTimeOffset.UnixEpoch, TrialEventKind.Failed, Detail: "boom"));
        var sweep = new Grid.Grains.Runs.SweepGrainState { Trials = [status], Tags = ["baseline"], Note = "a note", Retries = 2 };
        var trial = new Grid.Grains.Runs.TrialGrainState { SweepId = "stored", Status = status };

        var sweepBack = serializer.Deserialize<Grid.Grains.Runs.SweepGrainState>(serializer.Serialize(sweep));
        var trialBack = serializer.Deserialize<Grid.Grains.Runs.TrialGrainState>(serializer.Serialize(trial));

        Assert.Equal(JsonSerializer.Serialize(sweep), JsonSerializer.Serialize(sweepBack));
        Assert.Equal(JsonSerializer.Serialize(trial), JsonSerializer.Serialize(trialBack));
        Assert.Equal(2, trialBack?.Status?.Events?.Count);
    }

    [Fact]
    public void A_trial_result_stored_before_quality_measures_reads_back_without_them()
    {
        var serializer = ((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services.GetRequiredService<IGrainStorageSerializer>();
        var spec = SweepExpansion.Expand(Spec("stored-quality", seed: 41, ks: "3")).Single();
        // An array, as the stage grain stores it (a collection expression would make a type the storage cannot name).
        var result = new ClusteringResult(0.1, 0.12, 1234.5, 7, 0.8, 2, new long[] { 5, 1, 0, 4 }, 1, Silhouette: 0.3, DaviesBouldin: 1.1, CalinskiHarabasz: 500);
        var state = new Grid.Grains.Runs.TrialGrainState
        {
            SweepId = "stored-quality",
            Status = new TrialStatus("stored-quality/t", spec, TrialState.Succeeded, null, result, null, 1, 0),
        };
        var stored = serializer.Serialize(state);

        // With them, they survive; without them (as a silo stored results before they existed), they read as missing.
        Assert.Equal(0.3, serializer.Deserialize<Grid.Grains.Runs.TrialGrainState>(stored)!.Status!.Result!.Silhouette);
        string older = System.Text.RegularExpressions.Regex.Replace(stored.ToString(), ",\\s*\"(Silhouette|DaviesBouldin|CalinskiHarabasz)\"\\s*:\\s*[^,}]+", "");
        Assert.DoesNotContain("Silhouette", older);
        var back = serializer.Deserialize<Grid.Grains.Runs.TrialGrainState>(BinaryData.FromString(older))!.Status!.Result!;
        Assert.Equal((0.12, 1234.5), (back.TestError, back.Inertia));
        Assert.All(QualityMeasures.All, m => Assert.Null(back.Quality(m)));
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(60), file, arguments);
        Assert.True(code == 0, $"{file} exited {code}: {stderr}");
        return stdout;
    }
}
