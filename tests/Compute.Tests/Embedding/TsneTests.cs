using Grid.Compute.Embedding;

namespace Grid.Compute.Tests.Embedding;

public sealed class TsneTests
{
    private const int Blobs = 5;
    private const int PerBlob = 60;
    private const int Features = 10;
    private const int Rows = Blobs * PerBlob;

    [Fact]
    public void Embed_separates_Gaussian_blobs()
    {
        var (data, blob) = EmbeddingData.Blobs(Blobs, PerBlob, Features, separation: 8, seed: 1);
        var result = Tsne.Fit(data, Rows, Features, new TsneOptions());
        var y = result.Embedding;

        Assert.Equal(Rows * 2, y.Length);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        // Each point's 10 nearest embedded neighbours come from its own blob.
        int agreeing = 0;
        for (int i = 0; i < Rows; i++)
        {
            agreeing += EmbeddingData.Nearest(y, 2, Rows, i, 10).Count(j => blob[j] == blob[i]);
        }
        Assert.True(agreeing >= 0.99 * Rows * 10, $"{agreeing} of {Rows * 10} embedded neighbours share the blob");
        // Silhouette-like: every blob's embedded diameter is smaller than its gap to the nearest other blob.
        for (int b = 0; b < Blobs; b++)
        {
            var members = Enumerable.Range(0, Rows).Where(i => blob[i] == b).ToArray();
            var others = Enumerable.Range(0, Rows).Where(i => blob[i] != b).ToArray();
            double within = members.SelectMany(i => members.Select(j => EmbeddingData.SquaredDistance(y, 2, i, j))).Max();
            double between = members.SelectMany(i => others.Select(j => EmbeddingData.SquaredDistance(y, 2, i, j))).Min();
            Assert.True(Math.Sqrt(within) < Math.Sqrt(between) * 2, $"blob {b}: diameter {Math.Sqrt(within):F2}, gap {Math.Sqrt(between):F2}");
            Assert.True(between > 0);
        }
        Assert.True(Trustworthiness.Compute(data, Features, y, 2, Rows) > 0.95);
        Assert.InRange(result.KlDivergence, 0, 2);
        Assert.Equal(new TsneOptions().Iterations, result.Iterations);
        Assert.Equal(TsneOptions.MinimumAutoLearningRate, result.LearningRate);
    }

