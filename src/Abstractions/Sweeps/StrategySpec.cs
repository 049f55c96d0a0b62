namespace Grid.Abstractions.Sweeps;

/// <summary>How a sweep picks its trials from the axes.</summary>
/// <param name="Kind">Every combination, or a seeded sample.</param>
/// <param name="Trials">For <see cref="StrategyKind.Random"/>: how many distinct combinations to sample (all of them when it is at least the grid size). 0 for a grid.</param>
/// <param name="Seed">For <see cref="StrategyKind.Random"/>: the seed of the sample. 0 for a grid.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.strategy-spec")]
public sealed record StrategySpec(
    [property: Id(0)] StrategyKind Kind,
    [property: Id(1)] int Trials = 0,
    [property: Id(2)] int Seed = 0)
{
    /// <summary>The full cartesian product.</summary>
    public static StrategySpec Grid { get; } = new(StrategyKind.Grid);

    /// <summary><paramref name="trials"/> distinct combinations sampled with <paramref name="seed"/>.</summary>
    public static StrategySpec Random(int trials, int seed = 0) => new(StrategyKind.Random, trials, seed);
}
