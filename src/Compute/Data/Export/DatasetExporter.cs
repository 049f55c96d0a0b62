using System.Globalization;
using Grid.Core;
using Grid.Core.Datasets;
using nietras.SeparatedValues;
using Parquet;
using Parquet.Schema;

namespace Grid.Compute.Data.Export;

/// <summary>
/// Writes a dataset of the data directory (built-in or imported) back out as files other tools read: <c>train</c> and
/// <c>test</c> as CSV (Sep) or Parquet (Parquet.Net), one column per feature (<c>x0</c> … in row-major order of the
/// stored shape) and, for labelled data, a <c>label</c> column of class names. Importing the two files again
/// (<c>--train</c>, <c>--test</c>, <c>--label label</c>) gives the same rows, labels and checksums.
/// </summary>
public static class DatasetExporter
{
    /// <summary>The formats it writes.</summary>
    public static IReadOnlyList<DatasetFormat> Formats { get; } = [DatasetFormat.Csv, DatasetFormat.Parquet];

    /// <summary>Name of the label column.</summary>
    public const string LabelColumn = "label";

    /// <summary>Rows in one Parquet row group: a reader holds one group at a time.</summary>
    internal const int RowsPerGroup = 10_000;

    /// <summary>The feature columns' names for rows of <paramref name="features"/> values.</summary>
    public static IReadOnlyList<string> FeatureColumns(int features) =>
        Enumerable.Range(0, features).Select(i => "x" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>
    /// Writes dataset <paramref name="name"/> of <paramref name="store"/> as <c>train</c> and <c>test</c> files of
    /// <paramref name="format"/> in <paramref name="directory"/> (created if needed) and returns their paths.
    /// </summary>
    public static IReadOnlyList<string> Export(DatasetStore store, string name, DatasetFormat format, string directory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!Formats.Contains(format))
        {
            throw new DatasetException($"datasets are exported as {string.Join(" or ", Formats.Select(SpecNames.Of))}; got {SpecNames.Of(format)}");
        }
        if (!store.Registry.TryGet(name, out var dataset))
        {
            throw new DatasetException($"no dataset '{name}' in {store.DataDirectory}; known: {string.Join(", ", store.Registry.All.Select(d => d.Name))}");
        }
        var data = store.Load(dataset);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var (part, rows) in new[] { ("train", data.Train), ("test", data.Test) })
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = Path.Combine(directory, part + (format == DatasetFormat.Csv ? ".csv" : ".parquet"));
            if (format == DatasetFormat.Csv)
            {
                WriteCsv(path, rows, dataset, cancellationToken);
            }
            else
            {
                // Parquet.Net writes only asynchronously; this runs on a console or test thread with no context to deadlock on.
                WriteParquetAsync(path, rows, dataset, cancellationToken).GetAwaiter().GetResult();
            }
            written.Add(path);
        }
        return written;
    }

    private static void WriteCsv(string path, RowSet rows, DatasetDescriptor dataset, CancellationToken cancellationToken)
    {
        var columns = FeatureColumns(rows.Features);
        using var csv = CsvDialect.Writer.ToFile(path);
        csv.Header.Add([.. columns, .. rows.Labels is null ? Array.Empty<string>() : [LabelColumn]]);
        csv.Header.Write();
        for (int r = 0; r < rows.Count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var values = rows.RowValues(r);
            using var line = csv.NewRow();
            for (int c = 0; c < values.Length; c++)
            {
                // "R": the shortest text that reads back as the same float.
                line[columns[c]].Set(values[c].ToString("R", CultureInfo.InvariantCulture));
            }
            if (rows.Labels is { } labels)
            {
                line[LabelColumn].Set(dataset.ClassName(labels[r]));
            }
        }
    }

    private static async Task WriteParquetAsync(string path, RowSet rows, DatasetDescriptor dataset, CancellationToken cancellationToken)
    {
        var features = FeatureColumns(rows.Features).Select(c => new DataField<float>(c)).ToArray();
        var label = rows.Labels is null ? null : new DataField<string>(LabelColumn);
        var schema = new ParquetSchema([.. features, .. label is null ? Array.Empty<Field>() : [label]]);
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, file, cancellationToken: cancellationToken);
        var column = new float[Math.Min(RowsPerGroup, Math.Max(1, rows.Count))];
        for (int start = 0; start < rows.Count; start += RowsPerGroup)
        {
            int count = Math.Min(RowsPerGroup, rows.Count - start);
            var group = Enumerable.Range(start, count).Select(rows.RowValues).ToArray();
            using var groupWriter = writer.CreateRowGroup();
            for (int c = 0; c < features.Length; c++)
            {
                for (int r = 0; r < count; r++)
                {
                    column[r] = group[r][c];
                }
                await groupWriter.WriteAsync<float>(features[c], column.AsMemory(0, count), cancellationToken: cancellationToken);
            }
            if (label is not null)
            {
                var names = Enumerable.Range(start, count).Select(r => dataset.ClassName(rows.Labels![r])).ToArray();
                await groupWriter.WriteAsync(label, names);
            }
            groupWriter.CompleteValidate();
        }
    }
}
