using System.Text.Json.Nodes;
using Grid.Silo.Hosting;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// A cluster a test may break: a redis-server and N `grid silo` processes on loopback (cluster mode),
/// with fast heartbeats and retries, which the test can kill, stop, restart and pause. Disposing stops
/// everything and deletes its artifact directory.
/// </summary>
public sealed class LoopbackCluster : IAsyncDisposable
{
    /// <summary>Settings that make failures show within seconds rather than the defaults' minute.</summary>
    private static readonly Dictionary<string, string> FastSettings = new()
    {
        ["Grid__Grains__HeartbeatInterval"] = "00:00:01",
        ["Grid__Grains__WorkerTimeout"] = "00:00:06",
        ["Grid__Grains__LeaseGrace"] = "00:00:10",
        ["Grid__Grains__RetryBackoff"] = "00:00:00.500",
        ["Grid__Grains__ProgressInterval"] = "00:00:00.250",
    };

    private readonly List<ExternalProcess> _retired = [];

    /// <summary>Redis' password and the TLS identities of silos and console, when the cluster runs secured; null: open.</summary>
    public LoopbackSecurity? Security { get; private init; }

    private LoopbackCluster()
    {
    }

    private readonly TempDirectory _artifacts = new("grid-reliability-");

    public RedisServer Redis { get; private set; } = null!;

    public string RedisAddress => Redis.Address;

    public string Artifacts => _artifacts.Path;

    /// <summary>The running silos, by slot in the cluster; a restarted silo takes its slot again.</summary>
    public ExternalProcess?[] Silos { get; private set; } = [];

    private int[] _siloPorts = [];

    private int[] _gatewayPorts = [];

    private int[] _httpPorts = [];

    private string[] _siloArguments = [];

    /// <summary>The HTTP port (health, pages, metrics) of silo <paramref name="index"/>.</summary>
    public int HttpPort(int index) => _httpPorts[index];

    /// <summary>The silo-to-silo port of silo <paramref name="index"/>.</summary>
    public int SiloPort(int index) => _siloPorts[index];

    /// <summary>The client gateway port of silo <paramref name="index"/>.</summary>
    public int GatewayPort(int index) => _gatewayPorts[index];

    /// <param name="silos">How many `grid silo` processes.</param>
    /// <param name="siloArguments">More options for every silo (e.g. <c>--memory-limit 1G</c>).</param>
    public static Task<LoopbackCluster> StartAsync(int silos, params string[] siloArguments) => StartAsync(silos, null, siloArguments);

