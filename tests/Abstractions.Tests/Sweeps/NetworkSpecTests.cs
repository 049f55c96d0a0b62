using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>The autoencoder's network settings in a spec: read, defaulted for each dataset, and checked against the data.</summary>
public sealed class NetworkSpecTests
{
    private static readonly DatasetFile File = new("train.npy", new string('a', 64), 1);

    /// <summary>A registry with the built-ins and an imported flat dataset of 13 float features, as a user's table would be.</summary>
    private static IDatasetRegistry Registry()
    {
        var registry = DatasetRegistry.WithBuiltIns();
        registry.Register(new DatasetDescriptor("wine", [13], 3, File, File, File, File, 142, 36, DatasetSource.Imported("wine.csv")) { Element = ElementType.Float32 });
        return registry;
    }

    private static SpecParseResult Parse(string dataset, string autoencoder) =>
        SweepSpecParser.Parse(Specs.Load($"datasets: [{dataset}]\nrepresentations: [{{ autoencoder: {autoencoder} }}]\nscalers: [none]\nk: [3]"), "test", Registry());

    [Fact]
    public void Network_settings_default_by_the_data_conv_for_images_and_mlp_for_tables()
    {
        var ae = new AutoencoderSpec(8, ReconstructionLoss.Mse);
        var registry = Registry();

        Assert.True(ae.NetworkFor(registry.Get("mnist")).IsSeedNetwork);
        var flat = ae.NetworkFor(registry.Get("wine"));
        Assert.Equal(NetworkArchitecture.Mlp, flat.Architecture);
        Assert.Equal([256, 128], flat.Hidden);
        Assert.Equal(InputScaling.Standard, flat.InputScaling);
        Assert.Equal("", ae.NetworkFor(registry.Get("mnist")).KeySuffix);
        Assert.Equal("|arch=mlp|hidden=256,128|input=standard", flat.KeySuffix);
    }

    [Fact]
    public void An_mlp_with_its_hidden_sizes_and_scaling_is_read_from_the_spec()
    {
        var result = Parse("wine", "{ z_dim: 4, loss: mse, architecture: mlp, hidden: [64, 16], input_scaling: unit }");

        Assert.Empty(result.Errors);
        var ae = result.Spec!.Representations.Single().Autoencoder!;
        Assert.Equal(NetworkArchitecture.Mlp, ae.Architecture);
        Assert.Equal([64, 16], ae.Hidden);
        Assert.Equal(InputScaling.Unit, ae.InputScaling);
        Assert.Equal(ae, ae with { Hidden = [64, 16] });
    }

    [Theory]
    [InlineData("wine", "{ z_dim: 4, loss: mse, architecture: conv }", "the conv network needs images of at least 8×8; dataset 'wine' has rows of shape [13]: use architecture: mlp")]
    [InlineData("wine", "{ z_dim: 4 }", "the bce loss needs inputs in 0..1, and dataset 'wine' is scaled standard for training: use loss: mse, or input_scaling: unit")]
    public void A_network_that_does_not_fit_the_data_is_a_spec_error(string dataset, string autoencoder, string message)
    {
        var error = Assert.Single(Parse(dataset, autoencoder).Errors);

        Assert.Equal("$.representations[0].autoencoder.z_dim", error.Path);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("{ z_dim: 4, hidden: [64] }", "$.representations[0].autoencoder.hidden", "hidden sets the layer sizes of the mlp network: add architecture: mlp")]
    [InlineData("{ z_dim: 4, architecture: mlp, hidden: [0] }", "$.representations[0].autoencoder.hidden", "hidden is a list of 1 to 8 layer sizes between 1 and 65536, e.g. [256, 128]; got a list")]
    [InlineData("{ z_dim: 4, input_scaling: standard }", "$.representations[0].autoencoder.loss", "the bce loss needs inputs in 0..1 (input_scaling: unit); with input_scaling: standard use loss: mse")]
    public void Bad_network_settings_are_spec_errors(string autoencoder, string path, string message)
    {
        var error = Parse("mnist", autoencoder).Errors.First();

        Assert.Equal(path, error.Path);
        Assert.Equal(message, error.Message);
    }
}
