using Grid.Core;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// A dense autoencoder for flat feature vectors (or any data, flattened): Linear layers of the <c>hidden</c> sizes
/// with LeakyReLU down to a code of <see cref="AutoencoderNetwork.ZDim"/> values, and the mirror image back to the
/// row's features. Saved weights are keyed <c>encoder.N</c>/<c>decoder.N</c> (N counts the Linear layers).
/// </summary>
public sealed class MlpAutoencoder : AutoencoderNetwork
{
    private readonly long[] _shape;

    [ComponentName(Name = "encoder")]
    private readonly ModuleList<Linear> _encoder;
    [ComponentName(Name = "decoder")]
    private readonly ModuleList<Linear> _decoder;

    /// <param name="zDim">Latent size.</param>
    /// <param name="seed">Seed of the generator that draws the initial parameters.</param>
    /// <param name="shape">One row's shape; rows are flattened in and reshaped out.</param>
    /// <param name="hidden">Hidden layer sizes, outermost first; <see cref="NetworkShapes.DefaultHidden"/> when null.</param>
    public MlpAutoencoder(int zDim, long seed, IReadOnlyList<int> shape, IReadOnlyList<int>? hidden = null)
        : base(nameof(MlpAutoencoder), zDim)
    {
        ArgumentNullException.ThrowIfNull(shape);
        hidden ??= NetworkShapes.DefaultHidden;
        ValidateHidden(hidden);
        _shape = shape.Select(size => (long)size).ToArray();
        int features = shape.Aggregate(1, (product, size) => product * size);
        int[] sizes = [features, .. hidden, zDim];
        _encoder = new ModuleList<Linear>(Enumerable.Range(0, sizes.Length - 1).Select(i => nn.Linear(sizes[i], sizes[i + 1])).ToArray());
        _decoder = new ModuleList<Linear>(Enumerable.Range(0, sizes.Length - 1).Select(i => nn.Linear(sizes[^(i + 1)], sizes[^(i + 2)])).ToArray());
        RegisterComponents();
        InitializeParameters(seed, [.. _encoder, .. _decoder]);
    }

    /// <summary>Throws unless there are at most <see cref="NetworkShapes.MaxHiddenLayers"/> hidden sizes, each 1..<see cref="NetworkShapes.MaxHiddenWidth"/>.</summary>
    public static void ValidateHidden(IReadOnlyList<int> hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (hidden.Count > NetworkShapes.MaxHiddenLayers || hidden.Any(size => size is < 1 or > NetworkShapes.MaxHiddenWidth))
        {
            throw new ArgumentOutOfRangeException(nameof(hidden), $"hidden takes at most {NetworkShapes.MaxHiddenLayers} layer sizes of 1 to {NetworkShapes.MaxHiddenWidth}, got [{string.Join(", ", hidden)}]");
        }
    }

    public override Tensor Encode(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.flatten(1);
        for (int i = 0; i < _encoder.Count; i++)
        {
            x = _encoder[i].forward(x);
            // The code itself is linear, as the conv network's dense code is.
            if (i < _encoder.Count - 1)
            {
                x = Leaky(x);
            }
        }
        return x.MoveToOuterDisposeScope();
    }

    public override Tensor DecodeLogits(Tensor codes)
    {
        using var scope = NewDisposeScope();
        var x = codes;
        for (int i = 0; i < _decoder.Count; i++)
        {
            x = _decoder[i].forward(x);
            if (i < _decoder.Count - 1)
            {
                x = Leaky(x);
            }
        }
        return x.view([-1, .. _shape]).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encoder.Dispose();
            _decoder.Dispose();
        }
        base.Dispose(disposing);
    }
}
