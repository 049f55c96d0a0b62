using Grid.Core.Datasets;
namespace Grid.Abstractions.Sweeps;

/// <summary>
/// Row limits on a dataset's parts: the first <see cref="Train"/> training rows and the first
/// <see cref="Test"/> test rows. <see langword="null"/> means every row; a limit above a dataset's
/// size means every row of it too.
/// </summary>
/// <param name="Train">Training rows to use, or <see langword="null"/> for all.</param>
/// <param name="Test">Test rows to use, or <see langword="null"/> for all.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.split-spec")]
public sealed record SplitSpec(
    [property: Id(0)] int? Train = null,
    [property: Id(1)] int? Test = null)
{
    /// <summary>Every row of both parts.</summary>
    public static SplitSpec All { get; } = new();

    /// <summary>The rows actually used from <paramref name="dataset"/>: both limits set, neither above its size.</summary>
    public SplitSpec Resolve(DatasetDescriptor dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new SplitSpec(
            Math.Min(Train ?? dataset.TrainCount, dataset.TrainCount),
            Math.Min(Test ?? dataset.TestCount, dataset.TestCount));
    }
}
