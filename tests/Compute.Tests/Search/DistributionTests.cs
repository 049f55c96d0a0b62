using Grid.Core.Search;

namespace Grid.Compute.Tests.Search;

public sealed class DistributionTests
{
    [Theory]
    [InlineData(0.01, 0.001, "low 0.01 must be below high 0.001")]
    [InlineData(1.0, 1.0, "low 1 must be below high 1")]
    [InlineData(double.NaN, 1.0, "uniform needs finite bounds; got NaN and 1")]
    [InlineData(0.0, double.PositiveInfinity, "uniform needs finite bounds; got 0 and Infinity")]
    public void Uniform_rejects_bad_bounds(double low, double high, string error) =>
        Assert.Equal(error, new Uniform(low, high).Validate());

    [Theory]
    [InlineData(0.0, 0.01, "log_uniform needs low > 0; got 0")]
    [InlineData(-1.0, 0.01, "log_uniform needs low > 0; got -1")]
    [InlineData(0.01, 0.001, "low 0.01 must be below high 0.001")]
    public void LogUniform_rejects_bad_bounds(double low, double high, string error) =>
        Assert.Equal(error, new LogUniform(low, high).Validate());

    [Fact]
    public void IntUniform_and_Choice_reject_bad_input()
    {
        Assert.Equal("low 64 must be below high 2", new IntUniform(64, 2).Validate());
        Assert.Equal("choice needs at least one value", new Choice([]).Validate());
        Assert.Equal("choice lists 64 more than once", new Choice([64, 128, 64]).Validate());
        Assert.Equal("choice needs finite values; got NaN", new Choice([1, double.NaN]).Validate());
    }

    [Fact]
    public void Valid_distributions_have_no_error()
    {
        Distribution[] valid = [new Uniform(-1, 1), new LogUniform(1e-4, 1e-2), new IntUniform(2, 64), new Choice([64, 128, 256]), new Choice([1])];
        Assert.All(valid, d => Assert.Null(d.Validate()));
    }

    [Fact]
    public void Describe_writes_spec_syntax()
    {
        Assert.Equal("uniform(-10, 10.5)", new Uniform(-10, 10.5).Describe());
        Assert.Equal("log_uniform(0.0001, 0.01)", new LogUniform(1e-4, 1e-2).Describe());
        Assert.Equal("int_uniform(2, 64)", new IntUniform(2, 64).Describe());
        Assert.Equal("choice(64, 128, 256)", new Choice([64, 128, 256]).Describe());
        Assert.Equal(
            "learning_rate: log_uniform(0.0001, 0.01), z_dim: int_uniform(2, 64)",
            new SearchSpace(("learning_rate", new LogUniform(1e-4, 1e-2)), ("z_dim", new IntUniform(2, 64))).ToString());
    }

    [Fact]
    public void Choices_with_equal_values_are_equal_and_keep_their_own_copy()
    {
        var values = new List<double> { 64, 128 };
        var choice = new Choice(values);
        Assert.Equal(new Choice([64, 128]), choice);
        values.Add(256);
        Assert.Equal("choice(64, 128)", choice.Describe());
    }

    [Fact]
    public void Uniform_samples_stay_in_bounds_and_spread_over_them()
    {
        var samples = Draw(new Uniform(-3, 5), 4000);
        Assert.All(samples, x => Assert.InRange(x, -3, 5));
        // Each eighth of the range holds 1/8 of 4000 = 500 draws; ±100 is over 4 standard deviations.
        Assert.All(Histogram(samples.Select(x => (x + 3) / 8), 8), count => Assert.InRange(count, 400, 600));
    }

    [Fact]
    public void LogUniform_samples_cover_each_decade_about_evenly()
    {
        var samples = Draw(new LogUniform(1e-5, 1e-1), 4000);
        Assert.All(samples, x => Assert.InRange(x, 1e-5, 1e-1));
        // Four decades, 1000 draws each expected (a plain uniform would put 90 % in the top one).
        Assert.All(Histogram(samples.Select(x => (Math.Log10(x) + 5) / 4), 4), count => Assert.InRange(count, 880, 1120));
    }

    [Fact]
    public void IntUniform_samples_every_whole_number_including_both_ends()
    {
        var samples = Draw(new IntUniform(2, 6), 2000);
        Assert.All(samples, x => Assert.Equal(Math.Round(x), x));
        var counts = samples.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([2.0, 3, 4, 5, 6], counts.Keys.Order());
        Assert.All(counts.Values, count => Assert.InRange(count, 320, 480));
    }

    [Fact]
    public void Choice_samples_only_listed_values_each_about_equally()
    {
        var samples = Draw(new Choice([64, 128, 256]), 3000);
        var counts = samples.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([64.0, 128, 256], counts.Keys.Order());
        Assert.All(counts.Values, count => Assert.InRange(count, 880, 1120));
    }

    [Fact]
    public void SearchSpace_names_the_bad_dimension()
    {
        var error = Assert.Throws<ArgumentException>(() => new SearchSpace(("learning_rate", new LogUniform(0, 1e-2))));
        Assert.StartsWith("learning_rate: log_uniform needs low > 0; got 0", error.Message);
        error = Assert.Throws<ArgumentException>(() => new SearchSpace(("z_dim", new IntUniform(2, 8)), ("z_dim", new IntUniform(2, 9))));
        Assert.StartsWith("search dimension z_dim is given more than once", error.Message);
    }

    private static double[] Draw(Distribution distribution, int count)
    {
        var random = new SplitMix64(42);
        return Enumerable.Range(0, count).Select(_ => distribution.Sample(random)).ToArray();
    }

    /// <summary>Counts of <paramref name="unit"/> values (in [0, 1]) in <paramref name="bins"/> equal bins.</summary>
    private static int[] Histogram(IEnumerable<double> unit, int bins)
    {
        var counts = new int[bins];
        foreach (var u in unit)
        {
            counts[Math.Min(bins - 1, (int)(u * bins))]++;
        }
        return counts;
    }
}
