namespace Grid.Core.Search;

/// <summary>
/// Proposes points of a <see cref="SearchSpace"/> one at a time, numbered from 0. A proposal depends only on the
/// sampler's seed, its number and the observations given, so a restarted sweep that replays the same observations
/// gets the same proposal again.
/// </summary>
public interface ISearchSampler
{
    /// <summary>The space proposals come from.</summary>
    SearchSpace Space { get; }

    /// <summary>
    /// Proposal number <paramref name="proposal"/>, given the results so far (<paramref name="observations"/>, oldest
    /// first; lower values are better: a maximising caller negates). Observations whose value is NaN are ignored.
    /// </summary>
    Assignment Propose(IReadOnlyList<(Assignment Point, double Value)> observations, int proposal);
}
