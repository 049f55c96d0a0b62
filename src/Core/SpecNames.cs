using System.Reflection;
using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>
/// The names users write for the sweep enums (<c>l2</c>, <c>minibatch</c>, …). They are the
/// enums' <see cref="JsonStringEnumMemberNameAttribute"/> names, so a spec file and the JSON of a
/// record spell a value the same way. An enum without those attributes is named in lower case
/// (<c>succeeded</c>, <c>autoencoder</c>): the one way the console, pages, exports and logs name
/// states and kinds.
/// </summary>
public static class SpecNames
{
    /// <summary>The name of <paramref name="value"/>, e.g. <c>"l2"</c> for <see cref="ScalerKind.L2"/>.</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        Table<TEnum>.ByValue.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"not a known {typeof(TEnum).Name}");

    /// <summary>All names of <typeparamref name="TEnum"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<TEnum>()
        where TEnum : struct, Enum => Table<TEnum>.Names;

    /// <summary>Parses a name, ignoring case and surrounding white space.</summary>
    public static bool TryParse<TEnum>(string? name, out TEnum value)
        where TEnum : struct, Enum
    {
        if (name is not null && Table<TEnum>.ByName.TryGetValue(name.Trim(), out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    private static class Table<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly IReadOnlyList<string> Names;
        public static readonly Dictionary<TEnum, string> ByValue = [];
        public static readonly Dictionary<string, TEnum> ByName = new(StringComparer.OrdinalIgnoreCase);

        static Table()
        {
            var names = new List<string>();
            foreach (var field in typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var value = (TEnum)field.GetValue(null)!;
                var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name.ToLowerInvariant();
                names.Add(name);
                ByValue[value] = name;
                ByName[name] = value;
                foreach (var alias in field.GetCustomAttributes<SpecAliasAttribute>())
                {
                    ByName[alias.Name] = value;
                }
            }
            Names = names;
        }
    }
}

/// <summary>Another name a spec or console option may use for an enum value; values are still written with their own name.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = true)]
public sealed class SpecAliasAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
