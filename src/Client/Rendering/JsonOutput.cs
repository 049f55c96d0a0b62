using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grid.Client.Rendering;

/// <summary>
/// The one JSON style of every <c>--json</c> output: snake_case keys, enum values as their lower-case
/// snake_case names (<c>"state": "completed"</c>), indented. Records serialize with it as they are, so a
/// field added to a contract shows up in the same style.
/// </summary>
public static class JsonOutput
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        // An inertia or loss can be NaN or infinite; print it rather than fail after the work is done.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Writes <paramref name="value"/> to stdout as one JSON object.</summary>
    public static void Print<T>(T value) => Console.WriteLine(Serialize(value));

    /// <summary>An enum value as the JSON output names it: <c>TrialState.Succeeded</c> is <c>"succeeded"</c>.</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