    [Fact]
    public void Embed_same_seed_gives_the_same_embedding_whatever_the_threads()
    {
        var (data, _) = EmbeddingData.Blobs(3, 40, Features, separation: 5, seed: 2);
        var options = new TsneOptions { Perplexity = 10, Iterations = 300, Initialization = TsneInitialization.Random, Seed = 7 };
        var first = Tsne.Embed(data, 120, Features, options with { Threads = 1 });
        var second = Tsne.Embed(data, 120, Features, options with { Threads = 2 });
        var otherSeed = Tsne.Embed(data, 120, Features, options with { Seed = 8 });
        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void PCA_initialization_is_the_scaled_principal_axis()
    {
        // Points along the direction (1, 2, 0, …) plus small noise; with a negligible learning rate the
        // embedding stays at its start: the first coordinate follows the projection on that axis, std 1e-4.
        const int rows = 100;
        var noise = EmbeddingData.Noise(rows * Features, seed: 3);
        var data = new float[rows * Features];
        var t = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            t[i] = i - rows / 2.0;
            for (int f = 0; f < Features; f++)
            {
                data[i * Features + f] = 0.01f * noise[i * Features + f];
            }
            data[i * Features] += (float)t[i];
            data[i * Features + 1] += (float)(2 * t[i]);
        }
        var y = Tsne.Embed(data, rows, Features, new TsneOptions { Perplexity = 5, Iterations = 1, EarlyExaggerationIterations = 1, LearningRate = 1e-12 });
        var first = Enumerable.Range(0, rows).Select(i => (double)y[2 * i]).ToArray();
        double mean = first.Average();
        double std = Math.Sqrt(first.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(TsneOptions.InitialScale, std, 1e-7);
        // svd_flip: the largest-magnitude score is positive, so the first coordinate is ∝ ±t with the sign fixed.
        double largest = first.MaxBy(Math.Abs);
        Assert.True(largest > 0);
        double tMean = t.Average();
        double tStd = Math.Sqrt(t.Select(v => (v - tMean) * (v - tMean)).Average());
        double sign = Math.Sign(largest) * Math.Sign(t[Array.IndexOf(first, largest)] - tMean);
        for (int i = 0; i < rows; i++)
        {
            Assert.Equal(sign * (t[i] - tMean) / tStd * TsneOptions.InitialScale, first[i], 1e-6);
        }
    }

    [Fact]
    public void Progress_reports_every_iteration_and_the_KL_divergence_at_checks()
    {
        var (data, _) = EmbeddingData.Blobs(3, 40, Features, separation: 5, seed: 4);
        var reports = new List<TsneProgress>();
        var options = new TsneOptions { Perplexity = 10, Iterations = 400, EarlyExaggerationIterations = 100 };
        var result = Tsne.Fit(data, 120, Features, options, new SynchronousProgress<TsneProgress>(reports.Add));

        Assert.Equal(Enumerable.Range(1, 400), reports.Take(400).Select(r => r.Iteration));
        Assert.Equal(401, reports.Count);
        Assert.All(reports.Take(400), r => Assert.Equal(r.Iteration % options.CheckInterval == 0, r.KlDivergence is not null));
        Assert.Equal(result.KlDivergence, reports[^1].KlDivergence);
        // The final KL is below the one after the early-exaggeration phase.
        Assert.True(result.KlDivergence < reports[99].KlDivergence, $"{result.KlDivergence} vs {reports[99].KlDivergence}");
    }

    [Fact]
    public void Cancellation_stops_between_iterations()
    {
        var (data, _) = EmbeddingData.Blobs(3, 40, Features, separation: 5, seed: 5);
        using var source = new CancellationTokenSource();
        var seen = new List<int>();
        var progress = new SynchronousProgress<TsneProgress>(p =>
        {
            seen.Add(p.Iteration);
            if (p.Iteration == 3)
            {
                source.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => Tsne.Embed(data, 120, Features, new TsneOptions { Perplexity = 10 }, progress, source.Token));
        Assert.Equal([1, 2, 3], seen);

        seen.Clear();
        Assert.ThrowsAny<OperationCanceledException>(() => Tsne.Embed(data, 120, Features, new TsneOptions { Perplexity = 10 }, progress, source.Token));
        Assert.Empty(seen);
    }

    public static TheoryData<string, TsneOptions> BadOptions => new()
    {
        { "Dimensions", new TsneOptions { Dimensions = 3 } },
        { "Perplexity", new TsneOptions { Perplexity = 0 } },
        { "Perplexity", new TsneOptions { Perplexity = double.NaN } },
        { "EarlyExaggeration", new TsneOptions { EarlyExaggeration = 0.5 } },
        { "Iterations", new TsneOptions { Iterations = 0 } },
        { "EarlyExaggerationIterations", new TsneOptions { Iterations = 100, EarlyExaggerationIterations = 250 } },
        { "LearningRate", new TsneOptions { LearningRate = -1 } },
        { "Theta", new TsneOptions { Theta = 1.5 } },
        { "Threads", new TsneOptions { Threads = 0 } },
        { "Initialization", new TsneOptions { Initialization = (TsneInitialization)7 } },
        { "FinalMomentum", new TsneOptions { FinalMomentum = 1 } },
        { "MinGain", new TsneOptions { MinGain = -0.1 } },
        { "CheckInterval", new TsneOptions { CheckInterval = 0 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_naming_the_setting(string setting, TsneOptions options)
    {
        var data = EmbeddingData.Noise(200 * 3, seed: 6);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tsne.Embed(data, 200, 3, options));
        Assert.Equal(setting, ex.ParamName);
        Assert.Contains(setting, ex.Message);
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        var data = EmbeddingData.Noise(100 * 3, seed: 7);
        var options = new TsneOptions { Perplexity = 5 };
        Assert.Throws<ArgumentNullException>(() => Tsne.Embed(null!, 100, 3, options));
        Assert.Equal("data", Assert.Throws<ArgumentException>(() => Tsne.Embed(data, 100, 4, options)).ParamName);
        var nan = (float[])data.Clone();
        nan[31] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => Tsne.Embed(nan, 100, 3, options));
        Assert.Equal("data", ex.ParamName);
        Assert.Contains("row 10, column 1", ex.Message);
        var tooFew = Assert.Throws<ArgumentException>(() => Tsne.Embed(data.AsSpan(0, 90 * 3).ToArray(), 90, 3, new TsneOptions()));
        Assert.Equal("rows", tooFew.ParamName);
        Assert.Contains("91 neighbours", tooFew.Message);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => Tsne.Embed(data.AsSpan(0, 100).ToArray(), 100, 1, options)).ParamName);
    }
}
