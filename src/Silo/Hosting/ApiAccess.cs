using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Grid.Grains.Metrics;
using Grid.Silo.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Grid.Silo.Hosting;

/// <summary>What an API token allows: <see cref="Read"/> the pages, figures and JSON API; <see cref="Write"/> also what changes a sweep.</summary>
public enum ApiRole
{
    Read,
    Write,
}

/// <summary>
/// The HTTP tokens of a silo (<c>Grid__Silo__ApiTokens</c> and <c>--api-tokens-file</c>), each <c>ROLE:TOKEN</c>. Only
/// SHA-256 digests are kept, and a presented token is compared with every one of them in constant time, so neither the
/// comparison's time nor an early exit tells how much of a guess was right. The file is read again when it changes.
/// </summary>
public sealed class ApiTokens
{
    /// <summary>Shortest token accepted: 128 bits as hex (<c>openssl rand -hex 16</c>).</summary>
    public const int MinimumLength = 32;

    private static readonly TimeSpan RecheckPeriod = TimeSpan.FromSeconds(5);

    private readonly ReloadingFiles<List<(ApiRole Role, byte[] Digest)>> _tokens;

    private ApiTokens(string? inline, string? file)
    {
        string? path = string.IsNullOrWhiteSpace(file) ? null : file;
        _tokens = new ReloadingFiles<List<(ApiRole, byte[])>>(path is null ? [] : [path], () => Read(inline, path), RecheckPeriod);
    }

    /// <summary>The tokens <paramref name="options"/> configure; an <see cref="ArgumentException"/> (never holding a token) when one is malformed.</summary>
    public static ApiTokens From(GridSiloOptions options) => new(options.ApiTokens, options.ApiTokensFile);

    /// <summary>Whether <paramref name="options"/> configure tokens at all: without, the pages are open.</summary>
    public static bool IsConfigured(GridSiloOptions options) => !string.IsNullOrWhiteSpace(options.ApiTokens) || !string.IsNullOrWhiteSpace(options.ApiTokensFile);

    /// <summary>The role of <paramref name="token"/>, or null when it is none of the tokens.</summary>
    public ApiRole? Find(string token)
    {
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        ApiRole? found = null;
        foreach (var (role, known) in _tokens.Current)
        {
            // No early exit: every token is compared, whichever matches.
            if (CryptographicOperations.FixedTimeEquals(digest, known) && found is not ApiRole.Write)
            {
                found = role;
            }
        }
        return found;
    }

    private static List<(ApiRole, byte[])> Read(string? inline, string? file)
    {
        var tokens = new List<(ApiRole, byte[])>();
        if (!string.IsNullOrWhiteSpace(inline))
        {
            var entries = inline.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (int i = 0; i < entries.Length; i++)
            {
                tokens.Add(Parse(entries[i], $"Grid__Silo__ApiTokens entry {i + 1}"));
            }
        }
        if (file is not null)
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length > 0 && !line.StartsWith('#'))
                {
                    tokens.Add(Parse(line, $"--api-tokens-file {file} line {i + 1}"));
                }
            }
        }
        if (tokens.Count == 0)
        {
            throw new ArgumentException("the API tokens (Grid__Silo__ApiTokens, --api-tokens-file) hold no ROLE:TOKEN entry");
        }
        return tokens;
    }

    /// <summary>One <c>ROLE:TOKEN</c>; the error names <paramref name="where"/> and never the token.</summary>
    private static (ApiRole, byte[]) Parse(string entry, string where)
    {
        int colon = entry.IndexOf(':');
        string role = colon < 0 ? "" : entry[..colon].Trim().ToLowerInvariant();
        string token = colon < 0 ? "" : entry[(colon + 1)..].Trim();
        var parsed = role switch
        {
            "read" => ApiRole.Read,
            "write" => ApiRole.Write,
            _ => throw new ArgumentException($"{where} is not ROLE:TOKEN with ROLE read or write"),
        };
        if (token.Length < MinimumLength || token.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"{where}: the token is shorter than {MinimumLength} characters or holds spaces (make one with `openssl rand -hex 32`)");
        }
        return (parsed, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }
}

