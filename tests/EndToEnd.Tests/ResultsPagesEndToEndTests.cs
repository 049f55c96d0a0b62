using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Grid.Silo.Hosting;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// The live results pages in a real browser: a `grid silo` process on loopback runs a small sweep while Debian's
/// `chromium` (headless, driven over the DevTools protocol) opens the list and the sweep's page. The page must
/// show the table and load every image, update itself when the sweep finishes, and log no error.
/// </summary>
public sealed class ResultsPagesEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Where the screenshot of the finished page is kept (test.sh leaves .artifacts/ in place).</summary>
    public static string ScreenshotPath => Path.Combine(Repository.Root, ".artifacts", "test-output", "results-page.png");

    private const int Trials = 6;

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
        var silo = Start(ExternalProcess.Start("silo", "dotnet", GridConsole.Dll, "silo",
            "--silo-port", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
            "--http-port", httpPort.ToString(CultureInfo.InvariantCulture),
            "--slots", "cpu=1",
            "--data-dir", GridConsole.DataDir,
            "--artifacts", _work.File("artifacts")));

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
        Phase("chromium connected");

        await Wait.UntilAsync(async () => await StatusAsync($"{site}/readyz") == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the silo is ready", silo);
        Phase("silo ready");

        // An empty list first: the page renders without a sweep.
        await page.NavigateAsync(site + "/");
        await UntilPage(page, "document.getElementById('empty') !== null", "the empty list of sweeps renders", silo);

        // Pixels and a z_dim 2 autoencoder (its codes drawn directly, with reconstructions), three k each.
        string spec = _work.File("pages.yaml");
        await File.WriteAllTextAsync(spec,
            "name: pages\ndatasets: [mnist]\nsplit: { train: 1000, test: 300 }\n" +
            "representations: [pixels, { autoencoder: { z_dim: 2, epochs: 3, reconstructions: true } }]\nscalers: [none]\nk: [2, 4, 8]\nseeds: [0]\n" +
            "kmeans: { algorithm: minibatch, batch_size: 200, n_init: 1, max_iter: 20 }\n");
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet",
            GridConsole.Dll, "sweep", "submit", spec, "--gateway", $"127.0.0.1:{gatewayPort}");
        Assert.True(code == 0, $"sweep submit exited {code}: {stderr}\nsilo said:\n{silo.Output}");
        string sweepId = stdout.Trim().Split('\n')[^1].Trim();
        Phase($"submitted {sweepId}");

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

        Assert.True(page.Errors.Count == 0, "the browser reported errors:\n" + string.Join("\n", page.Errors));

        // The same results as a report folder, written by the console from the cluster's artifacts.
        string reportDir = _work.File("report");
        var (reportCode, reportOut, reportErr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", GridConsole.Dll,
            "sweep", "report", sweepId, "--out", reportDir, "--gateway", $"127.0.0.1:{gatewayPort}",
            "--artifacts", _work.File("artifacts"), "--data-dir", GridConsole.DataDir);
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
