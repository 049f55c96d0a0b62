using System.IO.Compression;
using System.Runtime.InteropServices;
using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;
using SkiaSharp;

namespace Grid.Compute.Tests.Data.Import;

/// <summary>The importer on small generated files: every format of the same rows gives the same stored files, and what it writes loads.</summary>
public sealed class DatasetImporterTests : IDisposable
{
    private const int Rows = 30;
    private readonly TempDirectory _dir = new("grid-import-");

    private string DataDir => _dir.File("data");

    public void Dispose() => _dir.Dispose();

    /// <summary>Row r, feature f: fractions that float32 cannot hold exactly, so rounding must agree across formats.</summary>
    private static double[][] Values() =>
        Enumerable.Range(0, Rows).Select(r => Enumerable.Range(0, 4).Select(f => r * 0.37 - f * 1.1 + 0.1).ToArray()).ToArray();

    private static long[] Classes() => Enumerable.Range(0, Rows).Select(r => (long)(r % 3)).ToArray();

    private DatasetDescriptor Import(string name, DatasetFormat format, string train, string? trainLabels = null, string? label = null,
        string? test = null, string? testLabels = null, IReadOnlyList<int>? size = null) =>
        DatasetImporter.Import(new DatasetImportSpec(name, format, train, test, trainLabels, testLabels, label, Size: size), DataDir);

    [Fact]
    public async Task Every_format_of_the_same_rows_gives_the_same_checksums()
    {
        var values = Values();
        var classes = Classes();
        string header = "a,b,c,d,class";
        string[] lines = values.Select((row, r) => string.Join(',', row.Select(SourceFiles.Text)) + "," + classes[r]).ToArray();
        var csv = SourceFiles.Csv(_dir.File("rows.csv"), header, lines);
        using (var gz = new GZipStream(File.Create(_dir.File("rows.csv.gz")), CompressionLevel.Fastest))
        {
            await gz.WriteAsync(await File.ReadAllBytesAsync(csv));
        }
        var parquet = await SourceFiles.ParquetAsync(_dir.File("rows.parquet"), ["a", "b", "c", "d"], values, "class", classes.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), groupRows: 7);
        var npy = SourceFiles.NpyDoubles(_dir.File("x.npy"), values);
        var npyLabels = SourceFiles.NpyLabels(_dir.File("y.npy"), classes);
        var npyFloats = SourceFiles.Npy(_dir.File("x4.npy"), "<f4", [Rows, 4], values.SelectMany(r => r).SelectMany(v => BitConverter.GetBytes((float)v)).ToArray());
        var flat = values.SelectMany(r => r).ToArray();
        var idx = SourceFiles.Idx(_dir.File("x.idx"), 0x0E, [Rows, 4], flat);
        var idxFloats = SourceFiles.Idx(_dir.File("x4.idx"), 0x0D, [Rows, 4], flat);
        var idxLabels = SourceFiles.Idx(_dir.File("y.idx"), 0x08, [Rows], classes.Select(c => (double)c).ToArray());

        DatasetDescriptor[] imported =
        [
            Import("csv", DatasetFormat.Csv, csv, label: "class"),
            Import("csv-gz", DatasetFormat.Csv, _dir.File("rows.csv.gz"), label: "class"),
            Import("parquet", DatasetFormat.Parquet, parquet, label: "class"),
            Import("npy", DatasetFormat.Npy, npy, npyLabels),
            Import("npy-f4", DatasetFormat.Npy, npyFloats, npyLabels),
            Import("idx", DatasetFormat.Idx, idx, idxLabels),
            Import("idx-f4", DatasetFormat.Idx, idxFloats, idxLabels),
        ];

