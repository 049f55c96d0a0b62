using FsCheck;
using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;
using Grid.Testing.Fuzzing;
using Xunit.Abstractions;

namespace Grid.Compute.Tests.Fuzzing;

/// <summary>
/// The importer behind <c>grid data add</c> (<see cref="DatasetImporter.Import"/>) on generated and mutated files of every
/// format: every input imports, or is refused with a <see cref="DatasetException"/> that names the file (what the console
/// shows as one line, exit 2) and leaves nothing in the data directory; never another exception, never over
/// <see cref="Fuzzer"/>'s time and memory per input. docs/reliability.md ("Fuzzing") gives the counts.
/// </summary>
public sealed class DatasetReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.InMemory("grid-fuzz-import-");

    private string CaseDir => _dir.File("case");

    private string DataDir => _dir.File("data");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public Task CSV_files_import_or_are_refused_with_an_error_naming_the_file() => FuzzAsync("importer: CSV", ImportCases.Csvs, 3000);

    [Fact]
    public Task NPY_files_import_or_are_refused_with_an_error_naming_the_file() => FuzzAsync("importer: NPY", ImportCases.Npys, 3000);

    [Fact]
    public Task IDX_files_import_or_are_refused_with_an_error_naming_the_file() => FuzzAsync("importer: IDX", ImportCases.Idxs, 3000);

    [Fact]
    public Task Parquet_files_import_or_are_refused_with_an_error_naming_the_file() => FuzzAsync("importer: Parquet", ImportCases.Parquets, 1000);

    [Fact]
    public Task Image_folders_import_or_are_refused_with_an_error_naming_the_file() => FuzzAsync("importer: image folders", ImportCases.Images, 1200);

    private async Task FuzzAsync(string name, Gen<ImportCase> cases, int count)
    {
        var report = await Fuzzer.RunAsync(name, cases, count, Import, e => e is DatasetException && e.Message.Contains(CaseDir, StringComparison.Ordinal));
        output.WriteLine(report.ToString());
        Assert.True(report.Accepted > 0 && report.Refused > 0, $"{report}: expected both imports and refusals");
    }

    /// <summary>Writes the case's files into a fresh folder and imports them: true when imported, a <see cref="DatasetException"/> when refused.</summary>
    private bool Import(ImportCase input)
    {
        if (Directory.Exists(CaseDir))
        {
            Directory.Delete(CaseDir, recursive: true);
        }
        foreach (var file in input.Files)
        {
            string path = Path.Combine(CaseDir, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Bytes);
        }
        string? At(string? path) => path is null ? null : Path.Combine(CaseDir, path);
        var spec = new DatasetImportSpec("fuzzed", input.Format, At(input.Train)!, At(input.Test), At(input.TrainLabels), At(input.TestLabels), input.Label, Size: input.Size);
        DatasetDescriptor dataset;
        try
        {
            dataset = DatasetImporter.Import(spec, DataDir);
        }
        catch (DatasetException)
        {
            string[] left = Directory.Exists(DataDir) ? Directory.GetFileSystemEntries(DataDir) : [];
            Assert.True(left.Length == 0, $"a refused import left {string.Join(", ", left)} in the data directory");
            throw;
        }
        Assert.True(dataset.TrainCount >= 1 && dataset.TestCount >= 1 && dataset.Shape.Count > 0 && dataset.Shape.All(size => size > 0),
            $"imported {dataset.TrainCount} train and {dataset.TestCount} test rows of [{string.Join(", ", dataset.Shape)}]");
        Directory.Delete(Path.Combine(DataDir, dataset.Name), recursive: true);
        return true;
    }
}
