using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Grains.Runs;

namespace Grid.Grains.Tests;

/// <summary>The one rule for a sweep's best trial: lowest test error, or without labels the highest silhouette.</summary>
public sealed class BestTrialTests
{
    private static readonly TrialSpec Trial = new("wine", new SplitSpec(100, 30), RepresentationSpec.Raw, ScalerKind.Standard, 2, 0, KMeansSettings.MiniBatchDefaults);

    private static TrialStatus Done(int k, double? testError, double? silhouette) =>
        new($"s/{k}", Trial with { K = k }, TrialState.Succeeded, null,
            new ClusteringResult(testError, testError, 10.0 / k, 1, 0, testError is null ? 0 : 3, testError is null ? [] : new long[9], 0, silhouette), null, 1, 0);

    [Fact]
    public void Without_labels_the_best_trial_has_the_highest_silhouette()
    {
        var trials = new[] { Done(2, null, 0.41), Done(3, null, 0.63), Done(4, null, 0.58), Done(5, null, null) };

        var best = SweepAggregator.BestTrial(trials)!;

        Assert.Equal(3, best.Spec.K);
        Assert.Equal("silhouette", SweepAggregator.RankedBy(best.Result!));
    }

    [Fact]
    public void With_labels_the_lowest_test_error_wins_whatever_the_silhouette()
    {
        var trials = new[] { Done(2, 0.20, 0.9), Done(3, 0.05, 0.1), Done(4, 0.05, 0.5) };

        var best = SweepAggregator.BestTrial(trials)!;

        // Ties go to fewer clusters.
        Assert.Equal(3, best.Spec.K);
        Assert.Equal("test error", SweepAggregator.RankedBy(best.Result!));
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