    /// <param name="silos">How many `grid silo` processes.</param>
    /// <param name="security">A Redis password and mutual TLS for silos and console; null: neither.</param>
    /// <param name="siloArguments">More options for every silo.</param>
    public static async Task<LoopbackCluster> StartAsync(int silos, LoopbackSecurity? security, params string[] siloArguments)
    {
        await GridConsole.EnsureBuiltAsync();
        var cluster = new LoopbackCluster { _siloArguments = siloArguments, Security = security };
        try
        {
            cluster.Redis = await RedisServer.StartAsync(password: security?.RedisPassword);
            cluster.Silos = new ExternalProcess?[silos];
            cluster._siloPorts = new int[silos];
            cluster._gatewayPorts = new int[silos];
            cluster._httpPorts = new int[silos];
            for (int i = 0; i < silos; i++)
            {
                cluster.StartSilo(i);
            }
            await cluster.WaitForWorkersAsync(silos, TimeSpan.FromSeconds(90));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or restarts) silo <paramref name="index"/> on fresh ports.</summary>
    public void StartSilo(int index)
    {
        if (Silos[index] is { } old)
        {
            _retired.Add(old);
        }
        _siloPorts[index] = FreePorts.Next();
        _gatewayPorts[index] = FreePorts.Next();
        _httpPorts[index] = FreePorts.Next();
        var environment = new Dictionary<string, string>(FastSettings);
        if (Security is { } security)
        {
            environment["Grid__Silo__RedisPassword"] = security.RedisPassword;
        }
        Silos[index] = ExternalProcess.Start($"silo{index}", "dotnet", environment, [GridConsole.Dll, "silo",
            "--redis", RedisAddress,
            "--silo-port", _siloPorts[index].ToString(),
            "--gateway-port", _gatewayPorts[index].ToString(),
            "--http-port", _httpPorts[index].ToString(),
            "--slots", "cpu=1",
            "--drain-timeout", "30",
            "--data-dir", GridConsole.DataDir,
            "--artifacts", Artifacts,
            .. Security?.Silo is { } tls ? LoopbackSecurity.Options(tls) : [],
            .. _siloArguments]);
    }

    /// <summary>The silo whose worker id (its silo address, 127.0.0.1:PORT@generation) is <paramref name="workerId"/>.</summary>
    public int SiloOf(string workerId) => Array.IndexOf(_siloPorts, int.Parse(workerId.Split(':')[1].Split('@')[0]));

    /// <summary>The running silo whose output says <paramref name="text"/> (e.g. the sweep grain's "submitted" line), or -1.</summary>
    public int SiloSaying(string text) => Array.FindIndex(Silos, s => s is { HasExited: false } && s.Output.Contains(text, StringComparison.Ordinal));

    /// <summary>Starts the console against this cluster as a process the test follows (e.g. a watch), with its output captured.</summary>
    public ExternalProcess StartGrid(string name, params string[] arguments) =>
        ExternalProcess.Start(name, "dotnet", ConsoleEnvironment, ConsoleArguments(arguments));

    /// <summary>
    /// A sweep's counts as silo <paramref name="silo"/>'s results API gives them (<c>/api/sweeps/ID</c>: succeeded, running,
    /// queued, finished, …): cheap to poll, unlike a console process per look. Null while the silo cannot answer.
    /// </summary>
    public async Task<JsonNode?> SweepCountsAsync(int silo, string sweepId)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{HttpPort(silo)}/api/sweeps/{Uri.EscapeDataString(sweepId)}");
            return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Runs the console against this cluster.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> GridAsync(params string[] arguments) =>
        ExternalProcess.RunAsync(TimeSpan.FromMinutes(3), "dotnet", ConsoleEnvironment, ConsoleArguments(arguments));

    /// <summary>The console's command line against this cluster: through its Redis, with the client's TLS identity when secured.</summary>
    private string[] ConsoleArguments(string[] arguments) =>
        [GridConsole.Dll, .. arguments, "--redis", RedisAddress, .. Security?.Client is { } tls ? LoopbackSecurity.Options(tls) : []];

    /// <summary>The console's environment: Redis' password when secured.</summary>
    private Dictionary<string, string> ConsoleEnvironment =>
        Security is { } security ? new() { ["GRID_REDIS_PASSWORD"] = security.RedisPassword } : [];

    /// <summary>The longest pause between polls that start a console process (each takes about a second of CPU).</summary>
    public static readonly TimeSpan ConsolePoll = TimeSpan.FromSeconds(1);

    public async Task<JsonNode> StatusAsync()
    {
        var (code, stdout, stderr) = await GridAsync("cluster", "status", "--json");
        return code == 0 ? JsonNode.Parse(stdout)! : throw new InvalidOperationException($"cluster status exited {code}: {stderr}");
    }

    public async Task<JsonNode> SweepAsync(string sweepId)
    {
        var (code, stdout, stderr) = await GridAsync("sweep", "status", sweepId, "--json");
        return code == 0 ? JsonNode.Parse(stdout)! : throw new InvalidOperationException($"sweep status exited {code}: {stderr}");
    }

    /// <summary>Submits a spec file without watching; returns the sweep id.</summary>
    public async Task<string> SubmitAsync(string specPath)
    {
        var (code, stdout, stderr) = await GridAsync("sweep", "submit", specPath, "--json");
        Assert.True(code == 0, $"submit exited {code}: {stderr}");
        return JsonNode.Parse(stdout)!["sweep_id"]!.GetValue<string>();
    }

    public Task WaitForWorkersAsync(int alive, TimeSpan timeout) =>
        Wait.UntilAsync(async () =>
        {
            try
            {
                return (await StatusAsync())["workers"]!.AsArray().Count(w => w!["alive"]!.GetValue<bool>()) == alive;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }, timeout, $"{alive} workers register with the scheduler", Silos.FirstOrDefault(s => s is not null) ?? Redis.Process,
            longestPoll: ConsolePoll);

    /// <summary>
    /// Follows the sweep with one <c>grid sweep watch --json</c> until it has finished and returns its final JSON. A watch
    /// that loses the cluster (a gateway briefly unreachable while the cluster recovers) is started again. One process
    /// for the whole wait, not a <c>sweep status</c> process a poll: each console start costs about a second of CPU,
    /// which polling every 200 ms took from the silos under test.
    /// </summary>
    public async Task<JsonNode> WaitForSweepAsync(string sweepId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string lastWatch = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var (_, stdout, stderr) = await ExternalProcess.RunAsync(deadline - DateTime.UtcNow, "dotnet", ConsoleEnvironment,
                    ConsoleArguments(["sweep", "watch", sweepId, "--json"]));
                // Exit 1 means "a trial failed": the JSON is the final state all the same.
                if (TryParse(stdout) is { } final && final["state"]?.GetValue<string>() is "completed" or "cancelled")
                {
                    return final;
                }
                lastWatch = stderr;
            }
            catch (TimeoutException)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        // What is stuck, and what every silo (running or gone) said last: a stalled sweep is diagnosed from this.
        var last = await TrySweepAsync(sweepId);
        var trials = last?["trials"]?.AsArray().Select(t => $"{t!["key"]}: {t["state"]}") ?? [];
        var silos = Silos.Where(s => s is not null).Concat(_retired)
            .Select(s => $"--- {s!.Name}{(s.HasExited ? " (exited)" : "")}:\n{GridLines(s.Output, 40)}");
        throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0}s waiting until sweep {sweepId} finishes; the last watch said: {lastWatch}\ntrials: {string.Join("; ", trials)}\n{string.Join("\n", silos)}");
    }

    private static JsonNode? TryParse(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private async Task<JsonNode?> TrySweepAsync(string sweepId)
    {
        try
        {
            return await SweepAsync(sweepId);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// The last <paramref name="count"/> lines of a silo's own story (Grid's log lines, failures, its start), without the
    /// retry and connection chatter of Orleans that would fill any tail of its output.
    /// </summary>
    private static string GridLines(string output, int count) =>
        string.Join("\n", output.Split('\n')
            .Where(l => l.Contains(" Grid.", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("silo ", StringComparison.Ordinal))
            .Select(l => l.Length > 400 ? l[..400] + "…" : l)
            .TakeLast(count));

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos.Where(s => s is not null).Concat(_retired))
        {
            silo!.Signal("KILL");
            await silo.DisposeAsync();
        }
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
        _artifacts.Dispose();
    }
}

/// <summary>How a <see cref="LoopbackCluster"/> is secured: Redis' password, and the silos' and the console's TLS identities.</summary>
public sealed record LoopbackSecurity(string RedisPassword, TlsFiles Silo, TlsFiles Client)
{
    /// <summary>The three options that give a process <paramref name="tls"/>.</summary>
    public static string[] Options(TlsFiles tls) => ["--tls-cert", tls.Cert!, "--tls-key", tls.Key!, "--tls-ca", tls.Ca!];
}
