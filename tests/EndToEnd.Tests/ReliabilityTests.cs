using System.Text.Json.Nodes;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Compute.Evaluation;
using Grid.Compute.Scaling;
using Grid.Core;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Issue #7 on real processes: a redis-server and three `grid silo` processes in cluster mode, broken
/// mid-sweep in the ways clusters break. Each test builds its own cluster, so none depends on another.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class ReliabilityTests(ITestOutputHelper output) : IDisposable
{
    private const int TrainRows = 20000;
    private const int TestRows = 2000;
    private static readonly int[] Ks = [30, 60, 90, 120];

    private readonly TempDirectory _specs = new("grid-reliability-specs-");

    public void Dispose() => _specs.Dispose();

    /// <summary>Pixels, two scalers, four k: eight clustering stages of a few seconds each.</summary>
    private string PixelSpec(string name) => Write(name, $$"""
        {
          "name": "{{name}}",
          "datasets": ["mnist"],
          "split": { "train": {{TrainRows}}, "test": {{TestRows}} },
          "representations": ["pixels"],
          "scalers": ["none", "l2"],
          "k": [{{string.Join(", ", Ks)}}],
          "seeds": [0],
          "kmeans": { "batch_size": 200, "n_init": 1 }
        }
        """);

    private string Write(string name, string json) => _specs.Write(name + ".json", json);

    [Fact]
    public async Task A_silo_killed_while_it_runs_a_stage_costs_a_retry_and_the_sweep_ends_with_every_result()
    {
        await using var cluster = await LoopbackCluster.StartAsync(silos: 3);
        string id = await cluster.SubmitAsync(PixelSpec("killed"));

        int victim = await BusySiloAsync(cluster);
        cluster.Silos[victim]!.Signal("KILL");
        var killed = DateTime.UtcNow;

        var result = await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(4));
        output.WriteLine($"killed silo{victim} mid-stage; the sweep completed {(DateTime.UtcNow - killed).TotalSeconds:F1} s later");
        AssertEveryTrialSucceededOnce(result, 8);
        AssertResultsEqualTheComputeCore(result);
        // One stage per trial; a trial that was itself on the dead silo comes back and joins the stage's
        // recomputation, which it counts as reused.
        Assert.Equal(8, result["stages"]!["computed"]!.GetValue<int>() + result["stages"]!["reused"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_silo_stopped_gracefully_finishes_or_hands_back_its_stage_and_leaves()
    {
        await using var cluster = await LoopbackCluster.StartAsync(silos: 3);
        string id = await cluster.SubmitAsync(PixelSpec("stopped"));

        int leaving = await BusySiloAsync(cluster);
        var silo = cluster.Silos[leaving]!;
        silo.Signal("TERM");
        var stopped = DateTime.UtcNow;
        // It drains (30 s at most here), then leaves the membership and exits cleanly.
        Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        output.WriteLine($"silo{leaving} exited {(DateTime.UtcNow - stopped).TotalSeconds:F1} s after SIGTERM");
        Assert.Contains("drained", silo.Output);

        var result = await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(4));
        AssertEveryTrialSucceededOnce(result, 8);
        AssertResultsEqualTheComputeCore(result);
    }

    [Fact]
    public async Task The_whole_cluster_restarted_mid_sweep_resumes_by_itself_and_the_autoencoder_continues_from_its_checkpoint()
    {
        await using var cluster = await LoopbackCluster.StartAsync(silos: 3);
        string id = await cluster.SubmitAsync(Write("restarted", """
            {
              "name": "restarted",
              "datasets": ["mnist"],
              "split": { "train": 3000, "test": 500 },
              "representations": [{ "autoencoder": { "z_dim": 8, "epochs": 4 } }, "pixels"],
              "scalers": ["none"],
              "k": [10, 20],
              "seeds": [0],
              "kmeans": { "batch_size": 200, "n_init": 1 }
            }
            """));

        // Wait until the autoencoder has checkpointed at least one epoch, then take every silo down at once.
        string work = Path.Combine(cluster.Artifacts, ".work");
        await Wait.UntilAsync(() => Task.FromResult(Directory.Exists(work) &&
                Directory.EnumerateFiles(work, "autoencoder.ckpt", SearchOption.AllDirectories).Any()),
            TimeSpan.FromMinutes(3), "the autoencoder writes its first checkpoint", cluster.Silos[0]!);
        var before = await cluster.SweepAsync(id);
        var finishedBefore = Succeeded(before).ToDictionary(t => t["id"]!.GetValue<string>(), t => t["test_error"]!.GetValue<double>());
        for (int i = 0; i < cluster.Silos.Length; i++)
        {
            cluster.Silos[i]!.Signal("KILL");
        }
        for (int i = 0; i < cluster.Silos.Length; i++)
        {
            cluster.StartSilo(i);
        }

        var restarted = DateTime.UtcNow;

        // Nobody resubmits: the restarted silos wake the sweep from its state in Redis.
        var result = await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(5));
        output.WriteLine($"{finishedBefore.Count} trial(s) had finished; the sweep completed {(DateTime.UtcNow - restarted).TotalSeconds:F1} s after the restart");
        AssertEveryTrialSucceededOnce(result, 4);
        // Trials that had finished kept their results; the autoencoder (one stage, shared by two trials)
        // and the four clustering stages were each recorded once.
        foreach (var (trial, error) in finishedBefore)
        {
            Assert.Equal(error, Succeeded(result).Single(t => t["id"]!.GetValue<string>() == trial)["test_error"]!.GetValue<double>());
        }
        // Two trials per representation: the autoencoder is one stage, shared; each trial its clustering stage.
        Assert.Equal(6, result["stages"]!["computed"]!.GetValue<int>() + result["stages"]!["reused"]!.GetValue<int>());
        var summary = Directory.EnumerateFiles(cluster.Artifacts, "summary.json", SearchOption.AllDirectories)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!)
            .Single(s => s["output"]?["ResumedFromEpoch"] is not null);
        Assert.InRange(summary["output"]!["ResumedFromEpoch"]!.GetValue<int>(), 1, 3);
        output.WriteLine($"the autoencoder resumed from epoch {summary["output"]!["ResumedFromEpoch"]}");
        Assert.Equal(4, summary["output"]!["Epochs"]!.GetValue<int>());
    }

    [Fact]
    public async Task Redis_paused_for_ten_seconds_mid_sweep_only_delays_it()
    {
        await using var cluster = await LoopbackCluster.StartAsync(silos: 3);
        string id = await cluster.SubmitAsync(PixelSpec("redis-paused"));
        await BusySiloAsync(cluster);

        cluster.Redis.Process.Signal("STOP");
        var paused = DateTime.UtcNow;
        // Ten seconds of outage: this wait is the scenario itself, not a guess at how long something takes.
        await Task.Delay(TimeSpan.FromSeconds(10));
        cluster.Redis.Process.Signal("CONT");

        var result = await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(4));
        Assert.True(DateTime.UtcNow - paused >= TimeSpan.FromSeconds(10));
        output.WriteLine($"the sweep completed {(DateTime.UtcNow - paused).TotalSeconds:F1} s after Redis was paused for 10 s");
        AssertEveryTrialSucceededOnce(result, 8);
        AssertResultsEqualTheComputeCore(result);
        Assert.All(cluster.Silos, s => Assert.False(s!.HasExited, $"{s.Name} exited:\n{s.Output}"));
    }

    [Fact]
    public async Task Chaos_silos_killed_and_restarted_every_few_seconds_while_three_sweeps_run_lose_nothing()
    {
        await using var cluster = await LoopbackCluster.StartAsync(silos: 3);
        string Spec(string name, int seed) => Write(name, $$"""
            {
              "name": "{{name}}",
              "datasets": ["mnist"],
              "split": { "train": 6000, "test": 1000 },
              "representations": ["pixels"],
              "scalers": ["none", "l2"],
              "k": [10, 20, 30, 40, 50, 60],
              "seeds": [{{seed}}],
              "kmeans": { "batch_size": 100, "n_init": 1 }
            }
            """);
        string first = await cluster.SubmitAsync(Spec("chaos-a", 0));
        string second = await cluster.SubmitAsync(Spec("chaos-b", 1));
        // Successive halving through the chaos: three small autoencoders at 1 epoch, the best promoted to 3.
        string halving = await cluster.SubmitAsync(Write("chaos-asha", """
            {
              "name": "chaos-asha",
              "datasets": ["mnist"],
              "split": { "train": 1000, "test": 300 },
              "representations": [{ "autoencoder": { "z_dim": [4, 6, 8], "batch_size": 64 } }],
              "scalers": ["none"],
              "k": [10],
              "seeds": [0],
              "kmeans": { "batch_size": 200, "n_init": 1 },
              "strategy": { "asha": { "max_epochs": 3, "min_epochs": 1, "reduction": 3 } }
            }
            """));

        // The chaos itself: for 45 s, every 3–6 s a random silo is killed with SIGKILL and started again
        // (seeded, so a failure can be replayed); the pauses are the scenario, not waits for a condition.
        var random = new Random(7);
        var chaos = DateTime.UtcNow;
        int kills = 0;
        while (DateTime.UtcNow - chaos < TimeSpan.FromSeconds(45))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(3000, 6000)));
            int victim = random.Next(cluster.Silos.Length);
            cluster.Silos[victim]!.Signal("KILL");
            cluster.StartSilo(victim);
            kills++;
        }
        var calm = DateTime.UtcNow;

        var a = await cluster.WaitForSweepAsync(first, TimeSpan.FromMinutes(4));
        var b = await cluster.WaitForSweepAsync(second, TimeSpan.FromMinutes(4));
        output.WriteLine($"{kills} silo kills in 45 s; both sweeps completed {(DateTime.UtcNow - calm).TotalSeconds:F1} s after the chaos stopped");
        foreach (var sweep in new[] { a, b })
        {
            AssertEveryTrialSucceededOnce(sweep, 12);
            AssertResultsEqualTheComputeCore(sweep, 6000, 1000, 100);
        }

        // Successive halving lost no decision and took none twice: one promotion, two arms pruned, four trials; and each
        // autoencoder stage was recorded once: 3 × 1 epoch, then 2 more for the survivor on top of its first.
        var c = await cluster.WaitForSweepAsync(halving, TimeSpan.FromMinutes(4));
        output.WriteLine($"successive halving through the chaos: {c["epochs_trained"]} epochs trained, {c["trials_pruned"]} trials pruned");
        Assert.Equal("completed", c["state"]!.GetValue<string>());
        var trials = c["trials"]!.AsArray();
        Assert.All(trials, t => Assert.True(t!["state"]!.GetValue<string>() is "succeeded" or "pruned", $"{t["key"]}: {t["state"]} {t["error"]}"));
        Assert.Equal(4, trials.Count);
        Assert.Equal(4, trials.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(2, c["trials_pruned"]!.GetValue<int>());
        Assert.Single(trials, t => t!["key"]!.GetValue<string>().Contains("-e3", StringComparison.Ordinal) && t["state"]!.GetValue<string>() == "succeeded");
        var stages = c["autoencoders"]!.AsArray();
        Assert.Equal(4, stages.Count);
        Assert.Equal(5, c["epochs_trained"]!.GetValue<int>());
        var survivor = Assert.Single(stages, s => s!["epochs"]!.GetValue<int>() == 3)!;
        Assert.Equal((2, 1), (survivor["epochs_trained"]!.GetValue<int>(), survivor["epochs_reused"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_stage_out_of_memory_fails_its_trials_with_the_reason_after_bounded_retries_and_the_silo_carries_on()
    {
        // One silo limited to 1 GiB: the pixel trials need about 0.5 GiB, the autoencoder at batch 3,000 about 2 GiB.
        await using var cluster = await LoopbackCluster.StartAsync(silos: 1, "--memory-limit", "1G");
        string id = await cluster.SubmitAsync(Write("out-of-memory", """
            {
              "name": "out-of-memory",
              "datasets": ["mnist"],
              "split": { "train": 6000, "test": 1000 },
              "representations": [{ "autoencoder": { "z_dim": 2, "epochs": 1, "batch_size": 3000 } }, "pixels"],
              "scalers": ["none"],
              "k": [20, 40],
              "seeds": [0],
              "kmeans": { "batch_size": 200, "n_init": 1 }
            }
            """));
        var result = await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(4));
        Assert.Equal("completed", result["state"]!.GetValue<string>());
        var trials = result["trials"]!.AsArray().Select(t => t!).ToList();
        Assert.Equal(4, trials.Count);
        foreach (var trial in trials.Where(t => t["key"]!.GetValue<string>().Contains("/ae-")))
        {
            Assert.Equal("failed", trial["state"]!.GetValue<string>());
            string error = trial["error"]!.GetValue<string>();
            output.WriteLine($"{trial["key"]}: {error[..Math.Min(300, error.Length)]}…");
            Assert.Contains("out of memory", error);
            Assert.Contains("failed after 3 attempts", error);
        }
        // The other trials went on, on the same silo, with the results a fault-free run gives.
        Assert.Equal(2, Succeeded(result).Count());
        AssertResultsEqualTheComputeCore(result, 6000, 1000, 200);

        // And the silo is healthy: up, answering, back under its limit, and taking new work.
        var silo = cluster.Silos[0]!;
        Assert.False(silo.HasExited, silo.Output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{cluster.HttpPort(0)}/healthz"));
        Assert.InRange(ResidentMegabytes(silo), 1, 1024);
        string next = await cluster.SubmitAsync(Write("after-out-of-memory", """
            {
              "name": "after-out-of-memory",
              "datasets": ["mnist"],
              "split": { "train": 6000, "test": 1000 },
              "representations": ["pixels"],
              "scalers": ["l2"],
              "k": [20, 40],
              "seeds": [0],
              "kmeans": { "batch_size": 200, "n_init": 1 }
            }
            """));
        AssertEveryTrialSucceededOnce(await cluster.WaitForSweepAsync(next, TimeSpan.FromMinutes(4)), 2);
        Assert.Contains("Memory guard: stopped stage", silo.Output);
    }

    /// <summary>A process's resident memory (VmRSS) in MB, from /proc.</summary>
    internal static double ResidentMegabytes(ExternalProcess process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }

    /// <summary>Waits until some silo's worker runs a stage and returns that silo.</summary>
    private static async Task<int> BusySiloAsync(LoopbackCluster cluster)
    {
        int busy = -1;
        await Wait.UntilAsync(async () =>
        {
            var worker = (await cluster.StatusAsync())["workers"]!.AsArray().FirstOrDefault(w => w!["busy_cpu"]!.GetValue<int>() > 0);
            busy = worker is null ? -1 : cluster.SiloOf(worker["worker_id"]!.GetValue<string>());
            return busy >= 0;
        }, TimeSpan.FromMinutes(2), "a silo runs a stage", cluster.Silos[0]!);
        return busy;
    }

    private static IEnumerable<JsonNode> Succeeded(JsonNode sweep) =>
        sweep["trials"]!.AsArray().Select(t => t!).Where(t => t["state"]!.GetValue<string>() == "succeeded");

    /// <summary>Exactly one terminal state and one result per trial, and no trial twice.</summary>
    internal static void AssertEveryTrialSucceededOnce(JsonNode sweep, int trials)
    {
        Assert.Equal("completed", sweep["state"]!.GetValue<string>());
        var all = sweep["trials"]!.AsArray();
        Assert.Equal(trials, all.Count);
        Assert.Equal(trials, all.Select(t => t!["id"]!.GetValue<string>()).Distinct().Count());
        Assert.All(all, t => Assert.True(t!["state"]!.GetValue<string>() == "succeeded", $"{t!["key"]}: {t["state"]} {t["error"]}"));
        Assert.All(all, t => Assert.NotNull(t!["test_error"]));
        Assert.Equal(trials, sweep["trials_succeeded"]!.GetValue<int>());
    }

    /// <summary>What the broken cluster recorded is what the compute core computes for the same trials.</summary>
    private static void AssertResultsEqualTheComputeCore(JsonNode sweep, int trainRows = TrainRows, int testRows = TestRows, int batch = 200)
    {
        var data = new DatasetStore(GridConsole.DataDir).Load("mnist", trainRows, testRows);
        foreach (var trial in Succeeded(sweep))
        {
            var config = trial["config"]!;
            int k = config["k"]!.GetValue<int>();
            int seed = config["seed"]!.GetValue<int>();
            var kind = Enum.Parse<ScalerKind>(config["scaler"]!.GetValue<string>(), ignoreCase: true);
            var (train, test) = FittedScaler.FitTransform(kind, data.Train.ToFeatureTensor(), data.Test.ToFeatureTensor());
            using (train)
            using (test)
            using (var fit = MiniBatchKMeans.Fit(train, new MiniBatchKMeansOptions(k) { BatchSize = batch, Inits = 1, Seed = seed }))
            {
                var classifier = ClusterClassifier.Fit(fit.Labels, data.Train.Labels!, k);
                Assert.Equal(fit.Inertia, trial["inertia"]!.GetValue<double>(), fit.Inertia * 1e-6);
                Assert.Equal(classifier.Evaluate(fit.Predict(test), data.Test.Labels!).Error, trial["test_error"]!.GetValue<double>(), 1e-9);
            }
        }
    }
}
