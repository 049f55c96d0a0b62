using System.Diagnostics;
using System.Text.Json.Nodes;
using Grid.Silo.Hosting;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// A real cluster: a redis-server on loopback and two `grid silo` processes that find each
/// other through it; shared by the tests of <see cref="RedisClusterTests"/>.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly List<ExternalProcess> _silos = [];
    private readonly TempDirectory _artifacts = new("grid-e2e-");
    private RedisServer? _redis;
    private readonly int[] _gatewayPorts = new int[2];

    public string Redis => _redis!.Address;

    public string Artifacts => _artifacts.Path;

    public int GatewayPort(int silo) => _gatewayPorts[silo];

    /// <summary>The two `grid silo` processes, with what they printed.</summary>
    public IReadOnlyList<ExternalProcess> Silos => _silos;

    public async Task InitializeAsync()
    {
        await GridConsole.EnsureBuiltAsync();
        _redis = await RedisServer.StartAsync();

        for (int i = 0; i < 2; i++)
        {
            _gatewayPorts[i] = FreePorts.Next();
            var silo = ExternalProcess.Start($"silo{i}", "dotnet", GridConsole.Dll, "silo",
                "--redis", Redis,
                "--silo-port", FreePorts.Next().ToString(),
                "--gateway-port", _gatewayPorts[i].ToString(),
                "--http-port", FreePorts.Next().ToString(),
                "--slots", "cpu=1",
                "--data-dir", GridConsole.DataDir,
                "--artifacts", Artifacts);
            _silos.Add(silo);
        }
        foreach (var silo in _silos)
        {
            await silo.WaitForOutputAsync("silo up", TimeSpan.FromSeconds(90), $"{silo.Name} starts");
        }
        await Wait.UntilAsync(async () =>
        {
            var (code, stdout, _) = await Grid("cluster", "status", "--json", "--redis", Redis);
            return code == 0 && JsonNode.Parse(stdout)!["workers"]!.AsArray().Count(w => w!["alive"]!.GetValue<bool>()) == 2;
        }, TimeSpan.FromSeconds(60), "both silos' workers register with the scheduler", _silos[0], longestPoll: LoopbackCluster.ConsolePoll);
    }

    public async Task DisposeAsync()
    {
        // Silos first (they leave the membership in Redis), Redis last.
        for (int i = _silos.Count - 1; i >= 0; i--)
        {
            await _silos[i].DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        _artifacts.Dispose();
    }

    public static Task<(int ExitCode, string Stdout, string Stderr)> Grid(params string[] arguments) =>
        ExternalProcess.RunAsync(TimeSpan.FromMinutes(3), "dotnet", [GridConsole.Dll, .. arguments]);
}

