using Grid.Core.Datasets;
using Grid.Grains.Stages;

namespace Grid.Grains.Tests;

/// <summary>Stage keys as a silo computes them for the built-in datasets.</summary>
internal static class TestKeys
{
    private static readonly StageKeys Keys = new(DatasetRegistry.BuiltIn);

    public static string? Autoencoder(Grid.Abstractions.Sweeps.TrialSpec trial) => Keys.Autoencoder(trial);

    public static string Clustering(Grid.Abstractions.Sweeps.TrialSpec trial, string? autoencoderHash) => Keys.Clustering(trial, autoencoderHash);

    public static IReadOnlyList<Grid.Abstractions.Stages.StageRequest> Chain(Grid.Abstractions.Sweeps.TrialSpec trial) => Keys.Chain(trial);
}
