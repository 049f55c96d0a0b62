using Grid.Compute.Autoencoder;
using Grid.Compute.Pipeline;
using Grid.Compute.Tests.Autoencoder;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Compute.Tests.Pipeline;

/// <summary>
/// Epoch-prefix reuse in the pipeline: an autoencoder stage of E epochs starts from the checkpoint kept with a stage of
/// the same autoencoder trained for fewer epochs, trains only the rest, and ends with the weights and codes a training
/// of E epochs from scratch has.
/// </summary>
[Collection(AutoencoderCollection.Name)]
public sealed class EpochPrefixTests
{
    [Fact]
    public void A_longer_training_continues_the_longest_prefix_with_a_checkpoint_and_equals_training_from_scratch()
    {
        using var dir = new TempDirectory();
        var random = new Random(3);
        byte[] Images(int count, byte[] labels)
        {
            var pixels = new byte[count * 12 * 12];
            for (int i = 0; i < count; i++)
            {
                labels[i] = (byte)(i % 2);
                for (int p = 0; p < 144; p++)
                {
                    // Two classes: bright top half or bright bottom half, with noise.
                    bool lit = (p < 72) == (labels[i] == 0);
                    pixels[i * 144 + p] = (byte)((lit ? 160 : 20) + random.Next(60));
                }
            }
            return pixels;
        }
        var trainLabels = new byte[96];
        var testLabels = new byte[32];
        var dataset = StoredDatasets.Write(dir.Path, "halves", ElementType.UInt8, [1, 12, 12], Images(96, trainLabels), trainLabels, Images(32, testLabels), testLabels, classes: 2);
        var pipeline = StoredDatasets.Pipeline(dir.Path, dataset);
        var input = new AutoencoderStageInput(new DataSelection("halves", 96, 32), 3, ReconstructionLoss.Bce, 5, 16, 2e-3, 7, NetworkArchitecture.Conv, [1, 12, 12]);

        var straight = pipeline.TrainAutoencoder("ae-e5-straight", input, null, CancellationToken.None);
        var prefix = pipeline.TrainAutoencoder("ae-e2", input with { Epochs = 2 }, null, CancellationToken.None);
        // The 4-epoch stage was never computed, and a 6-epoch prefix is no prefix of 5: the 2-epoch stage is the one to continue.
        var continued = pipeline.TrainAutoencoder("ae-e5", input, null, CancellationToken.None,
            [new AutoencoderPrefix(4, "ae-e4"), new AutoencoderPrefix(2, "ae-e2"), new AutoencoderPrefix(1, "ae-e1"), new AutoencoderPrefix(6, "ae-e6")]);

        Assert.Equal((0, 0, 5), (straight.PrefixEpochs, straight.ResumedFromEpoch, straight.EpochsTrained));
        Assert.Equal(2, prefix.EpochsTrained);
        Assert.Equal((2, "ae-e2", 3, 5), (continued.PrefixEpochs, continued.PrefixHash, continued.EpochsTrained, continued.Epochs));
        using var fromScratch = AutoencoderTrainer.FromWeights(Path.Combine(pipeline.Artifacts.Get("ae-e5-straight"), StagePipeline.WeightsFile), input.ToOptions());
        using var fromPrefix = AutoencoderTrainer.FromWeights(Path.Combine(pipeline.Artifacts.Get("ae-e5"), StagePipeline.WeightsFile), input.ToOptions());
        Assert.True(Weights.MaxAbsDifference(fromScratch.Model, fromPrefix.Model) <= 1e-6, "continued weights differ from a straight training's");
        Assert.Equal(straight.TestLoss, continued.TestLoss, 6);
        using var codes = TensorFile.Read(Path.Combine(pipeline.Artifacts.Get("ae-e5"), StagePipeline.TrainCodesFile));
        using var straightCodes = TensorFile.Read(Path.Combine(pipeline.Artifacts.Get("ae-e5-straight"), StagePipeline.TrainCodesFile));
        Assert.True((codes - straightCodes).abs().max().item<float>() <= 1e-4, "continued codes differ from a straight training's");
        // The history covers every epoch, the continued ones too; and every artifact keeps its checkpoint for the next longer training.
        Assert.Equal(5, TrainingHistory.Read(Path.Combine(pipeline.Artifacts.Get("ae-e5"), StagePipeline.HistoryFile)).Count);
        Assert.All(["ae-e2", "ae-e5", "ae-e5-straight"], hash => Assert.True(File.Exists(AutoencoderTrainer.CheckpointPath(pipeline.Artifacts.Get(hash))), hash));
    }
}
