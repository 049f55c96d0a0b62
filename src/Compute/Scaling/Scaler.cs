using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Scaling;

/// <summary>
/// A scaler fitted on training rows and applied unchanged to any other rows (test, or later
/// batches), so test data never leaks into the fit. Tensors are float32 [n, features].
/// </summary>
public sealed class FittedScaler : IDisposable
{
    /// <summary>Pixel maximum for <see cref="ScalerKind.Unit"/>.</summary>
    public const float PixelMax = 255f;

    /// <summary>
    /// Standard deviations below this count as zero and are replaced by 1, so constant features
    /// (MNIST's border pixels) stay at 0 instead of dividing by zero; scikit-learn does the same.
    /// </summary>
    public const double ZeroVarianceThreshold = 1e-12;

    private readonly Tensor? _mean;
    private readonly Tensor? _scale;

    private FittedScaler(ScalerKind kind, Tensor? mean, Tensor? scale)
    {
        Kind = kind;
        _mean = mean;
        _scale = scale;
    }

    /// <summary>The kind of scaling.</summary>
    public ScalerKind Kind { get; }

    /// <summary>Per-feature means (Standard only), as doubles.</summary>
    public double[]? Mean => _mean?.to(ScalarType.Float64).data<double>().ToArray();

    /// <summary>Per-feature divisors (Standard only), as doubles.</summary>
    public double[]? Scale => _scale?.to(ScalarType.Float64).data<double>().ToArray();

    /// <summary>Fits a scaler of <paramref name="kind"/> on training rows.</summary>
    public static FittedScaler Fit(ScalerKind kind, Tensor train)
    {
        if (kind != ScalerKind.Standard)
        {
            return new FittedScaler(kind, null, null);
        }
        using var scope = torch.NewDisposeScope();
        // Statistics in float64: sums of squares over 60k rows of 0..255 lose digits in float32.
        var x = train.to(ScalarType.Float64);
        var mean = x.mean([0L]);
        var std = x.var([0L], unbiased: false).sqrt();
        var scale = torch.where(std.lt(ZeroVarianceThreshold), torch.ones_like(std), std);
        return new FittedScaler(
            kind,
            mean.to(ScalarType.Float32).MoveToOuterDisposeScope(),
            scale.to(ScalarType.Float32).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// A scaler from parameters fitted elsewhere (a sharded fit merges per-feature moments and sends
    /// every shard the same mean and scale): <paramref name="mean"/> and <paramref name="scale"/> are
    /// required for <see cref="ScalerKind.Standard"/> and ignored otherwise.
    /// </summary>
    public static FittedScaler FromParameters(ScalerKind kind, float[]? mean, float[]? scale)
    {
        if (kind != ScalerKind.Standard)
        {
            return new FittedScaler(kind, null, null);
        }
        if (mean is null || scale is null || mean.Length != scale.Length)
        {
            throw new ArgumentException("a standard scaler needs a mean and a scale of the same length");
        }
        return new FittedScaler(kind, torch.tensor(mean).DetachFromDisposeScope(), torch.tensor(scale).DetachFromDisposeScope());
    }

    /// <summary>The per-feature divisor StandardScaler uses for a standard deviation: 1 where the deviation is (near) zero.</summary>
    public static double ScaleOf(double std) => std < ZeroVarianceThreshold ? 1 : std;

    /// <summary>Returns new, scaled rows; the input is left untouched.</summary>
    public Tensor Transform(Tensor rows)
    {
        using var scope = torch.NewDisposeScope();
        var x = rows.to(ScalarType.Float32);
        Tensor result = Kind switch
        {
            ScalerKind.None => x.clone(),
            ScalerKind.Unit => x.div(PixelMax),
            ScalerKind.L2 => L2(x),
            ScalerKind.Standard => x.sub(_mean!).div_(_scale!),
            _ => throw new InvalidOperationException($"unknown scaler {Kind}"),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Fits on <paramref name="train"/> and transforms both train and test.</summary>
    public static (Tensor Train, Tensor Test) FitTransform(ScalerKind kind, Tensor train, Tensor test)
    {
        using var scaler = Fit(kind, train);
        return (scaler.Transform(train), scaler.Transform(test));
    }

    private static Tensor L2(Tensor x)
    {
        var norms = x.square().sum([1L], keepdim: true).sqrt_();
        // All-zero rows stay zero, as scikit-learn's normalize leaves them.
        var safe = torch.where(norms.eq(0f), torch.ones_like(norms), norms);
        return x.div(safe);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _mean?.Dispose();
        _scale?.Dispose();
    }
}
