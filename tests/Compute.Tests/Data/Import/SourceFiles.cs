using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Grid.Compute.Data;
using Parquet;
using Parquet.Schema;

namespace Grid.Compute.Tests.Data.Import;

/// <summary>Small source files in every importable format, written here so that each test says exactly what it reads.</summary>
internal static class SourceFiles
{
    /// <summary>An .npy file of <paramref name="descr"/> elements (bytes already in that type) with <paramref name="shape"/>.</summary>
    public static string Npy(string path, string descr, long[] shape, byte[] data, bool fortran = false)
    {
        byte[] header = NpyFile.Header(descr, shape);
        if (fortran)
        {
            header = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(header).Replace("'fortran_order': False", "'fortran_order': True "));
        }
        File.WriteAllBytes(path, [.. header, .. data]);
        return path;
    }

    /// <summary>A float64 .npy of <paramref name="rows"/>.</summary>
    public static string NpyDoubles(string path, double[][] rows) =>
        Npy(path, "<f8", [rows.Length, rows[0].Length], rows.SelectMany(r => r).SelectMany(BitConverter.GetBytes).ToArray());

    /// <summary>An int64 labels .npy.</summary>
    public static string NpyLabels(string path, long[] labels) =>
        Npy(path, "<i8", [labels.Length], labels.SelectMany(BitConverter.GetBytes).ToArray());

    /// <summary>A unicode-string labels .npy (<c>&lt;Un</c>, UTF-32, NUL-padded), as numpy saves an array of str.</summary>
    public static string NpyTextLabels(string path, string[] labels)
    {
        int chars = labels.Max(l => l.Length);
        var data = labels.SelectMany(l => Encoding.UTF32.GetBytes(l.PadRight(chars, '\0'))).ToArray();
        return Npy(path, $"<U{chars}", [labels.Length], data);
    }

    /// <summary>An IDX file: element type code (0x08 ubyte … 0x0E double), sizes, and the values written big-endian.</summary>
    public static string Idx(string path, byte code, int[] sizes, double[] values)
    {
        using var file = File.Create(path);
        file.Write([0, 0, code, (byte)sizes.Length]);
        Span<byte> buffer = stackalloc byte[8];
        foreach (int size in sizes)
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer, size);
            file.Write(buffer[..4]);
        }
        foreach (double value in values)
        {
            switch (code)
            {
                case 0x08:
                    buffer[0] = (byte)value;
                    file.Write(buffer[..1]);
                    break;
                case 0x09:
                    buffer[0] = (byte)(sbyte)value;
                    file.Write(buffer[..1]);
                    break;
                case 0x0B:
                    BinaryPrimitives.WriteInt16BigEndian(buffer, (short)value);
                    file.Write(buffer[..2]);
                    break;
                case 0x0C:
                    BinaryPrimitives.WriteInt32BigEndian(buffer, (int)value);
                    file.Write(buffer[..4]);
                    break;
                case 0x0D:
                    BinaryPrimitives.WriteSingleBigEndian(buffer, (float)value);
                    file.Write(buffer[..4]);
                    break;
                default:
                    BinaryPrimitives.WriteDoubleBigEndian(buffer, value);
                    file.Write(buffer[..8]);
                    break;
            }
        }
        return path;
    }

    /// <summary>A CSV file of a header and rows, each row's cells as given.</summary>
    public static string Csv(string path, string header, params string[] rows)
    {
        File.WriteAllText(path, string.Join('\n', [header, .. rows]) + "\n");
        return path;
    }

    /// <summary>A Parquet file with double feature columns and an optional string label column, in row groups of <paramref name="groupRows"/>.</summary>
    public static async Task<string> ParquetAsync(string path, string[] columns, double[][] rows, string? labelColumn = null, string[]? labels = null, int groupRows = 1000)
    {
        var fields = columns.Select(c => (Field)new DataField<double>(c)).ToList();
        if (labelColumn is not null)
        {
            fields.Add(new DataField<string>(labelColumn));
        }
        var schema = new ParquetSchema(fields);
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, file);
        for (int start = 0; start < rows.Length; start += groupRows)
        {
            int count = Math.Min(groupRows, rows.Length - start);
            using var group = writer.CreateRowGroup();
            for (int c = 0; c < columns.Length; c++)
            {
                double[] column = Enumerable.Range(start, count).Select(r => rows[r][c]).ToArray();
                await group.WriteAsync<double>((DataField)fields[c], column.AsMemory());
            }
            if (labelColumn is not null)
            {
                await group.WriteAsync((DataField)fields[^1], labels![start..(start + count)]);
            }
            group.CompleteValidate();
        }
        return path;
    }

    /// <summary>A number as CSV text that reads back as the same double.</summary>
    public static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
