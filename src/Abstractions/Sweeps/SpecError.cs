using System.Globalization;

namespace Grid.Abstractions.Sweeps;

/// <summary>One problem found in a sweep spec.</summary>
/// <param name="Path">Where: a JSON path from the spec's root, e.g. <c>$.representations[1].autoencoder.z_dim</c>; <c>$</c> for the whole spec. See <see cref="SpecPath"/>.</param>
/// <param name="Message">What is wrong, and where it helps, what would be right.</param>
/// <param name="Line">1-based line in the source text, when the reader knows it.</param>
/// <param name="Column">1-based column in the source text, when the reader knows it.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.spec-error")]
public sealed record SpecError(
    [property: Id(0)] string Path,
    [property: Id(1)] string Message,
    [property: Id(2)] int? Line = null,
    [property: Id(3)] int? Column = null)
{
    /// <summary><c>line 3, column 5: $.k.step: step must be positive</c> (the position only when known).</summary>
    public override string ToString()
    {
        var at = Line is { } line
            ? Column is { } column
                ? string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}: ")
                : string.Create(CultureInfo.InvariantCulture, $"line {line}: ")
            : "";
        return $"{at}{Path}: {Message}";
    }
}
