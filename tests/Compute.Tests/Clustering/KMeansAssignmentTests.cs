using Grid.Compute.Clustering;
using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Clustering;

public sealed class KMeansAssignmentTests
{
    [Theory]
    [InlineData(KMeansMethod.Lloyd, 8)]
    [InlineData(KMeansMethod.Elkan, 8)]
    [InlineData(KMeansMethod.Yinyang, 8)]
    [InlineData(KMeansMethod.Elkan, 40)]
    [InlineData(KMeansMethod.Yinyang, 40)]
    public void Update_keeps_labels_sums_and_counts_exact_as_centres_move(KMeansMethod method, int k)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(17);
        const int n = 600;
        var x = torch.rand([n, 3], generator: generator).mul_(10);
        var norms = x.square().sum(1);
        var centers = x.narrow(0, 0, k).clone();
        using var assignment = KMeansAssignment.Create(method, x, norms, centers);
        AssertMatchesBruteForce(x, centers, assignment);
        Assert.Equal((long)n * k, assignment.DistancesComputed);

        for (var iteration = 0; iteration < 12; iteration++)
        {
            // Large moves early, small ones later, when the bounds should spare most rows.
            var step = iteration < 4 ? 1.0 : 0.02;
            var moved = centers.add(torch.randn([k, 3], generator: generator).mul_(step));
            assignment.Shift(moved.sub(centers).square().sum(1).sqrt_());
            var before = assignment.DistancesComputed;
            assignment.Update(moved);
            centers = moved;
            AssertMatchesBruteForce(x, centers, assignment);
            var computed = assignment.DistancesComputed - before;
            if (method == KMeansMethod.Lloyd)
            {
                Assert.Equal((long)n * k, computed);
            }
            else if (iteration >= 4)
            {
                // Small moves: the bounds rule out most of the n·k distances.
                Assert.True(computed < n * k / 4, $"{method} computed {computed} of {n * k} distances after a small move");
            }
        }
    }

    [Fact]
    public void A_relabelled_row_is_recomputed_at_the_next_update()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(3);
        var x = torch.rand([300, 4], generator: generator);
        var norms = x.square().sum(1);
        var centers = x.narrow(0, 0, 30).clone();
        foreach (var method in new[] { KMeansMethod.Elkan, KMeansMethod.Yinyang })
        {
            using var assignment = KMeansAssignment.Create(method, x, norms, centers);
            var label = assignment.Labels[100].item<long>();
            var other = (label + 1) % 30;
            // As the empty-cluster relocation does: the row and its sums move together.
            assignment.Sums[label].sub_(x[100].to(ScalarType.Float64));
            assignment.Sums[other].add_(x[100].to(ScalarType.Float64));
            assignment.Counts[label].sub_(1);
            assignment.Counts[other].add_(1);
            assignment.Relabel(100, other);
            assignment.Shift(torch.zeros(30));
            assignment.Update(centers);

            Assert.Equal(label, assignment.Labels[100].item<long>());
            AssertMatchesBruteForce(x, centers, assignment);
        }
    }

    private static void AssertMatchesBruteForce(Tensor x, Tensor centers, KMeansAssignment assignment)
    {
        var (labels, _) = ClusteringData.BruteForce(x, centers);
        Assert.Equal(labels, assignment.Labels.data<long>().ToArray());
        var rows = ClusteringData.Rows(x);
        var sums = assignment.Sums.data<double>().ToArray();
        var counts = assignment.Counts.data<double>().ToArray();
        var k = (int)centers.shape[0];
        var d = (int)x.shape[1];
        for (var j = 0; j < k; j++)
        {
            var members = rows.Where((_, i) => labels[i] == j).ToArray();
            Assert.Equal(members.Length, counts[j]);
            for (var f = 0; f < d; f++)
            {
                Assert.Equal(members.Sum(r => (double)r[f]), sums[j * d + f], 1e-6);
            }
        }
    }
}
