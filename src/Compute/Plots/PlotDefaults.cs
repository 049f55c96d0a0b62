namespace Grid.Compute.Plots;

/// <summary>Sizes and colours every figure shares, so they read alike at a glance.</summary>
public static class PlotDefaults
{
    /// <summary>Width of a figure in pixels.</summary>
    public const int Width = 900;

    /// <summary>Height of a figure in pixels.</summary>
    public const int Height = 560;

    /// <summary>Side of a square figure (confusion matrices) in pixels.</summary>
    public const int Square = 720;

    /// <summary>Largest side a figure may be asked for (a request from a page cannot ask for gigapixels).</summary>
    public const int MaxSide = 4096;

    /// <summary>Font size of titles.</summary>
    public const float TitleSize = 18;

    /// <summary>Font size of axis labels.</summary>
    public const float LabelSize = 15;

    /// <summary>Font size of marker annotations (the knee).</summary>
    public const float AnnotationSize = 14;

    /// <summary>Font size of the numbers in heatmap cells.</summary>
    public const float CellTextSize = 12;

    /// <summary>Colour of markers such as the knee.</summary>
    public const string MarkerColor = "#D62728";

    /// <summary>Colour of reference lines such as the 40 % flag.</summary>
    public const string ReferenceColor = "#444444";

    /// <summary>Colours of classes 0–9 in scatter plots (Tableau 10, which tells ten classes apart).</summary>
    public static IReadOnlyList<string> ClassColors { get; } =
    [
        "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF",
    ];

    /// <summary>The colour of class <paramref name="label"/> (cycling past ten).</summary>
    public static string ClassColor(int label) => ClassColors[((label % ClassColors.Count) + ClassColors.Count) % ClassColors.Count];
}
