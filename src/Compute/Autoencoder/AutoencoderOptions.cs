using Grid.Core;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// Everything that determines a trained autoencoder. The defaults are the MNIST study's settings
/// (docs/architecture.md): z_dim 16, binary cross-entropy, Adam with learning rate 5e-4, batch 128, 40 epochs.
/// </summary>
/// <remarks>Two runs with equal options on the same CPU give the same weights.</remarks>
public sealed record AutoencoderOptions
{
    /// <summary>Most epochs accepted.</summary>
    public const int MaxEpochs = 1000;

    /// <summary>Latent size, 1..256. Study: 16 (near-perfect reconstructions) and 2 (direct 2-D scatter).</summary>
    public int ZDim { get; init; } = 16;

    /// <summary>Reconstruction loss. Study: binary cross-entropy.</summary>
    public ReconstructionLoss Loss { get; init; } = ReconstructionLoss.Bce;

    /// <summary>Adam learning rate. Study: 5e-4.</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Images per mini-batch. Study: 128.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Passes over the training set, 1..1000. Study: 40.</summary>
    public int Epochs { get; init; } = 40;

    /// <summary>Seeds the initial weights and each epoch's shuffle (epoch e uses Seed + e).</summary>
    public long Seed { get; init; }

    /// <summary>Throws when a setting is out of range; the message names the setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        ConvAutoencoder.ValidateZDim(ZDim, nameof(ZDim));
        if (!Enum.IsDefined(Loss))
        {
            throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"Loss must be {nameof(ReconstructionLoss.Bce)} or {nameof(ReconstructionLoss.Mse)}, got {Loss}.");
        }
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"LearningRate must be a positive finite number, got {LearningRate}.");
        }
        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be at least 1, got {BatchSize}.");
        }
        if (Epochs < 1 || Epochs > MaxEpochs)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"Epochs must be between 1 and {MaxEpochs}, got {Epochs}.");
        }
    }
}
