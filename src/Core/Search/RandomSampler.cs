namespace Grid.Core.Search;

/// <summary>Proposes every dimension uniformly at random (log-uniformly for <see cref="LogUniform"/>), ignoring the observations.</summary>
public sealed class RandomSampler(SearchSpace space, long seed) : ISearchSampler
{
    public SearchSpace Space { get; } = space;

    public Assignment Propose(IReadOnlyList<(Assignment Point, double Value)> observations, int proposal)
    {
        var random = SplitMix64.ForStream(seed, proposal);
        return new Assignment(Space.Dimensions.Select(d => KeyValuePair.Create(d.Name, d.Distribution.Sample(random))));
    }
}
