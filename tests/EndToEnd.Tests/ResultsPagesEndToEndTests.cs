using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Grid.Silo.Hosting;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// The live results pages in a real browser: a `grid silo` process on loopback runs a small sweep while Debian's
/// `chromium` (headless, driven over the DevTools protocol) opens the list and the sweep's page. The page must
/// show the table and load every image, update itself when the sweep finishes, and log no error. Beside it runs a
/// hostile sweep: its note and tag, and its trial's error (which names a file under a folder whose name is a payload),
/// carry script, event-handler, attribute-breaking and path payloads (its name cannot: the spec reader allows letters,
/// digits, '.', '_' and '-'; PageSecurityTests covers names and ids from other clients). No payload may run, each must show as
/// text, no page may break the silo's Content-Security-Policy, every response carries it, a figure name cannot climb
/// out of the sweep's list, and the JSON API gives no local path.
/// </summary>
public sealed class ResultsPagesEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Where the screenshot of the finished page is kept (test.sh leaves .artifacts/ in place).</summary>
    public static string ScreenshotPath => Path.Combine(Repository.Root, ".artifacts", "test-output", "results-page.png");

    private const int Trials = 6;

    /// <summary>What the hostile sweep's note carries: each payload would set window.gridPwned if it ran.</summary>
    private const string HostileText =
        "<script>window.gridPwned='script'</script> <img src=x onerror=window.gridPwned='img'> \"><svg onload=window.gridPwned='svg'> ../../../etc/passwd";

    /// <summary>A folder name (anything but '/') with the payloads: the hostile trial's error names a file under it.</summary>
    private const string HostileFolder = "<script>window.gridPwned='path'< <img src=x onerror=window.gridPwned='path-img'> \"><svg onload=window.gridPwned='path-svg'>";

    /// <summary>A tag may hold '/' and '.': a path that climbs.</summary>
    private const string HostileTag = "x/../../etc/passwd";

    private readonly TempDirectory _work = new("grid-pages-e2e-");
    private readonly List<ExternalProcess> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private void Phase(string name) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1}s {name}");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (int i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
        _http.Dispose();
        // Best effort: Chromium may still be writing its profile while it exits.
        _work.Dispose();
    }

    [Fact]
    public async Task Live_pages_list_the_sweep_show_its_table_and_figures_and_update_when_it_finishes()
    {
        await GridConsole.EnsureBuiltAsync();
        Phase("console built");
        int gatewayPort = FreePorts.Next(), httpPort = FreePorts.Next();
        string site = $"http://127.0.0.1:{httpPort}";
        // The silo's artifact directory (and the shared datasets folder in it) lies under the payload folder.
        string hostileDir = _work.File(HostileFolder);
        string artifacts = Path.Combine(hostileDir, "artifacts");
        string sharedDatasets = Path.Combine(artifacts, "datasets");
        var silo = Start(ExternalProcess.Start("silo", "dotnet", GridConsole.Dll, "silo",
            "--silo-port", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
            "--http-port", httpPort.ToString(CultureInfo.InvariantCulture),
            "--slots", "cpu=1",
            "--data-dir", GridConsole.DataDir,
            "--artifacts", artifacts));

        // The hostile sweep's dataset: imported into the shared datasets folder meanwhile (its files removed below, so its
        // trial fails with an error naming one of them).
        Directory.CreateDirectory(hostileDir);
        string csv = Path.Combine(hostileDir, "hostile.csv");
        await File.WriteAllTextAsync(csv, "a,b,label\n" + string.Concat(Enumerable.Range(0, 20).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i},{i % 3},{i % 2}\n"))));
        var import = ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", GridConsole.Dll, "data", "add", "hostile", "--format", "csv",
            "--train", csv, "--label", "label", "--data-dir", sharedDatasets);

        // The browser starts meanwhile; with port 0 it writes the port it chose to DevToolsActivePort in its profile.
        string profile = _work.File("chromium");
        var browser = Start(ExternalProcess.Start("chromium", "chromium",
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1400,1000", "about:blank"));
        string portFile = Path.Combine(profile, "DevToolsActivePort");
        await Wait.UntilAsync(() => Task.FromResult(File.Exists(portFile) && File.ReadAllLines(portFile).Length > 0),
            TimeSpan.FromSeconds(30), "chromium listens for DevTools", browser);
        int devToolsPort = int.Parse(File.ReadAllLines(portFile)[0], CultureInfo.InvariantCulture);
        await using var page = await DevTools.ConnectAsync(devToolsPort, CancellationToken.None);
        await page.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1400, ["height"] = 1000, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        // Every document records what the Content-Security-Policy refused (this script is the browser's own: the policy does not apply to it).
        await page.SendAsync("Page.addScriptToEvaluateOnNewDocument", new JsonObject
        {
            ["source"] = "window.gridViolations = []; document.addEventListener('securitypolicyviolation', " +
                "e => window.gridViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));",
        });
        Phase("chromium connected");

        await Wait.UntilAsync(async () => await StatusAsync($"{site}/readyz") == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo is ready", silo);
        Phase("silo ready");
        var (importCode, _, importErr) = await import;
        Assert.True(importCode == 0, $"grid data add exited {importCode}: {importErr}");
        foreach (string file in Directory.GetFiles(Path.Combine(sharedDatasets, "hostile"), "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "dataset.json"))
        {
            File.Delete(file);
        }

        // An empty list first: the page renders without a sweep.
        await page.NavigateAsync(site + "/");
        await UntilPage(page, "document.getElementById('empty') !== null", "the empty list of sweeps renders", silo);

        // Pixels and a z_dim 2 autoencoder (its codes drawn directly, with reconstructions), three k each.
        string spec = _work.File("pages.yaml");
        await File.WriteAllTextAsync(spec,
            "name: pages\ndatasets: [mnist]\nsplit: { train: 1000, test: 300 }\n" +
            "representations: [pixels, { autoencoder: { z_dim: 2, epochs: 3, reconstructions: true } }]\nscalers: [none]\nk: [2, 4, 8]\nseeds: [0]\n" +
            "kmeans: { algorithm: minibatch, batch_size: 200, n_init: 1, max_iter: 20 }\n");
        string hostileSpec = _work.File("hostile.json");
        await File.WriteAllTextAsync(hostileSpec, new JsonObject
        {
            ["name"] = "hostile",
            ["datasets"] = new JsonArray("hostile"),
            ["representations"] = new JsonArray("raw"),
            ["scalers"] = new JsonArray("none"),
            ["k"] = new JsonArray(2),
            ["seeds"] = new JsonArray(0),
            ["kmeans"] = new JsonObject { ["batch_size"] = 200, ["n_init"] = 1 },
        }.ToJsonString());
        var submitted = await Task.WhenAll(
            ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", GridConsole.Dll, "sweep", "submit", spec, "--gateway", $"127.0.0.1:{gatewayPort}"),
            ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", GridConsole.Dll, "sweep", "submit", hostileSpec, "--gateway", $"127.0.0.1:{gatewayPort}",
                "--data-dir", sharedDatasets, "--note", HostileText, "--tag", HostileTag));
        foreach (var (exit, _, error) in submitted)
        {
            Assert.True(exit == 0, $"sweep submit exited {exit}: {error}\nsilo said:\n{silo.Output}");
        }
        string sweepId = submitted[0].Stdout.Trim().Split('\n')[^1].Trim();
        string hostileId = submitted[1].Stdout.Trim().Split('\n')[^1].Trim();
        Phase($"submitted {sweepId} and {hostileId}");

        // The list page shows the sweep (it updates itself: no reload here).
        await UntilPage(page, $"document.querySelector('tr[data-sweep=\"{sweepId}\"] a') !== null", "the list shows the sweep", silo);
        Assert.Equal($"/sweeps/{sweepId}", (await page.EvaluateAsync($"document.querySelector('tr[data-sweep=\"{sweepId}\"] a').getAttribute('href')"))!.GetValue<string>());
        Phase("list shows the sweep");

        // The sweep's page, while the sweep runs.
        await page.NavigateAsync($"{site}/sweeps/{sweepId}");
        await UntilPage(page, "document.body.dataset.page === 'sweep'", "the sweep page loads", silo);
        string firstState = (await page.EvaluateAsync("document.body.dataset.state"))!.GetValue<string>();
        string firstVersion = (await page.EvaluateAsync("document.body.dataset.version"))!.GetValue<string>();
        Assert.True(firstState is "pending" or "running", $"the sweep had already ended ({firstState}) when its page opened, so the test cannot see the page update; make the sweep longer");
        Assert.Equal(Trials, (await page.EvaluateAsync("document.querySelectorAll('#results-table tr.trial').length"))!.GetValue<int>());
        await page.EvaluateAsync("window.gridTestMarker = 'same page'");
        Phase($"sweep page open while {firstState}");

        // The page updates itself until it shows the finished sweep.
        await UntilPage(page, "document.body.dataset.state === 'completed'", "the sweep page shows the sweep completed", silo, TimeSpan.FromSeconds(90));
        Phase("page shows the sweep completed");
        await AssertNothingRanAsync(page, "the sweep page, after its updates");
        Assert.Equal("same page", (await page.EvaluateAsync("window.gridTestMarker"))!.GetValue<string>());
        Assert.NotEqual(firstVersion, (await page.EvaluateAsync("document.body.dataset.version"))!.GetValue<string>());
        Assert.True((await page.EvaluateAsync("Number(document.body.dataset.updates || 0)"))!.GetValue<int>() >= 1, "the page never swapped in new content");
        Assert.Equal("completed", (await page.EvaluateAsync("document.getElementById('state').textContent"))!.GetValue<string>());
        Assert.Equal(Trials, (await page.EvaluateAsync("document.querySelectorAll('#results-table tr.trial.succeeded').length"))!.GetValue<int>());
        Assert.Equal(2, (await page.EvaluateAsync("document.querySelectorAll('#knees-table tbody tr').length"))!.GetValue<int>());
        Assert.Contains("best test error overall", (await page.EvaluateAsync("document.getElementById('best').textContent"))!.GetValue<string>());

        // Every figure: 2 elbows, their comparison, test error, the 3 quality measures over k, the objective over the trials,
        // class distribution, latent train/test, loss per epoch, reconstructions, and 3 per trial (open every trial's section so its images load too).
        // Lazy images load when scrolled into view, which a headless window never does: ask for them now.
        await page.EvaluateAsync("document.querySelectorAll('details').forEach(d => d.open = true); document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')");
        const string images = "Array.from(document.querySelectorAll('#content img'))";
        try
        {
            await UntilPage(page, $"{images}.length > 0 && {images}.every(i => i.complete && i.naturalWidth > 0)", "every image of the sweep page has loaded", silo, TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            var pending = await page.EvaluateAsync($"{images}.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))");
            throw new TimeoutException($"images not loaded after 60 s: {pending?.ToJsonString()}; browser errors: {string.Join("; ", page.Errors)}");
        }
        int count = (await page.EvaluateAsync($"{images}.length"))!.GetValue<int>();
        Assert.Equal(2 + 2 + 3 + 1 + 1 + 2 + 1 + 1 + 3 * Trials, count);
        var sizes = (await page.EvaluateAsync($"{images}.map(i => [i.getAttribute('src'), i.naturalWidth, i.naturalHeight, Number(i.getAttribute('width')), Number(i.getAttribute('height'))])"))!.AsArray();
        Assert.All(sizes, s => Assert.True(s![1]!.GetValue<int>() == s[3]!.GetValue<int>() && s[2]!.GetValue<int>() == s[4]!.GetValue<int>(), $"{s}: the PNG has the size the page announces"));
        Assert.Contains(sizes, s => s![0]!.GetValue<string>().Contains("/figures/latent-test-", StringComparison.Ordinal));
        Assert.Contains(sizes, s => s![0]!.GetValue<string>().Contains("/figures/reconstructions-", StringComparison.Ordinal));
        Assert.Contains(sizes, s => s![0]!.GetValue<string>().Contains("/figures/loss-", StringComparison.Ordinal));
        Phase($"{count} images loaded");

        // The list reflects the end too.
        await page.NavigateAsync(site + "/");
        await UntilPage(page, $"document.querySelector('tr[data-sweep=\"{sweepId}\"] .state').textContent === 'completed'", "the list shows the sweep completed", silo);
        // The hostile sweep's row shows its tag as text.
        string hostileRow = $"document.querySelector('tr[data-sweep=\"{hostileId}\"]')";
        Assert.Equal(HostileTag, (await page.EvaluateAsync($"{hostileRow}.children[2].textContent"))!.GetValue<string>());
        Assert.Equal("Grid · sweeps", (await page.EvaluateAsync("document.title"))!.GetValue<string>());
        await AssertNothingRanAsync(page, "the list of sweeps");

        // Keep a picture of the finished sweep page.
        await page.NavigateAsync($"{site}/sweeps/{sweepId}");
        // Loaded and laid out: Page.navigate answers before the new document is, and a screenshot of a page not yet laid
        // out fails ("Cannot take screenshot with 0 width"); its images, cached, are complete at once.
        await UntilPage(page, $"document.readyState === 'complete' && document.body.scrollWidth > 0 && {images}.length > 0 && " +
            $"{images}.every(i => !i.closest('details:not([open])') ? (i.complete && i.naturalWidth > 0) : true)", "the sweep page reloads with its images", silo);
        var shot = await page.SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        await File.WriteAllBytesAsync(ScreenshotPath, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
        Assert.True(new FileInfo(ScreenshotPath).Length > 10_000, "the screenshot is not empty");
        Phase("screenshot kept at " + ScreenshotPath);

        // The JSON the pages poll, and an unknown sweep.
        var status = JsonNode.Parse(await _http.GetStringAsync($"{site}/api/sweeps/{sweepId}"))!;
        Assert.True(status["finished"]!.GetValue<bool>());
        Assert.Equal(Trials, status["succeeded"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync($"{site}/sweeps/no-such-sweep"));
        using (var unknown = await _http.GetAsync($"{site}/api/sweeps/no-such-sweep"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("no sweep 'no-such-sweep'", JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        }
        using (var nowhere = await _http.GetAsync($"{site}/admin"))
        {
            Assert.Equal(HttpStatusCode.NotFound, nowhere.StatusCode);
            Assert.Contains("no such page", await nowhere.Content.ReadAsStringAsync());
        }

        await CheckHostileSweepAsync(page, site, httpPort, hostileId, sweepId, sizes[0]![0]!.GetValue<string>(), silo);
        Phase("the hostile sweep's payloads show as text and none ran");

        Assert.True(page.Errors.Count == 0, "the browser reported errors:\n" + string.Join("\n", page.Errors));

        // The same results as a report folder, written by the console from the cluster's artifacts.
        string reportDir = _work.File("report");
        var (reportCode, reportOut, reportErr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", GridConsole.Dll,
            "sweep", "report", sweepId, "--out", reportDir, "--gateway", $"127.0.0.1:{gatewayPort}",
            "--artifacts", artifacts, "--data-dir", GridConsole.DataDir);
        Assert.True(reportCode == 0, $"sweep report exited {reportCode}: {reportErr}");
        Assert.Contains(Path.Combine(reportDir, "index.html"), reportOut);
        Assert.Contains($"[{count}/{count}]", reportErr);
        Assert.Equal(count, Directory.GetFiles(Path.Combine(reportDir, "figures"), "*.png").Length);
        var (unknownCode, _, unknownErr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", GridConsole.Dll,
            "sweep", "report", "no-such-sweep", "--out", reportDir, "--gateway", $"127.0.0.1:{gatewayPort}");
        Assert.Equal(2, unknownCode);
        Assert.Contains("no sweep 'no-such-sweep'", unknownErr);
        Phase("report written by grid sweep report");
    }

    /// <summary>
    /// The hostile sweep's page, once its trial has failed: every payload shows as text (the error names the payload folder),
    /// none ran; figure names that climb out of a sweep's list, or name another sweep's figure, are 404 without reading a file;
    /// every response carries the security headers; the JSON API names no local path.
    /// </summary>
    private async Task CheckHostileSweepAsync(DevTools page, string site, int httpPort, string hostileId, string sweepId, string figureUrl, ExternalProcess silo)
    {
        await Wait.UntilAsync(async () => JsonNode.Parse(await _http.GetStringAsync($"{site}/api/sweeps/{hostileId}"))!["finished"]!.GetValue<bool>(),
            TimeSpan.FromSeconds(60), "the hostile sweep ends", silo);
        await page.NavigateAsync($"{site}/sweeps/{hostileId}");
        await UntilPage(page, "document.readyState === 'complete' && document.body.dataset.page === 'sweep'", "the hostile sweep's page loads", silo);
        await AssertNothingRanAsync(page, "the hostile sweep's page");
        var shown = (await page.EvaluateAsync(
            "({ title: document.title, name: document.querySelector('h1').firstChild.textContent, note: document.getElementById('note').textContent, " +
            "tags: Array.from(document.querySelectorAll('#tags .tag')).map(t => t.textContent), " +
            "error: document.querySelector('#results-table tr.trial td:last-child').textContent, " +
            "log: document.querySelector('#trial-logs details[open]').textContent })"))!;
        Assert.Equal($"Grid · hostile ({hostileId})", shown["title"]!.GetValue<string>());
        Assert.Equal("hostile ", shown["name"]!.GetValue<string>());
        Assert.Equal(HostileText, shown["note"]!.GetValue<string>());
        Assert.Equal([HostileTag], shown["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        string error = shown["error"]!.GetValue<string>();
        Assert.True(error.Contains(HostileFolder, StringComparison.Ordinal) && error.Contains("file is missing", StringComparison.Ordinal),
            $"the failed trial's error shows the payload folder as text: {error}");
        Assert.Contains(HostileFolder, shown["log"]!.GetValue<string>());

        // Figure names are looked up in the sweep's own list: nothing climbs out of it, nothing is read for them.
        string figure = figureUrl[(figureUrl.LastIndexOf('/') + 1)..].Split('?')[0];
        foreach (string path in new[]
        {
            $"/sweeps/{sweepId}/figures/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            $"/sweeps/{sweepId}/figures/%2e%2e%2f%2e%2e%2fhostile.csv",
            $"/sweeps/{sweepId}/figures/..%5C..%5Chostile.csv",
            $"/sweeps/{sweepId}/figures/%2Fetc%2Fpasswd",
            $"/sweeps/{sweepId}/figures/../../../../etc/passwd",
            $"/sweeps/{hostileId}/figures/{figure}",
        })
        {
            string response = await RawGetAsync(httpPort, path);
            Assert.True(response.StartsWith("HTTP/1.1 404 ", StringComparison.Ordinal), $"GET {path}: {response[..Math.Min(200, response.Length)]}");
            Assert.DoesNotContain("root:", response);
            Assert.DoesNotContain("a,b,label", response);
        }
        Assert.StartsWith("HTTP/1.1 200 ", await RawGetAsync(httpPort, $"/sweeps/{sweepId}/figures/{figure}"));

        // Every response carries the policy, nosniff and no referrer: pages, JSON, figures, assets, errors.
        foreach (string path in new[] { "/", $"/sweeps/{hostileId}", "/api/sweeps", $"/api/sweeps/{hostileId}", figureUrl, "/sweeps/no-such-sweep", "/no-such-page", "/healthz" })
        {
            using var response = await _http.GetAsync(site + path);
            Assert.Equal(SecurityHeaders.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }

        // The JSON API: the failed trial is counted, its error (a path on the silo) is not given.
        foreach (string api in new[] { $"/api/sweeps/{hostileId}", "/api/sweeps" })
        {
            string json = await _http.GetStringAsync(site + api);
            Assert.DoesNotContain(_work.Path, json);
            Assert.DoesNotContain("file is missing", json);
        }
        Assert.Equal(1, JsonNode.Parse(await _http.GetStringAsync($"{site}/api/sweeps/{hostileId}"))!["failed"]!.GetValue<int>());
    }

    /// <summary>No payload ran on the page (none set the flag or the title, no element came from one) and the policy refused nothing.</summary>
    private static async Task AssertNothingRanAsync(DevTools page, string what)
    {
        var state = (await page.EvaluateAsync(
            "({ pwned: window.gridPwned === undefined ? null : String(window.gridPwned), violations: window.gridViolations, " +
            "scripts: document.scripts.length, injected: document.querySelectorAll('svg, img[src=\"x\"]').length })"))!;
        Assert.True(state["pwned"] is null, $"{what}: a payload ran ({state["pwned"]})");
        Assert.True(state["violations"]!.AsArray().Count == 0, $"{what}: Content-Security-Policy violations: {state["violations"]!.ToJsonString()}");
        Assert.Equal(1, state["scripts"]!.GetValue<int>());
        Assert.Equal(0, state["injected"]!.GetValue<int>());
    }

    /// <summary>A GET with the path exactly as given (HttpClient would resolve "../" itself): the whole response, headers first.</summary>
    private static async Task<string> RawGetAsync(int port, string path)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(timeout.Token);
    }

    private ExternalProcess Start(ExternalProcess process)
    {
        _processes.Add(process);
        return process;
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

    /// <summary>Polls a JavaScript condition in the page until it is true.</summary>
    private static Task UntilPage(DevTools page, string condition, string phase, ExternalProcess watched, TimeSpan? timeout = null) =>
        Wait.UntilAsync(async () => (await page.EvaluateAsync($"!!({condition})"))?.GetValue<bool>() == true,
            timeout ?? TimeSpan.FromSeconds(30), phase, watched, retryOn: BetweenDocuments);

    /// <summary>The page is between documents (navigation, or its content being swapped): evaluating in it threw.</summary>
    private static bool BetweenDocuments(Exception e) =>
        e is HttpRequestException || (e is InvalidOperationException && e.Message.Contains("threw", StringComparison.Ordinal));
}
