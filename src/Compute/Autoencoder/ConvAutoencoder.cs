using Grid.Core;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// The seed convolutional autoencoder of the MNIST study (docs/architecture.md): a three-layer strided
/// convolutional encoder to a dense code of <see cref="AutoencoderNetwork.ZDim"/> values, and its mirror image
/// with transposed convolutions back to an image. Built for any channel count and any size of at least 8×8:
/// the two stride-2 layers halve each side (rounding up), the decoder doubles it twice, and a side that is not
/// a multiple of 4 is cropped back at the end. For 1×28×28 it is exactly the seed's network.
/// </summary>
/// <remarks>
/// The <see cref="ComponentNameAttribute"/> names are the keys of saved weights: changing one
/// breaks checkpoints and artifacts (the fields themselves may be renamed).
/// Parameters are initialised from an explicit generator, so a model built with the same seed has
/// the same weights whatever other threads do with torch's global generator.
/// </remarks>
public sealed class ConvAutoencoder : AutoencoderNetwork
{
    /// <summary>Image side of the seed study (MNIST: 28 pixels).</summary>
    public const int ImageSide = 28;

    private const int KernelSize = 3;

    // 'same' padding for a 3×3 kernel; a stride-2 transposed convolution also needs one extra
    // output row/column so that 7→14→28 exactly as Keras' 'same' gives.
    private const int SamePadding = 1;
    private const int StrideTwoOutputPadding = 1;

    private const int BottleneckChannels = 128;

    private readonly int _channels;
    private readonly int _height;
    private readonly int _width;
    private readonly int _bottleneckHeight;
    private readonly int _bottleneckWidth;

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
    /// <param name="zDim">Latent size, <see cref="AutoencoderNetwork.MinZDim"/>..<see cref="AutoencoderNetwork.MaxZDim"/>.</param>
    /// <param name="seed">Seed of the generator that draws the initial parameters.</param>
    /// <param name="shape">The images' [channels, height, width]; the seed's 1×28×28 when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="zDim"/> is outside 1..256.</exception>
    /// <exception cref="ArgumentException"><paramref name="shape"/> is not an image of at least 8×8.</exception>
    public ConvAutoencoder(int zDim, long seed = 0, IReadOnlyList<int>? shape = null)
        : base(nameof(ConvAutoencoder), zDim)
    {
        shape ??= [1, ImageSide, ImageSide];
        ValidateShape(shape);
        (_channels, _height, _width) = (shape[0], shape[1], shape[2]);
        _bottleneckHeight = Halved(Halved(_height));
        _bottleneckWidth = Halved(Halved(_width));
        int bottleneckFeatures = BottleneckChannels * _bottleneckHeight * _bottleneckWidth;

        _encConv1 = nn.Conv2d(_channels, 32, KernelSize, stride: 1, padding: SamePadding);
        _encConv2 = nn.Conv2d(32, 64, KernelSize, stride: 2, padding: SamePadding);
        _encConv3 = nn.Conv2d(64, BottleneckChannels, KernelSize, stride: 2, padding: SamePadding);
        _encDense = nn.Linear(bottleneckFeatures, zDim);

        _decDense = nn.Linear(zDim, bottleneckFeatures);
        _decConv1 = nn.ConvTranspose2d(BottleneckChannels, 64, KernelSize, stride: 2, padding: SamePadding, output_padding: StrideTwoOutputPadding);
        _decConv2 = nn.ConvTranspose2d(64, 32, KernelSize, stride: 2, padding: SamePadding, output_padding: StrideTwoOutputPadding);
        _decConv3 = nn.ConvTranspose2d(32, _channels, KernelSize, stride: 1, padding: SamePadding);

        RegisterComponents();
        InitializeParameters(seed, [_encConv1, _encConv2, _encConv3, _encDense, _decDense, _decConv1, _decConv2, _decConv3]);
    }

    /// <summary>Throws unless <paramref name="shape"/> is [channels, height, width] with sides of at least <see cref="NetworkShapes.MinConvSide"/>.</summary>
    public static void ValidateShape(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count != 3 || shape[0] < 1 || shape[1] < NetworkShapes.MinConvSide || shape[2] < NetworkShapes.MinConvSide)
        {
            throw new ArgumentException($"the conv architecture takes images [channels, height, width] of at least {NetworkShapes.MinConvSide}×{NetworkShapes.MinConvSide}, not [{string.Join(", ", shape)}]; use architecture: mlp for flat or smaller data", nameof(shape));
        }
    }

    /// <summary>Encodes images [n, c, h, w] to codes [n, z].</summary>
    public override Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = Leaky(_encConv1.forward(images));
        x = Leaky(_encConv2.forward(x));
        x = Leaky(_encConv3.forward(x));
        return _encDense.forward(x.flatten(1)).MoveToOuterDisposeScope();
    }

    public override Tensor DecodeLogits(Tensor codes)
    {
        using var scope = NewDisposeScope();
        var x = _decDense.forward(codes).view(-1, BottleneckChannels, _bottleneckHeight, _bottleneckWidth);
        x = Leaky(_decConv1.forward(x));
        x = Leaky(_decConv2.forward(x));
        x = Leaky(_decConv3.forward(x));
        // Sides that are not multiples of 4 come back larger: crop to the input's size.
        if (x.shape[2] != _height || x.shape[3] != _width)
        {
            x = x.narrow(2, 0, _height).narrow(3, 0, _width);
        }
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

    // A 'same' convolution with stride 2 gives ceil(side / 2).
    private static int Halved(int side) => (side + 1) / 2;
}
