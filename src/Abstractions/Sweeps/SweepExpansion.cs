using Grid.Core.Datasets;
using Grid.Core.Search;
namespace Grid.Abstractions.Sweeps;

/// <summary>
/// Turns a sweep into its trials. The grid is the cartesian product of the axes in a fixed order,
/// outermost first: datasets, representations, seeds, scalers, k; each axis in the order the spec
/// lists it. Trials that share an autoencoder (dataset, representation, seed) are therefore
/// adjacent, and k varies fastest.
/// </summary>
public static class SweepExpansion
{
    /// <summary>
    /// Combinations in the full grid, without materialising them; <see cref="long.MaxValue"/> when
    /// the product does not fit in a <see cref="long"/>.
    /// </summary>
    public static long GridSize(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        long size = 1;
        foreach (var length in AxisLengths(spec))
        {
            if (length == 0)
            {
                return 0;
            }
            size = size > long.MaxValue / length ? long.MaxValue : size * length;
        }
        return size;
    }

    /// <summary>
    /// Trials <see cref="Expand"/> returns, without materialising them: the grid size, or for a
    /// random strategy the smaller of its trial count and the grid size.
    /// </summary>
    public static long Count(SweepSpec spec)
    {
        // No representations, no trials (the validator counts a spec whose representations were all wrong too).
        if (spec.Search is not null && spec.Representations.Count > 0)
        {
            // Each configuration runs like one representation; raw features, if listed, run once.
            long perRepresentation = GridSize(spec with { Representations = [spec.Representations[0]] });
            int raw = spec.Representations.Count(r => r.Autoencoder is null);
            return perRepresentation * ((long)raw + Math.Max(spec.Strategy.Trials, 0));
        }
        var grid = GridSize(spec);
        return spec.Strategy.Kind == StrategyKind.Random ? Math.Min(Math.Max(spec.Strategy.Trials, 0), grid) : grid;
    }

    /// <summary>
    /// The sweep's trials: every combination in grid order, or for a random strategy
    /// <see cref="StrategySpec.Trials"/> distinct combinations drawn with
    /// <see cref="StrategySpec.Seed"/> (the same ones on every machine and .NET version), listed
    /// in grid order. A random strategy asking for at least the grid size gets the whole grid.
    /// </summary>
    /// <param name="datasets">The datasets the spec may name (default: the built-in ones).</param>
    /// <exception cref="ArgumentException">The sweep has more than <see cref="SweepLimits.MaxTrials"/> trials, or names an unknown dataset.</exception>
    public static IReadOnlyList<TrialSpec> Expand(SweepSpec spec, IDatasetRegistry? datasets = null)
    {
        var count = Count(spec);
        if (count > SweepLimits.MaxTrials)
        {
            throw new ArgumentException($"the sweep has {count} trials; at most {SweepLimits.MaxTrials} are allowed", nameof(spec));
        }
        var splits = spec.Datasets.Select(name => (datasets ?? DatasetRegistry.BuiltIn).TryGet(name, out var dataset)
            ? spec.Split.Resolve(dataset)
            : throw new ArgumentException($"unknown dataset '{name}'", nameof(spec))).ToArray();
        var grid = GridSize(spec);
        if (spec.Search is not null)
        {
            // Random sampling draws every configuration now; TPE draws its start-up ones, and proposes the rest as results come.
            int drawn = spec.Strategy.Draws == StrategyKind.Tpe ? Math.Min(spec.Strategy.Startup, spec.Strategy.Trials) : spec.Strategy.Trials;
            var sampler = SearchSweeps.Sampler(spec);
            var template = SearchSweeps.Template(spec);
            var configurations = Enumerable.Range(0, drawn)
                .Select(i => RepresentationSpec.Of(SearchSweeps.Configure(template, sampler.Propose([], i))))
                .Distinct();
            var representations = spec.Representations.Where(r => r.Autoencoder is null).Concat(configurations).ToArray();
            var withConfigurations = spec with { Representations = representations, Search = null, Strategy = StrategySpec.Grid };
            return Range(GridSize(withConfigurations)).Select(index => TrialAt(withConfigurations, splits, index))
                .Select(t => spec.Strategy.Kind == StrategyKind.Asha && t.Representation.Autoencoder is not null ? Runs.Asha.AtRung(t, spec.Strategy.Rungs, 0) : t)
                .ToArray();
        }
        if (spec.Strategy.Kind == StrategyKind.Asha)
        {
            // Successive halving starts every arm at its first rung, in an order drawn with the strategy's seed (which arms
            // finish first decides which are promoted first); its later rungs come as the sweep promotes arms.
            var rungs = spec.Strategy.Rungs;
            var arms = Shuffled(spec.Representations, spec.Strategy.Seed);
            return Range(grid)
                .Select(index => TrialAt(spec with { Representations = arms }, splits, index))
                .Select(t => t.Representation.Autoencoder is null ? t : Runs.Asha.AtRung(t, rungs, 0))
                .ToArray();
        }
        IEnumerable<long> indices = count == grid ? Range(grid) : Sample(grid, (int)count, spec.Strategy.Seed);
        return indices.Select(index => TrialAt(spec, splits, index)).ToArray();
    }

