namespace Grid.Core.Search;

/// <summary>
/// One dimension's Parzen estimator, as Optuna's univariate TPE fits it: a mixture with one kernel per observation
/// plus a prior kernel, the observations weighted by <see cref="TpeOptions.Weights"/> (older ones lighter once there
/// are many). <see cref="Sample"/> and <see cref="LogDensity"/> take and give values as the distribution holds them.
/// </summary>
internal abstract class ParzenEstimator
{
    /// <summary>The mixture weights: the observations' (oldest first), then the prior's; summing to 1.</summary>
    protected double[] Weights { get; }

    private protected ParzenEstimator(int observations, TpeOptions options)
    {
        Weights = [.. options.Weights(observations), options.PriorWeight];
        var total = Weights.Sum();
        for (var i = 0; i < Weights.Length; i++)
        {
            Weights[i] /= total;
        }
    }

    /// <summary>The estimator of <paramref name="distribution"/> fitted to <paramref name="observations"/> (oldest first, all in its support).</summary>
    public static ParzenEstimator Fit(Distribution distribution, IReadOnlyList<double> observations, TpeOptions options) => distribution switch
    {
        Choice choice => new CategoricalParzenEstimator(choice, observations, options),
        Uniform u => new NumericParzenEstimator(observations, u.Low, u.High, Scale.Linear, options),
        LogUniform l => new NumericParzenEstimator(observations, l.Low, l.High, Scale.Log, options),
        IntUniform i => new NumericParzenEstimator(observations, i.Low, i.High, Scale.Integer, options),
        _ => throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "not a distribution the TPE sampler knows"),
    };

    /// <summary>A value drawn from the mixture.</summary>
    public abstract double Sample(SplitMix64 random);

    /// <summary>The log density (log probability for whole numbers and choices) of the mixture at <paramref name="value"/>.</summary>
    public abstract double LogDensity(double value);

    /// <summary>A component index drawn with probability proportional to its weight.</summary>
    protected static int Draw(IReadOnlyList<double> weights, SplitMix64 random)
    {
        var u = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Count - 1; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return i;
            }
        }
        return weights.Count - 1;
    }

    /// <summary>log Σ eˣ over <paramref name="terms"/>, shifted by the largest so nothing overflows.</summary>
    protected static double LogSumExp(IReadOnlyList<double> terms)
    {
        var max = terms.Max();
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(terms.Sum(t => Math.Exp(t - max)));
    }

    internal enum Scale
    {
        Linear,
        Log,
        Integer,
    }
}

/// <summary>
/// Truncated-normal kernels on a real line: the values themselves (uniform), their logarithms (log-uniform), or whole
/// numbers widened to [low − ½, high + ½] and rounded back (int-uniform), Optuna's treatment of each.
/// </summary>
internal sealed class NumericParzenEstimator : ParzenEstimator
{
    private readonly Scale _scale;
    private readonly double _low;
    private readonly double _high;
    private readonly double _internalLow;
    private readonly double _internalHigh;
    private readonly double[] _mus;
    private readonly double[] _sigmas;

    public NumericParzenEstimator(IReadOnlyList<double> observations, double low, double high, Scale scale, TpeOptions options)
        : base(observations.Count, options)
    {
        (_scale, _low, _high) = (scale, low, high);
        (_internalLow, _internalHigh) = scale switch
        {
            Scale.Log => (Math.Log(low), Math.Log(high)),
            Scale.Integer => (low - 0.5, high + 0.5),
            _ => (low, high),
        };
        var width = _internalHigh - _internalLow;
        // The prior kernel sits last: centred, as wide as the range.
        _mus = [.. observations.Select(ToInternal), 0.5 * (_internalLow + _internalHigh)];
        _sigmas = Bandwidths(_mus, _internalLow, _internalHigh, options);
        _sigmas[^1] = width;
    }

    public override double Sample(SplitMix64 random)
    {
        var k = Draw(Weights, random);
        var (a, b) = Standardized(k);
        var x = _mus[k] + _sigmas[k] * TruncatedNormal.Quantile(random.NextDouble(), a, b);
        return _scale switch
        {
            Scale.Log => Math.Clamp(Math.Exp(x), _low, _high),
            // Round half to even, as NumPy does.
            Scale.Integer => Math.Clamp(Math.Round(x), _low, _high),
            _ => Math.Clamp(x, _low, _high),
        };
    }

