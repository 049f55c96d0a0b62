using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;
using SkiaSharp;

namespace Grid.Compute.Tests.Data.Import;

/// <summary>
/// Each kind of bad input the importer refuses, on a small generated file: the message names the file and, where it
/// applies, the row and column; nothing is left in the data directory.
/// </summary>
public sealed class ImportValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new("grid-import-bad-");

    private string DataDir => _dir.File("data");

    public void Dispose() => _dir.Dispose();

    private DatasetException Refused(DatasetImportSpec spec)
    {
        var ex = Assert.Throws<DatasetException>(() => DatasetImporter.Import(spec, DataDir));
        // Validation comes before anything final is written: no dataset folder, no temporary folder left behind.
        string[] left = Directory.Exists(DataDir) ? Directory.GetFileSystemEntries(DataDir) : [];
        Assert.True(left.Length == 0, $"the data directory holds {string.Join(", ", left)} after a refused import");
        return ex;
    }

    private static DatasetImportSpec Csv(string path, string? label = null) => new("bad", DatasetFormat.Csv, path, null, null, null, label);

    private static DatasetImportSpec Npy(string path, string? labels = null) => new("bad", DatasetFormat.Npy, path, null, labels, null, null);

    private static string Lines(int from, int count) => string.Join('\n', Enumerable.Range(from, count).Select(r => $"{r},{r * 2},{r % 2}"));

    [Fact]
    public void A_non_numeric_cell_names_the_file_its_spreadsheet_row_and_its_column()
    {
        var csv = SourceFiles.Csv(_dir.File("wine.csv"), "alcohol,ash,class", "1.5,2,a", "1.7,two,b", "1.9,3,a");
        var ex = Refused(Csv(csv, "class"));
        Assert.Equal($"{csv}: row 3, column 'ash': 'two' is not a number", ex.Message);
    }

    [Fact]
    public void An_empty_cell_names_its_row_and_column()
    {
        var csv = SourceFiles.Csv(_dir.File("gaps.csv"), "x,y", "1,2", "3,4", "5,");
        Assert.Equal($"{csv}: row 4, column 'y': the cell is empty", Refused(Csv(csv)).Message);
    }

    [Fact]
    public void A_row_with_another_number_of_cells_names_its_row()
    {
        var csv = SourceFiles.Csv(_dir.File("ragged.csv"), "x,y,z", "1,2,3", "4,5", "6,7,8");
        Assert.Equal($"{csv}: row 3 has 2 cells; the header has 3", Refused(Csv(csv)).Message);
    }

    [Fact]
    public void A_label_column_that_is_not_there_is_named_with_the_columns_that_are()
    {
        var csv = SourceFiles.Csv(_dir.File("rows.csv"), "x,y", "1,2", "3,4", "5,6");
        var ex = Refused(Csv(csv, "class"));
        Assert.Equal($"{csv}: no column 'class' for the labels; the header names 'x', 'y'", ex.Message);
    }

    [Fact]
    public void NaN_and_infinity_are_counted_and_the_first_places_named()
    {
        var csv = SourceFiles.Csv(_dir.File("nan.csv"), "x,y", "1,2", "NaN,4", "5,inf", "7,8", "-Infinity,NaN");
        var ex = Refused(Csv(csv));
        Assert.StartsWith($"{csv}: 4 values are NaN or infinite", ex.Message);
        Assert.Contains("row 3, column 'x'; row 4, column 'y'; row 6, column 'x'; row 6, column 'y'", ex.Message);
    }

    [Fact]
    public void NaN_in_an_npy_array_is_named_by_its_index()
    {
        var data = new[] { 1.0, 2, 3, double.NaN, 5, 6 }.SelectMany(BitConverter.GetBytes).ToArray();
        var npy = SourceFiles.Npy(_dir.File("x.npy"), "<f8", [3, 2], data);
        Assert.Equal($"{npy}: 1 value is NaN or infinite (or beyond float32's range), at [1, 1]", Refused(Npy(npy)).Message);
    }

    [Fact]
    public void A_fortran_order_array_is_refused_with_what_to_do()
    {
        var npy = SourceFiles.Npy(_dir.File("f.npy"), "<f4", [2, 2], new byte[16], fortran: true);
        var ex = Refused(Npy(npy));
        Assert.StartsWith($"{npy}: the array is in Fortran order", ex.Message);
        Assert.Contains("ascontiguousarray", ex.Message);
    }

    [Fact]
    public void An_object_array_is_refused()
    {
        var npy = SourceFiles.Npy(_dir.File("o.npy"), "|O", [2, 2], new byte[32]);
        Assert.StartsWith($"{npy}: an object array ('|O') cannot be read", Refused(Npy(npy)).Message);
    }

    [Fact]
    public void A_truncated_npy_array_says_how_many_bytes_it_lacks()
    {
        var npy = SourceFiles.Npy(_dir.File("short.npy"), "<f4", [4, 3], new byte[40]);
        Assert.Equal($"{npy}: truncated: shape (4, 3) needs 48 data bytes but the file has 40", Refused(Npy(npy)).Message);
    }

    [Fact]
    public void A_file_that_is_not_in_the_format_says_so()
    {
        var npy = SourceFiles.Csv(_dir.File("x.npy"), "a,b", "1,2");
        Assert.StartsWith($"{npy}: not a NumPy .npy file", Refused(Npy(npy)).Message);
        var idx = SourceFiles.Csv(_dir.File("x.idx"), "a,b", "1,2");
        Assert.StartsWith($"{idx}: not an IDX file", Refused(new DatasetImportSpec("bad", DatasetFormat.Idx, idx, null, null, null, null)).Message);
        var parquet = SourceFiles.Csv(_dir.File("x.parquet"), "a,b", "1,2");
        Assert.StartsWith($"{parquet}: not a Parquet file", Refused(new DatasetImportSpec("bad", DatasetFormat.Parquet, parquet, null, null, null, null)).Message);
    }

    [Fact]
    public void Labels_not_one_per_row_are_refused_naming_both_files()
    {
        var npy = SourceFiles.NpyDoubles(_dir.File("x.npy"), [[1, 2], [3, 4], [5, 6]]);
        var labels = SourceFiles.NpyLabels(_dir.File("y.npy"), [0, 1]);
        Assert.Equal($"{labels}: 2 labels, but {npy} has 3 rows; they must match one to one", Refused(Npy(npy, labels)).Message);
    }

    [Fact]
    public void More_than_256_classes_are_refused()
    {
        var csv = SourceFiles.Csv(_dir.File("many.csv"), "x,class", Enumerable.Range(0, 300).Select(r => $"{r},k{r}").ToArray());
        var ex = Refused(Csv(csv, "class"));
        Assert.StartsWith($"{csv}: 300 distinct labels; at most 256 classes", ex.Message);
    }

    [Fact]
    public void Fewer_than_two_rows_are_refused()
    {
        var csv = SourceFiles.Csv(_dir.File("one.csv"), "x,y", "1,2");
        Assert.Equal($"{csv}: 1 row; a dataset needs at least 2 training rows", Refused(Csv(csv)).Message);
    }

    [Fact]
    public void A_split_that_leaves_no_test_rows_is_refused()
    {
        var csv = SourceFiles.Csv(_dir.File("few.csv"), "x,y", "1,2", "3,4");
        var ex = Refused(Csv(csv) with { TestFraction = 0.1 });
        Assert.StartsWith($"{csv}: test_fraction 0.1 of 2 rows leaves no test rows", ex.Message);
    }

    [Fact]
    public void Missing_files_and_bad_settings_are_all_reported_before_anything_is_read()
    {
        var spec = new DatasetImportSpec("mnist", DatasetFormat.Npy, _dir.File("x.npy"), _dir.File("t.npy"), _dir.File("y.npy"), null, "class", TestFraction: 1.5);
        var problems = DatasetImporter.Check(spec);
        Assert.Equal(
        [
            "name 'mnist' is the built-in dataset 'mnist'; choose another name",
            "test_fraction 1.5: must be between 0 and 1 (both excluded)",
            "train_labels with test needs test_labels too: the test rows need labels",
            "label applies to csv and parquet only (it names the label column)",
            $"train {_dir.File("x.npy")}: no such file",
            $"test {_dir.File("t.npy")}: no such file",
            $"train_labels {_dir.File("y.npy")}: no such file",
        ], problems);
        var ex = Refused(spec);
        Assert.Equal(string.Join(Environment.NewLine, problems), ex.Message);
    }

    [Fact]
    public void Images_of_different_sizes_name_the_first_that_differs()
    {
        string folder = _dir.File("photos");
        Directory.CreateDirectory(Path.Combine(folder, "cats"));
        Directory.CreateDirectory(Path.Combine(folder, "dogs"));
        Png(Path.Combine(folder, "cats", "a.png"), 4, 4);
        Png(Path.Combine(folder, "cats", "b.png"), 4, 4);
        Png(Path.Combine(folder, "dogs", "c.png"), 5, 4);
        Png(Path.Combine(folder, "dogs", "d.png"), 6, 6);
        var ex = Refused(new DatasetImportSpec("bad", DatasetFormat.Images, folder, null, null, null, null));
        Assert.StartsWith($"{Path.Combine(folder, "dogs", "c.png")}: 4×5 (height×width), but {Path.Combine(folder, "cats", "a.png")} is 4×4", ex.Message);
    }

    [Fact]
    public void A_file_that_is_no_image_in_an_image_folder_is_named()
    {
        string folder = _dir.File("photos");
        Directory.CreateDirectory(folder);
        Png(Path.Combine(folder, "a.png"), 4, 4);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "hello");
        Assert.StartsWith($"{Path.Combine(folder, "notes.txt")}: not a PNG or JPEG file", Refused(new DatasetImportSpec("bad", DatasetFormat.Images, folder, null, null, null, null)).Message);
        File.Delete(Path.Combine(folder, "notes.txt"));
        File.WriteAllText(Path.Combine(folder, "broken.png"), "not really a png");
        Assert.StartsWith($"{Path.Combine(folder, "broken.png")}: not an image SkiaSharp can decode", Refused(new DatasetImportSpec("bad", DatasetFormat.Images, folder, null, null, null, null)).Message);
    }

    [Fact]
    public void Train_and_test_rows_of_different_shapes_are_refused()
    {
        var train = SourceFiles.NpyDoubles(_dir.File("x.npy"), [[1, 2], [3, 4]]);
        var test = SourceFiles.NpyDoubles(_dir.File("t.npy"), [[1, 2, 3]]);
        var ex = Refused(new DatasetImportSpec("bad", DatasetFormat.Npy, train, test, null, null, null));
        Assert.Equal($"{test}: rows of [3] float32, but {train} has rows of [2] float32; both parts need one shape and type", ex.Message);
    }

    [Fact]
    public void A_fractional_label_is_refused_with_its_place()
    {
        var npy = SourceFiles.NpyDoubles(_dir.File("x.npy"), [[1, 2], [3, 4], [5, 6]]);
        var labels = SourceFiles.Npy(_dir.File("y.npy"), "<f8", [3], new[] { 0.0, 1.5, 1 }.SelectMany(BitConverter.GetBytes).ToArray());
        Assert.Equal($"{labels}: [1]: label 1.5 is not a whole number; labels are integers or text", Refused(Npy(npy, labels)).Message);
    }

    [Theory]
    [InlineData("no spaces", "name 'no spaces': use 1 to 64 letters, digits, '-' and '_', starting with a letter or digit")]
    [InlineData("-dash", "name '-dash': use 1 to 64 letters, digits, '-' and '_', starting with a letter or digit")]
    [InlineData("Fashion-MNIST", "name 'Fashion-MNIST' is the built-in dataset 'fashion-mnist'; choose another name")]
    public void Names_are_letters_digits_dashes_and_underscores_and_not_a_built_ins(string name, string problem)
    {
        Assert.Equal([problem], new DatasetImportSpec(name, DatasetFormat.Csv, "x.csv", null, null, null, null).Validate());
    }

    [Fact]
    public void Settings_that_do_not_apply_to_the_format_are_refused_in_the_callers_spelling()
    {
        var spec = new DatasetImportSpec("ok", DatasetFormat.Csv, "x.csv", null, "y.csv", null, null, Size: [0, 3]);
        Assert.Equal(
        [
            "--size [0, 3]: must be two positive whole numbers, [height, width]",
            "--size applies to the images format only (it resizes images)",
            "--train-labels applies to npy and idx only; csv labels are a column: use --label",
        ], spec.Validate(key => "--" + key.Replace('_', '-')));
        Assert.Equal(["test_fraction NaN: must be between 0 and 1 (both excluded)"], new DatasetImportSpec("ok", DatasetFormat.Csv, "x.csv", null, null, null, null, double.NaN).Validate());
        Assert.Equal(["format: unknown format; use one of csv, parquet, npy, idx, images"], new DatasetImportSpec("ok", (DatasetFormat)42, "x.csv", null, null, null, null).Validate());
    }

    private static void Png(string path, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(SKColors.Gray);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }
}
