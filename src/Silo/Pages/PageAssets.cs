using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Grid.Silo.Pages;

/// <summary>
/// A file the live pages load from the silo: embedded in this assembly (<c>Pages/Assets</c>), served at
/// <see cref="Path"/>, linked as <see cref="Url"/>.
/// </summary>
/// <param name="Name">File name, e.g. <c>grid.css</c>.</param>
/// <param name="ContentType">What it is served as (with <c>nosniff</c>, browsers use a stylesheet or script only under its own type).</param>
/// <param name="Text">Its content.</param>
public sealed record PageAsset(string Name, string ContentType, string Text)
{
    /// <summary>Its content as served.</summary>
    public byte[] Bytes { get; } = Encoding.UTF8.GetBytes(Text);

    /// <summary>A short digest of the content: <see cref="Url"/> changes whenever the content does.</summary>
    public string Version { get; } = ResultsHtml.ShortDigest(Text);

    /// <summary>Where the silo serves it.</summary>
    public string Path => PageAssets.Prefix + Name;

    /// <summary>How pages link it: with its version, so a browser may keep it as long as it likes.</summary>
    public string Url => Path + "?v=" + Version;
}

/// <summary>
/// The live pages' stylesheet and script. They are files the silo serves, never inline: the silo's
/// Content-Security-Policy (<c>Grid.Silo.Hosting.SecurityHeaders</c>) runs no inline script or style, so text that
/// slipped into a page unencoded could not run either. Written reports, opened from disk, carry the stylesheet inline.
/// </summary>
public static class PageAssets
{
    /// <summary>The path every asset is served under.</summary>
    public const string Prefix = "/assets/";

    /// <summary>How long a browser keeps an asset asked for by its <see cref="PageAsset.Url"/> (a year: the URL changes with the content).</summary>
    public const string VersionedCaching = "public, max-age=31536000, immutable";

    /// <summary>The pages' style.</summary>
    public static PageAsset Stylesheet { get; } = Load("grid.css", "text/css; charset=utf-8");

    /// <summary>The script that keeps a live page up to date (it reads what to poll from the page's <c>data-</c> attributes).</summary>
    public static PageAsset LiveScript { get; } = Load("live.js", "text/javascript; charset=utf-8");

    /// <summary>Every asset.</summary>
    public static IReadOnlyList<PageAsset> All { get; } = [Stylesheet, LiveScript];

    /// <summary>Maps each asset at its <see cref="PageAsset.Path"/>.</summary>
    public static void MapPageAssets(this IEndpointRouteBuilder app)
    {
        foreach (var asset in All)
        {
            app.MapGet(asset.Path, (HttpContext context) =>
            {
                // Only the current version may be kept for good; any other request revalidates.
                context.Response.Headers.CacheControl = context.Request.Query["v"] == asset.Version ? VersionedCaching : "no-cache";
                return Results.Bytes(asset.Bytes, asset.ContentType);
            });
        }
    }

    private static PageAsset Load(string name, string contentType)
    {
        string resource = "Grid.Silo.Pages.Assets." + name;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the silo assembly lacks its embedded page asset {resource}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new PageAsset(name, contentType, reader.ReadToEnd());
    }
}
