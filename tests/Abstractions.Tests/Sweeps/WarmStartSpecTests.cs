using Grid.Abstractions.Sweeps;

namespace Grid.Abstractions.Tests.Sweeps;

public sealed class WarmStartSpecTests
{
    private const string Base = "datasets: [mnist]\nrepresentations: [pixels]\nscalers: [none, l2]\nk: [10, 5, 20]\n";

    [Fact]
    public void Without_warm_start_every_k_is_an_independent_fit()
    {
        var spec = Specs.Valid(Base);
        Assert.False(spec.KMeans.WarmStart);
        Assert.All(SweepExpansion.Expand(spec), t => Assert.Null(t.WarmKs));
    }

    [Fact]
    public void Warm_start_gives_each_trial_the_k_values_below_it_on_its_curve()
    {
        var spec = Specs.Valid(Base + "kmeans: { batch_size: 200, warm_start: true }\n");
        Assert.True(spec.KMeans.WarmStart);
        Assert.EndsWith(",warm_start)", spec.KMeans.Describe());
        var trials = SweepExpansion.Expand(spec);
        Assert.Equal(6, trials.Count);
        Assert.All(trials.Where(t => t.K == 5), t => Assert.Empty(t.WarmKs!));
        Assert.All(trials.Where(t => t.K == 10), t => Assert.Equal([5], t.WarmKs!));
        Assert.All(trials.Where(t => t.K == 20), t => Assert.Equal([5, 10], t.WarmKs!));
    }

    [Fact]
    public void The_warm_path_is_not_part_of_the_trial_identity()
    {
        var trial = SweepExpansion.Expand(Specs.Valid(Base + "kmeans: { warm_start: true }\n")).First(t => t.K == 20);
        Assert.Equal(trial.Id, (trial with { WarmKs = [5, 10, 15] }).Id);
    }

    [Theory]
    [InlineData("kmeans: { warm_start: yes please }\n", "true or false")]
    [InlineData("kmeans: { algorithm: full, warm_start: true }\n", "applies only to algorithm minibatch")]
    [InlineData("kmeans: { shards: 2, warm_start: true }\n", "cannot be combined")]
    public void Bad_warm_start_is_rejected_with_its_path(string kmeans, string message)
    {
        var error = Specs.SingleError(Base + kmeans);
        Assert.Equal("$.kmeans.warm_start", error.Path);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Warm_start_survives_writing_and_reading_back()
    {
        var spec = Specs.Valid(Base + "kmeans: { warm_start: true }\n");
        var again = SweepSpecParser.Parse(SweepSpecWriter.ToJson(spec), "test").Spec;
        Assert.Equal(spec, again);
    }
}