/// <summary>
/// Who may use the silo's HTTP port. With tokens configured, every request but the health probes, the sign-in page and
/// its style needs a token (<c>Authorization: Bearer …</c>, or the cookie the <c>/login</c> form sets: HttpOnly,
/// SameSite=Strict); requests that change something (any method but GET and HEAD) need a <c>write</c> one. Invalid
/// tokens are counted per client address, and an address that sent <see cref="FailuresPerWindow"/> in a
/// <see cref="FailureWindow"/> gets 429 until the window ends, valid token or not. Whatever the tokens, a write from
/// another site's page (the browser says so in <c>Sec-Fetch-Site</c> or <c>Origin</c>) is refused. <c>/metrics</c>
/// on its own port (<c>--metrics-port</c>) stays open to the scraper; on the HTTP port it needs a token like the pages.
/// </summary>
public sealed class ApiAccess
{
    /// <summary>The cookie the sign-in form sets.</summary>
    public const string CookieName = "grid_token";

    public const int FailuresPerWindow = 10;

    public static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(1);

    /// <summary>Open to everyone: the probes, signing in and out, and the static style and script the sign-in page needs.</summary>
    private static readonly string[] OpenPaths = ["/healthz", "/readyz", "/login", "/logout"];

    private const string AssetsPath = "/assets";

