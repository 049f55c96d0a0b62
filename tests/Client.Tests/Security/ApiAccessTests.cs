using System.Net;
using System.Net.Http.Headers;
using Grid.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Grid.Client.Tests.Security;

/// <summary>
/// A real silo in this process with API tokens (one per test: the rate limit is per client address, and every test is 127.0.0.1), over HTTP: what needs a token, what a read token may not do, the sign-in
/// form's cookie, cross-site writes, and the rate limit on invalid tokens.
/// </summary>
public sealed class ApiAccessTests : IAsyncLifetime
{
    private static readonly string ReadToken = new('r', 40);
    private static readonly string WriteToken = new('w', 40);

    private readonly TempDirectory _work = new("grid-api-access-");
    private WebApplication? _silo;
    private string _base = "";

    public async Task InitializeAsync()
    {
        int http = FreePorts.Next();
        _silo = GridSilo.Build(new GridSiloOptions
        {
            ClusterId = "grid-access-tests",
            SiloPort = FreePorts.Next(),
            GatewayPort = FreePorts.Next(),
            HttpPort = http,
            DataDir = _work.File("data"),
            ArtifactsDir = _work.File("artifacts"),
            ApiTokens = $"read:{ReadToken}; write:{WriteToken}",
        }, logging => logging.ClearProviders());
        await _silo.StartAsync();
        _base = $"http://127.0.0.1:{http}";
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
        }
        _work.Dispose();
    }

    [Fact]
    public async Task Without_a_token_only_the_probes_and_sign_in_answer_and_a_read_token_reads_but_may_not_write()
    {
        using var http = Client();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/login")).StatusCode);

        using var api = await http.GetAsync("/api/sweeps");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("Bearer", api.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("\"error\"", await api.Content.ReadAsStringAsync());
        // A browser gets the sign-in form, which brings it back to the page it asked for.
        using var page = await Send(HttpMethod.Get, "/sweeps/some-sweep?x=1", token: null, accept: "text/html");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        string form = await page.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" action=\"/login\">", form);
        Assert.Contains("value=\"/sweeps/some-sweep?x=1\"", form);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/sweeps", ReadToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/", ReadToken, accept: "text/html")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, "/api/sweeps/none/cancel", ReadToken)).StatusCode);
        // The write token passes; there is no such sweep.
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, "/api/sweeps/none/cancel", WriteToken)).StatusCode);
        // A write another site's page makes is refused whatever the token.
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/sweeps/none/cancel");
        crossSite.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WriteToken);
        crossSite.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(crossSite)).StatusCode);
    }

    [Fact]
    public async Task The_sign_in_form_sets_an_http_only_same_site_strict_cookie_that_then_opens_the_pages()
    {
        using var http = Client();
        using var signIn = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = ReadToken, ["next"] = "/sweeps/x" }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/sweeps/x", signIn.Headers.Location!.OriginalString);
        string cookie = signIn.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith(ApiAccess.CookieName + "=", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/sweeps");
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withCookie)).StatusCode);

        // Never a redirect off this silo.
        using var offSite = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = ReadToken, ["next"] = "//evil.example/" }));
        Assert.Equal("/", offSite.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Invalid_tokens_from_one_address_are_limited_after_ten_and_counted_in_the_metrics()
    {
        using var http = Client();
        for (int i = 0; i < ApiAccess.FailuresPerWindow; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/sweeps", $"guess-{i}-{new string('x', 40)}")).StatusCode);
        }
        using var limited = await Send(HttpMethod.Get, "/api/sweeps", "one-more-guess");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        // Limited means limited: a valid token from that address waits for the window too, and the probes stay open.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Send(HttpMethod.Get, "/api/sweeps", ReadToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    private HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(_base), Timeout = TimeSpan.FromSeconds(30) };

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, string? accept = null)
    {
        using var http = Client();
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }
        return await http.SendAsync(request);
    }
}

/// <summary>How API tokens are written down, and what a malformed one says.</summary>
public sealed class ApiTokensTests : IDisposable
{
    private readonly TempDirectory _work = new("grid-api-tokens-");

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Token_settings_that_are_not_role_token_pairs_are_refused_without_echoing_the_token()
    {
        string secret = new('s', 40);
        var role = Assert.Throws<ArgumentException>(() => ApiTokens.From(new GridSiloOptions { ApiTokens = $"admin:{secret}" }));
        Assert.Equal("Grid__Silo__ApiTokens entry 1 is not ROLE:TOKEN with ROLE read or write", role.Message);
        var shortToken = Assert.Throws<ArgumentException>(() => ApiTokens.From(new GridSiloOptions { ApiTokens = $"read:{secret};write:short" }));
        Assert.StartsWith("Grid__Silo__ApiTokens entry 2: the token is shorter than", shortToken.Message);
        string file = _work.Write("tokens", $"# readers\nread:{secret}\n\nwrite {secret}\n");
        var line = Assert.Throws<ArgumentException>(() => ApiTokens.From(new GridSiloOptions { ApiTokensFile = file }));
        Assert.Equal($"--api-tokens-file {file} line 4 is not ROLE:TOKEN with ROLE read or write", line.Message);
        Assert.All(new[] { role, shortToken, line }, e => Assert.DoesNotContain(secret, e.Message));

        var tokens = ApiTokens.From(new GridSiloOptions { ApiTokensFile = _work.Write("good", $"read:{secret}\nwrite:{new string('t', 40)}\n") });
        Assert.Equal(ApiRole.Read, tokens.Find(secret));
        Assert.Equal(ApiRole.Write, tokens.Find(new string('t', 40)));
        Assert.Null(tokens.Find(secret + "x"));
    }
}
