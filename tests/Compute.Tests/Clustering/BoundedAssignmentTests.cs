using Grid.Compute.Clustering;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

public sealed class BoundedAssignmentTests
{
    [Fact]
    public void Update_keeps_labels_sums_and_counts_exact_as_centres_move()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(17);
        var x = torch.rand([600, 3], generator: generator).mul_(10);
        var norms = x.square().sum(1);
        var centers = x.narrow(0, 0, 8).clone();
        using var assignment = new BoundedAssignment(x, norms, centers);
        AssertMatchesBruteForce(x, centers, assignment);

        var skipped = false;
        for (var iteration = 0; iteration < 12; iteration++)
        {
            // Large moves early, small ones later, when the bounds should spare most rows.
            var step = iteration < 4 ? 1.0 : 0.02;
            var moved = centers.add(torch.randn([8, 3], generator: generator).mul_(step));
            assignment.Shift(moved.sub(centers).square().sum(1).sqrt_());
            assignment.Update(moved);
            centers = moved;
            AssertMatchesBruteForce(x, centers, assignment);
            skipped |= assignment.Changed < 600;
        }
        Assert.True(skipped);
    }

    private static void AssertMatchesBruteForce(Tensor x, Tensor centers, BoundedAssignment assignment)
    {
        var (labels, _) = ClusteringData.BruteForce(x, centers);
        Assert.Equal(labels, assignment.Labels.data<long>().ToArray());
        var rows = ClusteringData.Rows(x);
        var sums = assignment.Sums.data<double>().ToArray();
        var counts = assignment.Counts.data<double>().ToArray();
        for (var j = 0; j < 8; j++)
        {
            var members = rows.Where((_, i) => labels[i] == j).ToArray();
            Assert.Equal(members.Length, counts[j]);
            for (var f = 0; f < 3; f++)
            {
                Assert.Equal(members.Sum(r => (double)r[f]), sums[j * 3 + f], 1e-6);
            }
        }
    }
}
