using Grid.Compute.Embedding;

namespace Grid.Compute.Tests.Embedding;

public sealed class TrustworthinessTests
{
    [Fact]
    public void Identity_embedding_is_one()
    {
        var data = EmbeddingData.Noise(120 * 10, seed: 1);
        Assert.Equal(1.0, Trustworthiness.Compute(data, 10, data, 10, 120));
    }

    [Fact]
    public void Hand_computed_case_matches_the_definition()
    {
        // Six points on a line; the embedding swaps the two ends. With k = 1, the embedded nearest
        // neighbours of points 0, 1 and 5 rank 4th, 5th and 4th in the input: penalties 3 + 4 + 3 = 10,
        // the other three keep their nearest neighbour. T = 1 − 10 · 2 / (6 · 1 · (12 − 3 − 1)) = 7/12.
        float[] high = [0, 1, 3, 7, 15, 31];
        float[] low = [31, 1, 3, 7, 15, 0];
        Assert.Equal(7.0 / 12.0, Trustworthiness.Compute(high, 1, low, 1, 6, neighbours: 1), 12);
    }

    [Theory]
    [InlineData(80, 5, 2, 5)]
    [InlineData(1500, 16, 2, 10)]
    public void Random_cases_match_full_sort_reference(int rows, int highFeatures, int lowFeatures, int k)
    {
        // 1,500 rows span two distance blocks, so the block boundary is covered.
        var high = EmbeddingData.Noise(rows * highFeatures, seed: 2);
        var low = new float[rows * lowFeatures];
        var noise = EmbeddingData.Noise(rows * lowFeatures, seed: 3);
        for (int i = 0; i < rows; i++)
        {
            for (int f = 0; f < lowFeatures; f++)
            {
                // Half structure, half noise: ranks of every size occur.
                low[i * lowFeatures + f] = high[i * highFeatures + f] + noise[i * lowFeatures + f];
            }
        }
        double expected = EmbeddingData.NaiveTrustworthiness(high, highFeatures, low, lowFeatures, rows, k);
        double actual = Trustworthiness.Compute(high, highFeatures, low, lowFeatures, rows, k);
        Assert.Equal(expected, actual, 12);
        Assert.InRange(actual, 0.5, 0.99);
    }

    [Fact]
    public void Unrelated_embedding_scores_low()
    {
        var high = EmbeddingData.Noise(300 * 8, seed: 4);
        var low = EmbeddingData.Noise(300 * 2, seed: 5);
        Assert.InRange(Trustworthiness.Compute(high, 8, low, 2, 300), 0.3, 0.7);
    }

    [Fact]
    public void Bad_arguments_are_rejected_naming_the_argument()
    {
        var high = EmbeddingData.Noise(20 * 3, seed: 6);
        var low = EmbeddingData.Noise(20 * 2, seed: 7);
        Assert.Equal("neighbours", Assert.Throws<ArgumentOutOfRangeException>(() => Trustworthiness.Compute(high, 3, low, 2, 20, neighbours: 10)).ParamName);
        Assert.Equal("neighbours", Assert.Throws<ArgumentOutOfRangeException>(() => Trustworthiness.Compute(high, 3, low, 2, 20, neighbours: 0)).ParamName);
        Assert.Equal("low", Assert.Throws<ArgumentException>(() => Trustworthiness.Compute(high, 3, low, 3, 20, neighbours: 2)).ParamName);
        var bad = (float[])high.Clone();
        bad[7] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => Trustworthiness.Compute(bad, 3, low, 2, 20, neighbours: 2));
        Assert.Equal("high", ex.ParamName);
        Assert.Contains("row 2, column 1", ex.Message);
    }
}
