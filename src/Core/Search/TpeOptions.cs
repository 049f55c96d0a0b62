namespace Grid.Core.Search;

/// <summary>
/// The TPE sampler's settings. The defaults are Optuna 3.1's <c>TPESampler</c> defaults (univariate, independent per
/// dimension): 10 random start-up proposals, 24 candidates, prior weight 1, magic clip on, endpoints off, γ(n) =
/// min(⌈0.1 n⌉, 25) and <c>default_weights</c> (a linear ramp over all but the newest 25 observations).
/// </summary>
public sealed record TpeOptions
{
    /// <summary>The floor on a kernel's width when <see cref="ConsiderMagicClip"/> is off (Optuna's EPS).</summary>
    public const double MinimumBandwidth = 1e-12;

    /// <summary>Proposals drawn at random before the model is used: until this many observations have values.</summary>
    public int StartupTrials { get; init; } = 10;

    /// <summary>Candidates drawn from l(x) per dimension; the one with the largest log l(x) − log g(x) is proposed.</summary>
    public int Candidates { get; init; } = 24;

    /// <summary>The prior kernel's weight, before normalisation, relative to an observation's weight of at most 1.</summary>
    public double PriorWeight { get; init; } = 1.0;

    /// <summary>Whether kernels are kept at least range / min(100, 1 + kernels) wide (Bergstra et al. 2011's "magic clip").</summary>
    public bool ConsiderMagicClip { get; init; } = true;

    /// <summary>Whether the outermost kernels' widths count their gap to the range's end.</summary>
    public bool ConsiderEndpoints { get; init; }

    /// <summary>The share of the observations, lowest first, that form the "below" (good) group: γ(n) = ⌈fraction · n⌉ ...</summary>
    public double BelowFraction { get; init; } = 0.1;

    /// <summary>... at most this many.</summary>
    public int BelowCap { get; init; } = 25;

    /// <summary>How many of a group's newest observations keep full weight; older ones ramp linearly down towards 1/n.</summary>
    public int FullWeightObservations { get; init; } = 25;

    /// <summary>Why these settings cannot be used (one line), or null.</summary>
    public string? Validate() =>
        StartupTrials < 1 ? $"startup must be at least 1; got {StartupTrials}"
        : Candidates < 1 ? $"candidates must be at least 1; got {Candidates}"
        : !(PriorWeight > 0) || !double.IsFinite(PriorWeight) ? $"prior weight must be positive; got {PriorWeight}"
        : !(BelowFraction > 0) || BelowFraction > 1 ? $"below fraction must be in (0, 1]; got {BelowFraction}"
        : BelowCap < 1 ? $"below cap must be at least 1; got {BelowCap}"
        : FullWeightObservations < 0 ? $"full-weight observations must not be negative; got {FullWeightObservations}"
        : null;

    /// <summary>γ(n): how many of <paramref name="observations"/> valued observations are "below".</summary>
    public int BelowCount(int observations) =>
        // Computed in doubles like Optuna's ceil(0.1 * n), rounding included (0.1 · 30 rounds up to 4 there, and here).
        Math.Min((int)Math.Ceiling(BelowFraction * observations), BelowCap);

    /// <summary>The weights of a group's <paramref name="count"/> observations, oldest first (Optuna's <c>default_weights</c>).</summary>
    public double[] Weights(int count)
    {
        if (count <= FullWeightObservations)
        {
            return Enumerable.Repeat(1.0, count).ToArray();
        }
        // Like numpy.linspace(1/count, 1, ramp): evenly spaced, both ends included.
        var ramp = count - FullWeightObservations;
        var start = 1.0 / count;
        var step = ramp == 1 ? 0 : (1.0 - start) / (ramp - 1);
        return [.. Enumerable.Range(0, ramp).Select(i => start + i * step), .. Enumerable.Repeat(1.0, FullWeightObservations)];
    }
}
