using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Grid.Compute.Autoencoder;
using Grid.Compute.Clustering;
using Grid.Compute.Clustering.Sharding;
using Grid.Compute.Data;
using Grid.Compute.Evaluation;
using Grid.Compute.Scaling;
using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Pipeline;

/// <summary>
/// The computations behind a trial's stages, as plain synchronous methods for a compute
/// thread. Inputs come from the data directory and the artifact store; outputs go to the
/// artifact store under the stage's hash; only small figures are returned.
/// </summary>
public sealed class StagePipeline(DatasetStore datasets, ArtifactStore artifacts)
{
    public const string WeightsFile = "weights.bin";
    public const string TrainCodesFile = "codes-train.f32";
    public const string TestCodesFile = "codes-test.f32";
    public const string CentersFile = "centers.f32";
    public const string CountsFile = "counts.f32";
    public const string SummaryFile = "summary.json";
    public const string HistoryFile = "history.json";

    /// <summary>In an autoencoder's work folder: the prefix stage its training started from.</summary>
    private const string PrefixFile = "prefix.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    // Loaded (and checksum-verified) once per silo; many stages read the same rows.
    private readonly ConcurrentDictionary<DataSelection, Lazy<DatasetSplit>> _data = new();

    public ArtifactStore Artifacts => artifacts;

    /// <summary>The rows of a selection, verified against the catalogue's checksums on first use.</summary>
    public DatasetSplit Load(DataSelection selection) =>
        _data.GetOrAdd(selection, s => new Lazy<DatasetSplit>(() => datasets.Load(s.Dataset, s.Train, s.Test))).Value;

    /// <summary>
    /// Trains (or resumes training) an autoencoder and stores its weights, its last checkpoint and the codes of every row.
    /// Without a checkpoint of its own it starts from the longest of <paramref name="prefixes"/> whose artifact holds one:
    /// the same autoencoder trained for fewer epochs, which it continues exactly (epoch-prefix reuse).
    /// </summary>
    /// <param name="prefixes">Stages equal to this one but for fewer epochs, in any order; null or empty: none.</param>
    public AutoencoderStageOutput TrainAutoencoder(string hash, AutoencoderStageInput input, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken,
        IReadOnlyList<AutoencoderPrefix>? prefixes = null)
    {
        var data = Load(input.Data);
        var options = input.ToOptions();
        options.Validate();
        // Checkpoints live in the stage's work folder, so a retry after a crash resumes there.
        string work = artifacts.WorkFolder(hash);
        var prefix = StartFromPrefix(work, options.Epochs, prefixes);
        using var trainer = AutoencoderTrainer.Resume(options, work);
        int resumedFrom = trainer.CompletedEpochs;
        // Counted in batches so the bar moves within an epoch; the detail names the epoch.
        var epochProgress = progress is null ? null : new ActionProgress<AutoencoderProgress>(p =>
            progress.Report(new PipelineProgress(
                "batch",
                (long)(p.Epoch - 1) * p.BatchesPerEpoch + p.Batch,
                (long)p.Epochs * p.BatchesPerEpoch,
                p.RunningLoss,
                $"epoch {p.Epoch}/{p.Epochs}")));
        if (progress is not null)
        {
            trainer.EpochCompleted += epoch => progress.Report(new PipelineProgress(
                "batch",
                (long)epoch.Epoch * BatchesPerEpoch(data.Train.Count, options.BatchSize),
                (long)options.Epochs * BatchesPerEpoch(data.Train.Count, options.BatchSize),
                epoch.TestLoss ?? epoch.TrainLoss,
                $"epoch {epoch.Epoch}/{options.Epochs}",
                epoch));
        }
        var result = trainer.Train(data.Train, data.Test, work, epochProgress, cancellationToken);
        var output = new AutoencoderStageOutput(result.TrainLoss, result.TestLoss, result.CompletedEpochs, result.SamplesPerSecond, resumedFrom,
            prefix?.Epochs ?? 0, prefix?.Hash);
        artifacts.Commit(hash, folder =>
        {
            trainer.SaveWeights(Path.Combine(folder, WeightsFile));
            // Kept with the artifact: a longer training of the same autoencoder continues from it.
            File.Copy(AutoencoderTrainer.CheckpointPath(work), AutoencoderTrainer.CheckpointPath(folder));
            using (var codes = trainer.Encode(data.Train))
            {
                TensorFile.Write(Path.Combine(folder, TrainCodesFile), codes);
            }
            using (var codes = trainer.Encode(data.Test))
            {
                TensorFile.Write(Path.Combine(folder, TestCodesFile), codes);
            }
            File.WriteAllText(Path.Combine(folder, SummaryFile), JsonSerializer.Serialize(new { input, output }, Json));
            TrainingHistory.Write(Path.Combine(folder, HistoryFile), result.History);
        });
        progress?.Report(new PipelineProgress("batch", 1, 1, output.TestLoss, $"epoch {output.Epochs}/{options.Epochs}"));
        return output;
    }

