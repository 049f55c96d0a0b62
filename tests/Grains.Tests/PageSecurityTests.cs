using System.Net;
using System.Text.RegularExpressions;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Core;
using Grid.Grains.Runs;
using Grid.Silo.Hosting;
using Grid.Silo.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Grid.Grains.Tests;

/// <summary>
/// Pages that cannot be turned against their readers: whatever a spec, a command line or a run puts in a page is encoded;
/// live pages carry no inline script, style or event handler and run under a Content-Security-Policy that forbids them;
/// figures are found by name in the sweep's own list only; the JSON API carries no local path. (The real-browser side:
/// EndToEnd.Tests' ResultsPagesEndToEndTests.)
/// </summary>
public sealed partial class PageSecurityTests : IDisposable
{
    /// <summary>Text that would run, or break out of an attribute, if a page let it through; and a path climbing out.</summary>
    public static readonly string[] Payloads =
    [
        "<script>window.gridPwned='script'</script>",
        "<img src=x onerror=window.gridPwned='img'>",
        "\"><svg onload=window.gridPwned='svg'>",
        "'><svg onload=window.gridPwned='svg1'>",
        "../../../etc/passwd",
    ];

    private static readonly string Hostile = string.Join(" ", Payloads);

    private readonly TempDirectory _root = new("grid-page-security-");

    public void Dispose() => _root.Dispose();

    private ResultSources Sources() => new(new ArtifactStore(_root.File("artifacts")), new DatasetStore(_root.File("data")), new FigureOptions());

    /// <summary>A sweep whose every text field (ids, name, tags, note, dataset, errors, log lines, curve labels) carries the payloads.</summary>
    private static SweepSnapshot HostileSweep()
    {
        var spec = new TrialSpec(Hostile, new SplitSpec(100, 50), RepresentationSpec.Raw, ScalerKind.None, 5, 0, KMeansSettings.MiniBatchDefaults);
        var result = new ClusteringResult(0.1, 0.2, 100, 5, 0.1, 2, [10, 2, 3, 9], 0);
        var succeeded = new TrialStatus("ok-" + Hostile, spec, TrialState.Succeeded, null, result, null, 1, 0);
        var log = new TrialEvent(DateTimeOffset.UnixEpoch, TrialEventKind.Error, StageKind.Clustering, "h" + Hostile, 1, Hostile, "cannot read " + Hostile);
        var failed = new TrialStatus("failed-" + Hostile, spec with { K = 6 }, TrialState.Failed, null, null, "failed: " + Hostile, 0, 0, Events: [log]);
        var curve = new ElbowCurve(Hostile, Hostile, Hostile, 0, [new ElbowPoint(5, 100, 0.1, 0.2)], null);
        return new SweepSnapshot("s-" + Hostile, Hostile, SweepState.Completed, [succeeded, failed], [curve], succeeded.TrialId, new StageCounts(1, 0),
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 3, Tags: [Hostile, "x/../../etc/passwd"], Note: Hostile);
    }

    /// <summary>Figures whose name, section and caption carry the payloads: one of the sweep's, one of a trial's.</summary>
    private static Figure[] HostileFigures(SweepSnapshot snapshot) =>
    [
        new(Hostile + ".png", Hostile, Hostile, 10, 10, "a", null, _ => throw new InvalidOperationException("not drawn here")),
        new("t-" + Hostile + ".png", Hostile, Hostile, 10, 10, "b", snapshot.Trials[0].TrialId, _ => throw new InvalidOperationException("not drawn here")),
    ];

