using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// The seed convolutional autoencoder of the MNIST study (docs/architecture.md): a three-layer strided
/// convolutional encoder to a dense code of <see cref="ZDim"/> values, and its mirror image with
/// transposed convolutions back to a 1×28×28 image in 0..1.
/// </summary>
/// <remarks>
/// The <see cref="ComponentNameAttribute"/> names are the keys of saved weights: changing one
/// breaks checkpoints and artifacts (the fields themselves may be renamed).
/// Parameters are initialised from an explicit generator, so a model built with the same seed has
/// the same weights whatever other threads do with torch's global generator.
/// </remarks>
public sealed class ConvAutoencoder : nn.Module<Tensor, Tensor>
{
    /// <summary>Smallest latent size accepted.</summary>
    public const int MinZDim = 1;

    /// <summary>Largest latent size accepted.</summary>
    public const int MaxZDim = 256;

    /// <summary>Image side the architecture is built for (MNIST: 28 pixels).</summary>
    public const int ImageSide = 28;

    /// <summary>
    /// Negative slope of every LeakyReLU. The study used Keras' <c>LeakyReLU()</c>, whose default
    /// slope is 0.3 (PyTorch's default is 0.01); we follow the study.
    /// </summary>
    public const double LeakySlope = 0.3;

    private const int KernelSize = 3;

    // 'same' padding for a 3×3 kernel; a stride-2 transposed convolution also needs one extra
    // output row/column so that 7→14→28 exactly as Keras' 'same' gives.
    private const int SamePadding = 1;
    private const int StrideTwoOutputPadding = 1;

    private const int BottleneckChannels = 128;
    private const int BottleneckSide = ImageSide / 4;
    private const int BottleneckFeatures = BottleneckChannels * BottleneckSide * BottleneckSide;

    [ComponentName(Name = "encoder_conv1")]
    private readonly Conv2d _encConv1;
    [ComponentName(Name = "encoder_conv2")]
    private readonly Conv2d _encConv2;
    [ComponentName(Name = "encoder_conv3")]
    private readonly Conv2d _encConv3;
    [ComponentName(Name = "encoder_dense")]
    private readonly Linear _encDense;
    [ComponentName(Name = "decoder_dense")]
    private readonly Linear _decDense;
    [ComponentName(Name = "decoder_conv1")]
    private readonly ConvTranspose2d _decConv1;
    [ComponentName(Name = "decoder_conv2")]
    private readonly ConvTranspose2d _decConv2;
    [ComponentName(Name = "decoder_conv3")]
    private readonly ConvTranspose2d _decConv3;

    /// <summary>Builds the model on the CPU with parameters drawn from <paramref name="seed"/>.</summary>
    /// <param name="zDim">Latent size, <see cref="MinZDim"/>..<see cref="MaxZDim"/>.</param>
    /// <param name="seed">Seed of the generator that draws the initial parameters.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="zDim"/> is outside 1..256.</exception>
    public ConvAutoencoder(int zDim, long seed = 0)
        : base(nameof(ConvAutoencoder))
    {
        ValidateZDim(zDim);
        ZDim = zDim;

        _encConv1 = nn.Conv2d(1, 32, KernelSize, stride: 1, padding: SamePadding);
        _encConv2 = nn.Conv2d(32, 64, KernelSize, stride: 2, padding: SamePadding);
        _encConv3 = nn.Conv2d(64, BottleneckChannels, KernelSize, stride: 2, padding: SamePadding);
        _encDense = nn.Linear(BottleneckFeatures, zDim);

        _decDense = nn.Linear(zDim, BottleneckFeatures);
        _decConv1 = nn.ConvTranspose2d(BottleneckChannels, 64, KernelSize, stride: 2, padding: SamePadding, output_padding: StrideTwoOutputPadding);
        _decConv2 = nn.ConvTranspose2d(64, 32, KernelSize, stride: 2, padding: SamePadding, output_padding: StrideTwoOutputPadding);
        _decConv3 = nn.ConvTranspose2d(32, 1, KernelSize, stride: 1, padding: SamePadding);

        RegisterComponents();
        InitializeParameters(seed);
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

    /// <summary>Reconstructs images: [n, 1, 28, 28] in 0..1 → [n, 1, 28, 28] in 0..1.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // Not sigmoid_: the last in-place LeakyReLU saved its output for the backward pass.
        return ReconstructLogits(input).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>Encodes images [n, 1, 28, 28] to codes [n, z].</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = Leaky(_encConv1.forward(images));
        x = Leaky(_encConv2.forward(x));
        x = Leaky(_encConv3.forward(x));
        return _encDense.forward(x.flatten(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Decodes codes [n, z] to images [n, 1, 28, 28] in 0..1.</summary>
    public Tensor Decode(Tensor codes)
    {
        using var scope = NewDisposeScope();
        return DecodeLogits(codes).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The decoder's output before the final sigmoid, so that training can use the numerically
    /// stable <c>binary_cross_entropy_with_logits</c> (equal to BCE after the sigmoid).
    /// </summary>
    internal Tensor ReconstructLogits(Tensor images)
    {
        using var scope = NewDisposeScope();
        return DecodeLogits(Encode(images)).MoveToOuterDisposeScope();
    }

    internal Tensor DecodeLogits(Tensor codes)
    {
        using var scope = NewDisposeScope();
        var x = _decDense.forward(codes).view(-1, BottleneckChannels, BottleneckSide, BottleneckSide);
        x = Leaky(_decConv1.forward(x));
        x = Leaky(_decConv2.forward(x));
        x = Leaky(_decConv3.forward(x));
        return x.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encConv1.Dispose();
            _encConv2.Dispose();
            _encConv3.Dispose();
            _encDense.Dispose();
            _decDense.Dispose();
            _decConv1.Dispose();
            _decConv2.Dispose();
            _decConv3.Dispose();
        }
        base.Dispose(disposing);
    }

    private static Tensor Leaky(Tensor x) => nn.functional.leaky_relu(x, LeakySlope, inplace: true);

    /// <summary>
    /// PyTorch's default initialisation (weights from kaiming_uniform with a = √5, i.e.
    /// U(±1/√fan_in), and biases U(±1/√fan_in)), drawn from a generator seeded here rather than
    /// from the global one that other threads share.
    /// </summary>
    private void InitializeParameters(long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var layer in new nn.Module[] { _encConv1, _encConv2, _encConv3, _encDense, _decDense, _decConv1, _decConv2, _decConv3 })
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
