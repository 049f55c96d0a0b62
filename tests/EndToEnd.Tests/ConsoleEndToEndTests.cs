using System.Diagnostics;
using System.Text.Json.Nodes;
using Grid.Silo.Hosting;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// The real `grid` process with its output piped, as a script or `| cat` sees it, and no cluster: output that does
/// not wrap, JSON in one style, usage errors, and connect failures that say what was tried within 5 s.
/// </summary>
public sealed class ConsoleEndToEndTests : IAsyncLifetime
{
    /// <summary>How long a connect failure may take to be reported, besides the process's own start.</summary>
    private static readonly TimeSpan ConnectBound = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _work = new("grid-console-e2e-");

    public Task InitializeAsync() => GridConsole.EnsureBuiltAsync();

    public Task DisposeAsync()
    {
        _work.Dispose();
        return Task.CompletedTask;
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> Grid(params string[] arguments) =>
        ExternalProcess.RunAsync(TimeSpan.FromMinutes(2), "dotnet", [GridConsole.Dll, .. arguments]);

    /// <summary>Runs `grid ARGS` and how long it took.</summary>
    private static async Task<(int ExitCode, string Stderr, TimeSpan Elapsed)> TimedAsync(params string[] arguments)
    {
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) = await Grid(arguments);
        return (code, stderr, clock.Elapsed);
    }

    /// <summary>What starting the console costs on this machine now: a command that parses and prints its help.</summary>
    private static async Task<TimeSpan> ProcessStartAsync()
    {
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) = await Grid("sweep", "list", "--help");
        Assert.True(code == 0, $"sweep list --help exited {code}: {stderr}");
        return clock.Elapsed;
    }

    [Fact]
    public async Task Piped_output_keeps_a_long_path_on_one_line()
    {
        string dir = _work.File("a-data-directory-whose-name-alone-is-longer-than-the-eighty-columns-of-a-terminal");

        var (code, stdout, stderr) = await Grid("data", "list", "--data-dir", dir);

        Assert.True(code == 0, $"data list exited {code}: {stderr}");
        Assert.Contains(stdout.Split('\n'), l => l.Contains(Path.Combine(dir, "mnist"), StringComparison.Ordinal) && l.Contains("missing", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', stdout);
    }

    [Fact]
    public async Task Data_list_and_bench_print_json_with_snake_case_keys_and_names()
    {
        var (listCode, listOut, listErr) = await Grid("data", "list", "--json", "--data-dir", GridConsole.DataDir);
        Assert.True(listCode == 0, $"data list --json exited {listCode}: {listErr}");
        var mnist = JsonNode.Parse(listOut)!.AsArray().Single(d => d!["dataset"]!.GetValue<string>() == "mnist")!;
        Assert.Equal(["dataset", "shape", "element", "train", "test", "classes", "class_names", "state", "directory", "source", "imported_from", "problem"], mnist.AsObject().Select(p => p.Key));
        Assert.Equal("ready", mnist["state"]!.GetValue<string>());

        var (benchCode, benchOut, benchErr) = await Grid("bench", "kmeans", "--k", "5", "--n-init", "1", "--limit", "600", "--json", "--data-dir", GridConsole.DataDir);
        Assert.True(benchCode == 0, $"bench kmeans --json exited {benchCode}: {benchErr}");
        var bench = JsonNode.Parse(benchOut)!.AsObject();
        Assert.All(bench, p => Assert.Matches("^[a-z0-9_]+$", p.Key));
        Assert.Equal("minibatch", bench["algorithm"]!.GetValue<string>());
        Assert.InRange(bench["test_error"]!.GetValue<double>(), 0, 1);
    }

    [Fact]
    public async Task Grid_run_json_prints_one_document_and_the_embedded_silo_logs_to_stderr()
    {
        // The embedded silo logs (at shutdown, Orleans reports the scheduler's last state write) must not reach stdout.
        var (code, stdout, stderr) = await Grid("run", Path.Combine(Repository.Root, "examples", "quick.json"), "--json",
            "--data-dir", GridConsole.DataDir, "--artifacts", _work.File("artifacts"));
        Assert.True(code == 0, $"run --json exited {code}: {stderr}");
        var document = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("completed", document["state"]!.GetValue<string>());
        Assert.Equal(2, document["trials"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_usage_error_is_one_line_and_exit_code_2()
    {
        var (code, stdout, stderr) = await Grid("silo", "--http-port", "abc");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("error: Cannot parse argument 'abc' for option '--http-port' as a whole number.", lines[0]);
        Assert.Equal("See `grid silo --help`.", lines[1]);

        (code, stdout, stderr) = await Grid("frobnicate");

        Assert.Equal(2, code);
        Assert.Equal("error: `grid` has no command or option 'frobnicate'; its commands: demo, run, sweep, cluster, silo, data, bench",
            stderr.Split('\n')[0]);
    }

    [Fact]
    public async Task No_silo_at_the_gateway_is_said_within_5_seconds()
    {
        var start = await ProcessStartAsync();
        int port = FreePorts.Next();

        var (code, stderr, elapsed) = await TimedAsync("sweep", "list", "--gateway", $"127.0.0.1:{port}");

        Assert.Equal(2, code);
        Assert.Contains($"no silo gateway answers at 127.0.0.1:{port} (connection refused); tried for cluster 'grid' (service 'grid')", stderr);
        Assert.Contains("--gateway-port", stderr);
        Assert.DoesNotContain("A task was canceled", stderr);
        Assert.True(elapsed < ConnectBound + start, $"took {elapsed.TotalSeconds:F1} s (process start {start.TotalSeconds:F1} s)");
    }

    [Fact]
    public async Task A_wrong_redis_port_and_a_redis_without_the_cluster_are_told_apart_within_5_seconds()
    {
        var start = await ProcessStartAsync();
        int port = FreePorts.Next();
        var (code, stderr, elapsed) = await TimedAsync("sweep", "list", "--redis", $"127.0.0.1:{port}");

        Assert.Equal(2, code);
        Assert.Contains($"cannot reach Redis at 127.0.0.1:{port}", stderr);
        Assert.Contains($"redis-cli -h 127.0.0.1 -p {port} ping", stderr);
        Assert.DoesNotContain("abortConnect", stderr);
        Assert.True(elapsed < ConnectBound + start, $"unreachable Redis took {elapsed.TotalSeconds:F1} s (process start {start.TotalSeconds:F1} s)");

        await using var redis = await RedisServer.StartAsync(port);

        (code, stderr, elapsed) = await TimedAsync("sweep", "list", "--redis", $"127.0.0.1:{port}", "--cluster-id", "lab");

        Assert.Equal(2, code);
        Assert.Contains($"Redis at 127.0.0.1:{port} answers, but no silo of cluster 'lab' (service 'lab') has registered there; no Grid cluster has", stderr);
        Assert.True(elapsed < ConnectBound + start, $"Redis without the cluster took {elapsed.TotalSeconds:F1} s (process start {start.TotalSeconds:F1} s)");
    }
}
