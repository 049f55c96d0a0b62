using System.Text.Json.Nodes;
using Grid.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Grid.Client.Tests.Output;

/// <summary>
/// An embedded silo in this process with two finished sweeps of a two-trial spec (the second reuses every stage of the
/// first), for the commands that talk to a cluster.
/// </summary>
public sealed class FinishedSweepsFixture : IAsyncLifetime
{
    private const string Spec = """
        { "name": "json-output", "datasets": ["mnist"], "split": { "train": 1000, "test": 200 }, "representations": ["pixels"],
          "scalers": ["none"], "k": [5, 10], "seeds": [0], "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1, "max_iter": 20 } }
        """;

    private WebApplication? _silo;

    public string Work { get; } = Directory.CreateTempSubdirectory("grid-cluster-output-").FullName;

    public string SpecPath => Path.Combine(Work, "spec.json");

    public string Artifacts => Path.Combine(Work, "artifacts");

    public string DataDir { get; } = Grid.Compute.Data.DatasetStore.DefaultDataDirectory();

    public string Gateway { get; private set; } = "";

    /// <summary>The first sweep, submitted with <c>--watch --json --json-file</c>, and what that printed and wrote.</summary>
    public (string Id, int ExitCode, string Stdout, string Stderr, string File) First { get; private set; }

    public string Second { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var (_, datasets, _) = await InProcessGrid.RunAsync("data", "list", "--json", "--data-dir", DataDir);
        Assert.True(JsonNode.Parse(datasets)!.AsArray().Any(d => d!["dataset"]!.GetValue<string>() == "mnist" && d["state"]!.GetValue<string>() == "ready"),
            $"MNIST is not in {DataDir}: run `./grid data fetch mnist` or set GRID_DATA_DIR");
        await File.WriteAllTextAsync(SpecPath, Spec);
        var settings = new GridSiloOptions
        {
            ClusterId = "grid-output-tests",
            SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(),
            HttpPort = FreePorts.Next(),
            DataDir = DataDir,
            ArtifactsDir = Artifacts,
        };
        // No log providers: the silo's lines must not mix with the stdout the tests read.
        _silo = GridSilo.Build(settings, logging => logging.ClearProviders());
        await _silo.StartAsync();
        Gateway = $"127.0.0.1:{settings.GatewayPort}";

        string file = Path.Combine(Work, "first.json");
        var (code, stdout, stderr) = await RunAsync("sweep", "submit", SpecPath, "--watch", "--json", "--json-file", file);
        string id = code == 0 ? JsonNode.Parse(stdout)!["sweep_id"]!.GetValue<string>() : throw new InvalidOperationException($"the first sweep exited {code}: {stderr}");
        First = (id, code, stdout, stderr, File.ReadAllText(file));
        (code, stdout, stderr) = await RunAsync("sweep", "submit", SpecPath, "--watch", "--json");
        Second = code == 0 ? JsonNode.Parse(stdout)!["sweep_id"]!.GetValue<string>() : throw new InvalidOperationException($"the second sweep exited {code}: {stderr}");
    }

    /// <summary>`grid ARGS --gateway` this fixture's silo, in this process.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        InProcessGrid.RunAsync([.. args, "--gateway", Gateway, "--cluster-id", "grid-output-tests"]);

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
        }
        Directory.Delete(Work, recursive: true);
    }
}

/// <summary>Every command that talks to a cluster prints one JSON document with <c>--json</c>, and writes the same text with <c>--json-file</c>.</summary>
[Collection(ConsoleOutputCollection.Name)]
public sealed class ClusterCommandOutputTests(FinishedSweepsFixture cluster) : IClassFixture<FinishedSweepsFixture>
{
    [Fact]
    public void Submit_and_watch_prints_the_results_and_writes_the_same_to_the_file()
    {
        var first = cluster.First;

        var results = JsonNode.Parse(first.Stdout)!;

        Assert.Equal("completed", results["state"]!.GetValue<string>());
        Assert.Equal(2, results["trials_succeeded"]!.GetValue<int>());
        Assert.Equal(first.Stdout, first.File);
        Assert.Contains("JSON written to", first.Stderr);
    }

    /// <summary>Each command line, with {first}, {second}, {work} and {data} standing for the fixture's sweeps and folders.</summary>
    public static TheoryData<string> Commands() =>
    [
        "sweep list",
        "sweep status {first}",
        "sweep status {first} --trial 2",
        "sweep results {first}",
        "sweep watch {first}",
        "sweep compare {first} {second}",
        "sweep compare {first} {second} --out {work}/comparison",
        "sweep report {first} --out {work}/report --artifacts {work}/artifacts --data-dir {data}",
        "sweep cancel {second}",
        "cluster status",
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Json_is_one_document_on_stdout_and_json_file_the_same_text(string command)
    {
        string file = Path.Combine(cluster.Work, Guid.NewGuid().ToString("N") + ".json");
        string line = command.Replace("{first}", cluster.First.Id).Replace("{second}", cluster.Second)
            .Replace("{work}", cluster.Work).Replace("{data}", cluster.DataDir);

        var (code, stdout, stderr) = await cluster.RunAsync([.. CommandTree.Words(line), "--json", "--json-file", file]);

        Assert.True(code == 0, $"{command} exited {code}: {stderr}");
        Assert.NotNull(JsonNode.Parse(stdout));
        Assert.Equal(stdout, File.ReadAllText(file));
        Assert.DoesNotContain("error:", stderr);
    }

    /// <summary><c>sweep retry --json</c> with nothing to retry printed nothing at all; a script reads the sweep's state either way.</summary>
    [Fact]
    public async Task Retry_with_nothing_to_retry_still_prints_the_sweep()
    {
        var (code, stdout, stderr) = await cluster.RunAsync("sweep", "retry", cluster.First.Id, "--json");

        Assert.True(code == 0, $"sweep retry exited {code}: {stderr}");
        Assert.Contains("nothing to retry", stderr);
        var sweep = JsonNode.Parse(stdout)!;
        Assert.Equal(cluster.First.Id, sweep["sweep_id"]!.GetValue<string>());
        Assert.Equal("completed", sweep["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Submit_without_watch_and_delete_print_what_they_did()
    {
        var (code, stdout, stderr) = await cluster.RunAsync("sweep", "submit", cluster.SpecPath, "--json");
        Assert.True(code == 0, $"sweep submit exited {code}: {stderr}");
        string id = JsonNode.Parse(stdout)!["sweep_id"]!.GetValue<string>();
        string file = Path.Combine(cluster.Work, "deleted.json");

        (code, stdout, stderr) = await cluster.RunAsync("sweep", "delete", id, "--force", "--json", "--json-file", file);

        Assert.True(code == 0, $"sweep delete exited {code}: {stderr}");
        var deleted = JsonNode.Parse(stdout)!;
        Assert.Equal(id, deleted["sweep_id"]!.GetValue<string>());
        Assert.Equal(2, deleted["trials_deleted"]!.GetValue<int>());
        Assert.Null(deleted["artifacts"]);
        Assert.Equal(stdout, File.ReadAllText(file));
    }
}
