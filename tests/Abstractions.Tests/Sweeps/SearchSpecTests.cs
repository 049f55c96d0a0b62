using Grid.Abstractions.Sweeps;
using Grid.Core.Search;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>Autoencoder settings as distributions: read into a search space, drawn by random sampling or TPE, and checked.</summary>
public sealed class SearchSpecTests
{
    private static string Spec(string autoencoder, string strategy) =>
        $"datasets: [mnist]\nsplit: {{ train: 1000, test: 200 }}\nrepresentations: [raw, {{ autoencoder: {autoencoder} }}]\nscalers: [l2]\nk: [50, 100]\nstrategy: {strategy}";

    private const string Space = "{ z_dim: { int_uniform: [2, 64] }, learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }, batch_size: { choice: [64, 128, 256] }, epochs: 3 }";

    [Fact]
    public void Random_sampling_draws_each_configuration_from_the_distributions_and_runs_it_as_one_representation()
    {
        var spec = Specs.Valid(Spec(Space, "{ random: { trials: 6, seed: 4 } }"));

        Assert.Equal(["z_dim", "learning_rate", "batch_size"], spec.Search!.Select(a => a.Setting));
        Assert.Equal(new LogUniform(1e-4, 1e-2), spec.Search![1].Distribution);
        var trials = SweepExpansion.Expand(spec);
        var configurations = trials.Select(t => t.Representation.Autoencoder).OfType<AutoencoderSpec>().Distinct().ToList();
        Assert.Equal(6, configurations.Count);
        // Raw features once per k, and every configuration at every k.
        Assert.Equal(2 + 6 * 2, trials.Count);
        Assert.Equal(trials.Count, SweepExpansion.Count(spec));
        Assert.All(configurations, ae =>
        {
            Assert.InRange(ae.ZDim, 2, 64);
            Assert.InRange(ae.LearningRate, 1e-4, 1e-2);
            Assert.Contains(ae.BatchSize, new[] { 64, 128, 256 });
            Assert.Equal(3, ae.Epochs);
        });
        // The same draws on every machine.
        Assert.Equal(trials.Select(t => t.Id), SweepExpansion.Expand(spec).Select(t => t.Id));
        Assert.NotEqual(trials.Select(t => t.Id), SweepExpansion.Expand(Specs.Valid(Spec(Space, "{ random: { trials: 6, seed: 5 } }"))).Select(t => t.Id));
    }

    [Fact]
    public void Tpe_starts_with_its_random_start_up_configurations_and_round_trips_through_the_writer()
    {
        var spec = Specs.Valid(Spec(Space, "{ tpe: { trials: 20, startup: 4, seed: 1 } }"));

        Assert.Equal(StrategySpec.Tpe(20, 4, 1), spec.Strategy);
        var trials = SweepExpansion.Expand(spec);
        Assert.Equal(4, trials.Select(t => t.Representation.Autoencoder).OfType<AutoencoderSpec>().Distinct().Count());
        // Start-up configurations are the random sampler's.
        var random = SweepExpansion.Expand(spec with { Strategy = StrategySpec.Random(4, 1) });
        Assert.Equal(random.Select(t => t.Id), trials.Select(t => t.Id));
        Assert.Equal(spec, SweepSpecParser.Parse(SweepSpecWriter.ToJson(spec), "test").Spec);
    }

    [Fact]
    public void Asha_draws_its_arms_with_a_sampler_each_starting_at_the_first_rung()
    {
        var spec = Specs.Valid(Spec(Space.Replace("epochs: 3", "epochs: 9"), "{ asha: { max_epochs: 9, reduction: 3, sampler: tpe, trials: 12, startup: 4 } }"));

        Assert.Equal(StrategySpec.Asha(9) with { Trials = 12, Startup = 4, Sampler = StrategyKind.Tpe }, spec.Strategy);
        Assert.Equal(StrategyKind.Tpe, spec.Strategy.Draws);
        Assert.True(SearchSweeps.ProposesAsResultsCome(spec));
        var arms = SweepExpansion.Expand(spec).Select(t => t.Representation.Autoencoder).OfType<AutoencoderSpec>().Distinct().ToList();
        Assert.Equal(4, arms.Count);
        Assert.All(arms, ae => Assert.Equal(1, ae.Epochs));
        Assert.Equal(spec, SweepSpecParser.Parse(SweepSpecWriter.ToJson(spec), "test").Spec);
        // A random sampler draws every arm at once.
        var random = Specs.Valid(Spec(Space.Replace(", epochs: 3", ""), "{ asha: { max_epochs: 9, sampler: random, trials: 5 } }"));
        Assert.Equal(5, SweepExpansion.Expand(random).Select(t => t.Representation.Autoencoder).OfType<AutoencoderSpec>().Distinct().Count());
    }