    /// <summary>The trials of one configuration of a sweep with distributions: every dataset × seed × scaler × k, as one representation's.</summary>
    public static IReadOnlyList<TrialSpec> ExpandConfiguration(SweepSpec spec, AutoencoderSpec configuration, IDatasetRegistry? datasets = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var trials = Expand(spec with { Representations = [RepresentationSpec.Of(configuration)], Search = null, Strategy = StrategySpec.Grid }, datasets);
        // An arm of successive halving starts at its first rung.
        return spec.Strategy.Kind == StrategyKind.Asha ? trials.Select(t => Runs.Asha.AtRung(t, spec.Strategy.Rungs, 0)).ToArray() : trials;
    }

    /// <summary>A Fisher–Yates shuffle of <paramref name="items"/> drawn with <paramref name="seed"/>, the same on every machine.</summary>
    private static T[] Shuffled<T>(IReadOnlyList<T> items, int seed)
    {
        var random = Generator(seed);
        var shuffled = items.ToArray();
        for (int i = shuffled.Length - 1; i > 0; i--)
        {
            int j = (int)random.NextBelow(i + 1);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }
        return shuffled;
    }

    private static IEnumerable<long> Range(long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return i;
        }
    }

    /// <summary>
    /// Robert Floyd's algorithm: <paramref name="count"/> distinct indices below
    /// <paramref name="size"/>, each subset equally likely, in <paramref name="count"/> draws
    /// whatever the size of the grid.
    /// </summary>
    private static long[] Sample(long size, int count, int seed)
    {
        var random = Generator(seed);
        var chosen = new HashSet<long>(count);
        for (var j = size - count; j < size; j++)
        {
            var r = random.NextBelow(j + 1);
            chosen.Add(chosen.Contains(r) ? j : r);
        }
        var sorted = chosen.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    private static TrialSpec TrialAt(SweepSpec spec, SplitSpec[] splits, long index)
    {
        // Mixed-radix decoding, innermost (fastest) axis first.
        var k = (int)(index % spec.K.Count);
        index /= spec.K.Count;
        var scaler = (int)(index % spec.Scalers.Count);
        index /= spec.Scalers.Count;
        var seed = (int)(index % spec.Seeds.Count);
        index /= spec.Seeds.Count;
        var representation = (int)(index % spec.Representations.Count);
        index /= spec.Representations.Count;
        var dataset = (int)index;
        return new TrialSpec(
            spec.Datasets[dataset],
            splits[dataset],
            spec.Representations[representation],
            spec.Scalers[scaler],
            spec.K[k],
            spec.Seeds[seed],
            spec.KMeans,
            spec.KMeans.WarmStart ? WarmPath(spec.K, spec.K[k]) : null,
            PrefixEpochs(spec.Representations, spec.Representations[representation]));
    }

    /// <summary>
    /// The epoch counts below <paramref name="representation"/>'s at which <paramref name="representations"/> train the same
    /// autoencoder otherwise, ascending (<see cref="TrialSpec.PrefixEpochs"/>); null when there are none.
    /// </summary>
    public static IReadOnlyList<int>? PrefixEpochs(IEnumerable<RepresentationSpec> representations, RepresentationSpec representation)
    {
        if (representation.Autoencoder is not { } ae)
        {
            return null;
        }
        var shorter = representations
            .Select(r => r.Autoencoder)
            .Where(other => other is not null && other.Epochs < ae.Epochs && SameTraining(other, ae))
            .Select(other => other!.Epochs)
            .Distinct()
            .Order()
            .ToArray();
        return shorter.Length == 0 ? null : shorter;
    }

    /// <summary>Whether two autoencoders learn the same but for their epochs (rendering reconstructions changes nothing learned).</summary>
    private static bool SameTraining(AutoencoderSpec? a, AutoencoderSpec b) =>
        a is not null && a with { Epochs = b.Epochs, Reconstructions = b.Reconstructions } == b;

    /// <summary>The k values below <paramref name="k"/>, ascending: the fits a warm-started <paramref name="k"/> passes through.</summary>
    public static IReadOnlyList<int> WarmPath(IEnumerable<int> curve, int k) => curve.Where(other => other < k).Distinct().Order().ToArray();

    private static IEnumerable<long> AxisLengths(SweepSpec spec) =>
        [spec.Datasets.Count, spec.Representations.Count, spec.Seeds.Count, spec.Scalers.Count, spec.K.Count];

    /// <summary>The generator of a sample or a shuffle: SplitMix64 from <paramref name="seed"/>, fixed by its definition on every machine.</summary>
    private static SplitMix64 Generator(int seed) => new(unchecked((ulong)seed * 0xD1B54A32D192ED03UL));
}
