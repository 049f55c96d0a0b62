using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Grid.Silo.Hosting;

/// <summary>
/// Headers on every response of the silo's HTTP ports that keep its pages from being turned against their readers, should
/// text from a spec or a run ever reach a page unencoded: a Content-Security-Policy that runs only the silo's own script
/// and style files (no inline script, style or event handler) and loads nothing from elsewhere; <c>nosniff</c>, so a
/// text or JSON answer that echoes a request is never taken for HTML or script; and no referrer, so sweep ids in URLs
/// do not leave with links.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The policy: scripts, styles, fetches and forms from the silo itself; images from the silo (figures) and data URLs
    /// (the pages' empty icon); nothing else, no framing by other sites, no &lt;base&gt; that redirects relative URLs.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Adds the headers to every response from here on in the pipeline.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(static (context, next) =>
        {
            // Set as the response starts, so a handler or middleware that clears the headers on its way does not drop them.
            context.Response.OnStarting(static state =>
            {
                Apply(((HttpResponse)state).Headers);
                return Task.CompletedTask;
            }, context.Response);
            return next(context);
        });

    private static void Apply(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
