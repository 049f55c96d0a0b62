using System.Text.Json;
using Grid.Compute.Autoencoder;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Compute.Plots;
using Grid.Compute.Tests.Data;
using Grid.Core.Datasets;
using Grid.Core;

namespace Grid.Compute.Tests.Plots;

/// <summary>The data behind the latent-space and stage figures: projections, samples, and what artifacts hold.</summary>
public sealed class LatentAndArtifactTests
{
    [Fact]
    public void Two_dimensional_codes_are_drawn_as_they_are_for_a_seeded_sample()
    {
        int rows = 50;
        float[] codes = Enumerable.Range(0, rows * 2).Select(i => (float)i).ToArray();
        byte[] labels = Enumerable.Range(0, rows).Select(i => (byte)(i % 10)).ToArray();

        var points = LatentProjection.Project(codes, rows, 2, labels, maxPoints: 20, seed: 3);

        Assert.False(points.Embedded);
        Assert.Equal(20, points.Rows.Length);
        Assert.Equal(rows, points.TotalRows);
        Assert.Equal(points.Rows.Order(), points.Rows);
        for (int i = 0; i < points.Rows.Length; i++)
        {
            int row = points.Rows[i];
            Assert.Equal((codes[2 * row], codes[2 * row + 1]), (points.XY[2 * i], points.XY[2 * i + 1]));
            Assert.Equal(labels[row], points.Labels[i]);
        }
        // The same seed draws the same sample; another seed another one.
        Assert.Equal(points.Rows, LatentProjection.Project(codes, rows, 2, labels, 20, 3).Rows);
        Assert.NotEqual(points.Rows, LatentProjection.Sample(rows, 20, 4));
        Assert.Equal(Enumerable.Range(0, rows), LatentProjection.Sample(rows, 100, 0));
    }

    [Fact]
    public void Larger_codes_go_through_tsne_to_two_finite_coordinates_per_point()
    {
        var random = new Random(1);
        int rows = 60, dims = 5;
        byte[] labels = Enumerable.Range(0, rows).Select(i => (byte)(i % 3)).ToArray();
        // Three well separated blobs.
        float[] codes = Enumerable.Range(0, rows * dims).Select(i => labels[i / dims] * 10f + (float)random.NextDouble()).ToArray();

        var points = LatentProjection.Project(codes, rows, dims, labels, maxPoints: 1000, seed: 0);

        Assert.True(points.Embedded);
        Assert.Equal(rows * 2, points.XY.Length);
        Assert.All(points.XY, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(labels, points.Labels);
    }

    [Fact]
    public void A_clustering_summary_gives_per_cluster_errors_and_class_counts()
    {
        using var dir = new TempDirectory();
        // The shape StagePipeline writes (default System.Text.Json names for the records it serializes).
        File.WriteAllText(dir.File(StagePipeline.SummaryFile), JsonSerializer.Serialize(new
        {
            input = new { Data = new DataSelection("mnist", 600, 200), CodesHash = (string?)null, Scaler = "none", K = 2 },
            train_clusters = new[]
            {
                new Grid.Compute.Evaluation.ClusterError(0, 3, 10, 1, 0.1, false, false),
                new Grid.Compute.Evaluation.ClusterError(1, 5, 10, 5, 0.5, true, false),
            },
            train_class_counts = new long[] { 300, 300 },
            test_class_counts = new long[] { 90, 110 },
        }));

        var summary = StageArtifactReader.ReadClusteringSummary(dir.Path);

        Assert.Equal(new DataSelection("mnist", 600, 200), summary.Data);
        Assert.Equal([0.1, 0.5], summary.ClusterErrors);
        Assert.Equal([300L, 300L], summary.TrainClassCounts!);
        Assert.Equal([90L, 110L], summary.TestClassCounts!);
    }

    [Fact]
    public void A_missing_summary_is_reported_with_its_path()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<InvalidDataException>(() => StageArtifactReader.ReadClusteringSummary(dir.Path));
        Assert.Contains(StagePipeline.SummaryFile, error.Message);
    }