        var reference = imported[0];
        Assert.Equal([4], reference.Shape);
        Assert.Equal(ElementType.Float32, reference.Element);
        Assert.Equal(3, reference.Classes);
        Assert.Null(reference.ClassNames);
        Assert.Equal(Rows, reference.TrainCount + reference.TestCount);
        Assert.All(imported, d => Assert.Equal(Checksums(reference), Checksums(d)));
        Assert.All(imported, d => Assert.Equal((reference.TrainCount, reference.TestCount, reference.Classes), (d.TrainCount, d.TestCount, d.Classes)));
    }

    [Fact]
    public void Whole_numbers_in_any_integer_type_import_like_their_float64_array()
    {
        var values = Enumerable.Range(0, Rows).Select(r => Enumerable.Range(0, 2).Select(f => (double)(r * 3 - f * 40)).ToArray()).ToArray();
        var flat = values.SelectMany(r => r).ToArray();
        var labels = SourceFiles.NpyLabels(_dir.File("y.npy"), Classes());
        var idxLabels = SourceFiles.Idx(_dir.File("y.idx"), 0x08, [Rows], Classes().Select(c => (double)c).ToArray());
        var reference = Import("f8", DatasetFormat.Npy, SourceFiles.NpyDoubles(_dir.File("x.npy"), values), labels);
        var others = new[]
        {
            Import("i2", DatasetFormat.Npy, SourceFiles.Npy(_dir.File("i2.npy"), "<i2", [Rows, 2], flat.SelectMany(v => BitConverter.GetBytes((short)v)).ToArray()), labels),
            Import("i4-big", DatasetFormat.Npy, SourceFiles.Npy(_dir.File("i4.npy"), ">i4", [Rows, 2], flat.SelectMany(v => BitConverter.GetBytes((int)v).Reverse()).ToArray()), labels),
            Import("i8", DatasetFormat.Npy, SourceFiles.Npy(_dir.File("i8.npy"), "<i8", [Rows, 2], flat.SelectMany(v => BitConverter.GetBytes((long)v)).ToArray()), labels),
            Import("idx-i16", DatasetFormat.Idx, SourceFiles.Idx(_dir.File("x16.idx"), 0x0B, [Rows, 2], flat), idxLabels),
            Import("idx-i32", DatasetFormat.Idx, SourceFiles.Idx(_dir.File("x32.idx"), 0x0C, [Rows, 2], flat), idxLabels),
        };
        Assert.All(others, d => Assert.Equal(Checksums(reference), Checksums(d)));
    }

    [Fact]
    public void Grey_and_colour_images_import_like_their_uint8_arrays()
    {
        const int h = 5, w = 4;
        byte Pixel(int image, int channel, int y, int x) => (byte)((image * 31 + channel * 70 + y * 9 + x * 5) % 256);
        var classes = Enumerable.Range(0, 12).Select(i => i % 2).ToArray();
        foreach (int channels in new[] { 1, 3 })
        {
            // Written class by class so that the folder's order (class folder, then file) is the arrays' order.
            var order = Enumerable.Range(0, 12).OrderBy(i => classes[i]).ToArray();
            var pixels = order.SelectMany(i => Enumerable.Range(0, channels * h * w).Select(p => Pixel(i, p / (h * w), p / w % h, p % w))).ToArray();
            string folder = _dir.File($"images{channels}");
            foreach (var (i, position) in order.Select((i, position) => (i, position)))
            {
                Directory.CreateDirectory(Path.Combine(folder, $"c{classes[i]}"));
                using var bitmap = new SKBitmap(new SKImageInfo(w, h, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul));
                for (int y = 0; y < h; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        bitmap.SetPixel(x, y, channels == 1
                            ? new SKColor(Pixel(i, 0, y, x), Pixel(i, 0, y, x), Pixel(i, 0, y, x))
                            : new SKColor(Pixel(i, 0, y, x), Pixel(i, 1, y, x), Pixel(i, 2, y, x)));
                    }
                }
                using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(folder, $"c{classes[i]}", $"{position:D3}.png"), png.ToArray());
            }
            var labelTexts = order.Select(i => $"c{classes[i]}").ToArray();
            long[] shape = channels == 1 ? [12, h, w] : [12, 3, h, w];
            var fromImages = Import($"images{channels}", DatasetFormat.Images, folder);
            var fromNpy = Import($"npy{channels}", DatasetFormat.Npy, SourceFiles.Npy(_dir.File($"x{channels}.npy"), "|u1", shape, pixels), SourceFiles.NpyTextLabels(_dir.File($"y{channels}.npy"), labelTexts));
            var fromIdx = Import($"idx{channels}", DatasetFormat.Idx, SourceFiles.Idx(_dir.File($"x{channels}.idx"), 0x08, shape.Select(s => (int)s).ToArray(), pixels.Select(p => (double)p).ToArray()),
                SourceFiles.Idx(_dir.File($"y{channels}.idx"), 0x08, [12], order.Select(i => (double)classes[i]).ToArray()));

            Assert.Equal([channels, h, w], fromImages.Shape);
            Assert.Equal(ElementType.UInt8, fromImages.Element);
            Assert.Equal(["c0", "c1"], fromImages.ClassNames);
            Assert.Equal(Checksums(fromImages), Checksums(fromNpy));
            Assert.Equal(Checksums(fromImages), Checksums(fromIdx));
            Assert.Null(fromIdx.ClassNames);
        }
    }

    [Fact]
    public void Images_are_resized_to_the_size_asked_for()
    {
        string folder = _dir.File("photos");
        Directory.CreateDirectory(folder);
        foreach (var (name, width, height) in new[] { ("a.png", 10, 6), ("b.jpg", 7, 9), ("c.png", 4, 4) })
        {
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
            bitmap.Erase(new SKColor(200, 40, 10));
            using var encoded = bitmap.Encode(name.EndsWith(".png", StringComparison.Ordinal) ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 95);
            File.WriteAllBytes(Path.Combine(folder, name), encoded.ToArray());
        }
        var dataset = DatasetImporter.Import(new DatasetImportSpec("photos", DatasetFormat.Images, folder, null, null, null, null, TestFraction: 0.4, Size: [3, 2]), DataDir);
        Assert.Equal([3, 3, 2], dataset.Shape);
        Assert.False(dataset.Labelled);
        var split = new DatasetStore(DataDir).Load("photos");
        Assert.Equal(3, split.Train.Count + split.Test.Count);
        // A uniform colour stays that colour through decoding, resizing and JPEG's rounding (within a few levels).
        Assert.All(split.Train.RowValues(0).Chunk(6).Zip([200f, 40f, 10f]), channel => Assert.All(channel.First, v => Assert.InRange(v, channel.Second - 4, channel.Second + 4)));
    }

    [Fact]
    public void What_is_imported_loads_from_the_data_directory_with_its_labels_and_class_names()
    {
        var values = Values();
        string[] species = Enumerable.Range(0, Rows).Select(r => r % 3 == 0 ? "setosa" : r % 3 == 1 ? "versicolor" : "virginica").ToArray();
        var csv = SourceFiles.Csv(_dir.File("iris.csv"), "species,a,b,c,d", values.Select((row, r) => species[r] + "," + string.Join(',', row.Select(SourceFiles.Text))).ToArray());
        var dataset = Import("tiny-iris", DatasetFormat.Csv, csv, label: "species");

        var store = new DatasetStore(DataDir);
        Assert.True(store.Registry.TryGet("TINY-IRIS", out var found), "the store's registry finds the imported dataset by name, ignoring case");
        Assert.Equal(dataset.Identity, found.Identity);
        var split = store.Load("tiny-iris");
        Assert.Equal(dataset.TrainCount, split.Train.Count);
        Assert.Equal(["setosa", "versicolor", "virginica"], found.ClassNames);
        // Row values survive as float32, and labels as class indices in ordinal order of the names.
        var testRows = Enumerable.Range(0, Rows).Select(r => (Row: r, Values: values[r].Select(v => (float)v).ToArray())).ToList();
        for (int i = 0; i < split.Train.Count; i++)
        {
            var row = split.Train.RowValues(i);
            int source = testRows.Single(t => t.Values.SequenceEqual(row)).Row;
            Assert.Equal(source % 3, split.Train.Labels![i]);
        }
        Assert.Contains(store.ListImported(), i => i.Dataset?.Name == "tiny-iris");
    }

    [Fact]
    public void The_split_is_stratified_seeded_and_keeps_the_file_order()
    {
        var values = Values();
        var csv = SourceFiles.Csv(_dir.File("rows.csv"), "a,b,c,d,class", values.Select((row, r) => string.Join(',', row.Select(SourceFiles.Text)) + "," + (r % 3)).ToArray());
        var a = DatasetImporter.Import(new DatasetImportSpec("a", DatasetFormat.Csv, csv, null, null, null, "class", TestFraction: 0.3, Seed: 1), DataDir);
        var b = DatasetImporter.Import(new DatasetImportSpec("b", DatasetFormat.Csv, csv, null, null, null, "class", TestFraction: 0.3, Seed: 1), DataDir);
        var c = DatasetImporter.Import(new DatasetImportSpec("c", DatasetFormat.Csv, csv, null, null, null, "class", TestFraction: 0.3, Seed: 2), DataDir);
        Assert.Equal(Checksums(a), Checksums(b));
        Assert.NotEqual(Checksums(a), Checksums(c));
        var test = new DatasetStore(DataDir).Load("a").Test;
        // 10 rows per class, 30 % of each: 3 test rows of every class.
        Assert.Equal(9, test.Count);
        Assert.All(Enumerable.Range(0, 3), k => Assert.Equal(3, test.Labels!.Count(l => l == k)));
        var firstValues = Enumerable.Range(0, test.Count).Select(i => test.RowValues(i)[0]).ToArray();
        Assert.Equal(firstValues.Order(), firstValues);
    }

    [Fact]
    public void Importing_the_same_content_again_changes_nothing_and_other_content_needs_replace()
    {
        var values = Values();
        var csv = SourceFiles.Csv(_dir.File("rows.csv"), "a,b,c,d", values.Select(row => string.Join(',', row.Select(SourceFiles.Text))).ToArray());
        var spec = new DatasetImportSpec("rows", DatasetFormat.Csv, csv, null, null, null, null);
        Assert.Equal(ImportOutcome.Imported, DatasetImporter.Run(spec, DataDir, replace: false).Outcome);
        string manifest = Path.Combine(DataDir, "rows", DatasetManifest.FileName);
        var written = File.GetLastWriteTimeUtc(manifest);
        Assert.Equal(ImportOutcome.Unchanged, DatasetImporter.Run(spec, DataDir, replace: false).Outcome);
        Assert.Equal(written, File.GetLastWriteTimeUtc(manifest));

        var changed = SourceFiles.Csv(_dir.File("changed.csv"), "a,b,c,d", values.Skip(1).Select(row => string.Join(',', row.Select(SourceFiles.Text))).ToArray());
        var ex = Assert.Throws<DatasetException>(() => DatasetImporter.Run(spec with { Train = changed }, DataDir, replace: false));
        Assert.Contains(Path.Combine(DataDir, "rows"), ex.Message);
        Assert.Contains("--replace", ex.Message);
        var replaced = DatasetImporter.Run(spec with { Train = changed }, DataDir, replace: true);
        Assert.Equal(ImportOutcome.Replaced, replaced.Outcome);
        Assert.Equal(Rows - 1, replaced.Dataset.TrainCount + replaced.Dataset.TestCount);
        Assert.Equal(["rows"], Directory.GetDirectories(DataDir).Select(Path.GetFileName));
    }

    [Fact]
    public void Files_already_in_stored_form_are_copied_as_they_are_and_still_checked()
    {
        byte[] Pixels(int rows, int seed) => Enumerable.Range(0, rows * 6).Select(i => (byte)((i * 13 + seed) % 256)).ToArray();
        long[] labels = [.. Enumerable.Range(0, 20).Select(r => (long)(r % 4))];
        // (n, 1, 3, 2): the stored shape of one-channel 3×2 images, so the files are copied byte for byte.
        var train = SourceFiles.Npy(_dir.File("train.npy"), "|u1", [20, 1, 3, 2], Pixels(20, 1));
        var test = SourceFiles.Npy(_dir.File("test.npy"), "|u1", [8, 1, 3, 2], Pixels(8, 2));
        var trainLabels = SourceFiles.NpyLabels(_dir.File("train-y.npy"), labels);
        var testLabels = SourceFiles.NpyLabels(_dir.File("test-y.npy"), labels[..8]);
        var copied = Import("copied", DatasetFormat.Npy, train, trainLabels, test: test, testLabels: testLabels);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(train))), copied.TrainData.Sha256);
        Assert.Equal(File.ReadAllBytes(train), File.ReadAllBytes(Path.Combine(DataDir, "copied", DatasetImporter.TrainFile)));
        var idx = Import("from-idx", DatasetFormat.Idx,
            SourceFiles.Idx(_dir.File("train.idx"), 0x08, [20, 3, 2], [.. Pixels(20, 1).Select(p => (double)p)]), SourceFiles.Idx(_dir.File("train-y.idx"), 0x08, [20], [.. labels.Select(l => (double)l)]),
            test: SourceFiles.Idx(_dir.File("test.idx"), 0x08, [8, 3, 2], [.. Pixels(8, 2).Select(p => (double)p)]), testLabels: SourceFiles.Idx(_dir.File("test-y.idx"), 0x08, [8], [.. labels[..8].Select(l => (double)l)]));
        Assert.Equal(Checksums(idx), Checksums(copied));
        // (n, 3, 2) holds the same images under another header (of the same length): copied with the stored header written over it.
        var reshaped = Import("reshaped", DatasetFormat.Npy, SourceFiles.Npy(_dir.File("train3.npy"), "|u1", [20, 3, 2], Pixels(20, 1)), trainLabels,
            test: SourceFiles.Npy(_dir.File("test3.npy"), "|u1", [8, 3, 2], Pixels(8, 2)), testLabels: testLabels);
        Assert.Equal(Checksums(copied), Checksums(reshaped));

        // A NaN in a float32 file that would be copied as it is: still found, and nothing is left behind.
        var floats = SourceFiles.Npy(_dir.File("f.npy"), "<f4", [3, 2], new[] { 1f, 2, 3, 4, 5, 6 }.SelectMany(BitConverter.GetBytes).ToArray());
        var nan = SourceFiles.Npy(_dir.File("nan.npy"), "<f4", [2, 2], new[] { 1f, float.NaN, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray());
        var ex = Assert.Throws<DatasetException>(() => Import("nan", DatasetFormat.Npy, floats, test: nan));
        Assert.Equal($"{nan}: 1 value is NaN or infinite (or beyond float32's range), at [0, 1]", ex.Message);
        Assert.False(Directory.Exists(Path.Combine(DataDir, "nan")));
        Assert.DoesNotContain(Directory.GetDirectories(DataDir), d => Path.GetFileName(d).StartsWith('.'));

        // Both files bad: the training file's problem is the one reported, though its checksum runs on another thread.
        var infinite = SourceFiles.Npy(_dir.File("inf.npy"), "<f4", [3, 2], new[] { 1f, 2, float.PositiveInfinity, 4, 5, 6 }.SelectMany(BitConverter.GetBytes).ToArray());
        ex = Assert.Throws<DatasetException>(() => Import("both", DatasetFormat.Npy, infinite, test: nan));
        Assert.Equal($"{infinite}: 1 value is NaN or infinite (or beyond float32's range), at [1, 0]", ex.Message);
        // A labels problem found while that checksum runs: reported, and nothing is left behind either.
        var fewLabels = SourceFiles.NpyLabels(_dir.File("few.npy"), [0, 1]);
        ex = Assert.Throws<DatasetException>(() => Import("few", DatasetFormat.Npy, floats, trainLabels: fewLabels, test: floats, testLabels: SourceFiles.NpyLabels(_dir.File("three.npy"), [0, 1, 0])));
        Assert.StartsWith($"{fewLabels}: 2 labels, but {floats} has 3 rows", ex.Message);
        Assert.DoesNotContain(Directory.GetDirectories(DataDir), d => Path.GetFileName(d) is "both" or "few" || Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void Spaces_around_cells_and_quoted_labels_read_as_their_values()
    {
        var plain = SourceFiles.Csv(_dir.File("plain.csv"), "x,y,kind", "1.5,2,red", "3,-4.25,blue", "5,6,red", "7,8,blue", "9,10,red");
        var spaced = SourceFiles.Csv(_dir.File("spaced.csv"), "x, y , kind", " 1.5, 2 ,\"red\"", "3 , -4.25, blue", "5,6 , red", "7,8,\"blue\"", "9,10,red ");
        Assert.Equal(Checksums(Import("plain", DatasetFormat.Csv, plain, label: "kind")), Checksums(Import("spaced", DatasetFormat.Csv, spaced, label: "kind")));
    }

    [Fact]
    public void Unlabeled_rows_get_a_plain_seeded_split_and_no_label_files()
    {
        var csv = SourceFiles.Csv(_dir.File("rows.csv"), "a,b,c,d", Values().Select(row => string.Join(',', row.Select(SourceFiles.Text))).ToArray());
        var dataset = Import("plain", DatasetFormat.Csv, csv);
        Assert.False(dataset.Labelled);
        Assert.Equal(0, dataset.Classes);
        Assert.Equal(6, dataset.TestCount);
        Assert.Equal(["dataset.json", "test.npy", "train.npy"], Directory.GetFiles(Path.Combine(DataDir, "plain")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var split = new DatasetStore(DataDir).Load("plain");
        Assert.Null(split.Train.Labels);
    }

    [Fact]
    public void The_manifest_reads_back_as_the_descriptor_it_was_written_from()
    {
        var csv = SourceFiles.Csv(_dir.File("rows.csv"), "a,b,c,d,class", Values().Select((row, r) => string.Join(',', row.Select(SourceFiles.Text)) + "," + (r % 2 == 0 ? "even" : "odd")).ToArray());
        var dataset = Import("manifest", DatasetFormat.Csv, csv, label: "class");
        var read = DatasetManifest.Read(Path.Combine(DataDir, "manifest", DatasetManifest.FileName));
        Assert.Equal(dataset.Identity, read.Identity);
        Assert.Equal(dataset.Shape, read.Shape);
        Assert.Equal(dataset.Element, read.Element);
        Assert.Equal(dataset.ClassNames, read.ClassNames);
        Assert.Equal((dataset.Classes, dataset.TrainCount, dataset.TestCount), (read.Classes, read.TrainCount, read.TestCount));
        Assert.Equal(dataset.Files, read.Files);
        Assert.Equal(dataset.Source.ImportedFrom, read.Source.ImportedFrom);
        Assert.Contains(csv, read.Source.ImportedFrom);
    }

    [Fact]
    public void A_registry_that_cannot_find_a_dataset_names_it_and_every_directory_it_looked_in()
    {
        string shared = _dir.File("shared");
        var registry = new ImportedDatasetRegistry(DatasetRegistry.WithBuiltIns(), [DataDir, shared]);
        var ex = Assert.Throws<UnknownDatasetException>(() => ((IDatasetRegistry)registry).Get("wine"));
        Assert.Contains("'wine'", ex.Message);
        Assert.Contains(Path.GetFullPath(DataDir), ex.Message);
        Assert.Contains(Path.GetFullPath(shared), ex.Message);

        // Found in the second directory: the store reads it from there.
        var csv = SourceFiles.Csv(_dir.File("rows.csv"), "a,b,c,d", Values().Select(row => string.Join(',', row.Select(SourceFiles.Text))).ToArray());
        DatasetImporter.Import(new DatasetImportSpec("wine", DatasetFormat.Csv, csv, null, null, null, null), shared);
        Assert.True(registry.TryGet("wine", out var wine));
        Assert.Contains(registry.All, d => d.Name == "wine");
        Assert.Equal(Rows, new DatasetStore(DataDir, registry).Load(wine).Train.Count + wine.TestCount);
    }

    private static string[] Checksums(DatasetDescriptor dataset) => dataset.Files.Select(f => $"{f.Name} {f.Sha256}").ToArray();
}
