using System.CommandLine;
using Grid.Client.Rendering;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary>
/// <c>--json</c> and <c>--json-file FILE</c>, defined once for every command that prints results (every command but
/// <c>grid silo</c>, which runs until stopped, and <c>grid sweep export</c>, whose output is a CSV or Parquet table
/// already). Add them with <see cref="CommonOptions.Output"/>; emit the object with <see cref="JsonOutput.Write"/>.
/// </summary>
public sealed class OutputOptions
{
    public const string JsonName = "--json";
    public const string JsonFileName = "--json-file";

    public const string JsonDescription = "Print the results as one JSON object on stdout and nothing else there (progress and notes go to stderr)";
    public const string JsonFileDescription = "Also write the same JSON object to FILE; the usual output still prints";

    /// <summary><c>--json</c>: a flag, or on <c>grid demo</c> a flag that still takes its old value.</summary>
    private readonly Option _json;
    private readonly Option<string?> _jsonFile;

    private OutputOptions(Option json, Option<string?> jsonFile)
    {
        _json = json;
        _jsonFile = jsonFile;
    }

    /// <param name="deprecatedJsonFile">
    /// <c>grid demo</c> only: it took <c>--json FILE</c> for what every command now calls <c>--json-file FILE</c>. That
    /// spelling still writes FILE, with a deprecation line on stderr; a bare <c>--json</c> prints as everywhere else.
    /// </param>
    internal static OutputOptions AddTo(Command command, bool deprecatedJsonFile)
    {
        Option json = deprecatedJsonFile
            ? new Option<string?>(JsonName)
            {
                Description = JsonDescription + $"; `{JsonName} FILE` is deprecated: use {JsonFileName} FILE",
                Arity = ArgumentArity.ZeroOrOne,
                HelpName = "FILE",
            }
            : new Option<bool>(JsonName) { Description = JsonDescription };
        var jsonFile = new Option<string?>(JsonFileName) { Description = JsonFileDescription, HelpName = "FILE" };
        command.Options.Add(json);
        command.Options.Add(jsonFile);
        return new OutputOptions(json, jsonFile);
    }

    /// <summary>The output options of <paramref name="command"/>; null when it has none (<c>grid silo</c>, <c>grid sweep export</c>).</summary>
    public static OutputOptions? Of(Command command) =>
        command.Options.FirstOrDefault(o => o.Name == JsonName) is { } json &&
        command.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == JsonFileName) is { } jsonFile
            ? new OutputOptions(json, jsonFile)
            : null;

    /// <summary>What the command line asked for. A FILE whose folder does not exist is refused now, before any work.</summary>
    /// <exception cref="UserInputException">FILE's folder does not exist, or the old and the new spelling both name a file.</exception>
    public JsonDestination Read(ParseResult parse)
    {
        string? file = parse.GetValue(_jsonFile);
        bool print;
        if (_json is Option<bool> flag)
        {
            print = parse.GetValue(flag);
        }
        else
        {
            var legacy = (Option<string?>)_json;
            bool given = parse.GetResult(legacy) is not null;
            string? legacyFile = given ? parse.GetValue(legacy) : null;
            print = given && legacyFile is null;
            if (legacyFile is not null)
            {
                if (file is not null)
                {
                    throw new UserInputException(
                        $"{JsonName} {legacyFile} is the old spelling of {JsonFileName} {legacyFile}; pass {JsonFileName} once (and {JsonName} alone to print the object)");
                }
                GridConsole.Error.MarkupLine(Markup.Escape(
                    $"warning: `{JsonName} {legacyFile}` is deprecated; use `{JsonFileName} {legacyFile}` ({JsonName} alone prints the object on stdout)"));
                file = legacyFile;
            }
        }
        if (file is not null && Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder && !Directory.Exists(folder))
        {
            throw new UserInputException($"{JsonFileName} {file}: no folder {folder}");
        }
        return new JsonDestination(print, file);
    }
}