    private readonly ApiTokens? _tokens;
    private readonly int? _metricsPort;
    private readonly GridMetrics _metrics;
    private readonly PartitionedRateLimiter<IPAddress> _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = FailuresPerWindow,
            Window = FailureWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public ApiAccess(GridSiloOptions options, GridMetrics metrics)
    {
        _tokens = ApiTokens.IsConfigured(options) ? ApiTokens.From(options) : null;
        _metricsPort = options.MetricsPort;
        _metrics = metrics;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        bool writes = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        if (writes && IsCrossSite(request))
        {
            await RefuseAsync(context, "cross_site", StatusCodes.Status403Forbidden, "a write from another site's page is refused");
            return;
        }
        if (_tokens is null || OpenPaths.Contains(request.Path.Value ?? "", StringComparer.Ordinal) || request.Path.StartsWithSegments(AssetsPath, StringComparison.Ordinal) ||
            context.Connection.LocalPort == _metricsPort)
        {
            await next(context);
            return;
        }
        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (IsLimited(address))
        {
            context.Response.Headers.RetryAfter = ((int)FailureWindow.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await RefuseAsync(context, "limited", StatusCodes.Status429TooManyRequests, $"too many invalid tokens from {address}; try again within {FailureWindow.TotalSeconds:F0} s");
            return;
        }
        string? token = Presented(request);
        if (token is null)
        {
            await RefuseAsync(context, "missing", StatusCodes.Status401Unauthorized, "this silo's pages need a token: Authorization: Bearer TOKEN, or sign in at /login");
            return;
        }
        var role = _tokens.Find(token);
        if (role is null)
        {
            SpendFailure(address);
            await RefuseAsync(context, "invalid", StatusCodes.Status401Unauthorized, "the token is not valid here");
            return;
        }
        if (writes && role != ApiRole.Write)
        {
            await RefuseAsync(context, "forbidden", StatusCodes.Status403Forbidden, "this token may read, not write: a write token is needed");
            return;
        }
        await next(context);
    }

    /// <summary><c>GET /login</c>, <c>POST /login</c> (the form) and <c>POST /logout</c>.</summary>
    public static void MapSignIn(IEndpointRouteBuilder app)
    {
        app.MapGet("/login", (HttpContext context) => SignInPage(context, StatusCodes.Status200OK, null));
        app.MapPost("/login", async (HttpContext context, ApiAccess access) =>
        {
            if (access._tokens is null)
            {
                return Results.Redirect("/", preserveMethod: false);
            }
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            string token = form["token"].ToString().Trim();
            var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
            if (access.IsLimited(address))
            {
                access._metrics.AccessRefused("limited");
                return SignInPage(context, StatusCodes.Status429TooManyRequests, $"Too many invalid tokens from {address}: try again in a minute.");
            }
            if (token.Length == 0 || access._tokens.Find(token) is null)
            {
                access.SpendFailure(address);
                access._metrics.AccessRefused("invalid");
                return SignInPage(context, StatusCodes.Status401Unauthorized, "That token is not valid here.");
            }
            context.Response.Cookies.Append(CookieName, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
            });
            return Results.Redirect(LocalPath(form["next"].ToString()), preserveMethod: false);
        });
        app.MapPost("/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
            return Results.Redirect("/login", preserveMethod: false);
        });
    }

    /// <summary>Whether <paramref name="address"/> sent <see cref="FailuresPerWindow"/> invalid tokens in this window.</summary>
    private bool IsLimited(IPAddress address) => _failures.GetStatistics(address) is { CurrentAvailablePermits: 0 };

    /// <summary>Counts an invalid token against <paramref name="address"/>'s window.</summary>
    private void SpendFailure(IPAddress address)
    {
        using var lease = _failures.AttemptAcquire(address);
    }

    /// <summary>The answer to a refused request, in the form its asker reads: JSON for the API, the sign-in page for a browser, else text.</summary>
    private async Task RefuseAsync(HttpContext context, string reason, int status, string message)
    {
        _metrics.AccessRefused(reason);
        var request = context.Request;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"grid\"";
        }
        IResult result;
        if (request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            result = Results.Text(new JsonObject { ["error"] = message }.ToJsonString(), "application/json; charset=utf-8", statusCode: status);
        }
        else if (status == StatusCodes.Status401Unauthorized && HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal))
        {
            result = SignInPage(context, status, reason == "invalid" ? "That token is not valid here." : null);
        }
        else
        {
            result = Results.Text(message, statusCode: status);
        }
        await result.ExecuteAsync(context);
    }

    private static string? Presented(HttpRequest request)
    {
        string authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        return request.Cookies.TryGetValue(CookieName, out var cookie) && cookie.Length > 0 ? cookie : null;
    }

    /// <summary>
    /// A browser marks a request another site's page made: <c>Sec-Fetch-Site: cross-site</c>, or an <c>Origin</c> that is not
    /// this host. Clients that are not browsers (curl, scripts) send neither.
    /// </summary>
    private static bool IsCrossSite(HttpRequest request)
    {
        if (string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        string origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) &&
            string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Where the form sends the browser after signing in: a path on this silo, never another site (<c>//evil</c>).</summary>
    private static string LocalPath(string next) =>
        next.StartsWith('/') && !next.StartsWith("//", StringComparison.Ordinal) && !next.StartsWith("/\\", StringComparison.Ordinal) ? next : "/";

    private static IResult SignInPage(HttpContext context, int status, string? problem)
    {
        string next = context.Request.Path == "/login" ? context.Request.Query["next"].ToString() : context.Request.Path + context.Request.QueryString;
        var html = new StringBuilder();
        ResultsHtml.Head(html, "Grid · sign in", live: true);
        html.Append("<body data-page=\"login\"><header><h1>Grid</h1></header>\n<main id=\"content\">")
            .Append("<p>This silo's pages need a token (ask whoever runs the grid; tokens are listed in its <code>--api-tokens-file</code>).</p>\n");
        if (problem is not null)
        {
            html.Append("<p class=\"problem\">").Append(ResultsHtml.Encode(problem)).Append("</p>\n");
        }
        html.Append("<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"next\" value=\"").Append(ResultsHtml.Encode(LocalPath(next))).Append("\">")
            .Append("<label>Token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus></label> ")
            .Append("<button type=\"submit\">Sign in</button></form>\n</main></body></html>\n");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", statusCode: status);
    }
}
