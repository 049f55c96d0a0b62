namespace Grid.Core.Search;

/// <summary>One named axis of a <see cref="SearchSpace"/> (<c>learning_rate</c> ~ <c>log_uniform(0.0001, 0.01)</c>).</summary>
public sealed record SearchDimension(string Name, Distribution Distribution);

/// <summary>
/// The axes a sampler proposes values for, in a fixed order (the spec's), each a name and a <see cref="Distribution"/>.
/// Built only from valid parts: names unique and non-empty, every distribution valid.
/// </summary>
public sealed class SearchSpace
{
    /// <summary>The space of <paramref name="dimensions"/>; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public SearchSpace(IEnumerable<SearchDimension> dimensions)
    {
        Dimensions = dimensions.ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, distribution) in Dimensions)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("a search dimension needs a name", nameof(dimensions));
            }
            if (!names.Add(name))
            {
                throw new ArgumentException($"search dimension {name} is given more than once", nameof(dimensions));
            }
            if (distribution.Validate() is { } error)
            {
                throw new ArgumentException($"{name}: {error}", nameof(dimensions));
            }
        }
    }

    /// <summary>The space of the given (name, distribution) pairs, in order.</summary>
    public SearchSpace(params (string Name, Distribution Distribution)[] dimensions)
        : this(dimensions.Select(d => new SearchDimension(d.Name, d.Distribution)))
    {
    }

    /// <summary>The axes in order.</summary>
    public IReadOnlyList<SearchDimension> Dimensions { get; }

    /// <summary>The space in spec syntax, e.g. <c>learning_rate: log_uniform(0.0001, 0.01), z_dim: int_uniform(2, 64)</c>.</summary>
    public override string ToString() => string.Join(", ", Dimensions.Select(d => $"{d.Name}: {d.Distribution.Describe()}"));
}
