using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Grains.Runs;

namespace Grid.Grains.Tests;

public sealed class KneeRefinementTests
{
    private static readonly TrialSpec Trial = new("mnist", new SplitSpec(1000, 100), RepresentationSpec.Raw, ScalerKind.None, 2, 0, KMeansSettings.MiniBatchDefaults);

    private static TrialStatus Point(int k, double inertia) =>
        new($"s/{k}", Trial with { K = k }, TrialState.Succeeded, null, new ClusteringResult(0, 0, inertia, 1, 0, 10, new long[100], 0), null, 1, 0);

    [Fact]
    public void Adds_the_midpoints_on_both_sides_of_the_knee()
    {
        // Corner at k = 20: steep before, flat after.
        var curve = new[] { Point(10, 100), Point(20, 20), Point(40, 18), Point(80, 16) };
        Assert.Equal([15, 30], SweepAggregator.KneeRefinement(curve, step: 1));
    }

    [Fact]
    public void Stops_when_the_neighbours_are_within_the_step()
    {
        var curve = new[] { Point(10, 100), Point(19, 30), Point(20, 20), Point(21, 19.9), Point(80, 16) };
        Assert.Empty(SweepAggregator.KneeRefinement(curve, step: 1));
        Assert.Empty(SweepAggregator.KneeRefinement([Point(10, 100), Point(20, 20), Point(40, 18)], step: 20));
    }

    [Fact]
    public void A_straight_curve_has_no_knee_to_refine()
    {
        Assert.Empty(SweepAggregator.KneeRefinement([Point(10, 30), Point(20, 20), Point(30, 10)], step: 1));
    }
}
