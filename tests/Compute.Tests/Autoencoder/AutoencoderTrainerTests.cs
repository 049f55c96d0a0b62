using Grid.Compute.Autoencoder;
using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Autoencoder;

[Collection(AutoencoderCollection.Name)]
public sealed class AutoencoderTrainerTests
{
    private static readonly AutoencoderOptions Small = new() { ZDim = 8, BatchSize = 16, Epochs = 1, LearningRate = 2e-3, Seed = 3 };

    [Fact]
    public void Training_lowers_train_and_test_loss()
    {
        var train = SyntheticImages.Create(160, seed: 1);
        var test = SyntheticImages.Create(64, seed: 2);
        using var trainer = new AutoencoderTrainer(Small with { Epochs = 3 }, CPU);
        var before = trainer.Evaluate(test);

        var result = trainer.Train(train, test);

        Assert.Equal(3, result.CompletedEpochs);
        Assert.Equal(0, result.ResumedFromEpoch);
        Assert.Equal([1, 2, 3], result.History.Select(e => e.Epoch));
        Assert.True(result.History[2].TrainLoss < result.History[0].TrainLoss, $"train loss {result.History[0].TrainLoss} → {result.History[2].TrainLoss}");
        Assert.True(result.TestLoss < before * 0.9, $"test loss {before} → {result.TestLoss}");
        Assert.Equal(result.TestLoss, trainer.Evaluate(test), 12);
        Assert.True(result.SamplesPerSecond > 0);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_and_another_seed_does_not()
    {
        var train = SyntheticImages.Create(96, seed: 1);
        using var a = new AutoencoderTrainer(Small, CPU);
        using var b = new AutoencoderTrainer(Small, CPU);
        using var c = new AutoencoderTrainer(Small with { Seed = 4 }, CPU);

        var lossA = a.Train(train).TrainLoss;
        var lossB = b.Train(train).TrainLoss;
        c.Train(train);

        Assert.Equal(0.0, Weights.MaxAbsDifference(a.Model, b.Model));
        Assert.Equal(lossA, lossB);
        Assert.True(Weights.MaxAbsDifference(a.Model, c.Model) > 1e-3);
    }

    [Theory]
    [InlineData(ReconstructionLoss.Bce)]
    [InlineData(ReconstructionLoss.Mse)]
    public void Evaluate_reports_the_mean_per_pixel_loss(ReconstructionLoss loss)
    {
        var train = SyntheticImages.Create(64, seed: 1);
        var test = SyntheticImages.Create(40, seed: 2);
        using var trainer = new AutoencoderTrainer(Small with { Loss = loss }, CPU);
        var result = trainer.Train(train, test);

        using var scope = NewDisposeScope();
        using var reconstructed = trainer.Reconstruct(test);
        var images = tensor(test.Data, [test.Count, 1, 28, 28]).to(ScalarType.Float32) / 255f;
        var expected = loss == ReconstructionLoss.Bce
            ? nn.functional.binary_cross_entropy(reconstructed, images).item<float>()
            : nn.functional.mse_loss(reconstructed, images).item<float>();

        Assert.Equal(expected, trainer.Evaluate(test), 4);
        Assert.True(double.IsFinite(result.TrainLoss) && result.TrainLoss > 0);
        Assert.Equal(result.TestLoss, trainer.Evaluate(test), 12);
    }

    [Fact]
    public void Mse_and_bce_train_to_different_weights()
    {
        var train = SyntheticImages.Create(64, seed: 1);
        using var bce = new AutoencoderTrainer(Small, CPU);
        using var mse = new AutoencoderTrainer(Small with { Loss = ReconstructionLoss.Mse }, CPU);

        var bceLoss = bce.Train(train).TrainLoss;
        var mseLoss = mse.Train(train).TrainLoss;

        // Mean BCE of near-binary images is several times their mean squared error.
        Assert.True(mseLoss < bceLoss, $"mse {mseLoss}, bce {bceLoss}");
        Assert.True(Weights.MaxAbsDifference(bce.Model, mse.Model) > 1e-4);
    }

    [Fact]
    public void Encode_gives_one_code_per_image_the_same_each_time_in_eval_mode()
    {
        var images = SyntheticImages.Create(300, seed: 5);
        using var trainer = new AutoencoderTrainer(Small, CPU);

        using var first = trainer.Encode(images);
        using var second = trainer.Encode(images);
        using var alone = trainer.Encode(images.Take(3));

        Assert.Equal(new long[] { 300, 8 }, first.shape);
        Assert.Equal(DeviceType.CPU, first.device_type);
        Assert.True(first.eq(second).all().item<bool>());
        // Batching (256 per pass) does not change a code.
        Assert.True(first.narrow(0, 0, 3).allclose(alone, rtol: 0, atol: 1e-5));
        Assert.True(trainer.Model.training, "inference must restore training mode");
    }

    [Fact]
    public void Reconstruct_returns_images_in_0_to_1()
    {
        var images = SyntheticImages.Create(10, seed: 5);
        using var trainer = new AutoencoderTrainer(Small, CPU);

        using var fromSet = trainer.Reconstruct(images);
        using var input = tensor(images.Data, [10, 1, 28, 28]).to(ScalarType.Float32).div_(255f);
        using var fromTensor = trainer.Reconstruct(input);

        Assert.Equal(new long[] { 10, 1, 28, 28 }, fromSet.shape);
        Assert.True(fromSet.eq(fromTensor).all().item<bool>());
        Assert.InRange(fromSet.min().item<float>(), 0f, 1f);
        Assert.InRange(fromSet.max().item<float>(), 0f, 1f);
        Assert.Throws<ArgumentException>(() => trainer.Reconstruct(zeros(2, 28, 28)));
    }

    [Fact]
    public void Saved_weights_load_into_an_equal_model()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "model.weights");
        var images = SyntheticImages.Create(64, seed: 1);
        using var trained = new AutoencoderTrainer(Small, CPU);
        trained.Train(images);

