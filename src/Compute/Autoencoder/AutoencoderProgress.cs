namespace Grid.Compute.Autoencoder;

/// <summary>A progress report during training, sent every few batches and at each epoch's end.</summary>
/// <param name="Epoch">The epoch under way, 1-based.</param>
/// <param name="Epochs">Epochs the run trains in all.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="BatchesPerEpoch">Batches in one epoch.</param>
/// <param name="SamplesDone">Training images processed in this epoch.</param>
/// <param name="RunningLoss">Mean per-pixel training loss over this epoch's batches so far.</param>
/// <param name="SamplesPerSecond">Training throughput in this epoch so far.</param>
public sealed record AutoencoderProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    long SamplesDone,
    double RunningLoss,
    double SamplesPerSecond);
