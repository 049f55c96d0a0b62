namespace Grid.Abstractions.Sweeps;

/// <summary>The outcome of reading a sweep spec: the spec when it is valid, and every problem found.</summary>
/// <param name="Spec">The spec; <see langword="null"/> whenever <paramref name="Errors"/> is not empty.</param>
/// <param name="Errors">Every problem, in document order as far as the parser walks it.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.spec-parse-result")]
public sealed record SpecParseResult(
    [property: Id(0)] SweepSpec? Spec,
    [property: Id(1)] IReadOnlyList<SpecError> Errors)
{
    // Lists held by wire records are arrays (or List<T>): the compiler's own types behind
    // collection expressions targeting IReadOnlyList<T> have no Orleans codec.

    /// <summary>Whether the spec is valid.</summary>
    public bool IsValid => Spec is not null && Errors.Count == 0;

    /// <summary>A result carrying only <paramref name="errors"/> (copied into an array, which the serializer knows).</summary>
    public static SpecParseResult Failure(params IEnumerable<SpecError> errors) => new(null, errors.ToArray());

    /// <inheritdoc />
    public bool Equals(SpecParseResult? other) =>
        other is not null && Equals(Spec, other.Spec) && Errors.SequenceEqual(other.Errors);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Spec);
        foreach (var error in Errors)
        {
            hash.Add(error);
        }
        return hash.ToHashCode();
    }
}
