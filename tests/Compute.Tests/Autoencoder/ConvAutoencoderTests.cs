using Grid.Compute.Autoencoder;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Autoencoder;

[Collection(AutoencoderCollection.Name)]
public sealed class ConvAutoencoderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(256)]
    public void Shapes_follow_the_latent_size(int zDim)
    {
        using var model = new ConvAutoencoder(zDim);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = rand(5, 1, 28, 28);

        var codes = model.Encode(images);
        var decoded = model.Decode(codes);
        var reconstructed = model.forward(images);

        Assert.Equal(new long[] { 5, zDim }, codes.shape);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, decoded.shape);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, reconstructed.shape);
        Assert.InRange(reconstructed.min().item<float>(), 0f, 1f);
        Assert.InRange(reconstructed.max().item<float>(), 0f, 1f);
        Assert.Equal(zDim, model.ZDim);
    }

    [Fact]
    public void Forward_output_can_be_trained_through()
    {
        using var model = new ConvAutoencoder(4);
        using var scope = NewDisposeScope();
        var images = rand(3, 1, 28, 28);

        var loss = nn.functional.binary_cross_entropy(model.forward(images), images);
        loss.backward();

        Assert.All(model.parameters(), p => Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void Has_the_seed_architecture_parameter_count()
    {
        using var model = new ConvAutoencoder(16);
        // conv 1→32, 32→64, 64→128 (3×3), dense 6272→16, dense 16→6272, deconv 128→64, 64→32, 32→1.
        long expected = (1 * 32 * 9 + 32) + (32 * 64 * 9 + 64) + (64 * 128 * 9 + 128) + (6272 * 16 + 16)
            + (16 * 6272 + 6272) + (128 * 64 * 9 + 64) + (64 * 32 * 9 + 32) + (32 * 1 * 9 + 1);

        var actual = model.parameters().Sum(p => p.numel());

        Assert.Equal(expected, actual);
        Assert.Contains("encoder_conv1.weight", model.state_dict().Keys);
        Assert.Contains("decoder_conv3.bias", model.state_dict().Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(257)]
    public void Rejects_a_latent_size_outside_1_to_256(int zDim)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ConvAutoencoder(zDim));

        Assert.Equal("zDim", error.ParamName);
        Assert.Contains("between 1 and 256", error.Message);
        Assert.Contains(zDim.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void Initial_weights_depend_only_on_the_seed()
    {
        using var a = new ConvAutoencoder(16, seed: 7);
        // Draws from torch's global generator must not change a seeded model's weights.
        random.manual_seed(12345);
        using var noise = rand(1000);
        using var b = new ConvAutoencoder(16, seed: 7);
        using var c = new ConvAutoencoder(16, seed: 8);

        Assert.Equal(0.0, Weights.MaxAbsDifference(a, b));
        Assert.True(Weights.MaxAbsDifference(a, c) > 1e-3);
    }

    [Fact]
    public void Initial_weights_have_pytorch_default_scale()
    {
        using var model = new ConvAutoencoder(16);
        var weights = model.state_dict();

        // U(±1/√fan_in): fan_in 1·9 for the first conv, 6272 for the encoder's dense layer,
        // and 1·9 (out_channels·k·k, as PyTorch counts it) for the last transposed conv.
        Assert.InRange(weights["encoder_conv1.weight"].abs().max().item<float>(), 0.2f, 1f / 3f + 1e-6f);
        Assert.InRange(weights["encoder_dense.weight"].abs().max().item<float>(), 0.01f, (float)(1 / Math.Sqrt(6272)) + 1e-6f);
        Assert.InRange(weights["decoder_conv3.weight"].abs().max().item<float>(), 0.2f, 1f / 3f + 1e-6f);
    }
}
