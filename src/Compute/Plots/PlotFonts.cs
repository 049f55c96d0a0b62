using SkiaSharp;

namespace Grid.Compute.Plots;

/// <summary>The font figures use: the first installed of a few common sans-serif families, else ScottPlot's default.</summary>
public static class PlotFonts
{
    /// <summary>Families tried in order (Debian's fonts-dejavu-core, then Liberation, then Noto).</summary>
    public static IReadOnlyList<string> Preferred { get; } = ["DejaVu Sans", "Liberation Sans", "Noto Sans"];

    private static readonly Lazy<string> Chosen = new(Choose);

    /// <summary>The font family name every figure sets.</summary>
    public static string Family => Chosen.Value;

    /// <summary>Looks the family up once per process.</summary>
    public static void EnsureRegistered() => _ = Chosen.Value;

    private static string Choose()
    {
        var installed = SKFontManager.Default.GetFontFamilies().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Preferred.FirstOrDefault(installed.Contains) ?? ScottPlot.Fonts.Default;
    }
}
