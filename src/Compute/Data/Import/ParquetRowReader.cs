using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Grid.Core.Datasets;
using Parquet;
using Parquet.Schema;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Rows of an Apache Parquet file read with Parquet.Net, one row group at a time: every numeric column but the label
/// column is a feature (integers and floats, read as doubles and rounded to float32 as CSV numbers are); the label column
/// may hold text or whole numbers. Rows are numbered from 1.
/// </summary>
/// <remarks>
/// Parquet.Net reads only asynchronously; the importer runs on a thread of its own (never an Orleans scheduler), so
/// this reader waits for each read where it is: a file stream has no context to deadlock on.
/// </remarks>
public sealed class ParquetRowReader : RowReader
{
    private readonly FileStream _file;
    private readonly ParquetReader _parquet;
    private readonly DataField[] _features;
    private readonly DataField? _label;

    /// <param name="label">The label column's name; null when the rows have no labels.</param>
    public ParquetRowReader(string path, string? label)
        : base(path)
    {
        _file = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16)
            : throw new DatasetException($"{path}: file is missing");
        try
        {
            _parquet = Wait(ParquetReader.CreateAsync(_file, null, true));
        }
        catch (Exception ex) when (ex is not DatasetException)
        {
            _file.Dispose();
            throw Unreadable(path, ex);
        }
        try
        {
            if (_parquet.Schema.Fields.FirstOrDefault(f => f.SchemaType != SchemaType.Data || ((DataField)f).IsArray) is { } nested)
            {
                throw new DatasetException($"{path}: column '{nested.Name}' is nested ({nested.SchemaType}); only flat columns of numbers (and a label column) can be imported");
            }
            var fields = _parquet.Schema.GetDataFields();
            _label = label is null ? null : fields.FirstOrDefault(f => f.Name == label)
                ?? throw new DatasetException($"{path}: no column '{label}' for the labels; the file has {string.Join(", ", fields.Select(f => $"'{f.Name}'"))}");
            _features = fields.Where(f => f != _label).ToArray();
            if (_features.Length == 0)
            {
                throw new DatasetException($"{path}: no feature columns besides the label column '{label}'");
            }
            if (_features.FirstOrDefault(f => !IsNumber(f.ClrType)) is { } text)
            {
                throw new DatasetException($"{path}: column '{text.Name}' holds {Kind(text.ClrType)} values; feature columns must hold numbers" +
                    (label is null ? " (name the label column, if it is one)" : ""));
            }
            Shape = [_features.Length];
            Element = ElementType.Float32;
            Count = Enumerable.Range(0, _parquet.RowGroupCount).Sum(RowsOf);
            LabelsInline = _label is not null;
        }
        catch (Exception ex)
        {
            Dispose();
            if (ex is DatasetException)
            {
                throw;
            }
            throw Unreadable(path, ex);
        }
    }

    private static DatasetException Unreadable(string path, Exception ex) => new($"{path}: not a Parquet file Parquet.Net can read ({ex.Message})", ex);

    /// <summary>
    /// The rows of row group <paramref name="g"/>, checked before anything is allocated for them: a flat column holds one
    /// value a row (nulls included), so a count that differs is a corrupt file; and each column's pages must declare sizes
    /// that fit (<see cref="ParquetPages"/>).
    /// </summary>
    private long RowsOf(int g)
    {
        using var group = _parquet.OpenRowGroupReader(g);
        foreach (var field in _label is null ? _features : [.. _features, _label])
        {
            string where = $"{Path}: row group {g + 1}, column '{field.Name}'";
            if (group.GetMetadata(field)?.MetaData is not { } column)
            {
                throw new DatasetException($"{where}: no column chunk; the file is corrupt");
            }
            if (column.NumValues != group.RowCount)
            {
                throw new DatasetException($"{where}: {column.NumValues} values, but the row group declares {group.RowCount} rows; the file is corrupt");
            }
            ParquetPages.Check(_file, column, where);
        }
        return group.RowCount;
    }

    public override long ReadRows(IRowSink sink, List<string>? labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        long first = 0;
        for (int g = 0; g < _parquet.RowGroupCount; g++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var group = _parquet.OpenRowGroupReader(g);
                int rows = checked((int)group.RowCount);
                var block = new float[checked(rows * _features.Length)];
                for (int f = 0; f < _features.Length; f++)
                {
                    ReadFeature(group, f, rows, first, block, cancellationToken);
                }
                if (labels is not null && _label is not null)
                {
                    labels.AddRange(ReadLabels(group, rows, first, cancellationToken));
                }
                sink.Write(MemoryMarshal.AsBytes(block.AsSpan()));
                first += rows;
            }
            catch (Exception ex) when (ex is not (DatasetException or OperationCanceledException))
            {
                // Parquet.Net's own errors on a corrupt file (thrift, decompression, encodings) come in many types.
                throw new DatasetException($"{Path}: row group {g + 1} cannot be read ({ex.Message})", ex);
            }
        }
        return first;
    }

    public override string Place(long row, int feature) => $"row {row + 1}, column '{_features[feature].Name}'";

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_parquet is not null)
            {
                Wait(_parquet.DisposeAsync());
            }
            _file.Dispose();
        }
    }

    private static bool IsNumber(Type type) =>
        type == typeof(byte) || type == typeof(sbyte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int) || type == typeof(uint)
        || type == typeof(long) || type == typeof(ulong) || type == typeof(float) || type == typeof(double) || type == typeof(decimal);

    /// <summary>Text columns: Parquet.Net gives their type as string or, when it reads them, as UTF-8 memory.</summary>
    private static bool IsText(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>);

    private static string Kind(Type type) => IsText(type) ? "text" : type.Name;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadFeature(ParquetRowGroupReader group, int feature, int rows, long first, float[] block, CancellationToken cancellationToken)
    {
        var values = ReadNumbers(group, _features[feature], rows, first, cancellationToken);
        int features = _features.Length;
        for (int r = 0; r < rows; r++)
        {
            block[r * features + feature] = (float)values[r];
        }
    }

    private IEnumerable<string> ReadLabels(ParquetRowGroupReader group, int rows, long first, CancellationToken cancellationToken)
    {
        var field = _label!;
        if (IsText(field.ClrType))
        {
            var texts = new string?[rows];
            Wait(group.ReadAsync(field, texts.AsMemory(), null, cancellationToken));
            return texts.Select((text, r) => string.IsNullOrEmpty(text) ? throw Missing(first + r, field, "label") : text).ToArray();
        }
        if (!IsNumber(field.ClrType))
        {
            throw new DatasetException($"{Path}: the label column '{field.Name}' holds {Kind(field.ClrType)} values; labels are text or whole numbers");
        }
        return ReadNumbers(group, field, rows, first, cancellationToken)
            .Select((value, r) => ClassMap.TryWhole(value, out long whole)
                ? whole.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : throw ClassMap.NotWhole(value, $"{Path}: row {first + r + 1}, column '{field.Name}'"));
    }

    private double[] ReadNumbers(ParquetRowGroupReader group, DataField field, int rows, long first, CancellationToken cancellationToken) => field.ClrType switch
    {
        var t when t == typeof(byte) => Read<byte>(group, field, rows, first, cancellationToken),
        var t when t == typeof(sbyte) => Read<sbyte>(group, field, rows, first, cancellationToken),
        var t when t == typeof(short) => Read<short>(group, field, rows, first, cancellationToken),
        var t when t == typeof(ushort) => Read<ushort>(group, field, rows, first, cancellationToken),
        var t when t == typeof(int) => Read<int>(group, field, rows, first, cancellationToken),
        var t when t == typeof(uint) => Read<uint>(group, field, rows, first, cancellationToken),
        var t when t == typeof(long) => Read<long>(group, field, rows, first, cancellationToken),
        var t when t == typeof(ulong) => Read<ulong>(group, field, rows, first, cancellationToken),
        var t when t == typeof(float) => Read<float>(group, field, rows, first, cancellationToken),
        var t when t == typeof(decimal) => Read<decimal>(group, field, rows, first, cancellationToken),
        _ => Read<double>(group, field, rows, first, cancellationToken),
    };

    private double[] Read<T>(ParquetRowGroupReader group, DataField field, int rows, long first, CancellationToken cancellationToken)
        where T : struct, INumberBase<T>
    {
        var numbers = new double[rows];
        if (field.IsNullable)
        {
            var values = new T?[rows];
            Wait(group.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken));
            for (int r = 0; r < rows; r++)
            {
                numbers[r] = values[r] is T value ? double.CreateTruncating(value) : throw Missing(first + r, field, "value");
            }
        }
        else
        {
            var values = new T[rows];
            Wait(group.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken));
            for (int r = 0; r < rows; r++)
            {
                numbers[r] = double.CreateTruncating(values[r]);
            }
        }
        return numbers;
    }

    private DatasetException Missing(long row, DataField field, string what) =>
        new($"{Path}: row {row + 1}, column '{field.Name}': the {what} is missing (null)");

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    private static void Wait(ValueTask task) => task.GetAwaiter().GetResult();

    private static T Wait<T>(ValueTask<T> task) => task.GetAwaiter().GetResult();
}
