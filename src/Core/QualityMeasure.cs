using System.Globalization;
using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>
/// The label-free measures of a clustering's quality, with scikit-learn 1.2's definitions (<c>sklearn.metrics</c>),
/// computed on a trial's test rows and the clusters its fit predicts for them. Their names are the keys that show
/// them in JSON, the columns of exports and the metrics' names.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<QualityMeasure>))]
public enum QualityMeasure
{
    /// <summary>Mean silhouette coefficient (<c>silhouette_score</c>, euclidean): −1 … 1, higher is better.</summary>
    [JsonStringEnumMemberName("silhouette")]
    Silhouette,

    /// <summary>Davies–Bouldin index (<c>davies_bouldin_score</c>): ≥ 0, lower is better.</summary>
    [JsonStringEnumMemberName("davies_bouldin")]
    DaviesBouldin,

    /// <summary>Calinski–Harabasz index (<c>calinski_harabasz_score</c>): ≥ 0, higher is better.</summary>
    [JsonStringEnumMemberName("calinski_harabasz")]
    CalinskiHarabasz,
}

/// <summary>What people and tables need to know about each <see cref="QualityMeasure"/>: its title, its direction, how it prints.</summary>
public static class QualityMeasures
{
    /// <summary>How a table shows a measure that is undefined (fewer than two clusters) or not computed (older results).</summary>
    public const string Missing = "—";

    /// <summary>Every measure, in the order tables show them.</summary>
    public static IReadOnlyList<QualityMeasure> All { get; } = [QualityMeasure.Silhouette, QualityMeasure.DaviesBouldin, QualityMeasure.CalinskiHarabasz];

    /// <summary>Whether a larger value means a better clustering (all but Davies–Bouldin).</summary>
    public static bool HigherIsBetter(this QualityMeasure measure) => measure != QualityMeasure.DaviesBouldin;

    /// <summary>The measure's name in column headers and chart titles, e.g. "Davies–Bouldin".</summary>
    public static string Title(this QualityMeasure measure) => measure switch
    {
        QualityMeasure.Silhouette => "silhouette",
        QualityMeasure.DaviesBouldin => "Davies–Bouldin",
        QualityMeasure.CalinskiHarabasz => "Calinski–Harabasz",
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, null),
    };

    /// <summary>The measure with its direction, for axes and captions, e.g. "Davies–Bouldin (lower is better)".</summary>
    public static string Described(this QualityMeasure measure) =>
        measure.Title() + (measure.HigherIsBetter() ? " (higher is better)" : " (lower is better)");

    /// <summary>A value as tables show it (invariant culture; <see cref="Missing"/> when null).</summary>
    public static string Format(this QualityMeasure measure, double? value) => value switch
    {
        null => Missing,
        double v when measure == QualityMeasure.CalinskiHarabasz => v.ToString("F1", CultureInfo.InvariantCulture),
        double v => v.ToString("F4", CultureInfo.InvariantCulture),
    };

    /// <summary>Every measure with its value, for a line of text: "silhouette 0.0712, Davies–Bouldin 2.3115, Calinski–Harabasz 148.2".</summary>
    public static string Describe(Func<QualityMeasure, double?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return string.Join(", ", All.Select(m => m.Title() + " " + m.Format(value(m))));
    }

    /// <summary>The one of three values (silhouette, Davies–Bouldin, Calinski–Harabasz, in that order) that <paramref name="measure"/> names.</summary>
    public static double? Pick(QualityMeasure measure, double? silhouette, double? daviesBouldin, double? calinskiHarabasz) => measure switch
    {
        QualityMeasure.Silhouette => silhouette,
        QualityMeasure.DaviesBouldin => daviesBouldin,
        QualityMeasure.CalinskiHarabasz => calinskiHarabasz,
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, null),
    };

    /// <summary>The best of <paramref name="values"/> by the measure's direction, ignoring missing ones; null when none is there.</summary>
    public static double? Best(this QualityMeasure measure, IEnumerable<double?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double? best = null;
        foreach (var value in values)
        {
            if (value is double v && (best is not double b || (measure.HigherIsBetter() ? v > b : v < b)))
            {
                best = v;
            }
        }
        return best;
    }
}