        trained.SaveWeights(path);
        using var loaded = AutoencoderTrainer.FromWeights(path, Small, CPU);
        using var expected = trained.Encode(images);
        using var actual = loaded.Encode(images);

        Assert.Equal(0.0, Weights.MaxAbsDifference(trained.Model, loaded.Model));
        Assert.True(expected.eq(actual).all().item<bool>());
        Assert.Equal(["model.weights"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
        Assert.Throws<InvalidDataException>(() => AutoencoderTrainer.FromWeights(path, Small with { ZDim = 9 }, CPU));
    }

    [Fact]
    public void Rejects_images_that_are_not_28_by_28()
    {
        using var trainer = new AutoencoderTrainer(Small, CPU);
        var odd = new Grid.Compute.Data.RowSet(new byte[2 * 30 * 30], new byte[2], 2, 30, 30);

        Assert.Throws<ArgumentException>(() => trainer.Train(odd));
        Assert.Throws<ArgumentException>(() => trainer.Encode(odd));
    }

    [Fact]
    public void Progress_reports_batches_samples_and_a_running_loss()
    {
        var train = SyntheticImages.Create(82, seed: 1);
        using var trainer = new AutoencoderTrainer(Small with { BatchSize = 4 }, CPU);
        var reports = new List<AutoencoderProgress>();

        trainer.Train(train, progress: new SynchronousProgress<AutoencoderProgress>(reports.Add));

        // 82 images in batches of 4: 21 batches, reported at batch 20 and at the epoch's end.
        Assert.Equal([(1, 20), (1, 21)], reports.Select(r => (r.Epoch, r.Batch)));
        Assert.All(reports, r => Assert.Equal(21, r.BatchesPerEpoch));
        Assert.All(reports, r => Assert.Equal(1, r.Epochs));
        Assert.Equal(80, reports[0].SamplesDone);
        Assert.Equal(82, reports[1].SamplesDone);
        Assert.All(reports, r => Assert.True(r.RunningLoss > 0 && r.SamplesPerSecond > 0));
        Assert.Equal(trainer.History[0].TrainLoss, reports[1].RunningLoss, 12);
    }

    [Fact]
    public void Each_epoch_trained_raises_EpochCompleted_once_with_its_train_and_test_loss()
    {
        var train = SyntheticImages.Create(40, seed: 1);
        var test = SyntheticImages.Create(8, seed: 2);
        using var trainer = new AutoencoderTrainer(Small with { Epochs = 2 }, CPU);
        var epochs = new List<AutoencoderEpoch>();
        trainer.EpochCompleted += epochs.Add;

        trainer.Train(train, test);
        trainer.Train(train, test);

        // Once per epoch, in order; the second call had nothing left to train.
        Assert.Equal(trainer.History, epochs);
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.True(e.TrainLoss > 0 && e.TestLoss > 0));
    }

    [Fact]
    public void Training_leaks_no_tensors_however_many_batches_it_runs()
    {
        var statistics = DisposeScopeManager.Statistics;
        long LiveAfter(int trainImages)
        {
            var before = statistics.ThreadTotalLiveCount;
            using (var trainer = new AutoencoderTrainer(Small with { BatchSize = 4 }, CPU))
            {
                if (trainImages > 0)
                {
                    trainer.Train(SyntheticImages.Create(trainImages, seed: 1), SyntheticImages.Create(8, seed: 2));
                    using var codes = trainer.Encode(SyntheticImages.Create(8, seed: 3));
                    using var images = trainer.Reconstruct(SyntheticImages.Create(8, seed: 3));
                    trainer.Evaluate(SyntheticImages.Create(8, seed: 4));
                }
            }
            return statistics.ThreadTotalLiveCount - before;
        }

        // TorchSharp's own Conv2d/ConvTranspose2d constructors leave a tensor wrapper each (for the
        // finalizer); whatever building and disposing a trainer leaves is the baseline.
        var untrained = LiveAfter(0);
        var fewBatches = LiveAfter(8);
        var manyBatches = LiveAfter(80);

        Assert.Equal(untrained, fewBatches);
        Assert.Equal(untrained, manyBatches);
        Assert.InRange(untrained, 0, 6);
    }
}