/// <summary>
/// Cluster mode for real: the `grid` console submits, watches and reads results back from a
/// Redis-backed cluster of two silo processes.
/// </summary>
public sealed class RedisClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Sweep_submitted_through_redis_runs_on_two_silos_and_reads_back_through_either_gateway()
    {
        string spec = Path.Combine(Repository.Root, "examples", "quick.json");

        var (code, stdout, stderr) = await RedisClusterFixture.Grid("sweep", "submit", spec, "--watch", "--json", "--redis", cluster.Redis);

        Assert.True(code == 0, $"submit --watch exited {code}: {stderr}");
        var submitted = JsonNode.Parse(stdout)!;
        string id = submitted["sweep_id"]!.GetValue<string>();
        Assert.Equal("completed", submitted["state"]!.GetValue<string>());
        var trials = submitted["trials"]!.AsArray();
        Assert.Equal(2, trials.Count);
        Assert.All(trials, t => Assert.Equal("succeeded", t!["state"]!.GetValue<string>()));
        Assert.All(trials, t => Assert.InRange(t!["test_error"]!.GetValue<double>(), 0.0, 0.6));
        Assert.Equal(2, submitted["stages"]!["computed"]!.GetValue<int>());

        // The same results through the second silo's gateway.
        var (resultsCode, resultsOut, resultsErr) = await RedisClusterFixture.Grid("sweep", "results", id, "--json", "--gateway", $"127.0.0.1:{cluster.GatewayPort(1)}");
        Assert.True(resultsCode == 0, $"results exited {resultsCode}: {resultsErr}");
        var read = JsonNode.Parse(resultsOut)!;
        Assert.Equal(
            trials.Select(t => t!["test_error"]!.GetValue<double>()).Order(),
            read["trials"]!.AsArray().Select(t => t!["test_error"]!.GetValue<double>()).Order());
        Assert.Equal(submitted["elbow_curves"]!.ToJsonString(), read["elbow_curves"]!.ToJsonString());

        var (listCode, listOut, _) = await RedisClusterFixture.Grid("sweep", "list", "--json", "--redis", cluster.Redis);
        Assert.Equal(0, listCode);
        Assert.Contains(id, listOut);
    }

    [Fact]
    public async Task Invalid_spec_is_rejected_before_anything_is_scheduled()
    {
        string spec = Path.Combine(cluster.Artifacts, "bad.yaml");
        Directory.CreateDirectory(cluster.Artifacts);
        await File.WriteAllTextAsync(spec, "datasets: [mnist]\nrepresentations: [pixels]\nscalers: [none]\nk: [1]\nkmeans: { batch_sise: 200 }\n");

        var (code, _, stderr) = await RedisClusterFixture.Grid("sweep", "submit", spec, "--redis", cluster.Redis);

        Assert.Equal(2, code);
        Assert.Contains("$.k[0]", stderr);
        Assert.Contains("batch_sise", stderr);
        Assert.Contains("batch_size", stderr);
        var (_, listOut, _) = await RedisClusterFixture.Grid("sweep", "list", "--json", "--redis", cluster.Redis);
        Assert.DoesNotContain("bad", listOut);
    }


    [Fact]
    public async Task Sweep_submitted_without_watch_can_be_inspected_cancelled_and_watched_to_its_end()
    {
        string spec = Path.Combine(cluster.Artifacts, "long.yaml");
        Directory.CreateDirectory(cluster.Artifacts);
        await File.WriteAllTextAsync(spec,
            "name: long\ndatasets: [mnist]\nsplit: { train: 2000, test: 500 }\n" +
            "representations: [{ autoencoder: { z_dim: 3, epochs: 500 } }]\nscalers: [none]\nk: [5, 6]\nseeds: [7]\n");

        var (code, stdout, stderr) = await RedisClusterFixture.Grid("sweep", "submit", spec, "--redis", cluster.Redis);
        Assert.True(code == 0, $"submit exited {code}: {stderr}");
        string id = stdout.Trim();
        Assert.StartsWith("long-", id);

        var (statusCode, statusOut, _) = await RedisClusterFixture.Grid("sweep", "status", id, "--json", "--redis", cluster.Redis);
        Assert.Equal(0, statusCode);
        Assert.Equal(2, JsonNode.Parse(statusOut)!["trials_total"]!.GetValue<int>());

        var (cancelCode, cancelOut, cancelErr) = await RedisClusterFixture.Grid("sweep", "cancel", id, "--redis", cluster.Redis);
        Assert.True(cancelCode == 0, $"cancel exited {cancelCode}: {cancelErr}");
        Assert.Contains("cancelled", cancelOut);

        var (watchCode, watchOut, _) = await RedisClusterFixture.Grid("sweep", "watch", id, "--json", "--redis", cluster.Redis);
        Assert.Equal(130, watchCode);
        var watched = JsonNode.Parse(watchOut)!;
        Assert.Equal("cancelled", watched["state"]!.GetValue<string>());
        Assert.All(watched["trials"]!.AsArray(), t => Assert.Equal("cancelled", t!["state"]!.GetValue<string>()));

        var (unknownCode, _, unknownErr) = await RedisClusterFixture.Grid("sweep", "status", "no-such-sweep", "--redis", cluster.Redis);
        Assert.Equal(2, unknownCode);
        Assert.Contains("no sweep 'no-such-sweep'", unknownErr);
    }
    /// <summary>examples/quick.json under another name and seed: stages of its own, not reused from the other tests' sweeps.</summary>
    private async Task<string> QuickSpecAsync(string name, int seed)
    {
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "quick.json")))!;
        spec["name"] = name;
        spec["seeds"] = new JsonArray(seed);
        Directory.CreateDirectory(cluster.Artifacts);
        string path = Path.Combine(cluster.Artifacts, name + ".json");
        await File.WriteAllTextAsync(path, spec.ToJsonString());
        return path;
    }

    [Fact]
    public async Task Every_json_output_has_snake_case_keys_and_states_by_name()
    {
        string spec = await QuickSpecAsync("json", seed: 3);
        var (code, stdout, stderr) = await RedisClusterFixture.Grid("sweep", "submit", spec, "--json", "--redis", cluster.Redis);
        Assert.True(code == 0, $"submit --json exited {code}: {stderr}");
        string id = JsonNode.Parse(stdout)!["sweep_id"]!.GetValue<string>();

        var (listCode, listOut, listErr) = await RedisClusterFixture.Grid("sweep", "list", "--json", "--redis", cluster.Redis);
        Assert.True(listCode == 0, $"sweep list --json exited {listCode}: {listErr}");
        var listed = JsonNode.Parse(listOut)!.AsArray().Single(s => s!["sweep_id"]!.GetValue<string>() == id)!;
        Assert.All(listed.AsObject(), p => Assert.Matches("^[a-z_]+$", p.Key));
        Assert.Contains(listed["state"]!.GetValue<string>(), new[] { "pending", "running", "completed" });

        var (statusCode, statusOut, statusErr) = await RedisClusterFixture.Grid("sweep", "status", id, "--json", "--redis", cluster.Redis);
        Assert.True(statusCode == 0, $"sweep status --json exited {statusCode}: {statusErr}");
        var status = JsonNode.Parse(statusOut)!;
        Assert.Contains(status["state"]!.GetValue<string>(), new[] { "pending", "running", "completed" });
        Assert.All(status["trials"]!.AsArray(), t => Assert.Contains(t!["state"]!.GetValue<string>(), new[] { "pending", "running", "succeeded" }));

        var (clusterCode, clusterOut, clusterErr) = await RedisClusterFixture.Grid("cluster", "status", "--json", "--redis", cluster.Redis);
        Assert.True(clusterCode == 0, $"cluster status --json exited {clusterCode}: {clusterErr}");
        var silos = JsonNode.Parse(clusterOut)!;
        Assert.All(silos.AsObject(), p => Assert.Matches("^[a-z_]+$", p.Key));
        Assert.All(silos["workers"]!.AsArray(), w => Assert.All(w!.AsObject(), p => Assert.Matches("^[a-z_]+$", p.Key)));
    }

    [Fact]
    public async Task A_wrong_cluster_id_is_said_within_5_seconds_through_redis_and_through_a_gateway()
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, (await RedisClusterFixture.Grid("sweep", "list", "--help")).ExitCode);
        var start = clock.Elapsed;

        clock.Restart();
        var (code, _, stderr) = await RedisClusterFixture.Grid("sweep", "list", "--redis", cluster.Redis, "--cluster-id", "lab");
        var elapsed = clock.Elapsed;
        Assert.Equal(2, code);
        Assert.Contains($"Redis at {cluster.Redis} answers, but no silo of cluster 'lab' (service 'lab') has registered there; it holds cluster 'grid' (service 'grid')", stderr);
        Assert.True(elapsed < TimeSpan.FromSeconds(5) + start, $"through Redis: {elapsed.TotalSeconds:F1} s (process start {start.TotalSeconds:F1} s)");

        clock.Restart();
        (code, _, stderr) = await RedisClusterFixture.Grid("sweep", "list", "--gateway", $"127.0.0.1:{cluster.GatewayPort(0)}", "--cluster-id", "lab");
        elapsed = clock.Elapsed;
        Assert.Equal(2, code);
        Assert.Contains($"the gateway at 127.0.0.1:{cluster.GatewayPort(0)} accepts connections but closed this client's connection", stderr);
        Assert.Contains("it is not a gateway of cluster 'lab' (service 'lab')", stderr);
        Assert.Contains("--cluster-id", stderr);
        Assert.DoesNotContain("A task was canceled", stderr);
        Assert.True(elapsed < TimeSpan.FromSeconds(5) + start, $"through a gateway: {elapsed.TotalSeconds:F1} s (process start {start.TotalSeconds:F1} s)");
    }

    [Fact]
    public async Task Piped_output_keeps_ids_and_trial_lines_whole_and_silo_logs_hold_what_an_operator_needs()
    {
        string spec = await QuickSpecAsync("piped", seed: 4);

        var (code, stdout, stderr) = await RedisClusterFixture.Grid("sweep", "submit", spec, "--watch", "--redis", cluster.Redis);

        Assert.True(code == 0, $"submit --watch exited {code}: {stderr}");
        // Without a terminal a watch prints one line per finished trial, each whole.
        var trialLines = stdout.Split('\n').Where(l => l.StartsWith('[')).ToList();
        Assert.Equal(2, trialLines.Count);
        Assert.All(trialLines, l => Assert.Matches(@"^\[\d/2\] succeeded mnist/raw/l2/k\d+/s4: test error \d\.\d{4}, inertia [\d.E+]+, silhouette -?\d\.\d{4}, Davies–Bouldin \d+\.\d{4}, Calinski–Harabasz [\d.]+\s*$", l));
        string id = stderr.Split(' ').First(w => w.StartsWith("piped-", StringComparison.Ordinal));
        var (listCode, listOut, _) = await RedisClusterFixture.Grid("sweep", "list", "--redis", cluster.Redis);
        Assert.Equal(0, listCode);
        Assert.Contains(listOut.Split('\n'), l => l.Contains(id, StringComparison.Ordinal) && l.Contains("completed", StringComparison.Ordinal));

        // What the silos logged: that they are up and the sweep's start and end; none of the retry library's attempts,
        // nor Orleans' start-up advice.
        string Logs() => string.Join("\n", cluster.Silos.Select(s => s.Output));
        await Wait.UntilAsync(() => Task.FromResult(Logs().Contains($"Sweep {id}: finished", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), $"a silo logs that sweep {id} finished", cluster.Silos[0]);
        string logs = Logs();
        Assert.All(cluster.Silos, s => Assert.Contains("silo up: cluster mode", s.Output));
        Assert.Contains($"Sweep {id} (piped): submitted with 2 trials", logs);
        Assert.DoesNotContain("Execution attempt", logs);
        Assert.DoesNotContain("Participant check thread", logs);
        Assert.DoesNotContain("ServerGC", logs);
    }

    [Fact]
    public async Task Imported_csv_and_image_folder_sweeps_on_two_silos_one_sharded_equal_the_embedded_runs()
    {
        // scikit-learn's digits as a CSV table and as a folder of PNGs: data nobody here wrote, imported by the specs
        // themselves into the shared artifact directory's datasets folder, where both silos look.
        using var work = new TempDirectory("grid-e2e-import-");
        var (python, _, pythonErr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(2), "/usr/bin/python3",
            Repository.PathOf("tests", "data", "sklearn-formats.py"), work.File("data"));
        Assert.True(python == 0, $"tests/data/sklearn-formats.py exited {python}: {pythonErr}");
        string csv = work.Write("csv.yaml", """
            name: e2e-digits-csv
            datasets: [{ name: e2e-digits-csv, format: csv, train: data/digits/digits.csv, label: label }]
            representations: [raw]
            scalers: [standard]
            k: [10, 20]
            kmeans: { batch_size: 200, n_init: 1, shards: 2 }
            """);
        string images = work.Write("images.yaml", """
            name: e2e-digits-images
            datasets: [{ name: e2e-digits-images, format: images, train: data/digits/images }]
            representations: [raw]
            scalers: [none]
            k: [10]
            kmeans: { batch_size: 200, n_init: 1 }
            """);
        string shared = Path.Combine(cluster.Artifacts, GridSiloOptions.SharedDatasetsFolder);

        foreach (string spec in new[] { csv, images })
        {
            var (code, stdout, stderr) = await RedisClusterFixture.Grid("sweep", "submit", spec, "--watch", "--json", "--data-dir", shared, "--redis", cluster.Redis);
            Assert.True(code == 0, $"{spec}: submit --watch exited {code}: {stderr}");
            Assert.Contains("imported in " + shared, stderr);
            var onCluster = JsonNode.Parse(stdout)!;

            var (runCode, runOut, runErr) = await RedisClusterFixture.Grid("run", spec, "--json", "--data-dir", work.File("embedded-data"), "--artifacts", work.File("embedded-artifacts"));
            Assert.True(runCode == 0, $"{spec}: grid run exited {runCode}: {runErr}");
            var embedded = JsonNode.Parse(runOut)!;

            // Same stages (the checksums in the keys are the same data's), same fits, same results.
            static IEnumerable<string> Results(JsonNode sweep) => sweep["trials"]!.AsArray()
                .Select(t => $"{t!["key"]} {t["state"]} {t["test_error"]} {t["inertia"]} {t["silhouette"]}")
                .Order(StringComparer.Ordinal);
            Assert.All(onCluster["trials"]!.AsArray(), t => Assert.Equal("succeeded", t!["state"]!.GetValue<string>()));
            Assert.All(onCluster["trials"]!.AsArray(), t => Assert.InRange(t!["test_error"]!.GetValue<double>(), 0.0, 0.5));
            Assert.Equal(Results(embedded), Results(onCluster));
        }
    }
}