    /// <summary>
    /// Seeds an empty work folder with the checkpoint of the longest prefix stage that has one, and remembers which it
    /// was (in the work folder, so a resumed attempt reports it too). Returns the prefix the training starts from, or null.
    /// </summary>
    private AutoencoderPrefix? StartFromPrefix(string work, int epochs, IReadOnlyList<AutoencoderPrefix>? prefixes)
    {
        string remembered = Path.Combine(work, PrefixFile);
        if (File.Exists(AutoencoderTrainer.CheckpointPath(work)))
        {
            return File.Exists(remembered) ? JsonSerializer.Deserialize<AutoencoderPrefix>(File.ReadAllText(remembered)) : null;
        }
        foreach (var prefix in (prefixes ?? []).Where(p => p.Epochs < epochs).OrderByDescending(p => p.Epochs))
        {
            if (artifacts.Find(prefix.Hash) is { } folder && File.Exists(AutoencoderTrainer.CheckpointPath(folder)))
            {
                // Copied, not linked: this stage's checkpoints overwrite it epoch by epoch.
                string staging = AutoencoderTrainer.CheckpointPath(work) + ".prefix";
                File.Copy(AutoencoderTrainer.CheckpointPath(folder), staging, overwrite: true);
                File.WriteAllText(remembered, JsonSerializer.Serialize(prefix));
                File.Move(staging, AutoencoderTrainer.CheckpointPath(work));
                return prefix;
            }
        }
        return null;
    }

    /// <summary>
    /// Scales a representation, fits k-means on train, labels clusters by majority and evaluates on train and test;
    /// measures the clustering of the scaled test rows without labels (<see cref="ClusterQuality"/>, seeded with the trial's seed).
    /// </summary>
    public ClusteringStageOutput Cluster(string hash, ClusteringStageInput input, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        var data = Load(input.Data);
        using var scope = torch.NewDisposeScope();
        var (trainRows, testRows) = Representation(input, data);
        var (train, test) = FittedScaler.FitTransform(input.Scaler, trainRows, testRows);

        var clusteringProgress = progress is null ? null : new ActionProgress<ClusteringProgress>(p =>
            progress.Report(new PipelineProgress("step", p.Step, p.MaxSteps, p.Inertia)));
        var watch = Stopwatch.StartNew();
        using var fit = Fit(input, train, clusteringProgress, cancellationToken);
        double fitSeconds = watch.Elapsed.TotalSeconds;

        var testClusters = fit.Predict(test);
        var quality = ClusterQuality.Compute(test, testClusters, input.Seed);
        // The cluster classifier needs labels; without them a clustering has its inertia and quality measures only.
        ClassificationReport? trainReport = null, testReport = null;
        int classes = 0;
        if (data.Train.Labels is { } trainLabels && data.Test.Labels is { } testLabels)
        {
            classes = datasets.Registry.Get(input.Data.Dataset).Classes;
            var classifier = ClusterClassifier.Fit(fit.Labels, trainLabels, input.K, classes);
            trainReport = classifier.Evaluate(fit.Labels, trainLabels);
            testReport = classifier.Evaluate(testClusters, testLabels);
        }
        var output = new ClusteringStageOutput(
            trainReport?.Error,
            testReport?.Error,
            fit.Inertia,
            fit.Iterations,
            fitSeconds,
            classes,
            testReport?.Confusion.SelectMany(row => row).ToArray() ?? [],
            trainReport?.FlaggedClusters.Count ?? 0,
            quality.Silhouette,
            quality.DaviesBouldin,
            quality.CalinskiHarabasz);
        artifacts.Commit(hash, folder =>
        {
            TensorFile.Write(Path.Combine(folder, CentersFile), fit.Centers);
            if (fit.Counts is { } counts)
            {
                // Mini-batch running counts: what a warm start from this solution continues with.
                TensorFile.Write(Path.Combine(folder, CountsFile), counts, 1, counts.Length);
            }
            File.WriteAllText(Path.Combine(folder, SummaryFile), JsonSerializer.Serialize(new
            {
                input,
                output,
                train_clusters = trainReport?.Clusters,
                test_confusion_row_percent = testReport?.ConfusionRowPercentages,
                train_class_counts = trainReport?.ClassCounts,
                test_class_counts = testReport?.ClassCounts,
            }, Json));
        });
        return output;
    }

