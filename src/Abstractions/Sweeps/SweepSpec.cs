using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// A validated sweep: the axes whose combinations become trials, and the settings every trial
/// shares. Build one with <see cref="SweepSpecParser"/> (which checks it) and turn it into trials
/// with <see cref="SweepExpansion"/>. Equality compares the axes element by element.
/// </summary>
/// <param name="Name">The sweep's name (by default, the spec's file name).</param>
/// <param name="Datasets">Dataset names, each one a dataset registry knows (<see cref="Grid.Core.Datasets.IDatasetRegistry"/>).</param>
/// <param name="Split">Row limits applied to every dataset.</param>
/// <param name="Representations">What to cluster; an autoencoder per latent size.</param>
/// <param name="Scalers">Scalers applied to each representation before clustering.</param>
/// <param name="K">Cluster counts, a range already expanded, in the order written.</param>
/// <param name="Seeds">Seeds; each seeds the autoencoder's training and k-means' random state.</param>
/// <param name="KMeans">k-means settings shared by every trial.</param>
/// <param name="Strategy">Grid or random sampling.</param>
/// <param name="Objective">What the sweep's best trial is judged by; null in sweeps recorded before objectives (<see cref="ObjectiveSpec.Resolve"/>).</param>
/// <param name="Search">
/// The autoencoder settings given as distributions (a search space), or null. With them the one autoencoder of
/// <paramref name="Representations"/> is a template, and random sampling or TPE draws its configurations (<see cref="SearchSweeps"/>).
/// </param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.sweep-spec")]
public sealed record SweepSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<string> Datasets,
    [property: Id(2)] SplitSpec Split,
    [property: Id(3)] IReadOnlyList<RepresentationSpec> Representations,
    [property: Id(4)] IReadOnlyList<ScalerKind> Scalers,
    [property: Id(5)] IReadOnlyList<int> K,
    [property: Id(6)] IReadOnlyList<int> Seeds,
    [property: Id(7)] KMeansSettings KMeans,
    [property: Id(8)] StrategySpec Strategy,
    [property: Id(9)] int? RefineKneeStep = null,
    [property: Id(10)] ObjectiveSpec? Objective = null,
    [property: Id(11)] IReadOnlyList<SearchAxis>? Search = null)
{
    /// <inheritdoc />
    public bool Equals(SweepSpec? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Name == other.Name
                && Datasets.SequenceEqual(other.Datasets)
                && Split == other.Split
                && Representations.SequenceEqual(other.Representations)
                && Scalers.SequenceEqual(other.Scalers)
                && K.SequenceEqual(other.K)
                && Seeds.SequenceEqual(other.Seeds)
                && KMeans == other.KMeans
                && Strategy == other.Strategy
                && RefineKneeStep == other.RefineKneeStep
                && Objective == other.Objective
                && (Search ?? []).SequenceEqual(other.Search ?? [])
                && (Search is null) == (other.Search is null)));

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        hash.Add(Split);
        hash.Add(KMeans);
        hash.Add(Strategy);
        hash.Add(RefineKneeStep);
        hash.Add(Objective);
        AddAll(ref hash, Datasets);
        AddAll(ref hash, Representations);
        AddAll(ref hash, Scalers);
        AddAll(ref hash, K);
        AddAll(ref hash, Seeds);
        AddAll(ref hash, Search ?? []);
        return hash.ToHashCode();
    }

    private static void AddAll<T>(ref HashCode hash, IReadOnlyList<T> items)
    {
        hash.Add(items.Count);
        foreach (var item in items)
        {
            hash.Add(item);
        }
    }
}
