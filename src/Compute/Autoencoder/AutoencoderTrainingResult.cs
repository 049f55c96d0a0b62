namespace Grid.Compute.Autoencoder;

/// <summary>The outcome of one training epoch.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="TrainLoss">Mean per-pixel loss over the epoch's training batches (weights changing as it went).</param>
/// <param name="TestLoss">Mean per-pixel loss on the test set after the epoch, or null without a test set.</param>
/// <param name="TrainSeconds">Seconds spent on the epoch's training batches (evaluation and checkpoint excluded).</param>
/// <param name="SamplesPerSecond">Training images per second over the epoch.</param>
public sealed record AutoencoderEpoch(int Epoch, double TrainLoss, double? TestLoss, double TrainSeconds, double SamplesPerSecond);

/// <summary>The outcome of a training run: every epoch so far, including those restored from a checkpoint.</summary>
/// <param name="History">One entry per completed epoch, in order.</param>
/// <param name="ResumedFromEpoch">The epoch the run resumed after (0 when it started fresh).</param>
public sealed record AutoencoderTrainingResult(IReadOnlyList<AutoencoderEpoch> History, int ResumedFromEpoch)
{
    /// <summary>Epochs completed.</summary>
    public int CompletedEpochs => History.Count;

    /// <summary>The last epoch's mean training loss.</summary>
    public double TrainLoss => History.Count == 0 ? double.NaN : History[^1].TrainLoss;

    /// <summary>The test loss after the last epoch (NaN without a test set).</summary>
    public double TestLoss => History.Count == 0 ? double.NaN : History[^1].TestLoss ?? double.NaN;

    /// <summary>
    /// Training images per second over the epochs this run trained (restored epochs excluded); over every epoch when it
    /// trained none: a run resumed from a checkpoint of its last epoch (its silo died between the checkpoint and the
    /// artifact) has nothing of its own to measure, and NaN cannot be written to the stage's JSON summary. 0 without
    /// any timed epoch.
    /// </summary>
    public double SamplesPerSecond
    {
        get
        {
            var trained = History.Skip(ResumedFromEpoch).ToList();
            if (trained.Count == 0)
            {
                trained = [.. History];
            }
            var seconds = trained.Sum(e => e.TrainSeconds);
            var samples = trained.Sum(e => e.SamplesPerSecond * e.TrainSeconds);
            return seconds > 0 ? samples / seconds : 0;
        }
    }
}
