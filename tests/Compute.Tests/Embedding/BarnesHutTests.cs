using Grid.Compute.Embedding;

namespace Grid.Compute.Tests.Embedding;

/// <summary>The parts of t-SNE against brute force: neighbours, similarities, the quadtree's forces.</summary>
public sealed class BarnesHutTests
{
    [Fact]
    public void Nearest_neighbours_match_brute_force()
    {
        const int rows = 1200, features = 6, k = 7;
        var data = EmbeddingData.Noise(rows * features, seed: 1);
        var parallel = new ParallelOptions();
        var (indices, distances) = PairwiseBlocks.NearestNeighbours(data, rows, features, k, parallel, null, CancellationToken.None);
        for (int i = 0; i < rows; i++)
        {
            Assert.Equal(EmbeddingData.Nearest(data, features, rows, i, k), indices.AsSpan(i * k, k).ToArray());
            for (int t = 0; t < k; t++)
            {
                Assert.Equal(EmbeddingData.SquaredDistance(data, features, i, indices[i * k + t]), distances[i * k + t], 1e-9);
            }
        }
    }

    [Fact]
    public void Nearest_neighbours_by_top_k_blocks_match_the_managed_search()
    {
        const int rows = 1500, features = 8, k = 12;
        var data = EmbeddingData.Noise(rows * features, seed: 6);
        var parallel = new ParallelOptions();
        var (indices, distances) = PairwiseBlocks.NearestNeighbours(data, rows, features, k, parallel, null, CancellationToken.None);

        // Blocks of 128 rows, the last one short.
        var (topK, topKDistances) = PairwiseBlocks.NearestNeighboursByTopK(data, rows, features, k, parallel, null, CancellationToken.None, blockElements: 128L * rows);

        Assert.Equal(indices, topK);
        for (int e = 0; e < distances.Length; e++)
        {
            Assert.Equal(distances[e], topKDistances[e], 1e-9);
        }
    }

    [Fact]
    public void Affinities_are_symmetric_sum_to_one_and_reach_the_perplexity()
    {
        const int rows = 200, features = 4, k = 31;
        const double perplexity = 10;
        var data = EmbeddingData.Noise(rows * features, seed: 2);
        var (indices, distances) = PairwiseBlocks.NearestNeighbours(data, rows, features, k, new ParallelOptions(), null, CancellationToken.None);

        var conditional = new double[k];
        Affinities.SearchRow(distances.AsSpan(0, k), conditional, Math.Log(perplexity));
        double entropy = -conditional.Where(p => p > 0).Sum(p => p * Math.Log(p));
        Assert.Equal(Math.Log(perplexity), entropy, 1e-4);
        Assert.Equal(1.0, conditional.Sum(), 12);

        var p = Affinities.Compute(indices, distances, rows, k, perplexity, new ParallelOptions());
        Assert.Equal(1.0, p.Values.Sum(), 12);
        var lookup = new Dictionary<(int, int), double>();
        for (int i = 0; i < rows; i++)
        {
            var columns = p.Columns.AsSpan(p.RowStarts[i], p.RowStarts[i + 1] - p.RowStarts[i]).ToArray();
            Assert.Equal(columns.Order(), columns);
            Assert.Equal(columns.Distinct().Count(), columns.Length);
            Assert.DoesNotContain(i, columns);
            for (int e = p.RowStarts[i]; e < p.RowStarts[i + 1]; e++)
            {
                lookup[(i, p.Columns[e])] = p.Values[e];
            }
        }
        Assert.All(lookup, entry => Assert.Equal(entry.Value, lookup[(entry.Key.Item2, entry.Key.Item1)]));
    }

    [Fact]
    public void Quad_tree_with_theta_zero_gives_exact_repulsion_duplicates_included()
    {
        const int rows = 150;
        var y = EmbeddingData.Noise(rows * 2, seed: 3).Select(v => (double)v).ToArray();
        // Three copies of one point and a near pair: duplicates share a leaf, the pair splits deep.
        y[2] = y[0];
        y[3] = y[1];
        y[4] = y[0];
        y[5] = y[1];
        y[6] = y[0] + 1e-9;
        y[7] = y[1];
        var tree = new QuadTree();
        tree.Build(y, rows);
        for (int i = 0; i < rows; i++)
        {
            double sumQ = tree.Repulse(y[2 * i], y[2 * i + 1], 0, out double fx, out double fy);
            double expectedSum = 0, expectedX = 0, expectedY = 0;
            for (int j = 0; j < rows; j++)
            {
                if (j == i)
                {
                    continue;
                }
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                double q = 1 / (1 + dx * dx + dy * dy);
                expectedSum += q;
                expectedX += q * q * dx;
                expectedY += q * q * dy;
            }
            Assert.Equal(expectedSum, sumQ, 9);
            Assert.Equal(expectedX, fx, 9);
            Assert.Equal(expectedY, fy, 9);
        }
    }

    [Fact]
    public void Quad_tree_with_theta_half_approximates_the_repulsion()
    {
        const int rows = 2000;
        var y = EmbeddingData.Noise(rows * 2, seed: 4).Select(v => 10.0 * v).ToArray();
        var tree = new QuadTree();
        tree.Build(y, rows);
        // Net forces in the bulk are small differences of large ones, so the error is measured over the field.
        double errorSq = 0, forceSq = 0;
        for (int i = 0; i < rows; i += 20)
        {
            double exact = tree.Repulse(y[2 * i], y[2 * i + 1], 0, out double exactX, out double exactY);
            double approximate = tree.Repulse(y[2 * i], y[2 * i + 1], 0.5, out double fx, out double fy);
            Assert.InRange(approximate / exact, 0.95, 1.05);
            errorSq += (fx - exactX) * (fx - exactX) + (fy - exactY) * (fy - exactY);
            forceSq += exactX * exactX + exactY * exactY;
        }
        Assert.True(Math.Sqrt(errorSq / forceSq) < 0.1, $"relative force error {Math.Sqrt(errorSq / forceSq)}");
        Assert.True(tree.Cells < 4 * rows, $"{tree.Cells} cells for {rows} points");
    }
}
