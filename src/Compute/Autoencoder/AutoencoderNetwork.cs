using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// What every autoencoder network offers the trainer: an encoder to a code of <see cref="ZDim"/> values and a decoder
/// that returns logits (the output before the final sigmoid). The seed's initialisation and activation are shared.
/// </summary>
public abstract class AutoencoderNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Smallest latent size accepted.</summary>
    public const int MinZDim = 1;

    /// <summary>Largest latent size accepted.</summary>
    public const int MaxZDim = 256;

    /// <summary>
    /// Negative slope of every LeakyReLU. The study used Keras' <c>LeakyReLU()</c>, whose default
    /// slope is 0.3 (PyTorch's default is 0.01); we follow the study.
    /// </summary>
    public const double LeakySlope = 0.3;

    protected AutoencoderNetwork(string name, int zDim)
        : base(name)
    {
        ValidateZDim(zDim);
        ZDim = zDim;
    }

    /// <summary>Size of the latent code.</summary>
    public int ZDim { get; }

    /// <summary>Throws when <paramref name="zDim"/> is not a supported latent size.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="zDim"/> is outside 1..256.</exception>
    /// <param name="zDim">The latent size to check.</param>
    /// <param name="paramName">The setting's name, for the message.</param>
    public static void ValidateZDim(int zDim, string paramName = "zDim")
    {
        if (zDim < MinZDim || zDim > MaxZDim)
        {
            throw new ArgumentOutOfRangeException(paramName, zDim, $"{paramName} (the latent size z_dim) must be between {MinZDim} and {MaxZDim}, got {zDim}.");
        }
    }

    /// <summary>Encodes rows (in the network's input shape) to codes [n, z].</summary>
    public abstract Tensor Encode(Tensor input);

    /// <summary>
    /// The decoder's output before the final sigmoid, so that training can use the numerically
    /// stable <c>binary_cross_entropy_with_logits</c> (equal to BCE after the sigmoid).
    /// </summary>
    public abstract Tensor DecodeLogits(Tensor codes);

    /// <summary>Reconstructs rows in 0..1: the sigmoid of the decoder's logits.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // Not sigmoid_: the last in-place LeakyReLU saved its output for the backward pass.
        return ReconstructLogits(input).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>Decodes codes [n, z] to rows in 0..1.</summary>
    public Tensor Decode(Tensor codes)
    {
        using var scope = NewDisposeScope();
        return DecodeLogits(codes).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>The logits of the reconstruction of <paramref name="input"/>.</summary>
    public Tensor ReconstructLogits(Tensor input)
    {
        using var scope = NewDisposeScope();
        return DecodeLogits(Encode(input)).MoveToOuterDisposeScope();
    }

    protected static Tensor Leaky(Tensor x) => nn.functional.leaky_relu(x, LeakySlope, inplace: true);

    /// <summary>
    /// PyTorch's default initialisation (weights from kaiming_uniform with a = √5, i.e.
    /// U(±1/√fan_in), and biases U(±1/√fan_in)), drawn in <paramref name="layers"/>' order from a generator
    /// seeded here rather than from the global one that other threads share.
    /// </summary>
    protected static void InitializeParameters(long seed, IEnumerable<nn.Module> layers)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var layer in layers)
        {
            var weight = layer.get_parameter("weight")!;
            var bias = layer.get_parameter("bias")!;
            var bound = 1.0 / Math.Sqrt(FanIn(weight));
            // Tensor.uniform_, not nn.init.uniform_: in TorchSharp 0.107 the latter ignores its generator.
            weight.uniform_(-bound, bound, generator);
            bias.uniform_(-bound, bound, generator);
        }
    }

    // PyTorch takes fan-in from weight dim 1 times the kernel size: in_features for Linear
    // ([out, in]) and Conv2d ([out, in, k, k]), and out_channels for ConvTranspose2d
    // ([in, out, k, k]); we match it so the scale of every layer is PyTorch's.
    private static long FanIn(Tensor weight)
    {
        var fanIn = weight.shape[1];
        for (var d = 2; d < weight.dim(); d++)
        {
            fanIn *= weight.shape[d];
        }
        return fanIn;
    }
}