    [Theory]
    [InlineData("{ z_dim: 8, learning_rate: { log_uniform: [1.0e-4, 1.0e-2] } }", "{ asha: { max_epochs: 9 } }", "$.representations[1].autoencoder.learning_rate",
        "asha draws its arms from distributions with a sampler: add sampler: tpe (or random) and trials: N to asha, or give a list of values instead")]
    [InlineData("{ z_dim: 8, learning_rate: { log_uniform: [1.0e-4, 1.0e-2] } }", "{ asha: { max_epochs: 9, sampler: grid, trials: 4 } }", "$.strategy.asha.sampler",
        "asha's sampler is random or tpe; got grid")]
    [InlineData("{ z_dim: [8, 16] }", "{ asha: { max_epochs: 9, trials: 4 } }", "$.strategy.asha.trials",
        "trials counts the arms a sampler draws: add sampler: tpe (or random), and give the autoencoder's settings as distributions")]
    [InlineData("{ z_dim: [8, 16] }", "{ asha: { max_epochs: 9, sampler: tpe, trials: 4 } }", "$.strategy.asha.sampler",
        "a sampler draws autoencoder settings from distributions, and the sweep has none: give one as a distribution, e.g. learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }")]
    [InlineData("{ z_dim: 8, learning_rate: { log_uniform: [1.0e-4, 1.0e-2] } }", "grid", "$.representations[1].autoencoder.learning_rate",
        "a distribution is drawn from by strategy random or tpe, and this sweep's strategy is grid: use { random: { trials: 20 } } or { tpe: { trials: 20 } }, or give a list of values instead")]
    [InlineData("{ z_dim: 8, learning_rate: { log_uniform: [1.0e-2, 1.0e-4] } }", "{ tpe: { trials: 5 } }", "$.representations[1].autoencoder.learning_rate.log_uniform", "low 0.01 must be below high 0.0001")]
    [InlineData("{ z_dim: 8, learning_rate: { log_uniform: [0, 1.0e-2] } }", "{ tpe: { trials: 5 } }", "$.representations[1].autoencoder.learning_rate.log_uniform[0]", "learning_rate must be positive; got 0")]
    [InlineData("{ z_dim: { int_uniform: [2, 300] } }", "{ tpe: { trials: 5 } }", "$.representations[1].autoencoder.z_dim.int_uniform[1]", "z_dim must be between 1 and 256; got 300")]
    [InlineData("{ z_dim: { log_uniform: [2, 64] } }", "{ tpe: { trials: 5 } }", "$.representations[1].autoencoder.z_dim.log_uniform", "z_dim is a whole number: draw it with int_uniform or choice, e.g. z_dim: { int_uniform: [2, 64] } or { choice: [64, 128, 256] }")]
    [InlineData("{ z_dim: { int_uniform: [2] } }", "{ tpe: { trials: 5 } }", "$.representations[1].autoencoder.z_dim.int_uniform", "int_uniform takes [low, high], e.g. z_dim: { int_uniform: [2, 64] } or { choice: [64, 128, 256] }; got a list")]
    [InlineData("{ z_dim: { int_uniform: [2, 8] }, loss: [bce, mse] }", "{ tpe: { trials: 5 } }", "$.representations[1].autoencoder.z_dim",
        "with distributions the sweep has one autoencoder whose other settings take one value each (a list makes several): give a varying setting as a distribution too, e.g. { choice: [64, 128] }")]
    [InlineData("{ z_dim: 8 }", "{ tpe: { trials: 5 } }", "$.strategy.tpe",
        "tpe proposes autoencoder settings drawn from distributions, and the sweep has none: give one as a distribution, e.g. learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }")]
    [InlineData("{ z_dim: 8, learning_rate: { normal: [1, 2] } }", "{ tpe: { trials: 5 } }", "$.representations[1].autoencoder.learning_rate.normal", "unknown distribution 'normal'; known: uniform, log_uniform, int_uniform, choice")]
    public void Bad_distributions_and_strategies_are_spec_errors_with_their_paths(string autoencoder, string strategy, string path, string message)
    {
        // One problem, one error: a wrong distribution is not also reported as a missing one.
        var error = Assert.Single(Specs.Parse(Spec(autoencoder, strategy)).Errors);

        Assert.Equal((path, message), (error.Path, error.Message));
    }
}
