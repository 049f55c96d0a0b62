using System.Text.Json;
using System.Text.Json.Serialization;
using Grid.Client.Commands;
using Spectre.Console;

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

    /// <summary>
    /// Emits a command's JSON object where <paramref name="to"/> says: to FILE (<c>--json-file</c>, with a note on stderr)
    /// and to stdout (<c>--json</c>), the same text in both; nothing when neither was asked for. Every command that prints
    /// results ends here, so <c>--json</c> and <c>--json-file</c> mean the same everywhere.
    /// </summary>
    /// <exception cref="UserInputException">FILE cannot be written.</exception>
    public static void Write<T>(T value, JsonDestination to)
    {
        if (!to.Print && to.File is null)
        {
            return;
        }
        string json = Serialize(value) + Environment.NewLine;
        if (to.File is { } path)
        {
            try
            {
                File.WriteAllText(path, json);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UserInputException($"--json-file {path}: {ex.Message}");
            }
            // A note, not a result: on stderr, so that what a script reads from stdout is unchanged by --json-file.
            GridConsole.Error.MarkupLine(Markup.Escape($"JSON written to {path}"));
        }
        if (to.Print)
        {
            Console.Write(json);
        }
    }

    /// <summary>An enum value as the JSON output names it: <c>TrialState.Succeeded</c> is <c>"succeeded"</c>.</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}

/// <summary>
/// Where a command's JSON object goes, as <c>--json</c> and <c>--json-file</c> asked (<see cref="OutputOptions"/>), and so
/// where the rest of its output goes: while stdout carries the object it carries nothing else.
/// </summary>
/// <param name="Print"><c>--json</c>: the object is all of stdout; the human output is not printed.</param>
/// <param name="File"><c>--json-file FILE</c>: the object is also written to FILE.</param>
public sealed record JsonDestination(bool Print, string? File)
{
    /// <summary>Neither option: the human output only.</summary>
    public static JsonDestination None { get; } = new(false, null);

    /// <summary>Where progress and notes go: stdout, or stderr while stdout carries the object.</summary>
    public IAnsiConsole Console => Print ? GridConsole.Error : GridConsole.Out;
}