    [Fact]
    public void A_real_training_run_leaves_its_loss_history_in_the_artifact_and_the_loss_figure_draws_exactly_it()
    {
        // Real MNIST rows (test.sh fetches them to $GRID_DATA_DIR), a small real training run through the stage pipeline.
        var datasets = new DatasetStore(DatasetStore.DefaultDataDirectory());
        Assert.True(datasets.IsComplete(BuiltInDatasets.Mnist), $"MNIST is not in {datasets.DataDirectory}; run `./grid data fetch mnist` (test.sh does) or set GRID_DATA_DIR");
        using var dir = new TempDirectory();
        var artifacts = new ArtifactStore(dir.Path);
        var pipeline = new StagePipeline(datasets, artifacts);
        var input = new AutoencoderStageInput(new DataSelection("mnist", 256, 128), 2, ReconstructionLoss.Bce, 3, 128, 5e-4, 11);
        var reported = new List<AutoencoderEpoch>();

        pipeline.TrainAutoencoder("ae-history", input, new SynchronousProgress<PipelineProgress>(p =>
        {
            if (p.Epoch is { } epoch)
            {
                reported.Add(epoch);
            }
        }), CancellationToken.None);

        Assert.Equal([1, 2, 3], reported.Select(e => e.Epoch));
        string folder = artifacts.Get("ae-history");
        Assert.True(StageArtifactReader.HasTrainingHistory(folder));
        var history = StageArtifactReader.ReadTrainingHistory(folder);
        Assert.Equal(reported, history);

        var chart = ResultCharts.LossCurve(history, "bce", "loss");
        Assert.Equal(2, chart.Series.Count);
        Assert.Equal([1.0, 2.0, 3.0], chart.Series[0].X);
        Assert.Equal(reported.Select(e => e.TrainLoss), chart.Series[0].Y);
        Assert.Equal([1.0, 2.0, 3.0], chart.Series[1].X);
        Assert.Equal(reported.Select(e => e.TestLoss!.Value), chart.Series[1].Y);
        Assert.True(chart.CountsOnX, "epochs are counted: whole-number ticks");
        // The ScottPlot figure draws those points, and the PNG comes out.
        using var plot = chart.ToPlot();
        var scatters = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        Assert.Equal(chart.Series.Select(s => s.Y), scatters.Select(s => s.Data.GetScatterPoints().Select(p => p.Y)));
        Assert.Equal((PlotDefaults.Width, PlotDefaults.Height), PlotTests.PngSize(chart.ToPng(PlotDefaults.Width, PlotDefaults.Height)));
    }

    [Fact]
    public void An_artifact_without_a_history_says_so()
    {
        using var dir = new TempDirectory();
        Assert.False(StageArtifactReader.HasTrainingHistory(dir.Path));
        var error = Assert.Throws<InvalidDataException>(() => StageArtifactReader.ReadTrainingHistory(dir.Path));
        Assert.Contains(StagePipeline.HistoryFile, error.Message);
    }

    [Fact]
    public void A_history_survives_an_epoch_too_short_to_time()
    {
        using var dir = new TempDirectory();
        AutoencoderEpoch[] history = [new(1, 0.3, null, 0, double.NaN), new(2, 0.2, 0.25, 1.5, 400)];

        TrainingHistory.Write(dir.File("h.json"), history);

        Assert.Equal(history, TrainingHistory.Read(dir.File("h.json")));
        // Without test losses the figure has the training series only.
        Assert.Single(ResultCharts.LossCurve([history[0]], "mse", "loss").Series);
    }

    [Fact]
    public void Codes_and_reconstructions_come_from_an_autoencoder_artifact()
    {
        using var dir = new TempDirectory();
        var options = new AutoencoderOptions { ZDim = 2, Epochs = 1, Seed = 5 };
        using (var trainer = new AutoencoderTrainer(options, TorchSharp.torch.CPU))
        {
            trainer.SaveWeights(dir.File(StagePipeline.WeightsFile));
        }
        var input = new AutoencoderStageInput(new DataSelection("mnist", 100, 4), 2, ReconstructionLoss.Bce, 1, options.BatchSize, options.LearningRate, 5);
        File.WriteAllText(dir.File(StagePipeline.SummaryFile), JsonSerializer.Serialize(new { input, output = new { TrainLoss = 0.2 } }));
        TensorFile.Write(dir.File(StagePipeline.TestCodesFile), [1f, 2f, 3f, 4f, 5f, 6f], 3, 2);

        var (codes, rows, columns) = StageArtifactReader.ReadCodes(dir.Path, train: false);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], codes);
        Assert.Equal((3, 2), (rows, columns));
        Assert.Equal(input, StageArtifactReader.ReadAutoencoderInput(dir.Path));

        var pixels = new byte[5 * 28 * 28];
        pixels[28 * 14 + 14] = 255;
        var images = new RowSet(pixels, [1, 2, 3, 4, 5], 5, 28, 28);
        var (originals, reconstructions, labels) = StageArtifactReader.Reconstruct(dir.Path, images, 3);

        Assert.Equal(3, originals.Length);
        Assert.Equal([1, 2, 3], labels);
        Assert.Equal(1f, originals[0][28 * 14 + 14]);
        Assert.All(reconstructions, r => Assert.Equal(28 * 28, r.Length));
        Assert.All(reconstructions.SelectMany(r => r), v => Assert.InRange(v, 0f, 1f));
    }
}
