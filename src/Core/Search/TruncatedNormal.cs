namespace Grid.Core.Search;

/// <summary>
/// The standard normal distribution cut to [a, b], in log space so that far tails neither underflow nor cancel: what a
/// Parzen estimator's kernels need (quantiles to sample them, log densities and log masses to score them). .NET has no
/// erf, so the tail function is computed here: a positive-term series near zero, a continued fraction beyond.
/// </summary>
internal static class TruncatedNormal
{
    private static readonly double LogSqrtTwoPi = 0.5 * Math.Log(2 * Math.PI);
    private static readonly double LogSqrtPi = 0.5 * Math.Log(Math.PI);

    /// <summary>Where erfc switches from 1 − series to the continued fraction: both are accurate to ~1e-13 relative there.</summary>
    private const double ContinuedFractionFrom = 2.5;

    /// <summary>Bisection steps for a quantile: halving [−100, 100] this often reaches adjacent doubles.</summary>
    private const int BisectionSteps = 80;

    /// <summary>log of the density at <paramref name="z"/> of the standard normal cut to [a, b] (−∞ outside).</summary>
    public static double LogPdf(double z, double a, double b) =>
        z < a || z > b ? double.NegativeInfinity : -0.5 * z * z - LogSqrtTwoPi - LogMass(a, b);

    /// <summary>log(Φ(b) − Φ(a)), the standard normal's log probability of [a, b].</summary>
    public static double LogMass(double a, double b)
    {
        if (b <= 0)
        {
            return LogDiff(LogCdf(b), LogCdf(a));
        }
        if (a > 0)
        {
            // The right tail by symmetry: Φ near 1 would lose every digit of the difference.
            return LogDiff(LogCdf(-a), LogCdf(-b));
        }
        // Around the centre both excluded tails are at most ½: subtract them from 1 instead.
        return LogOnePlus(-Cdf(a) - Cdf(-b));
    }

    /// <summary>The <paramref name="q"/>-quantile (q in [0, 1]) of the standard normal cut to [a, b].</summary>
    public static double Quantile(double q, double a, double b)
    {
        var logMass = LogMass(a, b);
        if (a < 0)
        {
            // Φ(x) = Φ(a) + q·mass, solved in the left tail where log Φ is accurate.
            return InverseLogCdf(LogAdd(LogCdf(a), Math.Log(q) + logMass));
        }
        // Mirror into the left tail: Φ(−x) = Φ(−b) + (1 − q)·mass.
        return -InverseLogCdf(LogAdd(LogCdf(-b), LogOnePlus(-q) + logMass));
    }

    /// <summary>log Φ(z), accurate far into the left tail (no underflow down to z ≈ −10^150).</summary>
    public static double LogCdf(double z)
    {
        var x = -z / Math.Sqrt(2);
        // Φ(z) = erfc(−z/√2)/2.
        return x <= 0 ? LogOnePlus(-0.5 * Erfc(-x)) : LogErfc(x) - Math.Log(2);
    }

    private static double Cdf(double z)
    {
        var x = -z / Math.Sqrt(2);
        return x <= 0 ? 1 - 0.5 * Erfc(-x) : 0.5 * Erfc(x);
    }

    /// <summary>The x with log Φ(x) = <paramref name="logP"/>, by bisection (log Φ is increasing).</summary>
    private static double InverseLogCdf(double logP)
    {
        var (low, high) = (-100.0, 100.0);
        for (var i = 0; i < BisectionSteps; i++)
        {
            var middle = 0.5 * (low + high);
            if (LogCdf(middle) < logP)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return 0.5 * (low + high);
    }

    /// <summary>erfc(x) for x ≥ 0.</summary>
    private static double Erfc(double x) => x < ContinuedFractionFrom ? 1 - Erf(x) : Math.Exp(LogErfc(x));

    /// <summary>log erfc(x) for x ≥ 0, without underflow for large x.</summary>
    private static double LogErfc(double x) =>
        x < ContinuedFractionFrom ? Math.Log(1 - Erf(x)) : -x * x + Math.Log(ErfcContinuedFraction(x)) - LogSqrtPi;

    /// <summary>
    /// erf(x) for 0 ≤ x &lt; 2.5 from erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): every term is
    /// positive, so nothing cancels (unlike the alternating Taylor series).
    /// </summary>
    private static double Erf(double x)
    {
        var term = x;
        var sum = x;
        for (var n = 1; term > sum * 1e-17; n++)
        {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// √π · e^(x²) · erfc(x) for x ≥ 2.5, by the continued fraction 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
    /// evaluated with Lentz's method until a step changes it by less than a rounding error.
    /// </summary>
    private static double ErfcContinuedFraction(double x)
    {
        const double tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var k = 1; k < 500; k++)
        {
            var numerator = 0.5 * k;
            d = x + numerator * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + numerator / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var step = c * d;
            f *= step;
            if (Math.Abs(step - 1) < 1e-16)
            {
                break;
            }
        }
        return 1 / f;
    }

    /// <summary>log(1 + x), accurate for small x (.NET's Math has no log1p).</summary>
    private static double LogOnePlus(double x)
    {
        var u = 1 + x;
        // u − 1 is the x that was actually added: dividing by it cancels the rounding of 1 + x.
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>log(eᵖ − e^q) for p ≥ q.</summary>
    private static double LogDiff(double p, double q) => p + LogOnePlus(-Math.Exp(q - p));

    /// <summary>log(eᵖ + e^q).</summary>
    private static double LogAdd(double p, double q)
    {
        if (double.IsNegativeInfinity(p) && double.IsNegativeInfinity(q))
        {
            return double.NegativeInfinity;
        }
        var max = Math.Max(p, q);
        return max + LogOnePlus(Math.Exp(Math.Min(p, q) - max));
    }
}
