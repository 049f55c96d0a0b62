using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;

namespace Grid.Client.Commands;

/// <summary>
/// <c>grid bench data</c>: what importing costs next to the cheapest thing that touches the same bytes. (a) Fashion-MNIST
/// as NPY (its IDX files converted once to .npy in a temporary folder), imported with <c>grid data add</c>'s importer
/// and copied with <see cref="File.Copy(string, string)"/>; (b) a generated CSV of rows × columns numbers and a label
/// column, read by the CSV reader and by <see cref="File.ReadAllBytes"/>. Each timing is taken <c>repeat</c> times after
/// one untimed warm-up (so both read from the page cache), alternating the two; the report gives the median and best.
/// Beside (a) it times SHA-256 of the same files alone: the floor of an import that checksums what it stores.
/// </summary>
internal static class DataImportBench
{
    public static async Task<Dictionary<string, object>> RunAsync(string dataDir, int repeat, int csvRows, int csvColumns, Action<string> status, CancellationToken cancellationToken)
    {
        var report = new Dictionary<string, object> { ["processor_count"] = Environment.ProcessorCount, ["repeat"] = repeat };
        using var work = new TempFolder();

        status("Fashion-MNIST: converting its IDX files to .npy once…");
        var store = new DatasetStore(dataDir);
        var fashion = BuiltInDatasets.FashionMnist;
        await DataCommands.EnsureFetchedAsync(store, fashion, cancellationToken);
        string source = Directory.CreateDirectory(Path.Combine(work.Path, "npy")).FullName;
        string[] npy = [.. new[] { fashion.TrainData, fashion.TrainLabels!, fashion.TestData, fashion.TestLabels! }.Select(file => ToNpy(store, fashion, file, source))];
        var spec = new DatasetImportSpec("fashion-npy", DatasetFormat.Npy, npy[0], npy[2], npy[1], npy[3], null);
        long npyBytes = npy.Sum(f => new FileInfo(f).Length);

        var copySeconds = new List<double>();
        var importSeconds = new List<double>();
        var hashSeconds = new List<double>();
        for (int run = 0; run <= repeat; run++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            status($"Fashion-MNIST: copy and import, run {run} of {repeat}{(run == 0 ? " (warm-up)" : "")}…");
            string copyTo = Directory.CreateDirectory(Path.Combine(work.Path, $"copy{run}")).FullName;
            var watch = Stopwatch.StartNew();
            foreach (string file in npy)
            {
                File.Copy(file, Path.Combine(copyTo, Path.GetFileName(file)));
            }
            double copy = watch.Elapsed.TotalSeconds;
            Directory.Delete(copyTo, recursive: true);

            string importTo = Path.Combine(work.Path, $"data{run}");
            watch.Restart();
            var result = DatasetImporter.Run(spec, importTo, replace: false, cancellationToken: cancellationToken);
            double import = watch.Elapsed.TotalSeconds;
            if (result.Dataset.TrainCount != fashion.TrainCount || result.Dataset.TestCount != fashion.TestCount)
            {
                throw new InvalidOperationException($"the import holds {result.Dataset.TrainCount}/{result.Dataset.TestCount} rows, not {fashion.TrainCount}/{fashion.TestCount}");
            }
            Directory.Delete(importTo, recursive: true);
            // The floor of any import that checksums what it stores: SHA-256 of the same bytes, read from the page cache.
            watch.Restart();
            foreach (string file in npy)
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                SHA256.HashData(stream);
            }
            double hash = watch.Elapsed.TotalSeconds;
            if (run > 0)
            {
                copySeconds.Add(copy);
                importSeconds.Add(import);
                hashSeconds.Add(hash);
            }
        }
        report["npy_rows"] = fashion.TrainCount + fashion.TestCount;
        report["npy_bytes"] = npyBytes;
        report["npy_copy_seconds"] = Math.Round(Median(copySeconds), 4);
        report["npy_copy_best_seconds"] = Math.Round(copySeconds.Min(), 4);
        report["npy_import_seconds"] = Math.Round(Median(importSeconds), 4);
        report["npy_import_best_seconds"] = Math.Round(importSeconds.Min(), 4);
        report["npy_sha256_seconds"] = Math.Round(Median(hashSeconds), 4);
        report["npy_sha256_to_copy"] = Math.Round(Median(hashSeconds) / Median(copySeconds), 2);
        report["npy_import_to_copy"] = Math.Round(Median(importSeconds) / Median(copySeconds), 2);
        report["npy_import_to_copy_best"] = Math.Round(importSeconds.Min() / copySeconds.Min(), 2);