    [Fact]
    public void Every_page_encodes_what_a_spec_or_a_run_puts_in_it_in_text_and_attributes()
    {
        var snapshot = HostileSweep();
        var figures = HostileFigures(snapshot);
        string prefix = "/sweeps/" + Uri.EscapeDataString(snapshot.SweepId) + "/figures/";
        var live = new ResultsHtml.PageMode(true, f => prefix + Uri.EscapeDataString(f.Name));
        var report = new ResultsHtml.PageMode(false, f => "figures/" + Uri.EscapeDataString(f.Name), new Dictionary<string, string> { [figures[0].Name] = Hostile });
        var pages = new Dictionary<string, string>
        {
            ["list"] = ResultsHtml.SweepList([snapshot]),
            ["sweep"] = ResultsHtml.SweepPage(snapshot, figures, live),
            ["report"] = ResultsHtml.SweepPage(snapshot, figures, report),
            ["comparison"] = SweepComparison.Page([snapshot, snapshot with { SweepId = "other" }], figures, report),
            ["not found"] = ResultsHtml.NoSuchSweep(Hostile),
        };

        foreach (var (page, html) in pages)
        {
            foreach (string payload in Payloads)
            {
                Assert.True(!payload.Contains('<') || !html.Contains(payload, StringComparison.Ordinal), $"the {page} page has `{payload}` unencoded");
                // Shown, as text.
                Assert.True(html.Contains(WebUtility.HtmlEncode(payload), StringComparison.Ordinal), $"the {page} page does not show `{payload}`");
            }
            Assert.DoesNotContain("<svg", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.DoesNotContain("<script>", html);
        }
        // In attributes too: no quote closes an attribute early.
        Assert.Contains(" data-sweep=\"s-" + WebUtility.HtmlEncode(Hostile) + "\"", pages["sweep"]);
        Assert.Contains(" data-figure=\"" + WebUtility.HtmlEncode(figures[0].Name) + "\"", pages["sweep"]);
        Assert.Contains(" alt=\"" + WebUtility.HtmlEncode(Hostile) + "\"", pages["sweep"]);
        Assert.Contains("<a href=\"/sweeps/" + Uri.EscapeDataString(snapshot.SweepId) + "\">", pages["list"]);
        Assert.Contains(" data-api=\"/api/sweeps/" + Uri.EscapeDataString(snapshot.SweepId) + "\"", pages["sweep"]);
    }

    [Fact]
    public void Live_pages_have_no_inline_script_style_or_event_handler_and_name_what_they_poll_in_data_attributes()
    {
        var trials = new[] { 5, 10, 20 }.Select(k => ResultsPageTests.Trial(ScalerKind.None, k)).ToList();
        trials[0] = trials[0].WithEvent(new TrialEvent(DateTimeOffset.UnixEpoch, TrialEventKind.Computed, StageKind.Clustering, "abc", 1, "silo", "0.1 s"));
        var snapshot = new SweepSnapshot("s-live", "live", SweepState.Running, trials, SweepAggregator.Curves(trials), trials[^1].TrialId,
            new StageCounts(3, 0), DateTimeOffset.UnixEpoch, null, 7, Tags: ["a"], Note: "n");
        var figures = ResultFigures.List(snapshot, Sources());
        Assert.NotEmpty(figures);

        var live = new Dictionary<string, string>
        {
            ["list"] = ResultsHtml.SweepList([snapshot]),
            ["empty list"] = ResultsHtml.SweepList([]),
            ["sweep"] = ResultsHtml.SweepPage(snapshot, figures, new ResultsHtml.PageMode(true, f => "/sweeps/s-live/figures/" + f.Name)),
            ["not found"] = ResultsHtml.NoSuchSweep("nope"),
        };
        foreach (var (page, html) in live)
        {
            Assert.DoesNotContain("<style", html);
            Assert.False(InlineScript().IsMatch(html), $"the {page} page has an inline script");
            Assert.False(StyleAttribute().IsMatch(html), $"the {page} page has a style attribute");
            Assert.False(EventHandler().IsMatch(html), $"the {page} page has an inline event handler: {EventHandler().Match(html).Value}");
            Assert.Contains($"<link rel=\"stylesheet\" href=\"{PageAssets.Stylesheet.Url}\">", html);
            Assert.Contains($"<script src=\"{PageAssets.LiveScript.Url}\" defer></script>", html);
        }
        Assert.Contains("<body data-page=\"sweeps\" data-api=\"/api/sweeps\" data-url=\"/\"", live["list"]);
        Assert.Contains(" data-api=\"/api/sweeps/s-live\" data-url=\"/sweeps/s-live\"", live["sweep"]);
        // The script reads those two attributes, and does nothing on a page without them (the not-found page, a login page).
        Assert.Contains("body.dataset.api", PageAssets.LiveScript.Text);
        Assert.Contains("body.dataset.url", PageAssets.LiveScript.Text);
        Assert.DoesNotContain("data-api", live["not found"]);

        // A written report opens from disk: the same style inline, and no script.
        string report = ResultsHtml.SweepPage(snapshot, figures, new ResultsHtml.PageMode(false, f => "figures/" + f.Name));
        Assert.Contains("<style>" + PageAssets.Stylesheet.Text + "</style>", report);
        Assert.DoesNotContain("<script", report);
        Assert.DoesNotContain("data-api", report);
        Assert.Contains("tr.best{", PageAssets.Stylesheet.Text);
    }

    [Fact]
    public async Task Every_response_carries_the_content_security_policy_nosniff_and_no_referrer_and_assets_have_their_types()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.UseSecurityHeaders();
        app.MapPageAssets();
        app.MapGet("/page", () => Results.Content(ResultsHtml.NoSuchSweep("x"), "text/html; charset=utf-8"));
        app.MapGet("/api", () => Results.Text("{\"version\":\"1\"}", "application/json; charset=utf-8"));
        // A handler that clears the headers on its way out keeps them all the same.
        app.MapGet("/cleared", (HttpContext context) =>
        {
            context.Response.Headers.Clear();
            return Results.Text("cleared");
        });
        app.MapFallback(() => Results.Text("no such page", statusCode: StatusCodes.Status404NotFound));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(10) };

