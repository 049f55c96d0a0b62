using System.Collections.Concurrent;
using System.Diagnostics;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Grains.Stages;
using Orleans.Runtime;

namespace Grid.Silo.Compute;

/// <summary>
/// Turns a stage request into a <see cref="StagePipeline"/> call on the leased slot's compute
/// thread, and its output into the small outcome the grains record.
/// </summary>
public sealed class StageExecutor(ComputeWorker worker, StagePipeline pipeline, ILocalSiloDetails silo) : IStageExecutor
{
    private readonly ConcurrentDictionary<long, SlotLease> _running = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _cancellations = new();

    public SlotCounts Slots => worker.Slots;

    public IReadOnlyList<SlotLease> Running => _running.Values.ToList();

    public async Task<StageOutcome> ExecuteAsync(SlotLease lease, StageRequest request, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        if (!_running.TryAdd(lease.Token, lease))
        {
            throw new InvalidOperationException($"lease {lease.Token} is already running on this silo");
        }
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _cancellations[lease.Token] = cancellation;
        cancellationToken = cancellation.Token;
        try
        {
            string siloName = silo.Name;
            var stageProgress = new ActionProgress<PipelineProgress>(p =>
                progress.Report(new StageProgress(request.Kind, p.Unit, p.Done, p.Total, p.Metric, siloName, p.Detail)));
            var watch = Stopwatch.StartNew();
            return request.Kind switch
            {
                StageKind.Autoencoder => await worker.RunAsync(lease.Kind, lease.Slot, () =>
                {
                    var output = pipeline.TrainAutoencoder(request.Hash, AutoencoderInput(request.Trial), stageProgress, cancellationToken);
                    var metrics = new Dictionary<string, double>
                    {
                        ["train_loss"] = output.TrainLoss,
                        ["test_loss"] = output.TestLoss,
                        ["epochs"] = output.Epochs,
                        ["samples_per_second"] = output.SamplesPerSecond,
                    };
                    return new StageOutcome(request.Hash, request.Kind, metrics, null, siloName, watch.Elapsed.TotalSeconds, false, 1);
                }),
                StageKind.Clustering => await worker.RunAsync(lease.Kind, lease.Slot, () =>
                {
                    var output = pipeline.Cluster(request.Hash, ClusteringInput(request), stageProgress, cancellationToken);
                    var result = new ClusteringResult(output.TrainError, output.TestError, output.Inertia, output.Iterations,
                        output.FitSeconds, output.Classes, output.TestConfusion, output.FlaggedClusters);
                    var metrics = new Dictionary<string, double>
                    {
                        ["train_error"] = output.TrainError,
                        ["test_error"] = output.TestError,
                        ["inertia"] = output.Inertia,
                    };
                    return new StageOutcome(request.Hash, request.Kind, metrics, result, siloName, watch.Elapsed.TotalSeconds, false, 1);
                }),
                _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "unknown stage kind"),
            };
        }
        finally
        {
            _running.TryRemove(lease.Token, out _);
            _cancellations.TryRemove(lease.Token, out _);
        }
    }

    public bool Cancel(long token)
    {
        if (!_cancellations.TryGetValue(token, out var cancellation))
        {
            return false;
        }
        cancellation.Cancel();
        return true;
    }

    private static DataSelection Data(TrialSpec trial)
    {
        // Trials carry resolved splits; a missing limit means every row of the dataset.
        var dataset = DatasetCatalog.Get(trial.Dataset);
        return new(dataset.Name, trial.Split.Train ?? dataset.TrainCount, trial.Split.Test ?? dataset.TestCount);
    }

    private static AutoencoderStageInput AutoencoderInput(TrialSpec trial)
    {
        var ae = trial.Representation.Autoencoder ?? throw new ArgumentException("an autoencoder stage needs an autoencoder representation");
        return new AutoencoderStageInput(Data(trial), ae.ZDim, SpecNames.Of(ae.Loss), ae.Epochs, ae.BatchSize, ae.LearningRate, trial.Seed);
    }

    private static ClusteringStageInput ClusteringInput(StageRequest request)
    {
        var trial = request.Trial;
        var kmeans = trial.KMeans;
        return new ClusteringStageInput(
            Data(trial),
            request.InputHash,
            SpecNames.Of(trial.Scaler),
            trial.K,
            trial.Seed,
            kmeans.Algorithm == KMeansAlgorithm.Full ? "full" : "minibatch",
            kmeans.BatchSize,
            kmeans.NInit,
            kmeans.MaxIter,
            kmeans.Tol,
            kmeans.MaxNoImprovement);
    }
}
