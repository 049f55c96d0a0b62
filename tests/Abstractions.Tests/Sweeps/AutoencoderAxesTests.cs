using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>Every autoencoder training setting is an axis, as z_dim is; trainings that differ only in epochs continue one another.</summary>
public sealed class AutoencoderAxesTests
{
    private static SpecParseResult Parse(string autoencoder) =>
        SweepSpecParser.Parse(Specs.Load($"datasets: [mnist]\nrepresentations: [raw, {{ autoencoder: {autoencoder} }}]\nscalers: [none]\nk: [3]"), "test", DatasetRegistry.WithBuiltIns());

    [Fact]
    public void Lists_of_training_settings_become_one_autoencoder_per_combination()
    {
        var spec = Parse("{ z_dim: [4, 8], loss: [bce, mse], learning_rate: [1.0e-3, 3.0e-3], batch_size: 64, epochs: [1, 3] }").Spec!;

        var autoencoders = spec.Representations.Select(r => r.Autoencoder).OfType<AutoencoderSpec>().ToList();
        Assert.Equal(2 * 2 * 2 * 2, autoencoders.Count);
        Assert.Equal(autoencoders.Count, autoencoders.Select(a => a.Label).Distinct().Count());
        Assert.All(autoencoders, a => Assert.Equal(64, a.BatchSize));
        // Epochs vary fastest: the trainings of one autoencoder stand side by side.
        Assert.Equal(["ae-z4-bce-e1-b64-lr0.001", "ae-z4-bce-e3-b64-lr0.001", "ae-z4-bce-e1-b64-lr0.003"], autoencoders.Take(3).Select(a => a.Label));
    }

    [Fact]
    public void A_trial_lists_the_shorter_trainings_of_its_autoencoder_in_the_sweep_and_keeps_its_id()
    {
        var spec = Parse("{ z_dim: 4, learning_rate: [1.0e-3, 3.0e-3], epochs: [9, 1, 3] }").Spec!;

        var trials = SweepExpansion.Expand(spec);
        var prefixes = trials.Where(t => t.Representation.Autoencoder is not null)
            .ToDictionary(t => t.Representation.Label, t => t.PrefixEpochs);
        Assert.Null(prefixes["ae-z4-bce-e1-lr0.001"]);
        Assert.Equal([1], prefixes["ae-z4-bce-e3-lr0.001"]!);
        Assert.Equal([1, 3], prefixes["ae-z4-bce-e9-lr0.001"]!);
        // Other learning rates are other autoencoders.
        Assert.Equal([1, 3], prefixes["ae-z4-bce-e9-lr0.003"]!);
        Assert.Null(trials.Single(t => t.Representation.Kind == RepresentationKind.Raw).PrefixEpochs);
        // The prefix path is how a trial runs, not what it is: ids do not depend on it.
        var nine = trials.First(t => t.Representation.Autoencoder?.Epochs == 9);
        Assert.Equal(nine.Id, (nine with { PrefixEpochs = null }).Id);
    }

    [Theory]
    [InlineData("{ z_dim: 4, epochs: [1, 0] }", "$.representations[1].autoencoder.epochs[1]", "epochs must be between 1 and 1000; got 0")]
    [InlineData("{ z_dim: 4, epochs: [3, 3] }", "$.representations[1].autoencoder.epochs[1]", "duplicate epochs 3 (already at $.representations[1].autoencoder.epochs[0])")]
    [InlineData("{ z_dim: 4, learning_rate: [1.0e-3, -1] }", "$.representations[1].autoencoder.learning_rate[1]", "learning_rate must be positive; got -1")]
    [InlineData("{ z_dim: 4, loss: [bce, l1] }", "$.representations[1].autoencoder.loss[1]", "unknown loss 'l1'; known: bce, mse")]
    [InlineData("{ z_dim: 4, batch_size: [] }", "$.representations[1].autoencoder.batch_size", "batch_size must not be empty, e.g. batch_size: 128 or [64, 128, 256]")]
    public void Bad_axis_values_are_spec_errors_with_their_paths(string autoencoder, string path, string message)
    {
        var error = Parse(autoencoder).Errors.First();

        Assert.Equal((path, message), (error.Path, error.Message));
    }
}
