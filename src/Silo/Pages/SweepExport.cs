using System.Globalization;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Data.Export;
using Grid.Core;
using nietras.SeparatedValues;
using Parquet.Schema;
using Parquet.Serialization;

namespace Grid.Silo.Pages;

/// <summary>The file formats of <c>grid sweep export</c>.</summary>
public enum ExportFormat
{
    /// <summary>RFC 4180 CSV with a header row; numbers in invariant culture, round-trip precision; empty for missing.</summary>
    Csv,

    /// <summary>Apache Parquet, one row group, typed nullable columns.</summary>
    Parquet,
}

/// <summary>One column of an export: its name, its type (string, int, double or bool; every column may be empty) and its value for a trial.</summary>
public sealed record ExportColumn(string Name, Type Type, Func<ExportTrial, object?> Value);

/// <summary>A trial as an export row sees it: its sweep, its position (1-based, as in the results table) and its status.</summary>
public sealed record ExportTrial(SweepSnapshot Sweep, int Number, TrialStatus Trial);

/// <summary>
/// A sweep as a table, one row per trial with its configuration and its results, written as CSV (Sep) or
/// Parquet (Parquet.Net). The columns are defined once here, for both formats and for whoever reads them back.
/// </summary>
public static class SweepExport
{
    /// <summary>The columns, in order.</summary>
    public static IReadOnlyList<ExportColumn> Columns { get; } =
    [
        Text("sweep_id", t => t.Sweep.SweepId),
        Int("trial", t => t.Number),
        Text("trial_id", t => t.Trial.Spec.Id),
        Text("key", t => t.Trial.Spec.Key),
        Text("dataset", t => t.Trial.Spec.Dataset),
        // A sweep's trials carry resolved splits (SweepExpansion): both limits are set.
        Int("train_rows", t => t.Trial.Spec.Split.Train),
        Int("test_rows", t => t.Trial.Spec.Split.Test),
        Text("representation", t => t.Trial.Spec.Representation.Label),
        Int("z_dim", t => t.Trial.Spec.Representation.Autoencoder?.ZDim),
        Text("loss", t => t.Trial.Spec.Representation.Autoencoder is { } ae ? SpecNames.Of(ae.Loss) : null),
        Int("epochs", t => t.Trial.Spec.Representation.Autoencoder?.Epochs),
        Int("ae_batch_size", t => t.Trial.Spec.Representation.Autoencoder?.BatchSize),
        Real("learning_rate", t => t.Trial.Spec.Representation.Autoencoder?.LearningRate),
        Text("scaler", t => SpecNames.Of(t.Trial.Spec.Scaler)),
        Int("k", t => t.Trial.Spec.K),
        Int("seed", t => t.Trial.Spec.Seed),
        Text("kmeans_algorithm", t => SpecNames.Of(t.Trial.Spec.KMeans.Algorithm)),
        Int("kmeans_batch_size", t => t.Trial.Spec.KMeans.BatchSize),
        Int("kmeans_n_init", t => t.Trial.Spec.KMeans.NInit),
        Int("kmeans_max_iter", t => t.Trial.Spec.KMeans.MaxIter),
        Real("kmeans_tol", t => t.Trial.Spec.KMeans.Tol),
        Flag("kmeans_warm_start", t => t.Trial.Spec.KMeans.WarmStart),
        Text("kmeans", t => t.Trial.Spec.KMeans.Describe()),
        Text("state", t => SpecNames.Of(t.Trial.State)),
        Real("train_error", t => t.Trial.Result?.TrainError),
        Real("test_error", t => t.Trial.Result?.TestError),
        Real("inertia", t => t.Trial.Result?.Inertia),
        .. QualityMeasures.All.Select(m => Real(SpecNames.Of(m), t => t.Trial.Result?.Quality(m))),
        Int("iterations", t => t.Trial.Result?.Iterations),
        Real("fit_seconds", t => t.Trial.Result?.FitSeconds),
        Int("flagged_clusters", t => t.Trial.Result?.FlaggedClusters),
        Int("stages_computed", t => t.Trial.StagesComputed),
        Int("stages_reused", t => t.Trial.StagesReused),
        Int("retries", t => t.Trial.Retries),
        Text("error", t => t.Trial.Error),
        Text("autoencoder_hash", t => t.Trial.AutoencoderHash),
        Text("clustering_hash", t => t.Trial.ClusteringHash),
    ];

    /// <summary>The rows of a sweep, one per trial in the sweep's order: column name to value (null when missing).</summary>
    public static IReadOnlyList<IDictionary<string, object?>> Rows(SweepSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Trials
            .Select((trial, i) => new ExportTrial(snapshot, i + 1, trial))
            .Select(t => (IDictionary<string, object?>)Columns.ToDictionary(c => c.Name, c => c.Value(t), StringComparer.Ordinal))
            .ToList();
    }

    /// <summary>A value as a CSV field: invariant culture, doubles at round-trip precision, booleans as true/false, null as empty.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Writes the sweep's table to <paramref name="output"/> (left open).</summary>
    public static async Task WriteAsync(SweepSnapshot snapshot, ExportFormat format, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var rows = Rows(snapshot);
        switch (format)
        {
            case ExportFormat.Csv:
                await WriteCsvAsync(rows, output, cancellationToken);
                break;
            case ExportFormat.Parquet:
                await WriteParquetAsync(rows, output, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }

    /// <summary>The Parquet schema: one nullable field per column, typed as the column.</summary>
    public static ParquetSchema ParquetSchema { get; } = new(Columns.Select(c => new DataField(c.Name, c.Type, isNullable: true)));

    private static async Task WriteCsvAsync(IReadOnlyList<IDictionary<string, object?>> rows, Stream output, CancellationToken cancellationToken)
    {
        await using var csv = CsvDialect.Writer.To(output, leaveOpen: true);
        // The header up front, so a sweep with no trials still gets its column names.
        csv.Header.Add(Columns.Select(c => c.Name).ToArray());
        await csv.Header.WriteAsync(cancellationToken);
        foreach (var row in rows)
        {
            await using var line = csv.NewRow(cancellationToken);
            foreach (var column in Columns)
            {
                line[column.Name].Set(Format(row[column.Name]));
            }
        }
    }

    private static async Task WriteParquetAsync(IReadOnlyList<IDictionary<string, object?>> rows, Stream output, CancellationToken cancellationToken)
    {
        // Parquet.Net's untyped writer takes object values; a null is a missing value of a nullable field.
        await ParquetSerializer.SerializeUntypedAsync(rows.ToList(), ParquetSchema, output, cancellationToken: cancellationToken);
    }

    private static ExportColumn Text(string name, Func<ExportTrial, string?> value) => new(name, typeof(string), t => value(t));

    private static ExportColumn Int(string name, Func<ExportTrial, int?> value) => new(name, typeof(int), t => value(t));

    private static ExportColumn Real(string name, Func<ExportTrial, double?> value) => new(name, typeof(double), t => value(t));

    private static ExportColumn Flag(string name, Func<ExportTrial, bool?> value) => new(name, typeof(bool), t => value(t));
}
