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

    /// <summary>The network. Study: the convolutional one.</summary>
    public NetworkArchitecture Architecture { get; init; } = NetworkArchitecture.Conv;

    /// <summary>One input row's shape: [channels, height, width] or [features]. Study: 1×28×28.</summary>
    public IReadOnlyList<int> InputShape { get; init; } = [1, ConvAutoencoder.ImageSide, ConvAutoencoder.ImageSide];

    /// <summary>Hidden layer sizes of the <see cref="NetworkArchitecture.Mlp"/> network (ignored by conv).</summary>
    public IReadOnlyList<int> Hidden { get; init; } = NetworkShapes.DefaultHidden;

    /// <summary>How input rows are scaled. Study: unit (pixels ÷ 255).</summary>
    public InputScaling InputScaling { get; init; } = InputScaling.Unit;

    /// <summary>The untrained network these options describe, with parameters drawn from <see cref="Seed"/>.</summary>
    public AutoencoderNetwork CreateNetwork() => Architecture == NetworkArchitecture.Conv
        ? new ConvAutoencoder(ZDim, Seed, InputShape)
        : new MlpAutoencoder(ZDim, Seed, InputShape, Hidden);

    // Lists compare by their items, so options read back from a checkpoint equal the ones that wrote it.
    public bool Equals(AutoencoderOptions? other) =>
        other is not null
        && ZDim == other.ZDim && Loss == other.Loss && LearningRate.Equals(other.LearningRate) && BatchSize == other.BatchSize
        && Epochs == other.Epochs && Seed == other.Seed && Architecture == other.Architecture && InputScaling == other.InputScaling
        && InputShape.SequenceEqual(other.InputShape) && Hidden.SequenceEqual(other.Hidden);

    public override int GetHashCode() =>
        HashCode.Combine(ZDim, Loss, LearningRate, BatchSize, Epochs, Seed, Architecture, HashCode.Combine(InputScaling, InputShape.Count, Hidden.Count));

    public override string ToString() =>
        $"{{ ZDim = {ZDim}, Loss = {Loss}, LearningRate = {LearningRate}, BatchSize = {BatchSize}, Epochs = {Epochs}, Seed = {Seed}, Architecture = {Architecture}, InputShape = [{string.Join(", ", InputShape)}], Hidden = [{string.Join(", ", Hidden)}], InputScaling = {InputScaling} }}";

    /// <summary>Throws when a setting is out of range; the message names the setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        AutoencoderNetwork.ValidateZDim(ZDim, nameof(ZDim));
        if (Architecture == NetworkArchitecture.Conv)
        {
            ConvAutoencoder.ValidateShape(InputShape);
        }
        else
        {
            MlpAutoencoder.ValidateHidden(Hidden);
        }
        if (Loss == ReconstructionLoss.Bce && InputScaling != InputScaling.Unit)
        {
            throw new ArgumentException($"the bce loss needs inputs in 0..1 (input scaling unit), not {InputScaling}; use the mse loss", nameof(Loss));
        }
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
