using System.Globalization;
using System.Text.RegularExpressions;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// Builds the JSON paths that <see cref="SpecError.Path"/> uses: <c>$</c> for the root,
/// <c>.key</c> for a plain key, <c>['odd key']</c> for any other key, <c>[i]</c> for a list item.
/// Readers that map paths back to source positions build theirs with the same methods.
/// </summary>
public static partial class SpecPath
{
    /// <summary>The root of the spec.</summary>
    public const string Root = "$";

    /// <summary>The path of <paramref name="key"/> inside the mapping at <paramref name="parent"/>.</summary>
    public static string Property(string parent, string key) =>
        PlainKey().IsMatch(key)
            ? $"{parent}.{key}"
            : $"{parent}['{key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}']";

    /// <summary>The path of item <paramref name="index"/> of the list at <paramref name="parent"/>.</summary>
    public static string Index(string parent, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{parent}[{index}]");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex PlainKey();
}
