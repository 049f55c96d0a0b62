using System.IO.Compression;
using Grid.Compute.Data;

namespace Grid.Compute.Tests.Data;

public sealed class IdxReaderTests
{
    private static (byte[] Pixels, byte[] Labels) Tiny(int count, int rows = 2, int cols = 3)
    {
        var pixels = new byte[count * rows * cols];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7 % 256);
        }
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        return (pixels, labels);
    }

    [Fact]
    public void Reads_raw_images_and_labels()
    {
        using var dir = new TempDirectory();
        var (pixels, labels) = Tiny(5);
        IdxReader.WriteImages(dir.File("img"), pixels, 5, 2, 3);
        IdxReader.WriteLabels(dir.File("lbl"), labels);

        var set = IdxReader.ReadImageSet(dir.File("img"), dir.File("lbl"));

        Assert.Equal(5, set.Count);
        Assert.Equal(2, set.Height);
        Assert.Equal(3, set.Width);
        Assert.Equal(pixels, set.Data);
        Assert.Equal(labels, set.Labels);
    }

    [Fact]
    public void Reads_gzip_files_by_content()
    {
        using var dir = new TempDirectory();
        var (pixels, labels) = Tiny(4);
        IdxReader.WriteImages(dir.File("img"), pixels, 4, 2, 3);
        IdxReader.WriteLabels(dir.File("lbl"), labels);
        Gzip(dir.File("img"), dir.File("img.gz"));
        Gzip(dir.File("lbl"), dir.File("lbl.gz"));

        var set = IdxReader.ReadImageSet(dir.File("img.gz"), dir.File("lbl.gz"));

        Assert.Equal(pixels, set.Data);
        Assert.Equal(labels, set.Labels);
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<DatasetException>(() => IdxReader.ReadImageSet(dir.File("nope"), dir.File("lbl")));
        Assert.Contains(dir.File("nope"), ex.Message);
        Assert.Contains("missing", ex.Message);
    }

    [Fact]
    public void Truncated_images_are_reported()
    {
        using var dir = new TempDirectory();
        var (pixels, labels) = Tiny(5);
        IdxReader.WriteImages(dir.File("img"), pixels, 5, 2, 3);
        IdxReader.WriteLabels(dir.File("lbl"), labels);
        var bytes = File.ReadAllBytes(dir.File("img"));
        File.WriteAllBytes(dir.File("img"), bytes[..^4]);

        var ex = Assert.Throws<DatasetException>(() => IdxReader.ReadImageSet(dir.File("img"), dir.File("lbl")));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains(dir.File("img"), ex.Message);
    }

    [Fact]
    public void Header_shorter_than_sixteen_bytes_is_truncated()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("img"), [0, 0, 8, 3, 0]);
        var ex = Assert.Throws<DatasetException>(() => IdxReader.ParseImages(File.ReadAllBytes(dir.File("img")), dir.File("img")));
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void Wrong_magic_is_reported()
    {
        using var dir = new TempDirectory();
        var (_, labels) = Tiny(3);
        IdxReader.WriteLabels(dir.File("lbl"), labels);
        // A labels file where an images file is expected.
        var ex = Assert.Throws<DatasetException>(() => IdxReader.ReadImageSet(dir.File("lbl"), dir.File("lbl")));
        Assert.Contains("wrong magic", ex.Message);
        Assert.Contains("0x00000801", ex.Message);
    }

    [Fact]
    public void Count_mismatch_between_images_and_labels_is_reported()
    {
        using var dir = new TempDirectory();
        var (pixels, _) = Tiny(5);
        IdxReader.WriteImages(dir.File("img"), pixels, 5, 2, 3);
        IdxReader.WriteLabels(dir.File("lbl"), [1, 2, 3]);

        var ex = Assert.Throws<DatasetException>(() => IdxReader.ReadImageSet(dir.File("img"), dir.File("lbl")));
        Assert.Contains("5 images", ex.Message);
        Assert.Contains("3 labels", ex.Message);
    }

    [Fact]
    public void Truncated_gzip_is_a_dataset_error_naming_the_file()
    {
        using var dir = new TempDirectory();
        var (pixels, labels) = Tiny(50);
        IdxReader.WriteImages(dir.File("img"), pixels, 50, 2, 3);
        IdxReader.WriteLabels(dir.File("lbl"), labels);
        Gzip(dir.File("img"), dir.File("img.gz"));
        var gz = File.ReadAllBytes(dir.File("img.gz"));
        File.WriteAllBytes(dir.File("img.gz"), gz[..(gz.Length / 2)]);

        var ex = Assert.Throws<DatasetException>(() => IdxReader.ReadImageSet(dir.File("img.gz"), dir.File("lbl")));
        Assert.Contains(dir.File("img.gz"), ex.Message);
    }

    [Fact]
    public void Take_keeps_the_first_rows()
    {
        var (pixels, labels) = Tiny(5);
        var set = new RowSet(pixels, labels, 5, 2, 3);
        var first = set.Take(2);
        Assert.Equal(2, first.Count);
        Assert.Equal(pixels[..12], first.Data);
        Assert.Equal(labels[..2], first.Labels);
    }

    [Fact]
    public void Tensors_have_the_documented_shapes_and_ranges()
    {
        var (pixels, labels) = Tiny(5);
        var set = new RowSet(pixels, labels, 5, 2, 3);
        using var features = set.ToFeatureTensor();
        using var images = set.ToInputTensor();
        using var y = set.ToLabelTensor();
        Assert.Equal(new long[] { 5, 6 }, features.shape);
        Assert.Equal(new long[] { 5, 1, 2, 3 }, images.shape);
        Assert.Equal(pixels[7], features[1, 1].item<float>());
        Assert.Equal(pixels[7] / 255f, images[1, 0, 0, 1].item<float>(), 6);
        Assert.Equal(labels[3], y[3].item<long>());
    }

    private static void Gzip(string source, string destination)
    {
        using var input = File.OpenRead(source);
        using var output = File.Create(destination);
        using var gzip = new GZipStream(output, CompressionLevel.Fastest);
        input.CopyTo(gzip);
    }
}