        status($"CSV: writing {csvRows:N0} rows × {csvColumns} numbers and a label…");
        string csv = Path.Combine(work.Path, "table.csv");
        WriteCsv(csv, csvRows, csvColumns);
        long csvBytes = new FileInfo(csv).Length;
        var readSeconds = new List<double>();
        var parseSeconds = new List<double>();
        for (int run = 0; run <= repeat; run++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            status($"CSV: read and parse, run {run} of {repeat}{(run == 0 ? " (warm-up)" : "")}…");
            var watch = Stopwatch.StartNew();
            long read = File.ReadAllBytes(csv).LongLength;
            double bytesSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            long rows;
            var labels = new List<string>(csvRows);
            using (var reader = new CsvRowReader(csv, "label"))
            {
                rows = reader.ReadRows(new CountingSink(), labels, cancellationToken);
            }
            double parse = watch.Elapsed.TotalSeconds;
            if (read != csvBytes || rows != csvRows || labels.Count != csvRows)
            {
                throw new InvalidOperationException($"read {read} bytes and {rows} rows with {labels.Count} labels, not {csvBytes} and {csvRows}");
            }
            if (run > 0)
            {
                readSeconds.Add(bytesSeconds);
                parseSeconds.Add(parse);
            }
        }
        double megabytes = csvBytes / 1e6;
        report["csv_rows"] = csvRows;
        report["csv_columns"] = csvColumns + 1;
        report["csv_bytes"] = csvBytes;
        report["csv_read_seconds"] = Math.Round(Median(parseSeconds), 4);
        report["csv_rows_per_second"] = Math.Round(csvRows / Median(parseSeconds));
        report["csv_megabytes_per_second"] = Math.Round(megabytes / Median(parseSeconds), 1);
        report["csv_read_all_bytes_seconds"] = Math.Round(Median(readSeconds), 4);
        report["csv_read_all_bytes_megabytes_per_second"] = Math.Round(megabytes / Median(readSeconds), 1);
        report["csv_read_to_read_all_bytes"] = Math.Round(Median(parseSeconds) / Median(readSeconds), 1);
        return report;
    }

    /// <summary>A built-in IDX file as .npy (uint8 images (n, h, w), uint8 labels (n,)), as numpy would save it.</summary>
    private static string ToNpy(DatasetStore store, DatasetDescriptor dataset, DatasetFile file, string folder)
    {
        string idxPath = store.FindFile(dataset, file)!;
        byte[] content = store.ReadVerified(dataset, file);
        string path = Path.Combine(folder, file.Name + NpyFile.Extension);
        using var output = File.Create(path);
        if (file == dataset.TrainLabels || file == dataset.TestLabels)
        {
            byte[] labels = IdxReader.ParseLabels(content, idxPath);
            output.Write(NpyFile.Header("|u1", [labels.Length]));
            output.Write(labels);
        }
        else
        {
            var (pixels, count, rows, cols) = IdxReader.ParseImages(content, idxPath);
            output.Write(NpyFile.Header("|u1", [count, rows, cols]));
            output.Write(pixels);
        }
        return path;
    }

    /// <summary>Seeded numbers with four decimals (as a spreadsheet or pandas would write measurements) and a label of ten classes.</summary>
    private static void WriteCsv(string path, int rows, int columns)
    {
        var random = new Random(0);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
        writer.WriteLine(string.Join(',', Enumerable.Range(0, columns).Select(c => $"f{c}").Append("label")));
        var line = new StringBuilder();
        for (int r = 0; r < rows; r++)
        {
            line.Clear();
            for (int c = 0; c < columns; c++)
            {
                line.Append((random.NextDouble() * 200 - 100).ToString("F4", CultureInfo.InvariantCulture)).Append(',');
            }
            line.Append('c').Append(random.Next(10));
            writer.WriteLine(line);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class CountingSink : IRowSink
    {
        public void Write(ReadOnlySpan<byte> rows)
        {
        }
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("grid-bench-data-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
