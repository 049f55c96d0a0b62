using Grid.Compute.Data;
using Grid.Compute.Embedding;
using Grid.Core.Datasets;

namespace Grid.Compute.Tests.Embedding;

/// <summary>FIt-SNE's interpolated repulsion against the exact sums, and t-SNE with it against Barnes–Hut on MNIST rows.</summary>
public sealed class FftRepulsionTests
{
    /// <remarks>
    /// The force error is FIt-SNE's at its default settings: quadratic interpolation on boxes a unit wide errs by a few per
    /// cent near a point, where q² changes fastest (Barnes–Hut with θ = 0.5 errs by up to 10 %, BarnesHutTests). It falls
    /// with the cube of the box width: a layout of spread 1 gets 50 boxes over its ~7 units. Z is closer: each point's
    /// own interpolated term, most of its error, is taken out exactly.
    /// </remarks>
    [Theory]
    [InlineData(1.0, 1e-5, 1e-3)]
    [InlineData(10.0, 1e-3, 0.05)]
    [InlineData(40.0, 1e-3, 0.06)]
    public void Interpolated_repulsion_and_normaliser_match_the_exact_sums(double spread, double zError, double forceError)
    {
        const int rows = 1500;
        var y = EmbeddingData.Noise(rows * 2, seed: 5).Select(v => spread * v).ToArray();
        // Two points on top of each other and one far out: the grid covers them all.
        y[2] = y[0];
        y[3] = y[1];
        y[4] = 3 * spread;
        var repulsion = new double[2 * rows];

        using var fft = new FftRepulsion(rows, new ParallelOptions());
        double z = fft.Repulse(y, repulsion);

        double exactZ = 0, errorSq = 0, forceSq = 0;
        for (int i = 0; i < rows; i++)
        {
            double fx = 0, fy = 0;
            for (int j = 0; j < rows; j++)
            {
                double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
                double q = 1 / (1 + dx * dx + dy * dy);
                exactZ += i == j ? 0 : q;
                fx += q * q * dx;
                fy += q * q * dy;
            }
            errorSq += (repulsion[2 * i] - fx) * (repulsion[2 * i] - fx) + (repulsion[2 * i + 1] - fy) * (repulsion[2 * i + 1] - fy);
            forceSq += fx * fx + fy * fy;
        }
        Assert.InRange(z / exactZ, 1 - zError, 1 + zError);
        Assert.True(Math.Sqrt(errorSq / forceSq) < forceError, $"relative force error {Math.Sqrt(errorSq / forceSq)}");
        Assert.True(fft.Boxes >= FftRepulsion.MinBoxes && FftRepulsion.SmoothAtLeast(fft.Boxes) == fft.Boxes, $"{fft.Boxes} boxes");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(50, 50)]
    [InlineData(97, 100)]
    [InlineData(121, 125)]
    [InlineData(251, 256)]
    public void Grid_sizes_are_the_next_products_of_two_three_and_five(int at, int size) =>
        Assert.Equal(size, FftRepulsion.SmoothAtLeast(at));

    [Fact]
    public void Tsne_with_fft_repulsion_is_as_trustworthy_as_barnes_hut_on_mnist_rows()
    {
        const int rows = 2000;
        var datasets = new DatasetStore(DatasetStore.DefaultDataDirectory());
        Assert.True(datasets.IsComplete(BuiltInDatasets.Mnist), $"MNIST is not in {datasets.DataDirectory}; run `./grid data fetch mnist` (test.sh does) or set GRID_DATA_DIR");
        var data = datasets.Load("mnist", rows, 1).Train;
        using var pixels = data.ToFeatureTensor();
        using var unit = pixels.div(255);
        var features = PrincipalComponents.Project(unit.data<float>().ToArray(), rows, data.Features, 30);
        var options = new TsneOptions { Iterations = 400, Seed = 3 };

        var barnesHut = Tsne.Fit(features, rows, 30, options with { Method = TsneMethod.BarnesHut });
        var fft = Tsne.Fit(features, rows, 30, options with { Method = TsneMethod.Fft });

        double trustBarnesHut = Trustworthiness.Compute(features, 30, barnesHut.Embedding, 2, rows);
        double trustFft = Trustworthiness.Compute(features, 30, fft.Embedding, 2, rows);
        Assert.True(trustFft > 0.9, $"trustworthiness {trustFft}");
        Assert.InRange(trustFft - trustBarnesHut, -0.01, 1);
        Assert.InRange(fft.KlDivergence / barnesHut.KlDivergence, 0.95, 1.1);
    }

    [Fact]
    public void The_same_seed_and_threads_give_the_same_fft_embedding()
    {
        // libtorch's float32 transforms round differently on different thread counts: the same seed and threads repeat.
        var (data, _) = EmbeddingData.Blobs(blobs: 3, perBlob: 60, features: 5, separation: 8, seed: 7);
        var options = new TsneOptions { Iterations = 120, EarlyExaggerationIterations = 60, Perplexity = 10, Seed = 4, Method = TsneMethod.Fft };

        Assert.Equal(Tsne.Embed(data, 180, 5, options), Tsne.Embed(data, 180, 5, options));
        Assert.NotEqual(Tsne.Embed(data, 180, 5, options), Tsne.Embed(data, 180, 5, options with { Seed = 5, Initialization = TsneInitialization.Random }));
    }

    [Fact]
    public void Auto_chooses_fft_from_twenty_thousand_points()
    {
        var options = new TsneOptions();
        Assert.Equal(TsneMethod.BarnesHut, options.ResolveMethod(TsneOptions.FftFromRows - 1));
        Assert.Equal(TsneMethod.Fft, options.ResolveMethod(TsneOptions.FftFromRows));
        Assert.Equal(TsneMethod.BarnesHut, (options with { Method = TsneMethod.BarnesHut }).ResolveMethod(100_000));
        Assert.Equal("Method", Assert.Throws<ArgumentOutOfRangeException>(() => (options with { Method = (TsneMethod)7 }).Validate()).ParamName);
    }
}
