namespace Grid.Core.Search;

/// <summary>
/// The Tree-structured Parzen Estimator (Bergstra et al. 2011) as Optuna 3.1's default <c>TPESampler</c> runs it:
/// random proposals until <see cref="TpeOptions.StartupTrials"/> observations have values; then the observations are
/// split into the γ(n) lowest ("below") and the rest ("above"), and each dimension independently fits a Parzen
/// estimator l(x) to the below values and g(x) to the above ones, draws <see cref="TpeOptions.Candidates"/> candidates
/// from l and proposes the one with the largest log l(x) − log g(x). Minimises.
/// </summary>
/// <remarks>
/// Like Optuna 3.1, a continuous kernel's log density omits −log σ (Optuna's <c>_truncnorm.logpdf</c> drops the scale
/// term; later releases add it back). Over 50 seeds of the reference functions neither form searched clearly better.
/// Grid draws its own random numbers (<see cref="SplitMix64"/>), so proposals match Optuna's in distribution, not value.
/// </remarks>
public sealed class TpeSampler : ISearchSampler
{
    private readonly long _seed;
    private readonly TpeOptions _options;
    private readonly RandomSampler _startup;

    /// <summary>A sampler over <paramref name="space"/> whose proposals are fixed by <paramref name="seed"/>; Optuna's defaults unless <paramref name="options"/> say otherwise.</summary>
    public TpeSampler(SearchSpace space, long seed, TpeOptions? options = null)
    {
        _options = options ?? new TpeOptions();
        if (_options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        (Space, _seed) = (space, seed);
        _startup = new RandomSampler(space, seed);
    }

    public SearchSpace Space { get; }

    public Assignment Propose(IReadOnlyList<(Assignment Point, double Value)> observations, int proposal)
    {
        var valued = observations.Where(o => !double.IsNaN(o.Value)).ToArray();
        if (valued.Length < _options.StartupTrials)
        {
            return _startup.Propose(observations, proposal);
        }

        // Lowest values first; ties keep their order of arrival. Each group is then put back in order of arrival,
        // which the weights (older observations lighter) rely on.
        var ranked = Enumerable.Range(0, valued.Length).OrderBy(i => valued[i].Value).ToArray();
        var belowCount = _options.BelowCount(valued.Length);
        var below = ranked.Take(belowCount).Order().Select(i => valued[i].Point).ToArray();
        var above = ranked.Skip(belowCount).Order().Select(i => valued[i].Point).ToArray();

        var random = SplitMix64.ForStream(_seed, proposal);
        return new Assignment(Space.Dimensions.Select(d => KeyValuePair.Create(d.Name, ProposeDimension(d, below, above, random))));
    }

    private double ProposeDimension(SearchDimension dimension, Assignment[] below, Assignment[] above, SplitMix64 random)
    {
        var good = ParzenEstimator.Fit(dimension.Distribution, ValuesOf(dimension, below), _options);
        var bad = ParzenEstimator.Fit(dimension.Distribution, ValuesOf(dimension, above), _options);
        var best = double.NaN;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < _options.Candidates; i++)
        {
            var candidate = good.Sample(random);
            var score = good.LogDensity(candidate) - bad.LogDensity(candidate);
            // The first of equal scores wins, as with NumPy's argmax.
            if (i == 0 || score > bestScore)
            {
                (best, bestScore) = (candidate, score);
            }
        }
        return best;
    }

    /// <summary>
    /// The points' values of one dimension; points without it, or with a value outside its support (a space changed
    /// between runs), say nothing about it and are left out, as Optuna leaves out trials without the parameter.
    /// </summary>
    private static double[] ValuesOf(SearchDimension dimension, Assignment[] points) =>
        points
            .Select(p => p.TryGetValue(dimension.Name, out var value) ? value : double.NaN)
            .Where(dimension.Distribution.Contains)
            .ToArray();
}