        Assert.DoesNotContain("unsafe-inline", SecurityHeaders.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe-eval", SecurityHeaders.ContentSecurityPolicy);
        Assert.StartsWith("default-src 'none';", SecurityHeaders.ContentSecurityPolicy);
        foreach (string path in new[] { "/page", "/api", "/cleared", "/no-such-page", PageAssets.Stylesheet.Url, PageAssets.LiveScript.Url, "/assets/other.js" })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(SecurityHeaders.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }

        // The assets, with the types browsers demand under nosniff; kept for good when asked by version.
        foreach (var asset in PageAssets.All)
        {
            using var response = await http.GetAsync(asset.Url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(asset.ContentType, response.Content.Headers.ContentType!.ToString());
            var caching = response.Headers.CacheControl!;
            Assert.True(caching.Public && caching.MaxAge == TimeSpan.FromDays(365) && caching.Extensions.Any(e => e.Name == "immutable"), $"{asset.Name}: Cache-Control {caching}");
            Assert.Equal(asset.Text, await response.Content.ReadAsStringAsync());
            using var unversioned = await http.GetAsync(asset.Path);
            Assert.True(unversioned.Headers.CacheControl!.NoCache, $"{asset.Path} without its version: Cache-Control {unversioned.Headers.CacheControl}");
        }
        Assert.Equal("text/css; charset=utf-8", PageAssets.Stylesheet.ContentType);
        Assert.Equal("text/javascript; charset=utf-8", PageAssets.LiveScript.ContentType);
        using (var other = await http.GetAsync("/assets/other.js"))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
    }

    [Fact]
    public void A_figure_is_found_only_by_a_name_in_its_own_sweeps_list_never_by_a_path()
    {
        var sources = Sources();
        var trials = new[] { 5, 10 }.Select(k => ResultsPageTests.Trial(ScalerKind.None, k)).ToList();
        var sweep = new SweepSnapshot("s-a", "a", SweepState.Completed, trials, SweepAggregator.Curves(trials), trials[^1].TrialId,
            new StageCounts(2, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 2);
        var others = new[] { 20, 40, 80 }.Select(k => ResultsPageTests.Trial(ScalerKind.L2, k)).ToList();
        var other = new SweepSnapshot("s-b", "b", SweepState.Completed, others, SweepAggregator.Curves(others), others[^1].TrialId,
            new StageCounts(3, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 2);
        var names = ResultFigures.List(sweep, sources).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        string real = names.First(n => n.StartsWith("elbow-", StringComparison.Ordinal));
        Assert.Equal(real, ResultFigures.Find(sweep, real, sources)?.Name);

        // Files a path would reach: next to the artifact directory, and an absolute one.
        string canary = _root.Write("secret.png", "canary");
        var attempts = new List<string>
        {
            "../secret.png", "..%2Fsecret.png", "%2e%2e%2fsecret.png", "..%2fsecret.png", "..\\secret.png", "../../secret.png",
            "/etc/passwd", canary, "./" + real, real + "/../secret.png", "figures/../" + real, real.ToUpperInvariant(), "", ".",
        };
        // Another sweep's figures are not this one's.
        var othersOnly = ResultFigures.List(other, sources).Select(f => f.Name).Where(n => !names.Contains(n)).ToList();
        Assert.NotEmpty(othersOnly);
        attempts.AddRange(othersOnly);
        foreach (string name in attempts)
        {
            Assert.True(ResultFigures.Find(sweep, name, sources) is null, $"'{name}' found a figure of sweep s-a");
        }
    }

    [Fact]
    public void The_json_api_gives_no_local_path_even_when_errors_and_logs_name_one()
    {
        const string path = "/root/.local/share/grid/data/private-set/train.npy";
        var trials = new[] { 5, 10 }.Select(k => ResultsPageTests.Trial(ScalerKind.None, k)).ToList();
        trials[0] = trials[0] with { State = TrialState.Failed, Result = null, Error = $"DatasetException: {path}: file is missing" };
        trials[0] = trials[0].WithEvent(new TrialEvent(DateTimeOffset.UnixEpoch, TrialEventKind.Failed, StageKind.Clustering, "abc", 3, "silo", "cannot read " + path));
        trials[1] = trials[1] with { Progress = new StageProgress(StageKind.Clustering, "rounds", 1, 2, null, "silo", "reading " + path) };
        var snapshot = new SweepSnapshot("s-paths", "paths", SweepState.Completed, trials, SweepAggregator.Curves(trials), trials[1].TrialId,
            new StageCounts(2, 0), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 4);

        string json = ResultsEndpoints.Status(snapshot).ToJsonString();

        Assert.DoesNotContain("/root", json);
        Assert.DoesNotContain("private-set", json);
        Assert.DoesNotContain("train.npy", json);
        // It still says what the pages poll for, and the best trial.
        Assert.Contains("\"version\":\"4\"", json);
        Assert.Contains("\"failed\":1", json);
        Assert.Contains("\"key\":\"mnist/raw/none/k10/s0\"", json);
    }

    [GeneratedRegex(@"<script(?![^>]*\ssrc=)", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<[^>]*\sstyle\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex StyleAttribute();

    [GeneratedRegex(@"<[^>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();
}
