using Grid.Abstractions.Sweeps;
using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;

namespace Grid.Client.Specs;

/// <summary>
/// Reads sweep specs written in YAML or JSON: loads the text, hands it to
/// <see cref="SweepSpecParser"/>, and gives every error the line and column it refers to. Problems
/// come back as <see cref="SpecError"/>s, never as exceptions.
/// </summary>
public static class SweepSpecReader
{
    /// <summary>Largest spec file read; a sweep spec is a few hundred bytes.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>
    /// Reads the spec in <paramref name="path"/>. The format follows the extension (<c>.yaml</c>,
    /// <c>.yml</c>, <c>.json</c>) or else the content; the name defaults to the file name
    /// without its extension.
    /// </summary>
    /// <param name="dataDirectory">
    /// Where datasets are: names are looked up among the built-in datasets and those imported there, and dataset objects
    /// in the spec are imported there (<see cref="SpecDatasets"/>). Null: the default data directory.
    /// </param>
    /// <param name="imported">Told of each dataset object imported.</param>
    public static SpecParseResult ReadFile(string path, string? dataDirectory = null, Action<ImportResult>? imported = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            if (Directory.Exists(path))
            {
                return FileError($"'{path}' is a directory, not a spec file");
            }
            var file = new FileInfo(path);
            if (!file.Exists)
            {
                return FileError($"spec file '{path}' not found");
            }
            if (file.Length > MaxFileBytes)
            {
                return FileError($"spec file '{path}' is {file.Length} bytes; a spec may have at most {MaxFileBytes}");
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return FileError($"cannot read spec file '{path}': {e.Message}");
        }
        dataDirectory ??= DatasetStore.DefaultDataDirectory();
        var document = Load(text, FormatOf(path));
        if (!document.Loaded)
        {
            return SpecParseResult.Failure(document.Errors);
        }
        string specDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        var importErrors = SpecDatasets.ImportInline(document.Root, specDirectory, dataDirectory, imported);
        if (importErrors.Count > 0)
        {
            return SpecParseResult.Failure(importErrors.Select(document.Locate));
        }
        return Parse(document, Path.GetFileNameWithoutExtension(path), new ImportedDatasetRegistry(DatasetRegistry.BuiltIn, [dataDirectory]));
    }

    /// <summary>Reads a spec from <paramref name="text"/>.</summary>
    /// <param name="text">The spec.</param>
    /// <param name="format">Its syntax; <see cref="SpecFormat.Auto"/> decides from the text.</param>
    /// <param name="defaultName">The sweep's name when the spec has no <c>name</c>.</param>
    public static SpecParseResult Read(string text, SpecFormat format = SpecFormat.Auto, string? defaultName = null)
    {
        var document = Load(text, format);
        return document.Loaded ? Parse(document, defaultName, null) : SpecParseResult.Failure(document.Errors);
    }

    private static SpecParseResult Parse(SpecDocument document, string? defaultName, IDatasetRegistry? datasets)
    {
        var result = SweepSpecParser.Parse(document.Root, defaultName, datasets);
        return result.IsValid ? result : SpecParseResult.Failure(result.Errors.Select(document.Locate));
    }

    /// <summary>
    /// Loads <paramref name="text"/> into the JSON model without validating it as a spec: what
    /// <see cref="Read"/> hands to the parser, with the source position of each key and item.
    /// </summary>
    public static SpecDocument Load(string text, SpecFormat format = SpecFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Resolve(format, text) == SpecFormat.Json ? JsonSpecLoader.Load(text) : YamlSpecLoader.Load(text);
    }

    /// <summary>The format a file name implies: <see cref="SpecFormat.Auto"/> for an unknown extension.</summary>
    public static SpecFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".yaml" or ".yml" => SpecFormat.Yaml,
        ".json" => SpecFormat.Json,
        _ => SpecFormat.Auto,
    };

    /// <summary>JSON when the first character that is not white space (or a byte order mark) opens an object or a list; YAML otherwise.</summary>
    public static SpecFormat Sniff(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c == '\uFEFF')
            {
                continue;
            }
            return c is '{' or '[' ? SpecFormat.Json : SpecFormat.Yaml;
        }
        return SpecFormat.Yaml;
    }

    private static SpecFormat Resolve(SpecFormat format, string text) =>
        format == SpecFormat.Auto ? Sniff(text) : format;

    private static SpecParseResult FileError(string message) =>
        SpecParseResult.Failure(new SpecError(SpecPath.Root, message));
}
