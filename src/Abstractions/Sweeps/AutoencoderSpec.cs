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
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.autoencoder-spec")]
public sealed record AutoencoderSpec(
    [property: Id(0)] int ZDim,
    [property: Id(1)] ReconstructionLoss Loss = ReconstructionLoss.Bce,
    [property: Id(2)] int Epochs = AutoencoderSpec.DefaultEpochs,
    [property: Id(3)] int BatchSize = AutoencoderSpec.DefaultBatchSize,
    [property: Id(4)] double LearningRate = AutoencoderSpec.DefaultLearningRate,
    [property: Id(5)] bool Reconstructions = false)
{
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
            return label;
        }
    }
}
