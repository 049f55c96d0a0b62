using System.Buffers.Binary;
using System.IO.Compression;
using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Core.Datasets;
using SkiaSharp;

namespace Grid.Compute.Tests.Fuzzing;

/// <summary>
/// Inputs the importer fuzzing (<see cref="DatasetReaderFuzzTests"/>) found to crash, hang or allocate what a header claims,
/// and overflows found by reading the readers, each kept as it was found so that it stays fixed whatever the fuzzer's seed:
/// every one is refused with a <see cref="DatasetException"/> naming its file, quickly and without allocating much.
/// </summary>
public sealed class DatasetReaderRegressionTests : IDisposable
{
    /// <summary>What one refused import may allocate here: a few megabytes, where the claims were of gigabytes.</summary>
    private const long FewMegabytes = 20_000_000;

    private readonly TempDirectory _dir = new("grid-fuzz-regressions-");

    private string DataDir => _dir.File("data");

    public void Dispose() => _dir.Dispose();

    /// <summary>Imports <paramref name="spec"/>, which must be refused naming <paramref name="file"/> and allocating less than <paramref name="most"/> bytes.</summary>
    private DatasetException Refused(DatasetImportSpec spec, string file, long most = FewMegabytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DatasetException>(() => DatasetImporter.Import(spec, DataDir));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.True(allocated < most, $"refusing it allocated {allocated / 1e6:0.0} MB");
        return ex;
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static DatasetImportSpec Spec(DatasetFormat format, string train, string? trainLabels = null, string? label = null, int[]? size = null) =>
        new("found", format, train, null, trainLabels, null, label, Size: size);

    [Fact]
    public void A_corrupt_gzipped_IDX_file_is_refused_naming_the_file()
    {
        // Found by the fuzzer ("IDX seed: ubyte 6×4×4, gzipped", mutated): GZipStream's InvalidDataException reached the console unnamed.
        var idx = Write("x.idx", Convert.FromBase64String("H4sIAFi6agAAAAAEA2Ng4GBmYGBgY2BgYAFjVi5+EUk5ZQ1dI3MbRzfvgNCo+JTMvOKK2qb2nonTZi9Y"));
        var ex = Refused(Spec(DatasetFormat.Idx, idx), idx);
        Assert.Contains("gzip data is corrupt or truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_IDX_header_that_claims_268_million_rows_is_refused_before_they_are_counted_out()
    {
        // Found by the fuzzer ("IDX seed: short 6×2", one bit flipped): 0x10000006 rows of 2 shorts in a 46-byte file; the
        // importer drew a test split over every declared row (a 268 MB mask) before reading any.
        var idx = Write("x.idx", Convert.FromBase64String("AAALAhAAAAYAAAACAAAAAQACAAMABAAFAAYABwAIAAkACgAL"));
        var ex = Refused(Spec(DatasetFormat.Idx, idx), idx);
        Assert.Contains("truncated: the header declares 268435462 rows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Parquet_file_Parquet_Net_cannot_read_is_refused_naming_the_file()
    {
        // Found by the fuzzer ("Parquet seed: doubles and a text label", four mutations): a ParquetException reached the console.
        var parquet = Write("rows.parquet", Convert.FromBase64String(
            "UEFSMRUAFTAVLCwVBhUAAAAAAADovxgIAAAAAAAAIMAWACgIAAAAAAAA6L8YCAAAAAAAACDAAAAAGAAABQEEFcAFBygAIMAAAAAA"
            + "AADovxUAFTAVLCwVBhUAFQYVBhwYCAAAAAAAABVAGAgAAAAAAAD4vxYAKAgAAAAAAAAVQBgIAAAAAAAA+L8AAAAYAAAFAQQVQAUH"
            + "KAAIQAAAAAAAAPi/FQAVMBUyLBUGFQAVBhUGHBgCYzIYAmMwFgAoAmMyGAJjMAAAABgUAgAAAAYBAQY0YzECAAAAYzICAAAAYzAV"
            + "ABUwFSwsFQYVABUGFQYcGAgAAAAAAAAGQBgIAAAAAAAAI8AWACgIAAAAAAAABkAYCAAAAAAAACPAAAAAGAAABQEEBkAFBygAI8AA"
            + "AAAAAAAVwBUAFTAVLCwVBhUAFQYVBhwYCAAAAAAAgCNAGAgAAAAAAAAOwBYQKAgAAAAAAIAjQBgIAAAAAAAADsAAAAAYAAAFAQQO"
            + "wAUHKIAjQAAAAAAAAAxAFQAVMBUyLBUGFQAVBhUGHBgCYzEYAmMwFgAoFQYCYzEYAmMwAAAAGBQCAAAABgEBBjRjMQIAAABjMAIA"
            + "AABjMRUCGUxIBHJvb3QVBgAVCiUAGAJjMAAVCiUAGAJjMQAVDCUCGAVsYWJlbCUATBwAAAAWDBksGTwmCBwVChklAAYZGAJjIBUC"
            + "FgYWqgEWpgEmCDwYCAAAAAAAAOi/GAgAAAAAAAAgwBYAKAgAAAAAAADovxgIAAAAAAAAIMAAAAAmrgEcFQoZJQAGGRgCYzEVAhYG"
            + "FqoBFqYBJq4BPBgIAAAAAAAAFUAYCAAAAAAAAPi/FgAoCAAAAAAAABVAGAgAAAAAAAD4vwAAACbUAhwVDBklAAYZGAVsYWJlbBUC"
            + "FgYWehZ8JtQCPBgCYzIYAmMwFgAoAmMyGAJjMAAAABbOAxYGNsgDABk8JtADHBUKGSUABhkYAmMwFQIWBhaqARamASbQAzwYCAAA"
            + "AAAAAAZAGAgAAAAAAAAjwBYAKAgAAAAAAAAGQBgIAAAAAAAAI8AAAAAm9gQcFQoZJQAGGRgCYzEVAhYGFqoBFqYBJvYEPBgIAAAA"
            + "AACAI0AYCAAAAAAAAA7AFgAoCAAAAAAAgCNAGAgAAAAAAAAOwAAAACacBhwVDBklAAYZGAVsYWJlbBUCFgYWehZ8JpwGPBgCYzEY"
            + "AmMwFgAoAmMxGAJjMAAAABbOAxYGNsgDAChKUGFycXVldC5OZXQgdmVyc2lvbiA2LjEuMCAoYnVpbGQgYzE3OWQ5N2JkMjU0OWI1"
            + "ZjQ0YTkyNDFlNzI5Zjg2OWQ0OTQ3ZWU1OSkAJAIAAFBBUjE="));
        Refused(Spec(DatasetFormat.Parquet, parquet, label: "label"), parquet);
    }

    [Fact]
    public void A_Parquet_page_whose_Snappy_block_claims_268_MB_is_refused_before_it_is_allocated()
    {
        // Found by the fuzzer ("Parquet seed: ints, a nullable double and an int label", 9 bytes inserted into the first
        // page): Snappy allocated the 268 MB its garbage block declared before finding the block corrupt.
        var parquet = Write("rows.parquet", Convert.FromBase64String(
            "UEFSMRUAFTAVLiwVDBUAFQYVBhwYBAMAAAAYBAAAAAAWACgEAwAAABgEAAAAAAAAAODG5nLxGfFCRRgUAwAAAAEACQEsAwAAAAAA"
            + "AAABAAAAFQAVbBVULBUMFQAVBhUGHBgIAAAAAAAAGEAYCAAAAAAAACTAFgAoCAAAAAAAABhAGAgAAAAAAAAkwAAAADYYAgAAAAwB"
            + "AAUBBBhABQcIAPS/CQgEF8AJCAAkDQgkFUAAAAAAAAAjwBUAFTAVMCwVDBUAFQYVBhwYBAAAgEAYBAAAIMEWACgEAACAQBgEAAAg"
            + "wQAAABgQAAAgwQAFATQgwAAAkMAAAIBAAACwwBUAFTAVJiwVDBUAFQYVBhwYBAIAAAAYBAAAAAAWACgEAgAAABgEAAAAAAAAABgE"
            + "AgAZASwBAAAAAQAAAAIAAAAVAhlcSARyb290FQgAFQIlABgCYzAlIkysEyARAAAAFQolAhgCYzEAFQglABgCYzIAFQIlABgFbGFi"
            + "ZWwlIkysEyARAAAAFgwZHBlMJggcFQIZJQAGGRgCYzAVAhYMFooBFogBJgg8GAQDAAAAGAQAAAAAFgAoBAMAAAAYBAAAAAAAAAAm"
            + "kAEcFQoZJQAGGRgCYzEVAhYMFuYBFs4BJpABPBgIAAAAAAAAGEAYCAAAAAAAACTAFgAoCAAAAAAAABhAGAgAAAAAAAAkwAAAACbe"
            + "AhwVCBklAAYZGAJjMhUCFgwWigEWigEm3gI8GAQAAIBAGAQAACDBFgAoBAAAgEAYBAAAIMEAAAAm6AMcFQIZJQAGGRgFbGFiZWwV"
            + "AhYMFooBFoABJugDPBgEAgAAABgEAAAAABYAKAQCAAAAGAQAAAAAAAAAFoQFFgw24AQAKEpQYXJxdWV0Lk5ldCB2ZXJzaW9uIDYu"
            + "MS4wIChidWlsZCBjMTc5ZDk3YmQyNTQ5YjVmNDRhOTI0MWU3MjlmODY5ZDQ5NDdlZTU5KQCbAQAAUEFSMQ=="));
        var ex = Refused(Spec(DatasetFormat.Parquet, parquet, label: "label"), parquet);
        Assert.Contains("row group 1, column 'c0'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_resized_to_more_than_a_row_may_hold_are_refused_before_resizing()
    {
        // Found by the fuzzer (a folder of 4×4 images with size [8192, 8192]): resizing every image to 8192×8192 took seconds.
        Png(_dir.File("photos", "a.png"), 4, 4);
        Png(_dir.File("photos", "b.png"), 4, 4);
        var ex = Refused(Spec(DatasetFormat.Images, _dir.File("photos"), size: [8192, 8192]), _dir.File("photos"));
        Assert.Contains("rows of 1×8192×8192 bytes are more than", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PNG_headers_that_claim_40000_by_40000_pixels_are_refused_before_decoding()
    {
        // Read in the reader: two 4×4 PNGs whose headers claim 40000×40000 (1.6 GB a row) got a row of that size allocated.
        Png(_dir.File("photos", "a.png"), 4, 4, claimed: 40_000);
        Png(_dir.File("photos", "b.png"), 4, 4, claimed: 40_000);
        var ex = Refused(Spec(DatasetFormat.Images, _dir.File("photos")), _dir.File("photos", "a.png"));
        Assert.Contains("is more than the 67108864 pixels an image may have", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_NPY_shape_whose_element_count_overflows_is_refused()
    {
        // Read in the reader: (2, 65536, 65536, 65536, 65536) multiplies to 2^65, which wrapped to 0 elements: the empty file
        // matched its "size", rows of 0 numbers followed, and reading them divided by zero.
        var npy = Write("x.npy", NpyFile.Header("<f4", [2, 65_536, 65_536, 65_536, 65_536]));
        var ex = Refused(Spec(DatasetFormat.Npy, npy), npy);
        Assert.Contains("has more elements than any file holds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_IDX_row_size_that_overflows_is_refused()
    {
        // Read in the reader: rows of 65536^4 bytes wrapped to 0 numbers, and reading them divided by zero.
        var idx = Write("x.idx", Idx(0x08, [2, 65_536, 65_536, 65_536, 65_536]));
        var ex = Refused(Spec(DatasetFormat.Idx, idx), idx);
        Assert.Contains("are too large", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NPY_labels_that_claim_a_trillion_rows_are_refused_before_they_are_allocated()
    {
        // Read in the reader: the labels array was allocated at the size the header claims (8 TB here) before reading.
        var npy = Write("x.npy", [.. NpyFile.Header("<f8", [2, 1]), .. BitConverter.GetBytes(1.0), .. BitConverter.GetBytes(2.0)]);
        var labels = Write("y.npy", [.. NpyFile.Header("<i8", [1_000_000_000_000]), .. BitConverter.GetBytes(0L), .. BitConverter.GetBytes(1L)]);
        var ex = Refused(Spec(DatasetFormat.Npy, npy, trainLabels: labels), labels);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzipped_IDX_labels_that_claim_a_billion_rows_cost_what_the_file_holds()
    {
        // Read in the reader: a gzipped file's length is unknown before reading it, and the labels' buffer was allocated
        // at the claimed 1 GB; it now grows as the bytes arrive.
        var idx = Write("x.idx", Idx(0x08, [2, 1], [1, 2]));
        using var gzip = new MemoryStream();
        using (var stream = new GZipStream(gzip, CompressionLevel.Fastest))
        {
            stream.Write(Idx(0x08, [1_000_000_000], [0, 1]));
        }
        var labels = Write("y.idx.gz", gzip.ToArray());
        var ex = Refused(Spec(DatasetFormat.Idx, idx, trainLabels: labels), labels);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] Idx(byte code, int[] sizes, byte[]? data = null)
    {
        var bytes = new List<byte> { 0, 0, code, (byte)sizes.Length };
        foreach (int size in sizes)
        {
            bytes.AddRange(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(size)));
        }
        return [.. bytes, .. data ?? []];
    }

    /// <summary>A grey PNG of <paramref name="width"/>×<paramref name="height"/>; with <paramref name="claimed"/>, its header then claims that many pixels a side.</summary>
    private static void Png(string path, int width, int height, int? claimed = null)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(SKColors.Gray);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        byte[] png = encoded.ToArray();
        if (claimed is int side)
        {
            png = ImportCases.ClaimingSize(png, side, side);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, png);
    }
}
