using Grid.Compute.Autoencoder;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Autoencoder;

[Collection(AutoencoderCollection.Name)]
public sealed class AutoencoderCheckpointTests
{
    private static readonly AutoencoderOptions Options = new() { ZDim = 4, BatchSize = 16, Epochs = 2, LearningRate = 2e-3, Seed = 11 };

    [Fact]
    public void Stopping_after_an_epoch_or_mid_epoch_and_resuming_ends_where_a_straight_run_ends()
    {
        // 84 images in batches of 4: 21 batches an epoch, the first progress report after batch 20.
        var options = Options with { BatchSize = 4 };
        var train = SyntheticImages.Create(84, seed: 1);
        var test = SyntheticImages.Create(16, seed: 2);
        using var directory = new TempDirectory();
        using var straight = new AutoencoderTrainer(options, CPU);
        var straightResult = straight.Train(train, test);

        // A finished one-epoch run...
        using (var first = AutoencoderTrainer.Resume(options with { Epochs = 1 }, directory.Path, CPU))
        {
            Assert.Equal(0, first.CompletedEpochs);
            Assert.Equal(1, first.Train(train, test, directory.Path).CompletedEpochs);
        }

        // ...continued to two epochs, but cancelled between batches 20 and 21 of epoch 2...
        var reports = new List<AutoencoderProgress>();
        using (var interrupted = AutoencoderTrainer.Resume(options, directory.Path, CPU))
        using (var cancellation = new CancellationTokenSource())
        {
            Assert.Equal(1, interrupted.CompletedEpochs);
            var progress = new SynchronousProgress<AutoencoderProgress>(p =>
            {
                reports.Add(p);
                cancellation.Cancel();
            });
            Assert.Throws<OperationCanceledException>(() => interrupted.Train(train, test, directory.Path, progress, cancellation.Token));
            Assert.Equal(1, interrupted.CompletedEpochs);
            // Its weights are mid-epoch: only a resume from the checkpoint may continue.
            Assert.Throws<InvalidOperationException>(() => interrupted.Train(train, test, directory.Path));
        }
        Assert.Equal((2, 20), Assert.Single(reports) is var r ? (r.Epoch, r.Batch) : default);

        // ...and resumed from the checkpoint of epoch 1.
        using var resumed = AutoencoderTrainer.Resume(options, directory.Path, CPU);
        Assert.Equal(1, resumed.CompletedEpochs);
        var resumedResult = resumed.Train(train, test, directory.Path);

        Assert.True(Weights.MaxAbsDifference(straight.Model, resumed.Model) <= 1e-6);
        Assert.Equal(1, resumedResult.ResumedFromEpoch);
        Assert.Equal(2, resumedResult.CompletedEpochs);
        Assert.Equal(straightResult.History.Select(e => e.TrainLoss), resumedResult.History.Select(e => e.TrainLoss), new ToleranceComparer(1e-6));
        Assert.Equal(straightResult.TestLoss, resumedResult.TestLoss, 6);
        // Only the checkpoint itself: no temporary file left behind.
        Assert.Equal([AutoencoderCheckpointFile], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
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
        // Nothing trained in this run: its throughput is the checkpoint's, not NaN, which the stage's JSON summary cannot
        // hold (the chaos test's silo died between a last-epoch checkpoint and the artifact, and every retry then failed).
        Assert.Equal(firstResult.SamplesPerSecond, againResult.SamplesPerSecond, 9);
        Assert.True(double.IsFinite(againResult.SamplesPerSecond) && againResult.SamplesPerSecond > 0);
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
