using Grid.Abstractions.Runs;
using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// A sweep's objective (<c>objective: { metric: test_error, goal: minimize }</c>): the one rule by which its best trial is
/// chosen everywhere (console, <c>--json</c>, pages, report, metrics). Its <see cref="Goal"/> is always the metric's own
/// direction (<see cref="ObjectiveMetrics.Goal"/>); the spec may state it, not reverse it.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.objective-spec")]
public sealed record ObjectiveSpec(
    [property: Id(0)] ObjectiveMetric Metric,
    [property: Id(1)] ObjectiveGoal Goal)
{
    /// <summary>The objective of <paramref name="metric"/> in its own direction.</summary>
    public static ObjectiveSpec Of(ObjectiveMetric metric) => new(metric, metric.Goal());

    /// <summary>Without an <c>objective:</c> in the spec: the test error when every dataset has labels, else the silhouette.</summary>
    public static ObjectiveSpec Default(bool labelled) => Of(labelled ? ObjectiveMetric.TestError : ObjectiveMetric.Silhouette);

    /// <summary>
    /// The objective of a sweep recorded before objectives existed (null): the rule those sweeps were ranked by, the
    /// test error when a result has one, else the silhouette.
    /// </summary>
    public static ObjectiveSpec Resolve(ObjectiveSpec? declared, IEnumerable<ClusteringResult> results) =>
        declared ?? Default(results.Any(r => r.TestError is not null));

    /// <summary>The trial's value of the metric; null when it has none (no labels, or a measure undefined for it).</summary>
    public double? ValueOf(ClusteringResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Metric switch
        {
            ObjectiveMetric.TestError => result.TestError,
            ObjectiveMetric.TrainError => result.TrainError,
            _ => QualityMeasures.Pick(Metric.Measure()!.Value, result.Silhouette, result.DaviesBouldin, result.CalinskiHarabasz),
        };
    }

    /// <summary>The best value of the metric over <paramref name="results"/>; null when none has one.</summary>
    public double? BestOf(IEnumerable<ClusteringResult> results) =>
        results.Select(ValueOf).OfType<double>().Order(Comparer<double>.Create(Compare)).Select(v => (double?)v).FirstOrDefault();

    /// <summary>Orders values best first: ascending when minimizing, descending when maximizing.</summary>
    public int Compare(double a, double b) => Goal == ObjectiveGoal.Minimize ? a.CompareTo(b) : b.CompareTo(a);

    /// <summary>The result's value in words, e.g. "test error 0.0512" or "silhouette 0.4123".</summary>
    public string Describe(ClusteringResult result) => Metric.Title() + " " + Metric.Format(ValueOf(result));

    /// <summary>"test error (minimize)".</summary>
    public override string ToString() => $"{Metric.Title()} ({SpecNames.Of(Goal)})";
}
