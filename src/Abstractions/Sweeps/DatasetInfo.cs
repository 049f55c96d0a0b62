namespace Grid.Abstractions.Sweeps;

/// <summary>A dataset a sweep may name, with the size of its standard train and test parts.</summary>
/// <param name="Name">The name users write (<c>mnist</c>, <c>fashion-mnist</c>).</param>
/// <param name="TrainRows">Rows in the training part.</param>
/// <param name="TestRows">Rows in the test part.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.dataset-info")]
public sealed record DatasetInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] int TrainRows,
    [property: Id(2)] int TestRows);
