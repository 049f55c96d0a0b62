using System.Globalization;

namespace Grid.Core.Datasets;

/// <summary>
/// What to import as a dataset: the one definition that a spec's <c>datasets:</c> object and <c>grid data add</c>'s
/// options both fill. Paths are as the caller resolved them (a spec's relative to the spec file, the console's to the
/// working directory).
/// </summary>
/// <param name="Name">The name the dataset gets: letters, digits, <c>-</c> and <c>_</c>, starting with a letter or digit; not a built-in's.</param>
/// <param name="Format">How the files are written.</param>
/// <param name="Train">The training rows: a file, or for <see cref="DatasetFormat.Images"/> a folder.</param>
/// <param name="Test">The test rows; null to split them off <paramref name="Train"/> (<paramref name="TestFraction"/>, <paramref name="Seed"/>).</param>
/// <param name="TrainLabels">npy and idx: a one-dimensional file of the training rows' labels; null for unlabeled rows.</param>
/// <param name="TestLabels">npy and idx: the test rows' labels (with <paramref name="Test"/> and <paramref name="TrainLabels"/>).</param>
/// <param name="Label">csv and parquet: the name of the label column; null for unlabeled rows.</param>
/// <param name="TestFraction">Without <paramref name="Test"/>: the share of each class that becomes test rows, in (0, 1).</param>
/// <param name="Size">images: [height, width] to resize every image to; null to keep their (common) size.</param>
/// <param name="Seed">Seed of the split.</param>
public sealed record DatasetImportSpec(
    string Name,
    DatasetFormat Format,
    string Train,
    string? Test,
    string? TrainLabels,
    string? TestLabels,
    string? Label,
    double TestFraction = DatasetImportSpec.DefaultTestFraction,
    IReadOnlyList<int>? Size = null,
    int Seed = 0)
{
    /// <summary>The share of rows split off for testing when no test file is given (scikit-learn's train_test_split uses 0.25; the issue asks for 0.2).</summary>
    public const double DefaultTestFraction = 0.2;

    /// <summary>The longest name accepted: it becomes a folder name and a label on metrics.</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Every problem with this spec, one line each, naming the setting as <paramref name="spell"/> spells it (default: as a
    /// spec file does, <c>test_fraction</c>; the console passes one that gives <c>--test-fraction</c>). Files are not opened
    /// here; the importer checks them.
    /// </summary>
    public IReadOnlyList<string> Validate(Func<string, string>? spell = null)
    {
        spell ??= key => key;
        var problems = new List<string>();
        if (!IsValidName(Name))
        {
            problems.Add($"{spell("name")} '{Name}': use 1 to {MaxNameLength} letters, digits, '-' and '_', starting with a letter or digit");
        }
        else if (BuiltInDatasets.All.FirstOrDefault(d => string.Equals(d.Name, Name, StringComparison.OrdinalIgnoreCase)) is { } builtIn)
        {
            problems.Add($"{spell("name")} '{Name}' is the built-in dataset '{builtIn.Name}'; choose another name");
        }
        if (!Enum.IsDefined(Format))
        {
            problems.Add($"{spell("format")}: unknown format; use one of {string.Join(", ", SpecNames.All<DatasetFormat>())}");
        }
        if (string.IsNullOrWhiteSpace(Train))
        {
            problems.Add($"{spell("train")}: a path is required");
        }
        if (Test is not null && string.IsNullOrWhiteSpace(Test))
        {
            problems.Add($"{spell("test")}: the path is empty");
        }
        if (!(TestFraction > 0 && TestFraction < 1))
        {
            problems.Add($"{spell("test_fraction")} {TestFraction.ToString(CultureInfo.InvariantCulture)}: must be between 0 and 1 (both excluded)");
        }
        if (Size is not null)
        {
            if (Size.Count != 2 || Size.Any(s => s <= 0))
            {
                problems.Add($"{spell("size")} [{string.Join(", ", Size)}]: must be two positive whole numbers, [height, width]");
            }
            if (Format != DatasetFormat.Images)
            {
                problems.Add($"{spell("size")} applies to the images format only (it resizes images)");
            }
        }
        bool labelFiles = Format is DatasetFormat.Npy or DatasetFormat.Idx;
        if (!labelFiles && (TrainLabels is not null || TestLabels is not null))
        {
            problems.Add($"{spell(TrainLabels is not null ? "train_labels" : "test_labels")} applies to npy and idx only; {SpecNames.Of(Format)} " +
                (Format == DatasetFormat.Images ? "labels are the class folders' names" : $"labels are a column: use {spell("label")}"));
        }
        if (labelFiles)
        {
            if (TestLabels is not null && Test is null)
            {
                problems.Add($"{spell("test_labels")} without {spell("test")}: give the test rows too, or leave both out to split the training rows");
            }
            else if (TestLabels is not null && TrainLabels is null)
            {
                problems.Add($"{spell("test_labels")} without {spell("train_labels")}: the training rows need labels too");
            }
            else if (TrainLabels is not null && Test is not null && TestLabels is null)
            {
                problems.Add($"{spell("train_labels")} with {spell("test")} needs {spell("test_labels")} too: the test rows need labels");
            }
        }
        if (Label is not null && Format is not (DatasetFormat.Csv or DatasetFormat.Parquet))
        {
            problems.Add($"{spell("label")} applies to csv and parquet only (it names the label column)");
        }
        if (Label is not null && string.IsNullOrWhiteSpace(Label))
        {
            problems.Add($"{spell("label")}: the column name is empty");
        }
        return problems;
    }

    /// <summary>True for a name an imported dataset may have: it is also a folder name in every data directory.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