    /// <summary>
    /// The rows of shard <paramref name="index"/> of <paramref name="count"/> of a representation (pixels, or the
    /// codes in artifact <paramref name="codesHash"/>): balanced contiguous ranges of both splits, for a
    /// sharded fit. Only this silo's data directory or artifact store is read, and of it only the shard's rows
    /// (<see cref="DatasetStore.LoadRows"/>, <see cref="TensorFile.Read(string, int, int)"/>), unless this silo
    /// holds the whole selection already.
    /// </summary>
    public KMeansShard OpenShard(DataSelection selection, string? codesHash, int index, int count)
    {
        var dataset = datasets.Registry.Get(selection.Dataset);
        // The first Train/Test rows, as Load takes them (a limit beyond the rows means all of them).
        var trainRange = KMeansShard.Range(Math.Min(selection.Train, dataset.TrainCount), count, index);
        var testRange = KMeansShard.Range(Math.Min(selection.Test, dataset.TestCount), count, index);
        // Whole rows this silo holds already, or must read whole anyway (gzipped files), are loaded once and sliced.
        var whole = (_data.TryGetValue(selection, out var loaded) && loaded.IsValueCreated) || !datasets.ReadsRowsInPlace(dataset) ? Load(selection) : null;
        if (codesHash is null)
        {
            var (_, train, test) = whole is null
                ? datasets.LoadRows(dataset, trainRange, testRange)
                : new DatasetSplit(dataset.Name, whole.Train.Slice(trainRange.Start, trainRange.Count), whole.Test.Slice(testRange.Start, testRange.Count));
            return new KMeansShard(train.ToFeatureTensor(), LabelsOrOneClass(train.Labels, train.Count), test.ToFeatureTensor(), LabelsOrOneClass(test.Labels, test.Count));
        }
        // Codes: of the dataset only the labels are needed.
        var (trainLabels, testLabels) = whole is null
            ? datasets.LoadLabels(dataset, trainRange, testRange)
            : (whole.Train.Slice(trainRange.Start, trainRange.Count).Labels, whole.Test.Slice(testRange.Start, testRange.Count).Labels);
        string folder = artifacts.Get(codesHash);
        return new KMeansShard(
            TensorFile.Read(Path.Combine(folder, TrainCodesFile), trainRange.Start, trainRange.Count), LabelsOrOneClass(trainLabels, trainRange.Count),
            TensorFile.Read(Path.Combine(folder, TestCodesFile), testRange.Start, testRange.Count), LabelsOrOneClass(testLabels, testRange.Count));

        // Unlabeled rows are tallied as one class; CommitSharded drops those tallies.
        static byte[] LabelsOrOneClass(byte[]? labels, int count) => labels ?? new byte[count];
    }

    /// <summary>Numbers in one row of a selection's dataset, from its descriptor (no rows are read).</summary>
    public int Features(DataSelection selection) => datasets.Registry.Get(selection.Dataset).Features;