    public override double LogDensity(double value)
    {
        var x = ToInternal(value);
        var terms = new double[_mus.Length];
        for (var k = 0; k < _mus.Length; k++)
        {
            var (a, b) = Standardized(k);
            var logKernel = _scale == Scale.Integer
                // A whole number's probability: the kernel's mass over its unit bin, inside the range.
                ? TruncatedNormal.LogMass(
                    (Math.Max(x - 0.5, _internalLow) - _mus[k]) / _sigmas[k],
                    (Math.Min(x + 0.5, _internalHigh) - _mus[k]) / _sigmas[k]) - TruncatedNormal.LogMass(a, b)
                // Optuna 3.1's kernel log density leaves out −log σ, which favours wide kernels (the prior's most); kept
                // because 3.1 is the reference, and on the reference functions it searched no worse than with the term.
                : TruncatedNormal.LogPdf((x - _mus[k]) / _sigmas[k], a, b);
            terms[k] = Math.Log(Weights[k]) + logKernel;
        }
        return LogSumExp(terms);
    }

    private double ToInternal(double value) => _scale == Scale.Log ? Math.Log(value) : value;

    /// <summary>Kernel <paramref name="k"/>'s truncation bounds in its own standard units.</summary>
    private (double A, double B) Standardized(int k) =>
        ((_internalLow - _mus[k]) / _sigmas[k], (_internalHigh - _mus[k]) / _sigmas[k]);

    /// <summary>
    /// Each kernel as wide as the larger gap to its neighbours in sorted order (the range's ends count as neighbours,
    /// except that with consider_endpoints off the outermost kernels use their inner gap), then clipped: no wider than
    /// the range, and with the magic clip no narrower than range / min(100, 1 + kernels) (Bergstra et al. 2011).
    /// </summary>
    private static double[] Bandwidths(double[] mus, double low, double high, TpeOptions options)
    {
        var order = Enumerable.Range(0, mus.Length).OrderBy(i => mus[i]).ToArray();
        double[] points = [low, .. order.Select(i => mus[i]), high];
        var sigmas = new double[mus.Length];
        for (var j = 0; j < order.Length; j++)
        {
            var left = points[j + 1] - points[j];
            var right = points[j + 2] - points[j + 1];
            sigmas[order[j]] = Math.Max(left, right);
        }
        if (!options.ConsiderEndpoints && order.Length >= 2)
        {
            sigmas[order[0]] = points[2] - points[1];
            sigmas[order[^1]] = points[^2] - points[^3];
        }
        var width = high - low;
        var minimum = options.ConsiderMagicClip ? width / Math.Min(100.0, 1.0 + mus.Length) : TpeOptions.MinimumBandwidth;
        for (var i = 0; i < sigmas.Length; i++)
        {
            sigmas[i] = Math.Clamp(sigmas[i], minimum, width);
        }
        return sigmas;
    }
}

/// <summary>
/// Choices as categories: each observation's kernel puts its weight on the value observed plus an even share of the
/// prior weight on every value; the prior kernel spreads evenly.
/// </summary>
internal sealed class CategoricalParzenEstimator : ParzenEstimator
{
    private readonly Choice _choice;
    private readonly double[][] _kernels;

    public CategoricalParzenEstimator(Choice choice, IReadOnlyList<double> observations, TpeOptions options)
        : base(observations.Count, options)
    {
        _choice = choice;
        var share = options.PriorWeight / (observations.Count + 1);
        _kernels = new double[observations.Count + 1][];
        for (var k = 0; k < _kernels.Length; k++)
        {
            var kernel = Enumerable.Repeat(share, choice.Values.Count).ToArray();
            if (k < observations.Count)
            {
                kernel[choice.IndexOf(observations[k])] += 1;
            }
            var total = kernel.Sum();
            _kernels[k] = kernel.Select(p => p / total).ToArray();
        }
    }

    public override double Sample(SplitMix64 random) => _choice.Values[Draw(_kernels[Draw(Weights, random)], random)];

    public override double LogDensity(double value)
    {
        var index = _choice.IndexOf(value);
        return Math.Log(_kernels.Select((kernel, k) => Weights[k] * kernel[index]).Sum());
    }
}
