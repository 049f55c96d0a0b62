using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Grains.Runs;

namespace Grid.Grains.Tests;

/// <summary>The one rule for a sweep's best trial: the best value of its objective (by default the test error, or without labels the silhouette).</summary>
public sealed class BestTrialTests
{
    private static readonly TrialSpec Trial = new("wine", new SplitSpec(100, 30), RepresentationSpec.Raw, ScalerKind.Standard, 2, 0, KMeansSettings.MiniBatchDefaults);

    private static TrialStatus Done(int k, double? testError, double? silhouette) =>
        new($"s/{k}", Trial with { K = k }, TrialState.Succeeded, null,
            new ClusteringResult(testError, testError, 10.0 / k, 1, 0, testError is null ? 0 : 3, testError is null ? [] : new long[9], 0, silhouette), null, 1, 0);

    private static TrialStatus Measured(int k, double testError, double trainError, double silhouette, double daviesBouldin, double calinskiHarabasz) =>
        Done(k, testError, silhouette) with
        {
            Result = Done(k, testError, silhouette).Result! with { TrainError = trainError, DaviesBouldin = daviesBouldin, CalinskiHarabasz = calinskiHarabasz },
        };

    [Fact]
    public void Without_labels_the_default_objective_is_the_silhouette_and_picks_the_highest()
    {
        var trials = new[] { Done(2, null, 0.41), Done(3, null, 0.63), Done(4, null, 0.58), Done(5, null, null) };
        var objective = ObjectiveSpec.Resolve(null, trials.Select(t => t.Result!));

        var best = SweepAggregator.BestTrial(trials, objective)!;

        Assert.Equal(ObjectiveSpec.Of(ObjectiveMetric.Silhouette), objective);
        Assert.Equal(3, best.Spec.K);
    }

    [Fact]
    public void With_labels_the_default_objective_is_the_lowest_test_error_whatever_the_silhouette()
    {
        var trials = new[] { Done(2, 0.20, 0.9), Done(3, 0.05, 0.1), Done(4, 0.05, 0.5) };
        var objective = ObjectiveSpec.Resolve(null, trials.Select(t => t.Result!));

        var best = SweepAggregator.BestTrial(trials, objective)!;

        Assert.Equal(new ObjectiveSpec(ObjectiveMetric.TestError, ObjectiveGoal.Minimize), objective);
        // Ties go to fewer clusters.
        Assert.Equal(3, best.Spec.K);
    }

    [Theory]
    [InlineData(ObjectiveMetric.TestError, 3)]
    [InlineData(ObjectiveMetric.TrainError, 4)]
    [InlineData(ObjectiveMetric.Silhouette, 2)]
    [InlineData(ObjectiveMetric.DaviesBouldin, 5)]
    [InlineData(ObjectiveMetric.CalinskiHarabasz, 6)]
    public void Each_objective_picks_its_own_best_in_its_own_direction(ObjectiveMetric metric, int bestK)
    {
        var trials = new[]
        {
            Measured(2, 0.30, 0.30, 0.90, 1.50, 10),
            Measured(3, 0.10, 0.25, 0.20, 1.40, 20),
            Measured(4, 0.20, 0.05, 0.30, 1.30, 30),
            Measured(5, 0.25, 0.20, 0.40, 0.20, 40),
            Measured(6, 0.28, 0.22, 0.10, 0.90, 90),
        };

        Assert.Equal(bestK, SweepAggregator.BestTrial(trials, ObjectiveSpec.Of(metric))!.Spec.K);
    }

    [Fact]
    public void Trials_without_a_value_of_the_objective_are_not_ranked()
    {
        var trials = new[] { Done(2, null, null), Done(3, null, 0.2) };

        Assert.Equal(3, SweepAggregator.BestTrial(trials, ObjectiveSpec.Of(ObjectiveMetric.Silhouette))!.Spec.K);
        Assert.Null(SweepAggregator.BestTrial(trials, ObjectiveSpec.Of(ObjectiveMetric.TestError)));
    }

    [Fact]
    public void Unlabeled_curves_still_have_knees_and_points_without_errors()
    {
        var trials = new[] { Done(2, null, 0.4), Done(4, null, 0.5), Done(6, null, 0.45), Done(8, null, 0.44), Done(10, null, 0.43) }
            .Select((t, i) => t with { Result = t.Result! with { Inertia = new[] { 100.0, 20, 15, 13, 12 }[i] } });

        var curve = Assert.Single(SweepAggregator.Curves(trials));

        Assert.Equal(4, curve.KneeK);
        Assert.All(curve.Points, p => Assert.Null(p.TestError));
        Assert.Equal(0.5, curve.Points[1].Silhouette);
    }
}
