using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>
/// What a sweep's "best" is judged by (<c>objective: { metric: … }</c>): a trial's cluster-classifier error, or one of
/// its label-free quality measures. Inertia is not one: it always falls as k grows, so it would always pick the largest k.
/// </summary>
/// <remarks>Values are stored on the wire: never renumber.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<ObjectiveMetric>))]
public enum ObjectiveMetric
{
    /// <summary>The cluster classifier's error on the test rows (labelled data).</summary>
    [JsonStringEnumMemberName("test_error")]
    TestError = 0,

    /// <summary>The cluster classifier's error on the training rows (labelled data).</summary>
    [JsonStringEnumMemberName("train_error")]
    TrainError = 1,

    /// <summary><see cref="QualityMeasure.Silhouette"/> of the test rows.</summary>
    [JsonStringEnumMemberName("silhouette")]
    Silhouette = 2,

    /// <summary><see cref="QualityMeasure.DaviesBouldin"/> of the test rows.</summary>
    [JsonStringEnumMemberName("davies_bouldin")]
    DaviesBouldin = 3,

    /// <summary><see cref="QualityMeasure.CalinskiHarabasz"/> of the test rows.</summary>
    [JsonStringEnumMemberName("calinski_harabasz")]
    CalinskiHarabasz = 4,
}

/// <summary>Whether the objective's best is its lowest or its highest value.</summary>
/// <remarks>Values are stored on the wire: never renumber.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<ObjectiveGoal>))]
public enum ObjectiveGoal
{
    [JsonStringEnumMemberName("minimize")]
    Minimize = 0,

    [JsonStringEnumMemberName("maximize")]
    Maximize = 1,
}

/// <summary>What each <see cref="ObjectiveMetric"/> needs and how it reads.</summary>
public static class ObjectiveMetrics
{
    /// <summary>Whether the metric needs class labels (the errors do; the quality measures do not).</summary>
    public static bool NeedsLabels(this ObjectiveMetric metric) => metric is ObjectiveMetric.TestError or ObjectiveMetric.TrainError;

    /// <summary>The direction in which the metric gets better: lower errors and Davies–Bouldin, higher silhouette and Calinski–Harabasz.</summary>
    public static ObjectiveGoal Goal(this ObjectiveMetric metric) => metric.Measure() is { } measure && measure.HigherIsBetter()
        ? ObjectiveGoal.Maximize
        : ObjectiveGoal.Minimize;

    /// <summary>The quality measure the metric is, or null for the errors.</summary>
    public static QualityMeasure? Measure(this ObjectiveMetric metric) => metric switch
    {
        ObjectiveMetric.Silhouette => QualityMeasure.Silhouette,
        ObjectiveMetric.DaviesBouldin => QualityMeasure.DaviesBouldin,
        ObjectiveMetric.CalinskiHarabasz => QualityMeasure.CalinskiHarabasz,
        _ => null,
    };

    /// <summary>A value of the metric as tables show it: errors to four decimals, measures as <see cref="QualityMeasures.Format"/> does.</summary>
    public static string Format(this ObjectiveMetric metric, double? value) => metric.Measure() is { } measure
        ? measure.Format(value)
        : value is double v ? v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : QualityMeasures.Missing;

    /// <summary>The metric in words, for lines such as "best test error overall": "test error", "train error", "silhouette", "Davies–Bouldin".</summary>
    public static string Title(this ObjectiveMetric metric) => metric switch
    {
        ObjectiveMetric.TestError => "test error",
        ObjectiveMetric.TrainError => "train error",
        _ => metric.Measure()!.Value.Title(),
    };
}
