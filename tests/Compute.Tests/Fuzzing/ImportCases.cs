using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Grid.Compute.Data;
using Grid.Core.Datasets;
using Grid.Testing.Fuzzing;
using Parquet;
using Parquet.Schema;
using SkiaSharp;

namespace Grid.Compute.Tests.Fuzzing;

/// <summary>A file of an import case: its path in the case's folder, and its bytes.</summary>
internal sealed record CaseFile(string Path, byte[] Bytes);

/// <summary>An import to try: the format, the files written into a fresh folder, and the spec's paths and settings (paths relative to that folder).</summary>
internal sealed record ImportCase(string Origin, DatasetFormat Format, CaseFile[] Files, string Train,
    string? TrainLabels = null, string? Test = null, string? TestLabels = null, string? Label = null, int[]? Size = null)
{
    /// <summary>Everything needed to replay the case: its settings, and each file in base64.</summary>
    public override string ToString() =>
        $"{Origin}: {Format}, train {Train}" + (TrainLabels is null ? "" : $", train_labels {TrainLabels}") + (Test is null ? "" : $", test {Test}") + (TestLabels is null ? "" : $", test_labels {TestLabels}")
        + (Label is null ? "" : $", label '{Label}'") + (Size is null ? "" : $", size [{string.Join(", ", Size)}]")
        + "; files: " + string.Join("; ", Files.Select(f => $"{f.Path} = {Convert.ToBase64String(f.Bytes)}"));
}

/// <summary>
/// Import cases for every format the importer reads, generated with the structure of each format and its ways to go wrong
/// (NPY headers with lying shapes, types and versions; IDX headers with huge dimensions; CSV with ragged rows, quotes,
/// non-numeric cells, huge numbers, byte order marks, empty files; Parquet files of every column type; image folders with
/// images of other sizes and formats, headers that claim huge images), and mutated from small valid files of each format.
/// </summary>
internal static class ImportCases
{
    // ---- CSV ----

    private static readonly string[] OddCells =
        [" 4 ", "1e39", "-1e39", "1e400", "99999999999999999999999", "NaN", "inf", "-Infinity", "0x10", "\"1,5\"", "", "abc", "\"7\"", "\"8",
         "\"\"\"\"", "\u0661\u0662", "1_000", "+3", ".5", "5.", "--1", "1e", "\t2", "3 4", "\u00a0" + "1"];

    private static readonly string[] Headers = ["x", "y", "label", "class", "a b", " x ", "", "\"q\"", "\"a,b\"", "\u00e9", "x"];

