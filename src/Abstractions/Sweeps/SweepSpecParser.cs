using System.Text.Json.Nodes;
using Grid.Core.Datasets;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// Turns the JSON model of a sweep spec (parsed from JSON, or converted from YAML by the client's
/// reader) into a <see cref="SweepSpec"/>, checking it on the way and listing every problem
/// found rather than stopping at the first.
/// </summary>
/// <remarks>
/// <para>Keys are snake_case and case-sensitive; names (datasets, scalers, losses, …) ignore case.
/// A key whose value is <c>null</c> counts as absent. Wherever a list is expected, a single value
/// stands for a list of one; integer axes (<c>k</c>, <c>seeds</c>, <c>z_dim</c>) also take ranges
/// <c>{ from, to, step }</c> (step 1 by default, both ends included), alone or as list items.</para>
/// <para>Required: <c>datasets</c>, <c>representations</c>, <c>scalers</c>, <c>k</c>. Defaults:
/// name from <c>defaultName</c>, all rows, seeds [0], scikit-learn's k-means settings, grid.</para>
/// </remarks>
public static class SweepSpecParser
{
    /// <summary>The name used when neither the spec nor the caller gives one.</summary>
    public const string FallbackName = "sweep";

    /// <summary>The keys a sweep spec's root may have.</summary>
    public static IReadOnlyList<string> RootKeys { get; } = SpecValidator.RootKeys;

    /// <summary>Reads and validates a sweep spec.</summary>
    /// <param name="root">The spec's root: a JSON object, or <see langword="null"/> for an empty document.</param>
    /// <param name="defaultName">The name when the spec has none (typically its file name); made safe if needed.</param>
    /// <param name="datasets">The datasets a spec may name (default: the built-in ones).</param>
    /// <returns>The spec and no errors, or no spec and every error found.</returns>
    public static SpecParseResult Parse(JsonNode? root, string? defaultName = null, IDatasetRegistry? datasets = null)
    {
        var validator = new SpecValidator(datasets ?? DatasetRegistry.BuiltIn);
        var spec = validator.Read(root, defaultName);
        return spec is not null && validator.Errors.Count == 0
            ? new SpecParseResult(spec, Array.Empty<SpecError>())
            : SpecParseResult.Failure(validator.Errors);
    }
}
