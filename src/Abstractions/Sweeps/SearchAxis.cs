using Grid.Core.Search;

namespace Grid.Abstractions.Sweeps;

/// <summary>The kinds of distribution an autoencoder setting may be drawn from (<c>learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }</c>).</summary>
[GenerateSerializer]
[Alias("grid.sweeps.distribution-kind")]
public enum DistributionKind
{
    Uniform,
    LogUniform,
    IntUniform,
    Choice,
}

/// <summary>
/// One autoencoder setting given as a distribution instead of a list: the dimension of the sweep's search space that random
/// sampling and TPE draw it from. <paramref name="Setting"/> is its spec name (<c>z_dim</c>, <c>learning_rate</c>, <c>batch_size</c>,
/// <c>epochs</c>); <paramref name="Values"/> the choices of a <see cref="DistributionKind.Choice"/>, else null.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.search-axis")]
public sealed record SearchAxis(
    [property: Id(0)] string Setting,
    [property: Id(1)] DistributionKind Kind,
    [property: Id(2)] double Low = 0,
    [property: Id(3)] double High = 0,
    [property: Id(4)] IReadOnlyList<double>? Values = null)
{
    /// <summary>The spec names of the settings that may be distributions.</summary>
    public static IReadOnlyList<string> Settings { get; } = ["z_dim", "learning_rate", "batch_size", "epochs"];

    /// <summary>The settings whose values are whole numbers: they take int_uniform or choice.</summary>
    public static bool IsInteger(string setting) => setting != "learning_rate";

    /// <summary>The distribution this axis stands for.</summary>
    public Distribution Distribution => Kind switch
    {
        DistributionKind.Uniform => new Uniform(Low, High),
        DistributionKind.LogUniform => new LogUniform(Low, High),
        DistributionKind.IntUniform => new IntUniform((int)Low, (int)High),
        _ => new Choice(Values ?? []),
    };

    // Values is a list: compare it by its items.
    public bool Equals(SearchAxis? other) =>
        other is not null && Setting == other.Setting && Kind == other.Kind && Low.Equals(other.Low) && High.Equals(other.High)
        && (Values ?? []).SequenceEqual(other.Values ?? []);

    public override int GetHashCode() => HashCode.Combine(Setting, Kind, Low, High, Values?.Count);
}

/// <summary>
/// Sweeps whose autoencoder settings include distributions: a search space, and configurations drawn from it (by random
/// sampling or proposed by TPE) that each run every dataset × seed × scaler × k of the sweep, like one representation.
/// </summary>
public static class SearchSweeps
{
    /// <summary>Whether the sweep proposes configurations as results come (TPE, alone or as ASHA's sampler) rather than drawing them all at once.</summary>
    public static bool ProposesAsResultsCome(SweepSpec spec) => spec.Search is not null && spec.Strategy.Draws == StrategyKind.Tpe;

    /// <summary>The search space of a sweep with distributions (<see cref="SweepSpec.Search"/>).</summary>
    public static SearchSpace Space(SweepSpec spec) =>
        new((spec.Search ?? throw new ArgumentException("the sweep has no distributions", nameof(spec))).Select(a => new SearchDimension(a.Setting, a.Distribution)));

    /// <summary>The autoencoder the distributions are applied to: the spec's one autoencoder representation.</summary>
    public static AutoencoderSpec Template(SweepSpec spec) =>
        spec.Representations.Select(r => r.Autoencoder).OfType<AutoencoderSpec>().Single();

    /// <summary>The sampler of a sweep with distributions: random (proposal i is the i-th draw) or TPE, seeded by the strategy.</summary>
    public static ISearchSampler Sampler(SweepSpec spec) => spec.Strategy.Draws == StrategyKind.Tpe
        ? new TpeSampler(Space(spec), spec.Strategy.Seed, new TpeOptions { StartupTrials = spec.Strategy.Startup })
        : new RandomSampler(Space(spec), spec.Strategy.Seed);

    /// <summary>The template with a point of the search space applied: one autoencoder configuration.</summary>
    public static AutoencoderSpec Configure(AutoencoderSpec template, Assignment point)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(point);
        var ae = template;
        foreach (var (setting, value) in point)
        {
            ae = setting switch
            {
                "z_dim" => ae with { ZDim = (int)Math.Round(value) },
                "learning_rate" => ae with { LearningRate = value },
                "batch_size" => ae with { BatchSize = (int)Math.Round(value) },
                "epochs" => ae with { Epochs = (int)Math.Round(value) },
                _ => throw new ArgumentException($"'{setting}' is not a setting a distribution can give", nameof(point)),
            };
        }
        return ae;
    }

    /// <summary>Where a configuration lies in the search space: the values of its settings that the distributions give.</summary>
    public static Assignment PointOf(SweepSpec spec, AutoencoderSpec ae) =>
        new(Space(spec).Dimensions.Select(d => KeyValuePair.Create(d.Name, d.Name switch
        {
            "z_dim" => (double)ae.ZDim,
            "learning_rate" => ae.LearningRate,
            "batch_size" => ae.BatchSize,
            _ => (double)ae.Epochs,
        })));
}