    /// <summary>Stores the result of a sharded fit (centres and summary) under the stage's hash and returns its output.</summary>
    public ClusteringStageOutput CommitSharded(string hash, ClusteringStageInput input, ShardedKMeansFit fit, int shards, int silos)
    {
        bool labelled = datasets.Registry.Get(input.Data.Dataset).Labelled;
        var output = new ClusteringStageOutput(
            labelled ? fit.Train.Error : null,
            labelled ? fit.Test.Error : null,
            fit.Inertia,
            fit.Iterations,
            fit.TotalSeconds,
            labelled ? fit.Test.Confusion.Length : 0,
            labelled ? fit.Test.Confusion.SelectMany(row => row).ToArray() : [],
            labelled ? fit.Train.FlaggedClusters.Count : 0,
            fit.Quality.Silhouette,
            fit.Quality.DaviesBouldin,
            fit.Quality.CalinskiHarabasz);
        artifacts.Commit(hash, folder =>
        {
            TensorFile.Write(Path.Combine(folder, CentersFile), fit.Centers, fit.Clusters, fit.Features);
            File.WriteAllText(Path.Combine(folder, SummaryFile), JsonSerializer.Serialize(new
            {
                input,
                output,
                shards,
                silos,
                rounds = fit.Rounds.Rounds,
                bytes_per_round = fit.Rounds.BytesPerRound,
                train_clusters = labelled ? fit.Train.Clusters : null,
                test_confusion_row_percent = labelled ? fit.Test.ConfusionRowPercentages : null,
                train_class_counts = labelled ? fit.Train.ClassCounts : null,
                test_class_counts = labelled ? fit.Test.ClassCounts : null,
            }, Json));
        });
        return output;
    }

    private static long BatchesPerEpoch(int rows, int batchSize) => (rows + batchSize - 1) / batchSize;

    private (Tensor Train, Tensor Test) Representation(ClusteringStageInput input, DatasetSplit data)
    {
        if (input.CodesHash is null)
        {
            return (data.Train.ToFeatureTensor(), data.Test.ToFeatureTensor());
        }
        string folder = artifacts.Get(input.CodesHash);
        return (TensorFile.Read(Path.Combine(folder, TrainCodesFile)), TensorFile.Read(Path.Combine(folder, TestCodesFile)));
    }

    private KMeansFit Fit(ClusteringStageInput input, Tensor train, IProgress<ClusteringProgress>? progress, CancellationToken cancellationToken)
    {
        if (input.WarmStart)
        {
            var scan = new ElbowScanOptions(MiniBatchOptions(input));
            if (input.WarmFromHash is null)
            {
                return ElbowScan.Fit(train, input.K, scan, null, null, progress, cancellationToken);
            }
            string folder = artifacts.Get(input.WarmFromHash);
            using var centers = TensorFile.Read(Path.Combine(folder, CentersFile));
            using var counts = TensorFile.Read(Path.Combine(folder, CountsFile));
            return ElbowScan.Fit(train, input.K, scan, centers, counts.data<float>().ToArray(), progress, cancellationToken);
        }
        if (input.Algorithm == KMeansAlgorithm.Full)
        {
            return KMeans.Fit(train, new KMeansOptions(input.K)
            {
                Inits = input.NInit,
                MaxIterations = input.MaxIter,
                Tolerance = input.Tol,
                Seed = input.Seed,
                Method = input.Method,
            }, progress, cancellationToken);
        }
        return MiniBatchKMeans.Fit(train, MiniBatchOptions(input), progress, cancellationToken);
    }

    /// <summary>The mini-batch k-means settings of a clustering stage.</summary>
    public static MiniBatchKMeansOptions MiniBatchOptions(ClusteringStageInput input)
    {
        var options = new MiniBatchKMeansOptions(input.K)
        {
            Inits = input.NInit,
            MaxIterations = input.MaxIter,
            Tolerance = input.Tol,
            Seed = input.Seed,
        };
        if (input.BatchSize is int batch)
        {
            options = options with { BatchSize = batch };
        }
        if (input.MaxNoImprovement is int patience)
        {
            options = options with { MaxNoImprovement = patience };
        }
        return options;
    }
}