    private static readonly Gen<string> GoodCell = Gen.Frequency(
        (3, Gen.Choose(0, 3).Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (5, Gen.Choose(-400, 400).Select(i => (i / 8.0).ToString("R", CultureInfo.InvariantCulture))));

    private static readonly Gen<string> AnyCell = Gen.Frequency((15, GoodCell), (1, Gen.Elements(OddCells)));

    private static Gen<string> CsvRow(int columns) =>
        from count in Gen.Frequency((30, Gen.Constant(columns)), (1, Gen.Choose(0, columns + 2)))
        from clean in Gen.Frequency((6, Gen.Constant(true)), (1, Gen.Constant(false)))
        from cells in Gen.ArrayOf(clean ? GoodCell : AnyCell, count)
        select string.Join(',', cells);

    private static readonly Gen<ImportCase> GeneratedCsv =
        from columns in Gen.Frequency((12, Gen.Choose(1, 5)), (1, Gen.Constant(0)))
        from names in Gen.Frequency(
            (4, Gen.Constant(Enumerable.Range(0, columns).Select(c => c == columns - 1 ? "label" : $"f{c}").ToArray())),
            (1, Gen.ArrayOf(Gen.Elements(Headers), columns)))
        from rows in Gen.Frequency((6, Gen.Choose(0, 8)), (1, Gen.Choose(9, 60)))
        from lines in Gen.ArrayOf(CsvRow(columns), rows)
        from newline in Gen.Elements("\n", "\n", "\r\n", "\r")
        from end in Gen.Elements("", "\n", "\n", "\n\n", ",")
        from prefix in Gen.Frequency(
            (12, Gen.Constant(Array.Empty<byte>())),
            (1, Gen.Elements<byte[]>([0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF], [0x00], [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF])))
        from gzip in Gen.Frequency((8, Gen.Constant(false)), (1, Gen.Constant(true)))
        from label in Gen.Elements<string?>(null, null, "label", "label", "class", "f0", "nope")
        select Csv(
            $"generated CSV of {rows} rows{(prefix.Length > 0 ? $", starting {Convert.ToHexString(prefix)}" : "")}{(gzip ? ", gzipped" : "")}",
            [.. prefix, .. Encoding.UTF8.GetBytes(string.Join(newline, [string.Join(',', names), .. lines]) + end)], gzip, label);

    private static ImportCase Csv(string origin, byte[] bytes, bool gzip, string? label) =>
        new(origin, DatasetFormat.Csv, [new("rows.csv", gzip ? Gzip(bytes) : bytes)], "rows.csv", Label: label);

    private static readonly string[] CsvSeeds =
    [
        "x,y,label\n1.5,2,a\n1.7,3,b\n1.9,3,a\n0.5,-1,b\n2,2,a\n3,1e3,b\n",
        "f0,f1,f2\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n",
        "\"x\",\"y y\",class\r\n\"1\",2,\"c,1\"\r\n 3 ,4,c2\r\n5,6,\"c\"\"3\"\"\"\r\n7,8,c2\r\n",
    ];

    private static readonly Gen<ImportCase> MutatedCsv =
        from label in Gen.Elements<string?>(null, "label", "class")
        from mutant in Mutations.Of([
            .. CsvSeeds.Select((text, i) => new FuzzInput($"CSV seed {i}", Encoding.UTF8.GetBytes(text))),
            new FuzzInput("CSV seed 0, gzipped", Gzip(Encoding.UTF8.GetBytes(CsvSeeds[0]))),
        ])
        select Csv(mutant.Origin, mutant.Bytes, false, label);

    /// <summary>CSV: generated and mutated.</summary>
    public static readonly Gen<ImportCase> Csvs = Gen.Frequency((1, GeneratedCsv), (1, MutatedCsv));

    // ---- NPY ----

    private static readonly string[] Descrs =
        ["<f4", "<f8", "|u1", "<i2", ">i4", "<u8", "|b1", "<i8", ">f8", "=f4", "|i1", "<u2", "<c8", "|O", "<U5", "|S3", "<f", "", "f4", "<f16", "|V8", "<M8[ns]"];

    /// <summary>Two rows whose size (the product of the other dimensions) overflows 32 or 64 bits.</summary>
    private static readonly Gen<int[]> HugeRows =
        from count in Gen.Choose(2, 5)
        from sizes in Gen.ArrayOf(Gen.Elements(65_536, 1 << 30, int.MaxValue, 46_341), count)
        select new[] { 2 }.Concat(sizes).ToArray();

    /// <summary>A dimension: mostly small, sometimes one a file cannot hold.</summary>
    private static readonly Gen<long> Dimension = Gen.Frequency(
        (14, Gen.Choose(0, 6).Select(i => (long)i)),
        (1, Gen.Elements(1_000_000_000_000L, 1L << 31, 1L << 32, long.MaxValue, 3_037_000_500L, 65_536L, 1L << 40, 1L << 62)));

    private static int ItemBytes(string descr) =>
        descr.Length >= 3 && int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size is > 0 and <= 16
            ? size * (descr[1] == 'U' ? 4 : 1)
            : 4;

    /// <summary>An .npy file and the rows its header declares.</summary>
    private static readonly Gen<(byte[] Bytes, long Rows, string Origin)> NpyArray =
        from magic in Gen.Frequency((20, Gen.Constant("\u0093NUMPY")), (1, Gen.Elements("\u0093NUMPX", "NUMPY\u0093", "")))
        from version in Gen.Frequency((8, Gen.Constant(1)), (2, Gen.Constant(2)), (2, Gen.Constant(3)), (1, Gen.Elements(0, 4, 255)))
        from descr in Gen.Frequency((6, Gen.Elements("<f4", "<f8", "|u1", "<i2")), (2, Gen.Elements(Descrs)))
        from fortran in Gen.Frequency((12, Gen.Constant("False")), (1, Gen.Elements("True", "maybe", "")))
        from dimensions in Gen.Frequency((12, Gen.Choose(1, 4)), (1, Gen.Constant(0)), (1, Gen.Choose(5, 8)))
        from shape in Gen.Frequency((20, Gen.ArrayOf(Dimension, dimensions)), (1, HugeRows.Select(sizes => sizes.Select(size => (long)size).ToArray())))
        from style in Gen.Frequency((16, Gen.Constant(0)), (1, Gen.Choose(1, 6)))
        from padding in Gen.Choose(0, 70)
        from lengthError in Gen.Frequency((16, Gen.Constant(0)), (1, Gen.Choose(-30, 30)), (1, Gen.Elements(65_535, int.MaxValue, -1)))
        from dataError in Gen.Frequency((10, Gen.Constant(0)), (1, Gen.Choose(-16, 16)))
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select Npy(magic, version, descr, fortran, shape, style, padding, lengthError, dataError, seed);

    private static (byte[] Bytes, long Rows, string Origin) Npy(string magic, int version, string descr, string fortran, long[] shape,
        int style, int padding, int lengthError, int dataError, int seed)
    {
        string sizes = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string tuple = style switch
        {
            1 => $"({string.Join("L, ", shape)}L)",
            2 => $"({sizes}",
            3 => $"[{sizes}]",
            4 => $"(-1, {sizes})",
            5 => $"({sizes}, x)",
            _ => $"({sizes})",
        };
        string dict = style == 6
            ? $"{{\"shape\": {tuple}, \"fortran_order\": {fortran}, \"descr\": \"{descr}\"}}"
            : $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {tuple}, }}";
        byte[] text = Encoding.Latin1.GetBytes(dict + new string(' ', padding) + "\n");
        var header = new List<byte>(Encoding.Latin1.GetBytes(magic)) { (byte)version, 0 };
        long length = text.Length + lengthError;
        header.AddRange(version == 1 ? BitConverter.GetBytes((ushort)length) : BitConverter.GetBytes((uint)length));
        header.AddRange(text);
        long elements = shape.Aggregate(1L, (product, size) => product > 0 && size > long.MaxValue / product ? long.MaxValue : product * size);
        long exact = elements > 4096 ? 4096 : elements * ItemBytes(descr);
        // A shape no file this small holds gets a few bytes: its header lies.
        int data = (int)Math.Max(0, (elements > 4096 ? 16 : exact) + dataError);
        var bytes = new byte[data];
        new Random(seed).NextBytes(bytes);
        string origin = $"generated NPY v{version} '{descr}' shape ({sizes}) style {style}, header length {lengthError:+0;-0;0}, data {dataError:+0;-0;0}";
        return (Join(header, bytes), shape.Length > 0 ? shape[0] : 0, origin);
    }

    /// <summary>A labels .npy for <paramref name="rows"/> rows, or nearly: whole numbers 0..3 in one of the types numpy writes them in, or strings.</summary>
    private static Gen<byte[]> NpyLabels(long rows) =>
        from descr in Gen.Elements("<i8", "<i4", "|u1", "<f8", "<U3", "|S2", "|b1", ">i2", "<f4")
        from countError in Gen.Frequency((10, Gen.Constant(0)), (1, Gen.Choose(-2, 2)))
        from values in Gen.ArrayOf(Gen.Choose(0, 3), (int)Math.Clamp(rows + countError, 0, 64))
        from column in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from claimed in Gen.Frequency((12, Gen.Constant((long)values.Length)), (1, Gen.Elements(1_000_000_000_000L, int.MaxValue + 1L, 1L << 40)))
        select Join(NpyFile.Header(descr, column ? new long[] { claimed, 1 } : new long[] { claimed }), values.SelectMany(v => LabelBytes(descr, v)));

    private static byte[] LabelBytes(string descr, int value) => descr switch
    {
        "<i8" => BitConverter.GetBytes((long)value),
        "<i4" => BitConverter.GetBytes(value),
        "|u1" or "|b1" => [(byte)value],
        "<f8" => BitConverter.GetBytes(value + (value == 3 ? 0.5 : 0)),
        "<f4" => BitConverter.GetBytes((float)value),
        ">i2" => [0, (byte)value],
        "<U3" => Encoding.UTF32.GetBytes($"c{value}\0"),
        _ => Encoding.ASCII.GetBytes($"c{value}"),
    };

    private static readonly Gen<ImportCase> GeneratedNpy =
        from train in NpyArray
        from layout in Gen.Elements(0, 0, 1, 2)
        from labels in layout == 1 ? NpyLabels(train.Rows).Select(b => (byte[]?)b) : Gen.Constant<byte[]?>(null)
        select Arrays(train.Origin, DatasetFormat.Npy, "x.npy", train.Bytes, labels, test: layout == 2);

    /// <summary>Train (and a labels file, or the same file again as the test part).</summary>
    private static ImportCase Arrays(string origin, DatasetFormat format, string name, byte[] train, byte[]? labels, bool test)
    {
        string labelsName = Path.ChangeExtension(name, null) + "-labels" + Path.GetExtension(name);
        string testName = "test-" + name;
        var files = new List<CaseFile> { new(name, train) };
        if (labels is not null)
        {
            files.Add(new(labelsName, labels));
        }
        if (test)
        {
            files.Add(new(testName, train));
        }
        return new ImportCase(origin + (labels is null ? "" : ", with labels") + (test ? ", the same file as test" : ""), format, [.. files], name,
            TrainLabels: labels is null ? null : labelsName, Test: test ? testName : null, TestLabels: labels is not null && test ? labelsName : null);
    }

    private static readonly double[][] SeedRows = [.. Enumerable.Range(0, 6).Select(r => new[] { r * 0.5, -r, r * r / 3.0 })];

    private static readonly Gen<ImportCase> MutatedNpy = Gen.OneOf(
        from mutant in Mutations.Of([
            new FuzzInput("NPY seed: float64 (6, 3)", NpyBytes("<f8", [6, 3], SeedRows.SelectMany(r => r).SelectMany(BitConverter.GetBytes).ToArray())),
            new FuzzInput("NPY seed: uint8 (6, 4, 4)", NpyBytes("|u1", [6, 4, 4], [.. Enumerable.Range(0, 96).Select(i => (byte)(i * 7))])),
            new FuzzInput("NPY seed: float32 (6, 2) v2", NpyBytes("<f4", [6, 2], [.. Enumerable.Range(0, 12).SelectMany(i => BitConverter.GetBytes(i / 4f))], version: 2)),
        ])
        from labelled in Gen.Elements(false, true)
        from test in Gen.Elements(false, false, true)
        select Arrays(mutant.Origin, DatasetFormat.Npy, "x.npy", mutant.Bytes, labelled ? NpyBytes("<i8", [6], [.. Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes((long)(i % 2)))]) : null, test),
        from mutant in Mutations.Of([
            new FuzzInput("NPY labels seed: int64", NpyBytes("<i8", [6], [.. Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes((long)(i % 3)))])),
            new FuzzInput("NPY labels seed: <U2", NpyBytes("<U2", [6], [.. Enumerable.Range(0, 6).SelectMany(i => Encoding.UTF32.GetBytes($"c{i % 2}"))])),
        ])
        select Arrays(mutant.Origin + " (the labels)", DatasetFormat.Npy, "x.npy",
            NpyBytes("<f8", [6, 3], SeedRows.SelectMany(r => r).SelectMany(BitConverter.GetBytes).ToArray()), mutant.Bytes, test: false));

    private static byte[] NpyBytes(string descr, long[] shape, byte[] data, int version = 1)
    {
        byte[] header = NpyFile.Header(descr, shape);
        if (version != 1)
        {
            // Version 2 has a 4-byte header length: the same dict, two bytes further on.
            header = [.. header[..6], 2, 0, .. BitConverter.GetBytes((uint)(header.Length - 10)), .. header[10..]];
        }
        return Join(header, data);
    }

    /// <summary>NPY: generated and mutated, with and without labels and test files.</summary>
    public static readonly Gen<ImportCase> Npys = Gen.Frequency((1, GeneratedNpy), (1, MutatedNpy));

    // ---- IDX ----

    private static readonly Gen<int> IdxDimension = Gen.Frequency(
        (14, Gen.Choose(0, 6)),
        (1, Gen.Elements(int.MaxValue, 1 << 30, 1_000_000_000, 65_536, 46_341, -1, int.MinValue)));

    private static readonly Gen<(byte[] Bytes, long Rows, string Origin)> IdxArray =
        from start in Gen.Frequency((20, Gen.Constant<byte[]>([0, 0])), (1, Gen.Elements<byte[]>([0, 1], [0x1F, 0x8B], [0xFF, 0])))
        from code in Gen.Frequency((14, Gen.Elements<byte>(0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)), (1, Gen.Elements<byte>(0x00, 0x07, 0x0A, 0x0F, 0xFF)))
        from dimensions in Gen.Frequency((14, Gen.Choose(1, 4)), (1, Gen.Elements(0, 5, 255)))
        from sizes in Gen.Frequency((20, Gen.ArrayOf(IdxDimension, dimensions)), (1, HugeRows))
        from written in Gen.Frequency((20, Gen.Constant(dimensions)), (1, Gen.Choose(0, dimensions)))
        from dataError in Gen.Frequency((10, Gen.Constant(0)), (1, Gen.Choose(-16, 16)))
        from gzip in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from seed in Gen.Choose(0, int.MaxValue - 1)
        select Idx(start, code, sizes, written, dataError, gzip, seed);

    private static (byte[] Bytes, long Rows, string Origin) Idx(byte[] start, byte code, int[] sizes, int written, int dataError, bool gzip, int seed)
    {
        var bytes = new List<byte>(start) { code, (byte)sizes.Length };
        foreach (int size in sizes[..Math.Min(written, sizes.Length)])
        {
            bytes.AddRange(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(size)));
        }
        int item = code switch { 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => 1 };
        long elements = sizes.Aggregate(1L, (product, size) => size < 0 || product > 4096 ? long.MaxValue : product * size);
        int data = (int)Math.Max(0, (elements > 4096 ? 16 : elements * item) + dataError);
        var values = new byte[data];
        new Random(seed).NextBytes(values);
        bytes.AddRange(values);
        string origin = $"generated IDX type 0x{code:x2} sizes ({string.Join(", ", sizes)}), {written} written, data {dataError:+0;-0;0}{(gzip ? ", gzipped" : "")}";
        return (gzip ? Gzip([.. bytes]) : bytes.ToArray(), sizes.Length > 0 ? sizes[0] : 0, origin);
    }

    private static byte[] IdxBytes(byte code, int[] sizes, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, code, (byte)sizes.Length };
        foreach (int size in sizes)
        {
            bytes.AddRange(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(size)));
        }
        return Join(bytes, data);
    }

    private static Gen<byte[]> IdxLabels(long rows) =>
        from countError in Gen.Frequency((10, Gen.Constant(0)), (1, Gen.Choose(-2, 2)))
        from values in Gen.ArrayOf(Gen.Choose(0, 3).Select(v => (byte)v), (int)Math.Clamp(rows + countError, 0, 64))
        from gzip in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from claimed in Gen.Frequency((12, Gen.Constant(values.Length)), (1, Gen.Elements(int.MaxValue, 1_000_000_000)))
        select gzip ? Gzip(IdxBytes(0x08, [claimed], values)) : IdxBytes(0x08, [claimed], values);

    private static readonly Gen<ImportCase> GeneratedIdx =
        from train in IdxArray
        from layout in Gen.Elements(0, 0, 1, 2)
        from labels in layout == 1 ? IdxLabels(train.Rows).Select(b => (byte[]?)b) : Gen.Constant<byte[]?>(null)
        select Arrays(train.Origin, DatasetFormat.Idx, "x.idx", train.Bytes, labels, test: layout == 2);

    private static readonly byte[] IdxImages = IdxBytes(0x08, [6, 4, 4], [.. Enumerable.Range(0, 96).Select(i => (byte)(i * 5))]);

    private static readonly byte[] IdxLabelsSeed = IdxBytes(0x08, [6], [0, 1, 0, 1, 2, 2]);

    private static readonly Gen<ImportCase> MutatedIdx = Gen.OneOf(
        from mutant in Mutations.Of([
            new FuzzInput("IDX seed: ubyte 6×4×4", IdxImages),
            new FuzzInput("IDX seed: ubyte 6×4×4, gzipped", Gzip(IdxImages)),
            new FuzzInput("IDX seed: float 6×3", IdxBytes(0x0D, [6, 3], [.. SeedRows.SelectMany(r => r).SelectMany(v => BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits((float)v))))])),
            new FuzzInput("IDX seed: short 6×2", IdxBytes(0x0B, [6, 2], [.. Enumerable.Range(0, 12).SelectMany(i => new byte[] { 0, (byte)i })])),
        ])
        from labelled in Gen.Elements(false, true)
        from test in Gen.Elements(false, false, true)
        select Arrays(mutant.Origin, DatasetFormat.Idx, "x.idx", mutant.Bytes, labelled ? IdxLabelsSeed : null, test),
        from mutant in Mutations.Of([
            new FuzzInput("IDX labels seed", IdxLabelsSeed),
            new FuzzInput("IDX labels seed, gzipped", Gzip(IdxLabelsSeed)),
        ])
        select Arrays(mutant.Origin + " (the labels)", DatasetFormat.Idx, "x.idx", IdxImages, mutant.Bytes, test: false));

    /// <summary>IDX: generated and mutated, raw and gzipped, with and without labels and test files.</summary>
    public static readonly Gen<ImportCase> Idxs = Gen.Frequency((1, GeneratedIdx), (1, MutatedIdx));

    // ---- Parquet ----

    private enum Column
    {
        Double,
        Float,
        Int,
        Long,
        Byte,
        Decimal,
        NullableDouble,
        NullableInt,
        Text,
        Bool,
        Date,
    }

    private static readonly Gen<ImportCase> GeneratedParquet =
        from columns in Gen.Frequency((12, Gen.Choose(1, 4)), (1, Gen.Constant(0)))
        from kinds in Gen.ArrayOf(Gen.Frequency((8, Gen.Elements(Column.Double, Column.Float, Column.Int, Column.Long)), (1, Gen.Elements(Enum.GetValues<Column>()))), columns)
        from labelKind in Gen.Elements<Column?>(null, null, Column.Text, Column.Int, Column.Double, Column.NullableInt, Column.Long)
        from groups in Gen.Frequency((8, Gen.Choose(1, 2)), (1, Gen.Choose(0, 4)))
        from rows in Gen.ArrayOf(Gen.Frequency((10, Gen.Choose(1, 6)), (1, Gen.Constant(0))), groups)
        from label in Gen.Elements<string?>(null, "label", "label", "c0", "nope")
        from odd in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from seed in Gen.Choose(0, int.MaxValue - 1)
        where columns > 0 || labelKind is not null
        select new ImportCase(
            $"generated Parquet: columns {string.Join(", ", kinds)}, label column {labelKind?.ToString() ?? "none"}, rows [{string.Join(", ", rows)}]{(odd ? ", odd values" : "")}",
            DatasetFormat.Parquet, [new("rows.parquet", ParquetFile(kinds, labelKind, rows, odd, seed))], "rows.parquet", Label: label);

    private static byte[] ParquetFile(Column[] kinds, Column? labelKind, int[] groupRows, bool odd, int seed)
    {
        var random = new Random(seed);
        var columns = kinds.Select((kind, i) => (Field: Field($"c{i}", kind), Kind: kind)).ToList();
        if (labelKind is { } kindOfLabel)
        {
            columns.Add((Field($"label", kindOfLabel), kindOfLabel));
        }
        using var stream = new MemoryStream();
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(c => (Field)c.Field).ToArray()), stream).GetAwaiter().GetResult();
        try
        {
            foreach (int rows in groupRows)
            {
                using var group = writer.CreateRowGroup();
                foreach (var (field, kind) in columns)
                {
                    WriteColumn(group, field, kind, rows, odd, random).GetAwaiter().GetResult();
                }
                group.CompleteValidate();
            }
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return stream.ToArray();
    }

    private static DataField Field(string name, Column kind) => kind switch
    {
        Column.Double => new DataField<double>(name),
        Column.Float => new DataField<float>(name),
        Column.Int => new DataField<int>(name),
        Column.Long => new DataField<long>(name),
        Column.Byte => new DataField<byte>(name),
        Column.Decimal => new DataField<decimal>(name),
        Column.NullableDouble => new DataField<double?>(name),
        Column.NullableInt => new DataField<int?>(name),
        Column.Text => new DataField<string>(name),
        Column.Bool => new DataField<bool>(name),
        _ => new DataField<DateTime>(name),
    };

    private static Task WriteColumn(ParquetRowGroupWriter group, DataField field, Column kind, int rows, bool odd, Random random)
    {
        // Odd values, now and then: NaN, infinities and numbers beyond float32 in float columns, nulls where a column allows them.
        double Number() => odd && random.Next(8) == 0 ? random.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => 1e39 } : random.Next(-40, 40) / 4.0;
        T[] Values<T>(Func<T> value) => [.. Enumerable.Range(0, rows).Select(_ => value())];
        return kind switch
        {
            Column.Double => group.WriteAsync<double>(field, Values(Number)),
            Column.Float => group.WriteAsync<float>(field, Values(() => (float)Number())),
            Column.Int => group.WriteAsync<int>(field, Values(() => random.Next(0, 4))),
            Column.Long => group.WriteAsync<long>(field, Values(() => (long)random.Next(0, 4) << (odd ? 40 : 0))),
            Column.Byte => group.WriteAsync<byte>(field, Values(() => (byte)random.Next(0, 256))),
            Column.Decimal => group.WriteAsync<decimal>(field, Values(() => (decimal)(random.Next(-40, 40) / 4.0))),
            Column.NullableDouble => group.WriteAsync<double>(field, Values<double?>(() => odd && random.Next(4) == 0 ? null : Number())),
            Column.NullableInt => group.WriteAsync<int>(field, Values<int?>(() => odd && random.Next(4) == 0 ? null : random.Next(0, 4))),
            Column.Text => group.WriteAsync(field, Values(() => odd && random.Next(4) == 0 ? (random.Next(2) == 0 ? null : "") : $"c{random.Next(0, 3)}")!),
            Column.Bool => group.WriteAsync<bool>(field, Values(() => random.Next(2) == 0)),
            _ => group.WriteAsync<DateTime>(field, Values(() => new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(random.Next(100)))),
        };
    }

    private static readonly Gen<ImportCase> MutatedParquet =
        from label in Gen.Elements<string?>(null, "label", "label")
        from mutant in Mutations.Of([
            new FuzzInput("Parquet seed: doubles and a text label, two row groups", ParquetFile([Column.Double, Column.Double], Column.Text, [3, 3], odd: false, seed: 1)),
            new FuzzInput("Parquet seed: ints, a nullable double and an int label", ParquetFile([Column.Int, Column.NullableDouble, Column.Float], Column.Int, [6], odd: false, seed: 2)),
        ])
        select new ImportCase(mutant.Origin, DatasetFormat.Parquet, [new("rows.parquet", mutant.Bytes)], "rows.parquet", Label: label);

    /// <summary>Parquet: generated (every column type) and mutated.</summary>
    public static readonly Gen<ImportCase> Parquets = Gen.Frequency((1, GeneratedParquet), (2, MutatedParquet));

    // ---- Image folders ----

    private enum Picture
    {
        GreyPng,
        ColourPng,
        Jpeg,
        Webp,
        HugePng,
        NotAnImage,
        Empty,
    }

    private static byte[] Encode(int width, int height, bool grey, SKEncodedImageFormat format, int shade)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor((byte)shade, (byte)(255 - shade), (byte)(shade / 2)));
        using var encoded = bitmap.Encode(format, 90);
        return encoded.ToArray();
    }

    /// <summary>A small PNG whose header then claims <paramref name="width"/>×<paramref name="height"/>.</summary>
    private static byte[] HugePng(int width, int height) => ClaimingSize(Encode(4, 4, grey: true, SKEncodedImageFormat.Png, 100), width, height);

    /// <summary><paramref name="png"/> with its header claiming <paramref name="width"/>×<paramref name="height"/> (the header's checksum made right).</summary>
    internal static byte[] ClaimingSize(byte[] png, int width, int height)
    {
        png = [.. png];
        // The signature (8 bytes), then IHDR: length (4), "IHDR" (4), width and height (4 each, big-endian), 5 more bytes, CRC.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>CRC-32 as PNG chunks use it (ISO 3309, reflected, polynomial 0xEDB88320).</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }

    private static readonly Gen<(string Extension, byte[] Bytes, string What)> Image =
        from kind in Gen.Frequency((8, Gen.Constant(Picture.GreyPng)), (4, Gen.Constant(Picture.ColourPng)), (4, Gen.Constant(Picture.Jpeg)),
            (1, Gen.Elements(Picture.Webp, Picture.HugePng, Picture.HugePng, Picture.NotAnImage, Picture.Empty)))
        from size in Gen.Frequency((8, Gen.Constant((4, 4))), (1, from w in Gen.Choose(1, 6) from h in Gen.Choose(1, 6) select (w, h)))
        from shade in Gen.Choose(0, 255)
        from huge in Gen.Elements((1 << 16, 1 << 16), (int.MaxValue, 1), (40_000, 40_000), (0, 4), (1 << 20, 1 << 20), (100_000, 7))
        from extension in Gen.Frequency((10, Gen.Constant("")), (1, Gen.Elements(".png", ".jpg", ".JPEG", ".txt", "")))
        select kind switch
        {
            Picture.GreyPng => (extension is "" ? ".png" : extension, Encode(size.Item1, size.Item2, true, SKEncodedImageFormat.Png, shade), $"grey PNG {size.Item2}×{size.Item1}"),
            Picture.ColourPng => (extension is "" ? ".png" : extension, Encode(size.Item1, size.Item2, false, SKEncodedImageFormat.Png, shade), $"colour PNG {size.Item2}×{size.Item1}"),
            Picture.Jpeg => (extension is "" ? ".jpg" : extension, Encode(size.Item1, size.Item2, false, SKEncodedImageFormat.Jpeg, shade), $"JPEG {size.Item2}×{size.Item1}"),
            Picture.Webp => (".png", Encode(size.Item1, size.Item2, false, SKEncodedImageFormat.Webp, shade), "WebP named .png"),
            Picture.HugePng => (".png", HugePng(huge.Item1, huge.Item2), $"PNG whose header claims {huge.Item2}×{huge.Item1}"),
            Picture.NotAnImage => (".png", Encoding.UTF8.GetBytes("not an image"), "text named .png"),
            _ => (extension is "" ? ".png" : extension, Array.Empty<byte>(), "empty file"),
        };

    private static readonly Gen<ImportCase> GeneratedImages =
        from flat in Gen.Elements(true, false, false)
        from classes in flat ? Gen.Constant(new[] { "" }) : Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Gen.Elements("a", "b", "7", "x y", "\u00e9"), n))
        from images in Gen.ArrayOf(Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Image, n)), classes.Length)
        from extra in Gen.Frequency((10, Gen.Constant("")), (1, Gen.Elements("notes.txt", ".DS_Store", "nested/a.png", ".hidden/a.png")))
        from resize in Gen.Frequency((6, Gen.Constant<int[]?>(null)), (2, Gen.Elements<int[]?>([4, 4], [1, 1], [2, 3])), (1, Gen.Elements<int[]?>([100_000, 100_000], [65_536, 1], [1 << 30, 4], [8192, 8192])))
        let files = classes.SelectMany((folder, c) => images[c].Select((image, i) => new CaseFile(Path.Combine("photos", folder, $"{c}-{i}{image.Extension}"), image.Bytes)))
            .Concat(extra is "" ? [] : [new CaseFile(Path.Combine("photos", classes[0], extra), [1, 2, 3])])
            .ToArray()
        select new ImportCase(
            $"generated image folder ({(flat ? "flat" : string.Join(", ", classes.Select(c => $"'{c}'")))}): {string.Join("; ", images.Select(i => string.Join(", ", i.Select(image => image.What))))}" +
            (extra is "" ? "" : $", and {extra}"),
            DatasetFormat.Images, files, "photos", Size: resize);

    private static readonly byte[] PngSeed = Encode(4, 4, grey: true, SKEncodedImageFormat.Png, 90);

    private static readonly Gen<ImportCase> MutatedImages =
        from mutant in Mutations.Of([
            new FuzzInput("grey PNG 4×4", PngSeed),
            new FuzzInput("colour PNG 4×4", Encode(4, 4, grey: false, SKEncodedImageFormat.Png, 30)),
            new FuzzInput("JPEG 4×4", Encode(4, 4, grey: false, SKEncodedImageFormat.Jpeg, 200)),
        ])
        from resize in Gen.Frequency((4, Gen.Constant<int[]?>(null)), (1, Gen.Constant<int[]?>([3, 3])))
        select new ImportCase(mutant.Origin + ", beside a valid grey PNG 4×4", DatasetFormat.Images,
            [new(Path.Combine("photos", "a.png"), PngSeed), new(Path.Combine("photos", mutant.Origin.StartsWith("JPEG", StringComparison.Ordinal) ? "b.jpg" : "b.png"), mutant.Bytes)],
            "photos", Size: resize);

    /// <summary>Image folders: generated and mutated.</summary>
    public static readonly Gen<ImportCase> Images = Gen.Frequency((1, GeneratedImages), (1, MutatedImages));

    private static byte[] Join(params IEnumerable<byte>[] parts) => [.. parts.SelectMany(part => part)];

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }
        return output.ToArray();
    }
}
