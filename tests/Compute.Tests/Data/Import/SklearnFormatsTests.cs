using System.Globalization;
using Grid.Compute.Data;
using Grid.Compute.Data.Export;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;

namespace Grid.Compute.Tests.Data.Import;

/// <summary>
/// Real data nobody in this project wrote: scikit-learn's bundled digits (1,797 8×8 images) and iris (150 rows), written
/// by <c>tests/data/sklearn-formats.py</c> as CSV, gzipped CSV, NPY, IDX and a folder of PNGs (and here as Parquet). Each
/// format of the same rows must import to the same files.
/// </summary>
public sealed class SklearnFormatsTests(SklearnFormatsFixture files) : IClassFixture<SklearnFormatsFixture>, IDisposable
{
    private const int DigitsRows = 1797;
    private readonly TempDirectory _data = new("grid-import-sklearn-");

    public void Dispose() => _data.Dispose();

    private string Digits(string name) => Path.Combine(files.Folder, "digits", name);

    private string Iris(string name) => Path.Combine(files.Folder, "iris", name);

    private DatasetDescriptor Import(string name, DatasetFormat format, string train, string? trainLabels = null, string? label = null) =>
        DatasetImporter.Import(new DatasetImportSpec(name, format, train, null, trainLabels, null, label), _data.Path);

    [PythonFact]
    public async Task Digits_as_a_table_import_to_the_same_checksums_in_every_format()
    {
        var parquet = await ParquetFromCsvAsync(Digits("digits.csv"), Digits("digits.parquet"));
        DatasetDescriptor[] imported =
        [
            Import("csv", DatasetFormat.Csv, Digits("digits.csv"), label: "label"),
            Import("csv-gz", DatasetFormat.Csv, Digits("digits.csv.gz"), label: "label"),
            Import("parquet", DatasetFormat.Parquet, parquet, label: "label"),
            Import("npy", DatasetFormat.Npy, Digits("x.npy"), Digits("y.npy")),
            Import("idx", DatasetFormat.Idx, Digits("x.idx"), Digits("y.idx")),
        ];
        var csv = imported[0];
        Assert.Equal([64], csv.Shape);
        Assert.Equal(ElementType.Float32, csv.Element);
        Assert.Equal(10, csv.Classes);
        Assert.Null(csv.ClassNames);
        Assert.Equal(DigitsRows, csv.TrainCount + csv.TestCount);
        Assert.InRange(csv.TestCount, 355, 365);   // 20 % of each class's ~180 rows
        Assert.All(imported, d => Assert.Equal(Checksums(csv), Checksums(d)));
    }

    [PythonFact]
    public void Digits_as_images_import_to_the_same_checksums_as_their_uint8_arrays_and_hold_the_tables_numbers()
    {
        DatasetDescriptor[] imported =
        [
            Import("images", DatasetFormat.Images, Digits("images")),
            Import("npy8", DatasetFormat.Npy, Digits("x8.npy"), Digits("y.npy")),
            Import("idx8", DatasetFormat.Idx, Digits("x8.idx"), Digits("y.idx")),
        ];
        var images = imported[0];
        Assert.Equal([1, 8, 8], images.Shape);
        Assert.Equal(ElementType.UInt8, images.Element);
        Assert.Equal(10, images.Classes);
        Assert.Null(images.ClassNames);
        Assert.All(imported, d => Assert.Equal(Checksums(images), Checksums(d)));

        // The same rows and split as the table: uint8 pixels equal the float32 numbers, row by row.
        var table = Import("table", DatasetFormat.Npy, Digits("x.npy"), Digits("y.npy"));
        var store = new DatasetStore(_data.Path);
        var (pixels, numbers) = (store.Load(images), store.Load(table));
        Assert.Equal(numbers.Train.Labels, pixels.Train.Labels);
        Assert.Equal(numbers.Test.Labels, pixels.Test.Labels);
        Assert.All(Enumerable.Range(0, pixels.Train.Count), r => Assert.Equal(numbers.Train.RowValues(r), pixels.Train.RowValues(r)));
    }

