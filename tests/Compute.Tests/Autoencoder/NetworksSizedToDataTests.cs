using System.Runtime.InteropServices;
using System.Text.Json;
using Grid.Compute.Autoencoder;
using Grid.Compute.Data;
using Grid.Core;
using Grid.Core.Datasets;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Autoencoder;

/// <summary>Autoencoders built for the data's shape: conv for images of any size and channel count, mlp for flat rows.</summary>
[Collection(AutoencoderCollection.Name)]
public sealed class NetworksSizedToDataTests
{
    [Theory]
    [InlineData(1, 28, 28)]
    [InlineData(3, 12, 10)]
    [InlineData(2, 9, 17)]
    public void A_conv_network_reconstructs_images_of_its_own_shape(int channels, int height, int width)
    {
        using var model = new ConvAutoencoder(4, seed: 1, [channels, height, width]);
        using var images = rand([5, channels, height, width]);

        using var codes = model.Encode(images);
        using var output = model.forward(images);

        Assert.Equal([5L, 4], codes.shape);
        Assert.Equal([5L, channels, height, width], output.shape);
    }

    [Fact]
    public void The_conv_network_for_28_by_28_grey_images_is_the_seed_network()
    {
        // Same layers in the same order from the same seed: the weights of every stored MNIST artifact still load.
        using var seed = new ConvAutoencoder(16, seed: 3);
        using var sized = new ConvAutoencoder(16, seed: 3, [1, 28, 28]);

        Assert.Equal(seed.state_dict().Keys, sized.state_dict().Keys);
        Assert.Equal(0, Weights.MaxAbsDifference(seed, sized));
    }

    [Fact]
    public void The_conv_network_refuses_flat_or_tiny_rows_and_says_what_to_use()
    {
        var flat = Assert.Throws<ArgumentException>(() => new ConvAutoencoder(4, 0, [64]));
        var tiny = Assert.Throws<ArgumentException>(() => new ConvAutoencoder(4, 0, [1, 6, 6]));

        Assert.Contains("architecture: mlp", flat.Message);
        Assert.Contains("at least 8×8", tiny.Message);
    }

    [Fact]
    public void An_mlp_autoencoder_learns_standardised_tabular_rows()
    {
        var train = Tabular(400, seed: 1);
        var test = Tabular(100, seed: 2);
        var options = new AutoencoderOptions
        {
            ZDim = 2,
            Loss = ReconstructionLoss.Mse,
            Epochs = 8,
            BatchSize = 32,
            LearningRate = 1e-2,
            Architecture = NetworkArchitecture.Mlp,
            InputShape = [6],
            Hidden = [16],
            InputScaling = InputScaling.Standard,
        };
        using var trainer = new AutoencoderTrainer(options, CPU);

        var result = trainer.Train(train, test);
        using var codes = trainer.Encode(test);

        // Six features made from two latent factors: two code values explain most of the standardised variance (1 per feature).
        Assert.True(result.History[^1].TestLoss < 0.2, $"test mse after 8 epochs: {result.History[^1].TestLoss}");
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
        Assert.Equal([100L, 2], codes.shape);
    }

    [Fact]
    public void Float_rows_must_have_their_scaling_fitted_before_a_loaded_model_encodes_them()
    {
        var options = new AutoencoderOptions { ZDim = 2, Loss = ReconstructionLoss.Mse, Epochs = 1, Architecture = NetworkArchitecture.Mlp, InputShape = [6], InputScaling = InputScaling.Standard };
        using var trainer = new AutoencoderTrainer(options, CPU);

        var error = Assert.Throws<InvalidOperationException>(() => trainer.Encode(Tabular(10, seed: 3)));
        trainer.FitInputScaling(Tabular(50, seed: 4));
        using var codes = trainer.Encode(Tabular(10, seed: 3));

        Assert.Contains("FitInputScaling", error.Message);
        Assert.Equal([10L, 2], codes.shape);
    }

    [Fact]
    public void Options_with_network_settings_equal_themselves_after_a_checkpoint_round_trip()
    {
        var options = new AutoencoderOptions { ZDim = 3, Loss = ReconstructionLoss.Mse, Architecture = NetworkArchitecture.Mlp, InputShape = [6], Hidden = [32, 8], InputScaling = InputScaling.Standard };

        var back = JsonSerializer.Deserialize<AutoencoderOptions>(JsonSerializer.Serialize(options));
        var seedBack = JsonSerializer.Deserialize<AutoencoderOptions>("""{"ZDim":16,"Loss":0,"LearningRate":0.0005,"BatchSize":128,"Epochs":40,"Seed":0}""");

        Assert.Equal(options, back);
        Assert.NotEqual(options, back! with { Hidden = [32, 9] });
        // A checkpoint written before the network settings existed is the seed network's.
        Assert.Equal(new AutoencoderOptions(), seedBack);
    }

    [Fact]
    public void The_bce_loss_is_refused_for_inputs_not_in_0_to_1()
    {
        var options = new AutoencoderOptions { Architecture = NetworkArchitecture.Mlp, InputShape = [6], InputScaling = InputScaling.Standard };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("mse", error.Message);
    }

    /// <summary>Rows of six float features that are noisy linear mixtures of two hidden factors.</summary>
    private static RowSet Tabular(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count * 6];
        for (int i = 0; i < count; i++)
        {
            double a = random.NextDouble() * 10 - 5, b = random.NextDouble() * 100;
            double[] row = [a, b, a + b, 2 * a - b, 3 * a, 0.5 * b];
            for (int f = 0; f < 6; f++)
            {
                values[i * 6 + f] = (float)(row[f] + random.NextDouble() * 0.01);
            }
        }
        return new RowSet(ElementType.Float32, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), null, count, [6]);
    }
}
