using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Client.Specs;

/// <summary>
/// The <c>datasets:</c> entries of a spec that are objects (<c>{ name, format, train, … }</c>): each is imported into the
/// data directory (<see cref="DatasetImporter"/>; again, replacing it, when its files changed, so a changed file is a
/// new dataset with new stage keys) and replaced by its name, so the rest of the spec sees names only. Paths are relative
/// to the spec file's folder. Problems come back as spec errors with their paths; nothing is imported unless every
/// entry is valid.
/// </summary>
public static class SpecDatasets
{
    /// <summary>The keys a dataset object takes, as in the README.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["name", "format", "train", "test", "train_labels", "test_labels", "label", "test_fraction", "size", "seed"];

    /// <summary>
    /// Imports the dataset objects of <paramref name="root"/>'s <c>datasets</c> and replaces each by its name; returns the
    /// problems (none when every object imported). <paramref name="root"/> is left unchanged when there are problems.
    /// </summary>
    /// <param name="imported">Told of each dataset once it is imported (or found unchanged).</param>
    public static IReadOnlyList<SpecError> ImportInline(JsonNode? root, string specDirectory, string dataDirectory,
        Action<ImportResult>? imported = null, CancellationToken cancellationToken = default)
    {
        if (root is not JsonObject spec || spec["datasets"] is not JsonArray datasets)
        {
            return [];
        }
        var errors = new List<SpecError>();
        var imports = new List<(int Index, DatasetImportSpec Spec)>();
        for (int i = 0; i < datasets.Count; i++)
        {
            if (datasets[i] is not JsonObject entry)
            {
                continue;
            }
            string path = SpecPath.Index(SpecPath.Property(SpecPath.Root, "datasets"), i);
            if (Read(entry, path, specDirectory, errors) is { } import)
            {
                foreach (string problem in DatasetImporter.Check(import))
                {
                    errors.Add(new SpecError(path, problem));
                }
                imports.Add((i, import));
            }
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        foreach (var (index, import) in imports)
        {
            string path = SpecPath.Index(SpecPath.Property(SpecPath.Root, "datasets"), index);
            try
            {
                // Not imported?.Invoke(Run(…)): a null-conditional call would skip evaluating the import itself.
                var result = DatasetImporter.Run(import, dataDirectory, replace: true, null, cancellationToken);
                imported?.Invoke(result);
            }
            catch (DatasetException e)
            {
                errors.Add(new SpecError(path, e.Message));
            }
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        foreach (var (index, import) in imports)
        {
            datasets[index] = JsonValue.Create(import.Name);
        }
        return [];
    }

    private static DatasetImportSpec? Read(JsonObject entry, string path, string specDirectory, List<SpecError> errors)
    {
        int before = errors.Count;
        foreach (var (key, _) in entry)
        {
            if (!Keys.Contains(key))
            {
                errors.Add(new SpecError(SpecPath.Property(path, key), $"unknown key '{key}' in a dataset; a dataset takes {string.Join(", ", Keys)}"));
            }
        }
        string? name = Text(entry, path, "name", errors, required: true);
        string? formatName = Text(entry, path, "format", errors, required: true);
        DatasetFormat format = default;
        if (formatName is not null && !SpecNames.TryParse(formatName, out format))
        {
            errors.Add(new SpecError(SpecPath.Property(path, "format"), $"unknown format '{formatName}'; use one of {string.Join(", ", SpecNames.All<DatasetFormat>())}"));
        }
        string? train = FilePath(entry, path, "train", specDirectory, errors, required: true);
        string? test = FilePath(entry, path, "test", specDirectory, errors);
        string? trainLabels = FilePath(entry, path, "train_labels", specDirectory, errors);
        string? testLabels = FilePath(entry, path, "test_labels", specDirectory, errors);
        string? label = Text(entry, path, "label", errors);
        double fraction = Number(entry, path, "test_fraction", errors) ?? DatasetImportSpec.DefaultTestFraction;
        double? seed = Number(entry, path, "seed", errors);
        if (seed is double s && (s != Math.Floor(s) || s < 0 || s > int.MaxValue))
        {
            errors.Add(new SpecError(SpecPath.Property(path, "seed"), $"seed is a whole number ≥ 0; got {s.ToString(CultureInfo.InvariantCulture)}"));
        }
        int[]? size = null;
        if (entry["size"] is { } sizeNode)
        {
            var sides = sizeNode is JsonArray items ? items.Select(item => item is JsonValue v ? AsDouble(v) : null).ToList() : null;
            size = sides is not null && sides.All(side => side is double d && d == Math.Floor(d) && d is >= 0 and <= int.MaxValue)
                ? sides.Select(side => (int)side!.Value).ToArray()
                : null;
            if (size is null)
            {
                errors.Add(new SpecError(SpecPath.Property(path, "size"), "size is [height, width], e.g. [32, 32]"));
            }
        }
        if (errors.Count != before || name is null || train is null)
        {
            return null;
        }
        // Its settings are validated with its paths by DatasetImporter.Check.
        return new DatasetImportSpec(name, format, train, test, trainLabels, testLabels, label, fraction, size, (int)(seed ?? 0));
    }

    private static string? Text(JsonObject entry, string path, string key, List<SpecError> errors, bool required = false)
    {
        switch (entry[key])
        {
            case null when required:
                errors.Add(new SpecError(path, $"a dataset object needs '{key}'"));
                return null;
            case null:
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return value.GetValue<string>();
            default:
                errors.Add(new SpecError(SpecPath.Property(path, key), $"{key} is text; got {entry[key]!.ToJsonString()}"));
                return null;
        }
    }

    private static string? FilePath(JsonObject entry, string path, string key, string specDirectory, List<SpecError> errors, bool required = false) =>
        Text(entry, path, key, errors, required) is { } text ? Path.GetFullPath(Path.Combine(specDirectory, text)) : null;

    // A number, however it was built: parsed JSON keeps a JsonElement, the YAML reader makes ints, longs and doubles.
    private static double? AsDouble(JsonValue value) =>
        value.TryGetValue<JsonElement>(out var element) ? (element.ValueKind == JsonValueKind.Number ? element.GetDouble() : null)
        : value.TryGetValue<int>(out int i) ? i
        : value.TryGetValue<long>(out long l) ? l
        : value.TryGetValue<double>(out double d) ? d
        : null;

    private static double? Number(JsonObject entry, string path, string key, List<SpecError> errors)
    {
        if (entry[key] is not { } node)
        {
            return null;
        }
        if (node is JsonValue value && AsDouble(value) is double number)
        {
            return number;
        }
        errors.Add(new SpecError(SpecPath.Property(path, key), $"{key} is a number; got {node.ToJsonString()}"));
        return null;
    }
}
