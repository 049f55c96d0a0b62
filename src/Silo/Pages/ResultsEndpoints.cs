using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Grid.Abstractions.Runs;
using Grid.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Grid.Silo.Pages;

/// <summary>
/// Draws figures for the live pages, off the Orleans scheduler (on the thread pool, at most
/// <see cref="Concurrency"/> at a time, so pages never starve the silo's own work) and keeps the recent ones:
/// stage figures never change (their keys are stage hashes), sweep-wide ones are keyed by the snapshot version.
/// <see cref="Figure.Costly"/> figures (t-SNE, dataset rows) take one of those places, in a lane of their own: under
/// load two t-SNE embeddings held both places for a minute while the page's quick charts waited behind them.
/// </summary>
public sealed partial class FigureRenderer(ILogger<FigureRenderer> logger)
{
    /// <summary>Figures drawn at once.</summary>
    public const int Concurrency = 2;

    /// <summary>Figures kept; past this the cache starts over.</summary>
    public const int Capacity = 256;

    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _cache = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _quick = new(Concurrency - 1);
    private readonly SemaphoreSlim _costly = new(1);

    /// <summary>The PNG of a figure, drawn once per cache key.</summary>
    public async Task<byte[]> RenderAsync(Figure figure, CancellationToken cancellationToken)
    {
        if (_cache.Count > Capacity)
        {
            _cache.Clear();
        }
        var entry = _cache.GetOrAdd(figure.CacheKey, _ => new Lazy<Task<byte[]>>(() => DrawAsync(figure)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed drawing is not kept: the next request tries again (an artifact may have been copied in since).
            _cache.TryRemove(new KeyValuePair<string, Lazy<Task<byte[]>>>(figure.CacheKey, entry));
            LogFigureFailed(ex, figure.Name);
            throw;
        }
    }

    private async Task<byte[]> DrawAsync(Figure figure)
    {
        var gate = figure.Costly ? _costly : _quick;
        await gate.WaitAsync();
        try
        {
            // Task.Run: the drawing (artifact reads, t-SNE, rendering) runs on the thread pool, whoever awaits it.
            return await Task.Run(() => figure.Render(CancellationToken.None));
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Results pages: figure {Figure} could not be drawn")]
    private partial void LogFigureFailed(Exception ex, string figure);
}

/// <summary>
/// The silo's results pages: <c>/</c> lists the sweeps with their progress, <c>/sweeps/{id}</c> shows a sweep's
/// tables and figures (PNG at <c>/sweeps/{id}/figures/{name}</c>, drawn on request), and <c>/api/sweeps</c>,
/// <c>/api/sweeps/{id}</c> give the versions the pages poll to update themselves.
/// </summary>
public static class ResultsEndpoints
{
    /// <summary>Most sweeps the list shows (newest first).</summary>
    public const int ListLimit = 100;

    /// <summary>Registers what the pages need (the figure renderer and the figure sources).</summary>
    public static void AddResultsPages(this IServiceCollection services)
    {
        services.AddSingleton<FigureRenderer>();
        services.AddSingleton(sp => new ResultSources(
            sp.GetRequiredService<Grid.Compute.Pipeline.ArtifactStore>(),
            sp.GetRequiredService<Grid.Compute.Data.DatasetStore>(),
            FigureOptions.Live));
    }

    /// <summary>Maps the pages and their JSON endpoints.</summary>
    public static void MapResultsPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (IGrainFactory grains) =>
            Results.Content(ResultsHtml.SweepList(await ListAsync(grains)), "text/html; charset=utf-8"));

        app.MapGet("/api/sweeps", async (IGrainFactory grains) =>
        {
            var sweeps = await ListAsync(grains);
            var json = new JsonObject
            {
                ["version"] = ResultsHtml.ListVersion(sweeps),
                ["finished"] = false,
                ["sweeps"] = new JsonArray(sweeps.Select(s => (JsonNode)Status(s)).ToArray()),
            };
            return Json(json);
        });

        app.MapGet("/api/sweeps/{id}", async (string id, IGrainFactory grains) =>
            await grains.GetGrain<ISweepGrain>(id).GetSnapshotAsync() is { } snapshot
                ? Json(Status(snapshot))
                : Json(new JsonObject { ["error"] = $"no sweep '{id}' on this cluster; GET /api/sweeps lists them" }, StatusCodes.Status404NotFound));

        // The one write: cancelling a sweep (with API tokens, a write token's).
        app.MapPost("/api/sweeps/{id}/cancel", async (string id, IGrainFactory grains) =>
            await grains.GetGrain<ISweepGrain>(id).CancelAsync() is { } snapshot
                ? Json(Status(snapshot))
                : Json(new JsonObject { ["error"] = $"no sweep '{id}' on this cluster; GET /api/sweeps lists them" }, StatusCodes.Status404NotFound));

        app.MapGet("/sweeps/{id}", async (string id, IGrainFactory grains, ResultSources sources) =>
        {
            if (await grains.GetGrain<ISweepGrain>(id).GetSnapshotAsync() is not { } snapshot)
            {
                return Results.Content(NotFoundPage(id), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
            }
            // Listing checks which artifacts exist: file-system calls, on the thread pool like the rest of the request.
            var figures = ResultFigures.List(snapshot, sources);
            string prefix = "/sweeps/" + Uri.EscapeDataString(id) + "/figures/";
            var mode = new ResultsHtml.PageMode(true, f => prefix + Uri.EscapeDataString(f.Name) + "?v=" + f.Version);
            return Results.Content(ResultsHtml.SweepPage(snapshot, figures, mode), "text/html; charset=utf-8");
        });

        app.MapGet("/sweeps/{id}/figures/{name}", async (string id, string name, IGrainFactory grains, ResultSources sources, FigureRenderer renderer, HttpContext context) =>
        {
            if (await grains.GetGrain<ISweepGrain>(id).GetSnapshotAsync() is not { } snapshot)
            {
                return Results.Text($"no sweep '{id}' on this cluster", statusCode: StatusCodes.Status404NotFound);
            }
            var figure = ResultFigures.List(snapshot, sources).FirstOrDefault(f => f.Name == name);
            if (figure is null)
            {
                return Results.Text($"sweep '{id}' has no figure '{name}' (yet); its page, /sweeps/{id}, shows those it has", statusCode: StatusCodes.Status404NotFound);
            }
            byte[] png = await renderer.RenderAsync(figure, context.RequestAborted);
            // The page asks with ?v=<version of the figure's key>: a URL names one drawing, so browsers may keep it.
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.File(png, "image/png");
        });
    }

    private static async Task<IReadOnlyList<SweepSnapshot>> ListAsync(IGrainFactory grains)
    {
        var summaries = await grains.GetGrain<ISweepRegistryGrain>(0).ListAsync();
        var newest = summaries.OrderByDescending(s => s.Submitted).Take(ListLimit).ToList();
        var snapshots = await Task.WhenAll(newest.Select(s => grains.GetGrain<ISweepGrain>(s.SweepId).GetSnapshotAsync()));
        return snapshots.OfType<SweepSnapshot>().ToList();
    }

    /// <summary>A sweep as <c>/api/sweeps/{id}</c> (and each entry of <c>/api/sweeps</c>) gives it: version, state, counts and its best trial.</summary>
    public static JsonObject Status(SweepSnapshot snapshot) => new()
    {
        ["id"] = snapshot.SweepId,
        ["name"] = snapshot.Name,
        ["state"] = ResultsHtml.StateName(snapshot.State),
        ["version"] = snapshot.Version.ToString(CultureInfo.InvariantCulture),
        ["trials"] = snapshot.Total,
        ["ended"] = ResultsHtml.Ended(snapshot),
        ["succeeded"] = snapshot.Count(TrialState.Succeeded),
        ["pruned"] = snapshot.Count(TrialState.Pruned),
        ["failed"] = snapshot.Count(TrialState.Failed),
        ["running"] = snapshot.Count(TrialState.Running),
        ["queued"] = snapshot.Count(TrialState.Queued),
        ["finished"] = snapshot.IsFinished,
        ["best"] = Best(snapshot),
    };

    /// <summary>The sweep's best trial by its objective, as its page names it, with the objective's value, its errors and quality measures (null where missing); null while none has succeeded.</summary>
    private static JsonObject? Best(SweepSnapshot snapshot)
    {
        if (snapshot.Trials.FirstOrDefault(t => t.TrialId == snapshot.BestTrialId) is not { Result: { } result } trial)
        {
            return null;
        }
        var best = new JsonObject
        {
            ["id"] = trial.TrialId,
            ["key"] = trial.Spec.Key,
            ["k"] = trial.Spec.K,
            ["objective"] = SpecNames.Of(snapshot.RankedBy.Metric),
            ["value"] = snapshot.RankedBy.ValueOf(result),
            ["train_error"] = result.TrainError,
            ["test_error"] = result.TestError,
        };
        foreach (var measure in QualityMeasures.All)
        {
            best[SpecNames.Of(measure)] = result.Quality(measure);
        }
        return best;
    }

    private static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON as people read it too, quotes and non-ASCII letters unescaped: it is only served as application/json, never embedded in a page.</summary>
    private static IResult Json(JsonNode node, int statusCode = StatusCodes.Status200OK) =>
        Results.Text(node.ToJsonString(Readable), "application/json; charset=utf-8", statusCode: statusCode);

    private static string NotFoundPage(string id) =>
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Grid · no such sweep</title></head>" +
        "<body><p>No sweep <code>" + System.Net.WebUtility.HtmlEncode(id) + "</code> on this cluster. <a href=\"/\">All sweeps</a></p></body></html>\n";
}
