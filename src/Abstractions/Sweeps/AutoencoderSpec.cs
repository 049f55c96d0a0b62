using System.Globalization;
using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// One autoencoder to train: the convolutional architecture of the reference study with a latent
/// size of <see cref="ZDim"/>. Defaults follow that study (BCE, Adam lr 5e-4, batch 128, 40 epochs).
/// </summary>
/// <param name="ZDim">Latent size (1..256).</param>
/// <param name="Loss">Reconstruction loss.</param>
/// <param name="Epochs">Training epochs (1..1000).</param>
/// <param name="BatchSize">Mini-batch size for Adam.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="Reconstructions">Whether to render sample reconstructions alongside the results.</param>
/// <param name="Architecture">The network; null: conv for image data, mlp for flat vectors (<see cref="NetworkFor"/>).</param>
/// <param name="Hidden">The mlp network's hidden layer sizes; null: 256, 128.</param>
/// <param name="InputScaling">How input rows are scaled; null: unit for 8-bit images, standard for other data.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.autoencoder-spec")]
public sealed record AutoencoderSpec(
    [property: Id(0)] int ZDim,
    [property: Id(1)] ReconstructionLoss Loss = ReconstructionLoss.Bce,
    [property: Id(2)] int Epochs = AutoencoderSpec.DefaultEpochs,
    [property: Id(3)] int BatchSize = AutoencoderSpec.DefaultBatchSize,
    [property: Id(4)] double LearningRate = AutoencoderSpec.DefaultLearningRate,
    [property: Id(5)] bool Reconstructions = false,
    [property: Id(6)] NetworkArchitecture? Architecture = null,
    [property: Id(7)] IReadOnlyList<int>? Hidden = null,
    [property: Id(8)] InputScaling? InputScaling = null)
{
    /// <summary>The network this spec trains on <paramref name="dataset"/>, with its defaults filled in.</summary>
    public ResolvedNetwork NetworkFor(Grid.Core.Datasets.DatasetDescriptor dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var architecture = Architecture ?? (dataset.IsImage ? NetworkArchitecture.Conv : NetworkArchitecture.Mlp);
        var scaling = InputScaling ?? (dataset.Element == Grid.Core.Datasets.ElementType.UInt8 ? Grid.Core.InputScaling.Unit : Grid.Core.InputScaling.Standard);
        return new ResolvedNetwork(architecture, architecture == NetworkArchitecture.Mlp ? Hidden ?? NetworkShapes.DefaultHidden : [], scaling);
    }

    // Hidden is a list: compare it by its items, so equal specs are equal records.
    public bool Equals(AutoencoderSpec? other) =>
        other is not null && ZDim == other.ZDim && Loss == other.Loss && Epochs == other.Epochs && BatchSize == other.BatchSize
        && LearningRate.Equals(other.LearningRate) && Reconstructions == other.Reconstructions && Architecture == other.Architecture
        && InputScaling == other.InputScaling && (Hidden ?? []).SequenceEqual(other.Hidden ?? []) && (Hidden is null) == (other.Hidden is null);

    public override int GetHashCode() => HashCode.Combine(ZDim, Loss, Epochs, BatchSize, LearningRate, Reconstructions, Architecture, HashCode.Combine(InputScaling, Hidden?.Count));

    /// <summary>Epochs of the reference study.</summary>
    public const int DefaultEpochs = 40;

    /// <summary>Batch size of the reference study.</summary>
    public const int DefaultBatchSize = 128;

    /// <summary>Adam learning rate of the reference study.</summary>
    public const double DefaultLearningRate = 5e-4;

    /// <summary>
    /// A short name that tells autoencoders of one sweep apart, e.g. <c>ae-z16-bce-e40</c>; batch
    /// size and learning rate are appended only when they differ from the defaults
    /// (<c>ae-z16-bce-e40-b64-lr0.001</c>). <see cref="Reconstructions"/> is not part of it: it
    /// changes what is rendered, not what is learned.
    /// </summary>
    public string Label
    {
        get
        {
            var label = $"ae-z{ZDim}-{SpecNames.Of(Loss)}-e{Epochs}";
            if (BatchSize != DefaultBatchSize)
            {
                label += $"-b{BatchSize}";
            }
            if (LearningRate != DefaultLearningRate)
            {
                label += "-lr" + LearningRate.ToString("R", CultureInfo.InvariantCulture);
            }
            if (Architecture is { } architecture)
            {
                label += "-" + SpecNames.Of(architecture) + (Hidden is { } hidden ? string.Join("-", hidden) : "");
            }
            if (InputScaling is { } scaling)
            {
                label += "-in" + SpecNames.Of(scaling);
            }
            return label;
        }
    }
}

/// <summary>
/// An autoencoder's network with its defaults resolved for one dataset. <see cref="IsSeedNetwork"/>: the study's
/// convolutional network on inputs in 0..1, whose stage keys predate these settings and so do not name them.
/// </summary>
public sealed record ResolvedNetwork(NetworkArchitecture Architecture, IReadOnlyList<int> Hidden, InputScaling InputScaling)
{
    public bool IsSeedNetwork => Architecture == NetworkArchitecture.Conv && InputScaling == InputScaling.Unit;

    /// <summary>What a stage key adds for this network: nothing for the seed network.</summary>
    public string KeySuffix => IsSeedNetwork
        ? ""
        : $"|arch={SpecNames.Of(Architecture)}|hidden={string.Join(",", Hidden)}|input={SpecNames.Of(InputScaling)}";
}
