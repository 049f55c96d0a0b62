namespace Grid.Abstractions.Sweeps;

/// <summary>How a sweep picks its trials from the axes.</summary>
/// <param name="Kind">Every combination, a seeded sample, or successive halving.</param>
/// <param name="Trials">For <see cref="StrategyKind.Random"/>: how many distinct combinations to sample (all of them when it is at least the grid size). 0 otherwise.</param>
/// <param name="Seed">For <see cref="StrategyKind.Random"/>: the seed of the sample; for <see cref="StrategyKind.Asha"/>: of the order its arms start in. 0 for a grid.</param>
/// <param name="MinEpochs">For <see cref="StrategyKind.Asha"/>: the epochs of the first rung.</param>
/// <param name="MaxEpochs">For <see cref="StrategyKind.Asha"/>: the epochs of the last rung, which the surviving autoencoders reach.</param>
/// <param name="Reduction">For <see cref="StrategyKind.Asha"/>: η, the factor between rungs; the top 1/η of a rung's arms continue.</param>
/// <param name="Startup">For <see cref="StrategyKind.Tpe"/> (and ASHA's tpe sampler): the configurations drawn at random before the model proposes.</param>
/// <param name="Sampler">
/// For <see cref="StrategyKind.Asha"/> over distributions: what draws its <paramref name="Trials"/> arms, <see cref="StrategyKind.Random"/>
/// or <see cref="StrategyKind.Tpe"/>; null: the arms are the listed configurations.
/// </param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.strategy-spec")]
public sealed record StrategySpec(
    [property: Id(0)] StrategyKind Kind,
    [property: Id(1)] int Trials = 0,
    [property: Id(2)] int Seed = 0,
    [property: Id(3)] int MinEpochs = 0,
    [property: Id(4)] int MaxEpochs = 0,
    [property: Id(5)] int Reduction = 0,
    [property: Id(6)] int Startup = 0,
    [property: Id(7)] StrategyKind? Sampler = null)
{
    /// <summary>The full cartesian product.</summary>
    public static StrategySpec Grid { get; } = new(StrategyKind.Grid);

    /// <summary><paramref name="trials"/> distinct combinations sampled with <paramref name="seed"/>.</summary>
    public static StrategySpec Random(int trials, int seed = 0) => new(StrategyKind.Random, trials, seed);

    /// <summary>Successive halving from <paramref name="minEpochs"/> to <paramref name="maxEpochs"/>, keeping the top 1/<paramref name="reduction"/> at each rung.</summary>
    public static StrategySpec Asha(int maxEpochs, int minEpochs = 1, int reduction = 3, int seed = 0) =>
        new(StrategyKind.Asha, 0, seed, minEpochs, maxEpochs, reduction);

    /// <summary>What draws configurations from distributions: the strategy itself (random, tpe), or ASHA's sampler.</summary>
    public StrategyKind? Draws => Kind == StrategyKind.Asha ? Sampler : Kind is StrategyKind.Random or StrategyKind.Tpe ? Kind : null;

    /// <summary><paramref name="trials"/> autoencoder configurations, the first <paramref name="startup"/> at random and the rest proposed by TPE.</summary>
    public static StrategySpec Tpe(int trials, int startup = 10, int seed = 0) => new(StrategyKind.Tpe, trials, seed, Startup: startup);

    /// <summary>
    /// ASHA's rungs, ascending: <see cref="MinEpochs"/> × <see cref="Reduction"/>^i below <see cref="MaxEpochs"/>, then
    /// <see cref="MaxEpochs"/> itself. Empty for other strategies.
    /// </summary>
    public IReadOnlyList<int> Rungs
    {
        get
        {
            if (Kind != StrategyKind.Asha)
            {
                return [];
            }
            var rungs = new List<int>();
            // Unchecked settings (min below 1, reduction below 2) make one rung rather than an endless list.
            for (long epochs = MinEpochs; epochs >= 1 && epochs < MaxEpochs && Reduction >= 2; epochs *= Reduction)
            {
                rungs.Add((int)epochs);
            }
            rungs.Add(MaxEpochs);
            return rungs;
        }
    }
}
