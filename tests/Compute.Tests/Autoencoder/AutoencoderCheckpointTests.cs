using Grid.Compute.Autoencoder;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Autoencoder;

[Collection(AutoencoderCollection.Name)]
public sealed class AutoencoderCheckpointTests
{
    private static readonly AutoencoderOptions Options = new() { ZDim = 4, BatchSize = 16, Epochs = 2, LearningRate = 2e-3, Seed = 11 };

    [Fact]
    public void Resuming_after_one_epoch_ends_where_two_straight_epochs_end()
    {
        var train = SyntheticImages.Create(96, seed: 1);
        var test = SyntheticImages.Create(32, seed: 2);
        using var straightDirectory = new TempDirectory();
        using var resumedDirectory = new TempDirectory();
        using var straight = new AutoencoderTrainer(Options, CPU);
        var straightResult = straight.Train(train, test, straightDirectory.Path);

        using (var first = AutoencoderTrainer.Resume(Options with { Epochs = 1 }, resumedDirectory.Path, CPU))
        {
            Assert.Equal(0, first.CompletedEpochs);
            first.Train(train, test, resumedDirectory.Path);
        }
        using var resumed = AutoencoderTrainer.Resume(Options, resumedDirectory.Path, CPU);
        Assert.Equal(1, resumed.CompletedEpochs);
        var resumedResult = resumed.Train(train, test, resumedDirectory.Path);

        Assert.True(Weights.MaxAbsDifference(straight.Model, resumed.Model) <= 1e-6);
        Assert.Equal(1, resumedResult.ResumedFromEpoch);
        Assert.Equal(2, resumedResult.CompletedEpochs);
        Assert.Equal(straightResult.History.Select(e => e.TrainLoss), resumedResult.History.Select(e => e.TrainLoss), new ToleranceComparer(1e-6));
        Assert.Equal(straightResult.TestLoss, resumedResult.TestLoss, 6);
        Assert.Equal([AutoencoderCheckpointFile], Directory.GetFiles(resumedDirectory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_run_cancelled_mid_epoch_resumes_from_the_last_whole_epoch()
    {
        var train = SyntheticImages.Create(400, seed: 1);
        var options = Options with { Epochs = 2 };
        using var directory = new TempDirectory();
        using var straight = new AutoencoderTrainer(options, CPU);
        straight.Train(train);

        using (var interrupted = AutoencoderTrainer.Resume(options, directory.Path, CPU))
        using (var cancellation = new CancellationTokenSource())
        {
            // 400/16 = 25 batches an epoch; cancel at the first report of epoch 2 (after batch 20).
            var progress = new AutoencoderTrainerTests.SyncProgress(p =>
            {
                if (p.Epoch == 2)
                {
                    cancellation.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() => interrupted.Train(train, checkpointDirectory: directory.Path, progress: progress, cancellationToken: cancellation.Token));
        }
        using var resumed = AutoencoderTrainer.Resume(options, directory.Path, CPU);
        Assert.Equal(1, resumed.CompletedEpochs);
        resumed.Train(train, checkpointDirectory: directory.Path);

        Assert.True(Weights.MaxAbsDifference(straight.Model, resumed.Model) <= 1e-6);
    }

    [Fact]
    public void Resume_refuses_a_checkpoint_made_with_other_settings()
    {
        var train = SyntheticImages.Create(32, seed: 1);
        using var directory = new TempDirectory();
        using (var trainer = new AutoencoderTrainer(Options with { Epochs = 1 }, CPU))
        {
            trainer.Train(train, checkpointDirectory: directory.Path);
        }

        var error = Assert.Throws<InvalidOperationException>(() => AutoencoderTrainer.Resume(Options with { ZDim = 5 }, directory.Path, CPU));
        Assert.Contains(directory.Path, error.Message);
        Assert.Throws<InvalidOperationException>(() => AutoencoderTrainer.Resume(Options with { Seed = 12 }, directory.Path, CPU));
    }

    [Fact]
    public void Resume_of_a_finished_run_trains_nothing_more()
    {
        var train = SyntheticImages.Create(32, seed: 1);
        using var directory = new TempDirectory();
        using var first = AutoencoderTrainer.Resume(Options, directory.Path, CPU);
        var firstResult = first.Train(train, checkpointDirectory: directory.Path);
        var written = File.GetLastWriteTimeUtc(Path.Combine(directory.Path, AutoencoderCheckpointFile));

        using var again = AutoencoderTrainer.Resume(Options, directory.Path, CPU);
        var againResult = again.Train(train, checkpointDirectory: directory.Path);

        Assert.Equal(2, againResult.ResumedFromEpoch);
        Assert.Equal(firstResult.History, againResult.History);
        Assert.Equal(0.0, Weights.MaxAbsDifference(first.Model, again.Model));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(directory.Path, AutoencoderCheckpointFile)));
    }

    [Fact]
    public void A_corrupt_checkpoint_is_reported_not_loaded()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(Path.Combine(directory.Path, AutoencoderCheckpointFile), "not a checkpoint");

        Assert.Throws<InvalidDataException>(() => AutoencoderTrainer.Resume(Options, directory.Path, CPU));
    }

    private const string AutoencoderCheckpointFile = "autoencoder.ckpt";

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