    [PythonFact]
    public async Task Iris_imports_to_the_same_checksums_with_its_species_as_class_names()
    {
        var parquet = await ParquetFromCsvAsync(Iris("iris.csv"), Iris("iris.parquet"));
        DatasetDescriptor[] named =
        [
            Import("csv", DatasetFormat.Csv, Iris("iris.csv"), label: "species"),
            Import("parquet", DatasetFormat.Parquet, parquet, label: "species"),
            Import("npy", DatasetFormat.Npy, Iris("x.npy"), Iris("y.npy")),
        ];
        var numbered = Import("idx", DatasetFormat.Idx, Iris("x.idx"), Iris("y.idx"));
        var csv = named[0];
        Assert.Equal([4], csv.Shape);
        Assert.Equal(3, csv.Classes);
        Assert.Equal((120, 30), (csv.TrainCount, csv.TestCount));
        Assert.All(named, d => Assert.Equal(["setosa", "versicolor", "virginica"], d.ClassNames));
        Assert.Null(numbered.ClassNames);
        Assert.All([.. named, numbered], d => Assert.Equal(Checksums(csv), Checksums(d)));
        var split = new DatasetStore(_data.Path).Load(csv);
        Assert.All(Enumerable.Range(0, 3), k => Assert.Equal(10, split.Test.Labels!.Count(l => l == k)));
    }

    [PythonFact]
    public void Datasets_exported_as_csv_import_again_to_the_same_checksums() => ExportAndImportAgain(DatasetFormat.Csv);

    [PythonFact]
    public void Datasets_exported_as_parquet_import_again_to_the_same_checksums() => ExportAndImportAgain(DatasetFormat.Parquet);

    private void ExportAndImportAgain(DatasetFormat format)
    {
        var store = new DatasetStore(_data.Path);
        foreach (var original in new[]
        {
            Import("digits", DatasetFormat.Csv, Digits("digits.csv"), label: "label"),
            Import("iris", DatasetFormat.Csv, Iris("iris.csv"), label: "species"),
        })
        {
            string folder = Path.Combine(_data.Path, "exported", original.Name);
            string extension = format == DatasetFormat.Csv ? ".csv" : ".parquet";

            var files = DatasetExporter.Export(store, original.Name, format, folder);

            Assert.Equal([Path.Combine(folder, "train" + extension), Path.Combine(folder, "test" + extension)], files);
            var again = DatasetImporter.Import(new DatasetImportSpec(original.Name + "-again", format, files[0], files[1], null, null, DatasetExporter.LabelColumn), _data.Path);
            Assert.Equal(Checksums(original), Checksums(again));
            Assert.Equal(original.ClassNames, again.ClassNames);
        }
    }

    /// <summary>The script's CSV (no quoting: numbers and plain names) as Parquet, written with Parquet.Net: doubles and a text label column.</summary>
    private static async Task<string> ParquetFromCsvAsync(string csv, string parquet)
    {
        var lines = await File.ReadAllLinesAsync(csv);
        var header = lines[0].Split(',');
        var cells = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        var rows = cells.Select(c => c[..^1].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return await SourceFiles.ParquetAsync(parquet, header[..^1], rows, header[^1], cells.Select(c => c[^1]).ToArray(), groupRows: 500);
    }

    private static string[] Checksums(DatasetDescriptor dataset) => dataset.Files.Select(f => $"{f.Name} {f.Sha256}").ToArray();
}

/// <summary>Runs <c>tests/data/sklearn-formats.py</c> once into a temporary folder for the tests of a class.</summary>
public sealed class SklearnFormatsFixture : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("grid-sklearn-formats-");

    public string Folder => _folder.Path;

    public async Task InitializeAsync()
    {
        if (PythonFactAttribute.Python is not { } python)
        {
            return;
        }
        var (code, _, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(2), python, Repository.PathOf("tests", "data", "sklearn-formats.py"), Folder);
        Assert.True(code == 0, $"tests/data/sklearn-formats.py exited {code}: {stderr} (scripts/setup.sh test installs python3-sklearn and python3-pil)");
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A fact that needs python3 to write its data: skipped, saying so, on a machine without it (scripts/setup.sh test installs it).</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (Python is null)
        {
            Skip = "python3 is not installed: the import tests on scikit-learn's tables need it (scripts/setup.sh test installs python3-sklearn and python3-pil)";
        }
    }

    /// <summary>Debian's /usr/bin/python3 (with python3-sklearn), else the first python3 on PATH; null when there is none.</summary>
    public static string? Python { get; } =
        new[] { "/usr/bin/python3" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, "python3")))
            .FirstOrDefault(File.Exists);
}
