using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.Silo.Hosting;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Observability for real: a `grid silo` process on loopback runs a small sweep while the Debian
/// `prometheus` server scrapes it with the project's own scrape configuration and rules; then every
/// PromQL expression of every Grafana dashboard is evaluated through Prometheus' HTTP API.
/// </summary>
public sealed partial class MetricsEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string PrometheusDir = Path.Combine(Repository.Root, "deploy", "prometheus");
    private static readonly string DashboardsDir = Path.Combine(Repository.Root, "deploy", "grafana", "dashboards");

    /// <summary>What Grafana would put for its interval variables: with 1 s scrapes a minute holds plenty of samples.</summary>
    private const string RateInterval = "1m";

    private readonly TempDirectory _work = new("grid-metrics-e2e-");
    private readonly List<ExternalProcess> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Notes how long each phase took, in the test's output.</summary>
    private void Phase(string name) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1}s {name}");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Prometheus and the silo stop on SIGINT (then are killed); nothing outlives the test.
        for (int i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
        _http.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task Prometheus_configuration_and_alert_rules_pass_promtool()
    {
        await Promtool("check", "config", Path.Combine(PrometheusDir, "prometheus.yml"));
        await Promtool("check", "rules", Path.Combine(PrometheusDir, "grid-rules.yml"));
        // The rules' own unit tests: each alert fires when it should, and only then.
        await Promtool("test", "rules", Path.Combine(PrometheusDir, "grid-rules.test.yml"));
    }

    [Fact]
    public async Task Every_dashboard_expression_returns_data_from_a_real_prometheus_scraping_a_silo_that_ran_a_sweep()
    {
        await GridConsole.EnsureBuiltAsync();
        Phase("console built");
        int gatewayPort = FreePorts.Next(), httpPort = FreePorts.Next(), metricsPort = FreePorts.Next();

        // Prometheus with the project's configuration, pointed at the silo's metrics port and scraping
        // every second, starts first: it scrapes from the silo's first moment and sees every counter move.
        int prometheusPort = FreePorts.Next();
        string config = WriteScrapeConfig(metricsPort);
        await Promtool("check", "config", config);
        var prometheus = Start(ExternalProcess.Start("prometheus", "prometheus",
            "--config.file=" + config,
            "--storage.tsdb.path=" + _work.File("tsdb"),
            "--web.listen-address=127.0.0.1:" + prometheusPort.ToString(CultureInfo.InvariantCulture)));
        string api = $"http://127.0.0.1:{prometheusPort}";

        // A silo with a (CPU-backed) gpu slot too, so the GPU dashboard has something to show.
        var silo = Start(ExternalProcess.Start("silo", "dotnet", GridConsole.Dll, "silo",
            "--silo-port", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
            "--http-port", httpPort.ToString(CultureInfo.InvariantCulture),
            "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture),
            "--slots", "cpu=1,gpu=1",
            "--data-dir", GridConsole.DataDir,
            "--artifacts", _work.File("artifacts")));
        await Wait.UntilAsync(async () => await StatusAsync($"http://127.0.0.1:{httpPort}/readyz") == HttpStatusCode.OK,
            TimeSpan.FromSeconds(90), "the silo is ready (its worker registered with the scheduler)", silo);
        Phase("silo ready");

        // /metrics is served on the metrics port only.
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync($"http://127.0.0.1:{httpPort}/metrics"));
        string exposition = await _http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Contains("grid_slots{", exposition);
        Assert.Contains("orleans_", exposition);
        Assert.Contains("dotnet_gc_", exposition);

        await Wait.UntilAsync(async () => (await QueryAsync(api, "up{job=\"grid\"} == 1")).Count == 1,
            TimeSpan.FromSeconds(30), "Prometheus scrapes the silo (up == 1)", prometheus);
        Phase("prometheus scrapes the silo");

        // A small sweep: pixels and two two-epoch autoencoders (the second queues for the one gpu slot), four k each.
        string spec = _work.File("metrics.yaml");
        await File.WriteAllTextAsync(spec,
            "name: metrics\ndatasets: [mnist]\nsplit: { train: 600, test: 200 }\n" +
            "representations: [pixels, { autoencoder: { z_dim: [2, 3], epochs: 2 } }]\nscalers: [none]\nk: [2, 4, 8, 16]\nseeds: [0]\n" +
            "kmeans: { algorithm: minibatch, batch_size: 200, n_init: 1, max_iter: 20 }\n");
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(3), "dotnet",
            GridConsole.Dll, "sweep", "submit", spec, "--watch", "--json", "--gateway", $"127.0.0.1:{gatewayPort}");
        Assert.True(code == 0, $"sweep submit exited {code}: {stderr}\nsilo said:\n{silo.Output}");
        var sweep = JsonNode.Parse(stdout)!;
        string sweepId = sweep["sweep_id"]!.GetValue<string>();
        var trials = sweep["trials"]!.AsArray();
        Assert.Equal(12, trials.Count);
        Phase("sweep done");

        // Prometheus has seen the sweep end.
        await Wait.UntilAsync(async () => (await QueryAsync(api, $"grid_sweep_trials{{job=\"grid\",sweep=\"{sweepId}\",state=\"succeeded\"}} == 12")).Count == 1,
            TimeSpan.FromSeconds(30), "Prometheus scrapes the finished sweep", prometheus);
        Phase("prometheus has the finished sweep");

        // The series say what the console said: every elbow point and every knee.
        var inertia = await QueryAsync(api, $"grid_sweep_inertia{{sweep=\"{sweepId}\"}}");
        Assert.Equal(12, inertia.Count);
        foreach (var trial in trials)
        {
            var settings = trial!["config"]!;
            var point = inertia.Single(s => s.Labels["representation"] == settings["representation"]!.GetValue<string>()
                && s.Labels["k"] == settings["k"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture));
            Assert.Equal(trial["inertia"]!.GetValue<double>(), point.Value, 6);
        }
        var knees = await QueryAsync(api, $"grid_sweep_knee{{sweep=\"{sweepId}\"}}");
        Assert.Equal(
            sweep["knees"]!.AsArray().Select(k => $"{k!["representation"]}={k["k"]}").Order(StringComparer.Ordinal),
            knees.Select(k => $"{k.Labels["representation"]}={k.Value.ToString(CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal));
        Assert.Equal([2.0, 2.0], (await QueryAsync(api, $"grid_sweep_autoencoder_epochs{{sweep=\"{sweepId}\"}}")).Select(s => s.Value));
        // The sweep's best silhouette, under the name the README gives, is the highest the console printed.
        double bestSilhouette = trials.Select(t => t!["silhouette"]?.GetValue<double>()).OfType<double>().Max();
        Assert.Equal(bestSilhouette, Assert.Single(await QueryAsync(api, $"grid_sweep_silhouette_best{{sweep=\"{sweepId}\"}}")).Value, 6);
        Assert.Equal(12, (await QueryAsync(api, $"grid_sweep_davies_bouldin{{sweep=\"{sweepId}\"}}")).Count);

        // No label anywhere carries a trial id.
        var gridSeries = await SeriesAsync(api, "{__name__=~\"grid_.+\",job=\"grid\"}");
        Assert.NotEmpty(gridSeries);
        var trialIds = trials.Select(t => t!["id"]!.GetValue<string>().Split('/')[1]).ToList();
        Assert.All(gridSeries, labels => Assert.DoesNotContain(labels.Values, v => trialIds.Any(id => v.Contains(id, StringComparison.Ordinal))));

        // Every expression of every dashboard panel returns data, with the dashboards' variables filled in.
        var expressions = DashboardExpressions().ToList();
        Assert.True(expressions.Count >= 40, $"only {expressions.Count} dashboard expressions found");
        var missing = new List<string>();
        foreach (var (where, expr) in expressions)
        {
            string query = Substitute(expr, sweepId);
            Assert.DoesNotContain("$", query);
            // Rates need a second scrape after the last change; a few seconds at most.
            IReadOnlyList<Sample> result = [];
            try
            {
                await Wait.UntilAsync(async () => HasData(result = await QueryAsync(api, query)), TimeSpan.FromSeconds(15), $"{where} has data",
                    retryOn: _ => false);
            }
            catch (TimeoutException)
            {
                // Every expression is tried; the assertion below lists all that returned nothing.
                missing.Add($"{where}: {query} → {(result.Count == 0 ? "no series" : "only NaN/Inf")}");
            }
        }
        Phase($"{expressions.Count} dashboard expressions evaluated");
        Assert.True(missing.Count == 0, $"{missing.Count} of {expressions.Count} dashboard expressions returned no data:\n{string.Join("\n", missing)}");

        // The sweep variable offers this sweep.
        foreach (var (metric, label) in DashboardLabelVariables())
        {
            var values = await QueryAsync(api, $"group by ({label}) ({metric})");
            Assert.Contains(sweepId, values.Select(v => v.Labels.GetValueOrDefault(label)));
        }

        // Prometheus loaded the project's alert rules and evaluates them without errors; none fires.
        await Wait.UntilAsync(async () =>
        {
            var rules = await RulesAsync(api);
            return rules.Count == 3 && rules.All(r => r.Health == "ok");
        }, TimeSpan.FromSeconds(15), "Prometheus evaluates the alert rules", prometheus);
        Assert.All(await RulesAsync(api), r => Assert.Equal("inactive", r.State));
    }

    private ExternalProcess Start(ExternalProcess process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>The project's scrape configuration, rewritten to this test's ports, a 1 s interval and an absolute rules path.</summary>
    private string WriteScrapeConfig(int metricsPort)
    {
        string text = File.ReadAllText(Path.Combine(PrometheusDir, "prometheus.yml"));
        string Replace(string source, string from, string to)
        {
            Assert.True(source.Contains(from, StringComparison.Ordinal), $"deploy/prometheus/prometheus.yml no longer contains '{from}'; update this test");
            return source.Replace(from, to, StringComparison.Ordinal);
        }
        // One silo here: its port for the first target, and no second one (it would be down, and its alert pending).
        text = Replace(text, "127.0.0.1:9464", $"127.0.0.1:{metricsPort}");
        text = Replace(text, "          - 127.0.0.1:9465\n", "");
        text = Replace(text, "scrape_interval: 5s", "scrape_interval: 1s");
        text = Replace(text, "evaluation_interval: 5s", "evaluation_interval: 1s");
        text = Replace(text, "- grid-rules.yml", "- " + Path.Combine(PrometheusDir, "grid-rules.yml"));
        string path = _work.File("prometheus.yml");
        File.WriteAllText(path, text);
        return path;
    }

    private static IEnumerable<(string Where, string Expr)> DashboardExpressions()
    {
        foreach (string file in Directory.GetFiles(DashboardsDir, "*.json").Order(StringComparer.Ordinal))
        {
            var dashboard = JsonNode.Parse(File.ReadAllText(file))!;
            foreach (var panel in Panels(dashboard["panels"]!.AsArray()))
            {
                foreach (var target in panel["targets"]?.AsArray() ?? [])
                {
                    if (target?["expr"]?.GetValue<string>() is { Length: > 0 } expr)
                    {
                        yield return ($"{Path.GetFileName(file)} / {panel["title"]} / {target["refId"]}", expr);
                    }
                }
            }
        }
    }

    /// <summary>Panels, including those nested in collapsed rows.</summary>
    private static IEnumerable<JsonNode> Panels(JsonArray panels)
    {
        foreach (var panel in panels)
        {
            yield return panel!;
            if (panel!["panels"] is JsonArray nested)
            {
                foreach (var inner in Panels(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>The <c>label_values(metric, label)</c> query variables of the dashboards.</summary>
    private static IEnumerable<(string Metric, string Label)> DashboardLabelVariables()
    {
        foreach (string file in Directory.GetFiles(DashboardsDir, "*.json"))
        {
            var variables = JsonNode.Parse(File.ReadAllText(file))!["templating"]?["list"]?.AsArray() ?? [];
            foreach (var variable in variables.Where(v => v?["type"]?.GetValue<string>() == "query"))
            {
                string definition = variable!["definition"]!.GetValue<string>();
                var match = LabelValues().Match(definition);
                Assert.True(match.Success, $"{Path.GetFileName(file)}: variable {variable["name"]} is not label_values(metric, label): {definition}");
                yield return (match.Groups[1].Value.Trim(), match.Groups[2].Value.Trim());
            }
        }
    }

    [GeneratedRegex(@"^label_values\((.+),\s*(\w+)\)$")]
    private static partial Regex LabelValues();

    private static string Substitute(string expr, string sweepId) => expr
        .Replace("${sweep}", sweepId, StringComparison.Ordinal)
        .Replace("$sweep", sweepId, StringComparison.Ordinal)
        .Replace("$__rate_interval", RateInterval, StringComparison.Ordinal)
        .Replace("$__interval", RateInterval, StringComparison.Ordinal)
        .Replace("$__range", RateInterval, StringComparison.Ordinal);

    private static bool HasData(IReadOnlyList<Sample> result) => result.Any(s => double.IsFinite(s.Value));

    private sealed record Sample(IReadOnlyDictionary<string, string> Labels, double Value);

    private sealed record Rule(string Name, string Health, string State);

    private async Task<IReadOnlyList<Sample>> QueryAsync(string api, string query)
    {
        var response = JsonNode.Parse(await _http.GetStringAsync($"{api}/api/v1/query?query={Uri.EscapeDataString(query)}"))!;
        Assert.True(response["status"]!.GetValue<string>() == "success", $"query failed: {query}: {response.ToJsonString()}");
        var data = response["data"]!;
        if (data["resultType"]!.GetValue<string>() == "scalar")
        {
            return [new Sample(new Dictionary<string, string>(), ParseValue(data["result"]!.AsArray()))];
        }
        return data["result"]!.AsArray()
            .Select(r => new Sample(
                r!["metric"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()),
                ParseValue(r["value"]!.AsArray())))
            .ToList();
    }

    private static double ParseValue(JsonArray value) => value[1]!.GetValue<string>() switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        string text => double.Parse(text, CultureInfo.InvariantCulture),
    };

    private async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> SeriesAsync(string api, string match)
    {
        var response = JsonNode.Parse(await _http.GetStringAsync($"{api}/api/v1/series?match[]={Uri.EscapeDataString(match)}"))!;
        return response["data"]!.AsArray().Select(s => (IReadOnlyDictionary<string, string>)s!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>())).ToList();
    }

    private async Task<IReadOnlyList<Rule>> RulesAsync(string api)
    {
        var response = JsonNode.Parse(await _http.GetStringAsync($"{api}/api/v1/rules"))!;
        return response["data"]!["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray())
            .Select(r => new Rule(r!["name"]!.GetValue<string>(), r["health"]!.GetValue<string>(), r["state"]?.GetValue<string>() ?? ""))
            .ToList();
    }

    private async Task<HttpStatusCode?> StatusAsync(string url)
    {
        try
        {
            using var response = await _http.GetAsync(url);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task Promtool(params string[] arguments)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "promtool", arguments);
        Assert.True(code == 0, $"promtool {string.Join(' ', arguments)} exited {code}:\n{stdout}\n{stderr}");
    }
}
