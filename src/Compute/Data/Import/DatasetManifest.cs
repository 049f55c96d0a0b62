using System.Text.Json;
using System.Text.Json.Serialization;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Compute.Data.Import;

/// <summary>
/// <c>DIR/NAME/dataset.json</c>, the descriptor of an imported dataset beside its files: name, row shape, element type,
/// classes and class names, each file with its SHA-256 and size, row counts and what it was imported from. Written by the
/// importer, read by every process that looks the dataset up (<see cref="ImportedDatasetRegistry"/>).
/// </summary>
public static class DatasetManifest
{
    /// <summary>The manifest's file name in a dataset's folder.</summary>
    public const string FileName = "dataset.json";

    /// <summary>The form of the file; a reader refuses a form it does not know.</summary>
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <paramref name="dataset"/>'s manifest into <paramref name="directory"/> and returns its path.</summary>
    public static string Write(DatasetDescriptor dataset, string directory, DateTimeOffset? importedAt = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var manifest = new Manifest(
            Version,
            dataset.Name,
            [.. dataset.Shape],
            SpecNames.Of(dataset.Element),
            dataset.Classes,
            dataset.ClassNames is { } names ? [.. names] : null,
            dataset.TrainCount,
            dataset.TestCount,
            new Files(File(dataset.TrainData)!, File(dataset.TrainLabels), File(dataset.TestData)!, File(dataset.TestLabels)),
            dataset.Source.ImportedFrom ?? "",
            importedAt ?? DateTimeOffset.UtcNow);
        string path = Path.Combine(directory, FileName);
        System.IO.File.WriteAllText(path, JsonSerializer.Serialize(manifest, Json) + Environment.NewLine);
        return path;
    }

    /// <summary>Reads a manifest; a <see cref="DatasetException"/> naming the file when it is not a valid one.</summary>
    public static DatasetDescriptor Read(string path)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(System.IO.File.ReadAllText(path), Json);
        }
        catch (FileNotFoundException)
        {
            throw new DatasetException($"{path}: file is missing");
        }
        catch (DirectoryNotFoundException)
        {
            throw new DatasetException($"{path}: file is missing");
        }
        catch (JsonException ex)
        {
            throw new DatasetException($"{path}: not a dataset manifest ({ex.Message})", ex);
        }
        if (manifest is null)
        {
            throw new DatasetException($"{path}: empty dataset manifest");
        }
        if (manifest.FormatVersion != Version)
        {
            throw new DatasetException($"{path}: manifest form {manifest.FormatVersion}; this Grid reads form {Version}");
        }
        if (!DatasetImportSpec.IsValidName(manifest.Name) || manifest.Shape is not { Length: 1 or 3 } || manifest.Shape.Any(s => s <= 0)
            || !SpecNames.TryParse<ElementType>(manifest.Element, out var element) || manifest.Files?.Train is null || manifest.Files.Test is null
            || manifest.Classes is < 0 or > ClassMap.MaxClasses || manifest.TrainRows < 1 || manifest.TestRows < 1
            || (manifest.Classes > 0) != (manifest.Files.TrainLabels is not null && manifest.Files.TestLabels is not null))
        {
            throw new DatasetException($"{path}: incomplete or inconsistent dataset manifest (name, shape, element, classes, files, row counts)");
        }
        string folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "";
        if (folder != manifest.Name)
        {
            throw new DatasetException($"{path}: the manifest names dataset '{manifest.Name}' but lies in folder '{folder}'");
        }
        return new DatasetDescriptor(
            manifest.Name,
            manifest.Shape,
            manifest.Classes,
            Descriptor(manifest.Files.Train, path)!,
            Descriptor(manifest.Files.TrainLabels, path),
            Descriptor(manifest.Files.Test, path)!,
            Descriptor(manifest.Files.TestLabels, path),
            manifest.TrainRows,
            manifest.TestRows,
            DatasetSource.Imported(manifest.ImportedFrom ?? ""))
        {
            Element = element,
            ClassNames = manifest.ClassNames,
        };
    }

    private static ManifestFile? File(DatasetFile? file) => file is null ? null : new(file.Name, file.Sha256, file.Bytes);

    private static DatasetFile? Descriptor(ManifestFile? file, string path)
    {
        if (file is null)
        {
            return null;
        }
        // File names stay inside the dataset's folder, and checksums are SHA-256 in hex.
        return file.Name is { Length: > 0 } name && name == Path.GetFileName(name) && file.Sha256 is { Length: 64 } sha && sha.All(char.IsAsciiHexDigitLower) && file.Bytes > 0
            ? new DatasetFile(name, sha, file.Bytes)
            : throw new DatasetException($"{path}: file entry '{file.Name}' needs a plain file name, a lower-case SHA-256 and a size");
    }

    private sealed record Manifest(
        int FormatVersion,
        string Name,
        int[] Shape,
        string Element,
        int Classes,
        string[]? ClassNames,
        int TrainRows,
        int TestRows,
        Files Files,
        string? ImportedFrom,
        DateTimeOffset ImportedAt);

    private sealed record Files(ManifestFile Train, ManifestFile? TrainLabels, ManifestFile Test, ManifestFile? TestLabels);

    private sealed record ManifestFile(string Name, string Sha256, long Bytes);
}
