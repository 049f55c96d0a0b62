namespace Grid.Abstractions.Sweeps;

/// <summary>The bounds a valid sweep spec stays within.</summary>
public static class SweepLimits
{
    /// <summary>Most trials one sweep may expand to.</summary>
    public const int MaxTrials = 100_000;

    /// <summary>Most values one range (<c>{ from, to, step }</c>) may expand to.</summary>
    public const int MaxRangeValues = 100_000;

    /// <summary>Smallest autoencoder latent size.</summary>
    public const int MinZDim = 1;

    /// <summary>Largest autoencoder latent size.</summary>
    public const int MaxZDim = 256;

    /// <summary>Fewest autoencoder training epochs.</summary>
    public const int MinEpochs = 1;

    /// <summary>Most autoencoder training epochs.</summary>
    public const int MaxEpochs = 1000;

    /// <summary>Fewest clusters: one cluster classifies nothing.</summary>
    public const int MinK = 2;

    /// <summary>Largest edit distance at which an unknown key or name gets a "did you mean" hint.</summary>
    public const int SuggestionDistance = 2;
}
