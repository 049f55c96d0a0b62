namespace Grid.Core;

/// <summary>
/// The knee of a decreasing, convex curve such as inertia over k, by the Kneedle method
/// (Satopää et al., 2011): normalise both axes to [0, 1] and take the point farthest below the
/// straight line from the first point to the last.
/// </summary>
public static class Kneedle
{
    /// <summary>Fewer points than this have no knee at all: the method needs a first, a last and one between.</summary>
    public const int MinimumPoints = 3;

    /// <summary>
    /// Fewer k values than this give a knee that means nothing (with three points the middle one is always the
    /// farthest below the chord), so every table and figure says "too few points" instead of showing it. The knee
    /// itself is still computed, and refinement (<c>refine: knee</c>) starts from it to add the points it lacks.
    /// </summary>
    public const int MeaningfulPoints = 5;

    /// <summary>Whether a knee found among <paramref name="points"/> k values means something.</summary>
    public static bool IsMeaningful(int points) => points >= MeaningfulPoints;

    /// <summary>What a table or figure shows instead of the knee of a curve of too few points, e.g. "too few points (3 &lt; 5)".</summary>
    public static string TooFewPoints(int points) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"too few points ({points} < {MeaningfulPoints})");

    /// <summary>The knee to show for a curve of <paramref name="points"/> k values: <paramref name="knee"/>, or null when there are too few.</summary>
    public static int? Shown(int? knee, int points) => IsMeaningful(points) ? knee : null;

    /// <summary>What a "knee k" cell shows: the knee's k, <see cref="TooFewPoints"/>, or null when the curve has no knee.</summary>
    public static string? Describe(int? knee, int points) =>
        IsMeaningful(points) ? knee?.ToString(System.Globalization.CultureInfo.InvariantCulture) : TooFewPoints(points);

    /// <summary>Normalised distances below this are rounding noise: the curve is straight there.</summary>
    private const double Flatness = 1e-9;

    /// <summary>The x of the knee, or null when there are too few points or the curve has no bend.</summary>
    public static double? Knee(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"x has {x.Count} values but y has {y.Count}");
        }
        if (x.Count < MinimumPoints)
        {
            return null;
        }
        var order = Enumerable.Range(0, x.Count).OrderBy(i => x[i]).ToArray();
        double xMin = x[order[0]], xMax = x[order[^1]];
        double yMin = y.Min(), yMax = y.Max();
        if (xMax == xMin || yMax == yMin)
        {
            return null;
        }
        double best = Flatness;
        double? knee = null;
        foreach (int i in order)
        {
            double xn = (x[i] - xMin) / (xMax - xMin);
            double yn = (y[i] - yMin) / (yMax - yMin);
            // Distance below the chord from (0, 1) to (1, 0), up to a constant factor.
            double difference = 1 - xn - yn;
            if (difference > best)
            {
                best = difference;
                knee = x[i];
            }
        }
        return knee;
    }
}
