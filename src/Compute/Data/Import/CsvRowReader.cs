using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Grid.Core.Datasets;
using nietras.SeparatedValues;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Rows of a comma-separated file (raw or gzipped) read with Sep: a header row naming the columns, then one row of
/// numbers per line. Every column but the label column is a feature; numbers are read as doubles and rounded to float32
/// (as a float64 array would be), so a CSV and an .npy of the same numbers import alike. Rows are named as a spreadsheet
/// shows them: the header is row 1.
/// </summary>
public sealed class CsvRowReader : RowReader
{
    private readonly Stream _content;
    private readonly SepReader _csv;
    private readonly string[] _columns;
    private readonly int _labelColumn;
    private readonly int[] _featureColumns;

    /// <param name="label">The label column's name; null when the rows have no labels.</param>
    public CsvRowReader(string path, string? label)
        : base(path)
    {
        _content = IdxReader.OpenContent(path);
        try
        {
            _csv = Sep.New(',').Reader(o => o with
            {
                HasHeader = true,
                // A row with too few or too many cells gets this reader's message, with its row number.
                DisableColCountCheck = true,
                Unescape = true,
                // No Trim option: it costs every cell; the few cells with spaces around their number take the slow path below.
                CultureInfo = CultureInfo.InvariantCulture,
            }).From(_content);
            _columns = [.. _csv.Header.ColNames.Select(name => name.Trim())];
        }
        catch (Exception ex) when (ex is not DatasetException)
        {
            _content.Dispose();
            throw new DatasetException($"{path}: cannot read it as CSV ({ex.Message})", ex);
        }
        if (_columns.Length == 0 || (_columns.Length == 1 && _columns[0].Length == 0))
        {
            Dispose();
            throw new DatasetException($"{path}: no header row; the first line must name the columns");
        }
        _labelColumn = label is null ? -1 : Array.IndexOf(_columns, label);
        if (label is not null && _labelColumn < 0)
        {
            Dispose();
            throw new DatasetException($"{path}: no column '{label}' for the labels; the header names {string.Join(", ", _columns.Select(c => $"'{c}'"))}");
        }
        _featureColumns = Enumerable.Range(0, _columns.Length).Where(c => c != _labelColumn).ToArray();
        if (_featureColumns.Length == 0)
        {
            Dispose();
            throw new DatasetException($"{path}: no feature columns besides the label column '{label}'");
        }
        Shape = [_featureColumns.Length];
        Element = ElementType.Float32;
        LabelsInline = label is not null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override long ReadRows(IRowSink sink, List<string>? labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        int features = _featureColumns.Length;
        int rowsPerBlock = Math.Max(1, (1 << 18) / features);
        var block = new float[rowsPerBlock * features];
        int inBlock = 0;
        long row = 0;
        try
        {
            foreach (var line in _csv)
            {
                if (line.ColCount != _columns.Length)
                {
                    throw new DatasetException($"{Path}: row {SpreadsheetRow(row)} has {line.ColCount} cells; the header has {_columns.Length}");
                }
                var values = block.AsSpan(inBlock * features, features);
                for (int f = 0; f < features; f++)
                {
                    var cell = line[_featureColumns[f]];
                    values[f] = cell.TryParse<double>() is double number
                        ? (float)number
                        : double.TryParse(cell.Span.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double spaced)
                        ? (float)spaced
                        : throw new DatasetException(cell.Span.Trim().IsEmpty
                            ? $"{Path}: row {SpreadsheetRow(row)}, column '{_columns[_featureColumns[f]]}': the cell is empty"
                            : $"{Path}: row {SpreadsheetRow(row)}, column '{_columns[_featureColumns[f]]}': '{Shorten(cell.ToString())}' is not a number");
                }
                if (labels is not null && _labelColumn >= 0)
                {
                    string label = line[_labelColumn].Span.Trim().ToString();
                    labels.Add(label.Length > 0 ? label : throw new DatasetException($"{Path}: row {SpreadsheetRow(row)}, column '{_columns[_labelColumn]}': the label is empty"));
                }
                row++;
                if (++inBlock == rowsPerBlock)
                {
                    sink.Write(MemoryMarshal.AsBytes(block.AsSpan()));
                    inBlock = 0;
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }
        catch (Exception ex) when (ex is not (DatasetException or OperationCanceledException))
        {
            throw new DatasetException($"{Path}: cannot read row {SpreadsheetRow(row)} ({ex.Message})", ex);
        }
        sink.Write(MemoryMarshal.AsBytes(block.AsSpan(0, inBlock * features)));
        return row;
    }

    public override string Place(long row, int feature) => $"row {SpreadsheetRow(row)}, column '{_columns[_featureColumns[feature]]}'";

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _csv?.Dispose();
            _content.Dispose();
        }
    }

    /// <summary>Data row <paramref name="row"/> (from 0) as a spreadsheet numbers it: the header is row 1.</summary>
    private static long SpreadsheetRow(long row) => row + 2;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
