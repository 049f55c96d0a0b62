using Grid.Compute.Evaluation;
using Grid.Core;

namespace Grid.Compute.Tests.Evaluation;

public sealed class KneedleTests
{
    [Fact]
    public void Finds_the_bend_of_an_inverse_curve()
    {
        // y = 1/k has its sharpest bend near the start; with k = 1..10 Kneedle picks k = 3
        // (normalised: 1 - xn - yn is 0.5185 at k = 3, 0.5000 at k = 4, 0.4444 at k = 2).
        double[] k = Enumerable.Range(1, 10).Select(i => (double)i).ToArray();
        double[] y = k.Select(v => 1 / v).ToArray();
        Assert.Equal(3, Kneedle.Knee(k, y));
    }

    [Fact]
    public void Elbow_of_piecewise_linear_curve_is_the_corner()
    {
        double[] k = [2, 4, 6, 8, 10, 12];
        double[] y = [100, 60, 20, 18, 16, 14];
        Assert.Equal(6, Kneedle.Knee(k, y));
    }

    [Fact]
    public void Unsorted_input_gives_the_same_knee()
    {
        double[] k = [8, 2, 12, 6, 4, 10];
        double[] y = [18, 100, 14, 20, 60, 16];
        Assert.Equal(6, Kneedle.Knee(k, y));
    }

    [Fact]
    public void Straight_line_or_too_few_points_have_no_knee()
    {
        Assert.Null(Kneedle.Knee([1, 2, 3, 4], [4, 3, 2, 1]));
        Assert.Null(Kneedle.Knee([1, 2], [5, 1]));
        Assert.Null(Kneedle.Knee([1, 2, 3], [5, 5, 5]));
    }

    [Fact]
    public void A_knee_of_fewer_than_five_points_is_not_shown_and_says_why()
    {
        Assert.Equal(5, Kneedle.MeaningfulPoints);
        Assert.Null(Kneedle.Shown(10, 3));
        Assert.Null(Kneedle.Shown(10, 4));
        Assert.Equal(10, Kneedle.Shown(10, 5));
        Assert.Equal("too few points (3 < 5)", Kneedle.Describe(10, 3));
        Assert.Equal("too few points (4 < 5)", Kneedle.Describe(null, 4));
        Assert.Equal("20", Kneedle.Describe(20, 5));
        Assert.Null(Kneedle.Describe(null, 6));
    }
}
