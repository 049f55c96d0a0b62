using System.Collections.Concurrent;
using System.Diagnostics;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Grains.Metrics;
using Grid.Grains.Stages;
using Orleans.Runtime;

namespace Grid.Silo.Compute;

/// <summary>
/// Turns a stage request into a <see cref="StagePipeline"/> call on the leased slot's compute
/// thread, and its output into the small outcome the grains record.
/// </summary>
public sealed class StageExecutor : IStageExecutor
{
    private readonly ConcurrentDictionary<long, SlotLease> _running = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _cancellations = new();
    private readonly ComputeWorker _worker;
    private readonly StagePipeline _pipeline;
    private readonly ILocalSiloDetails _silo;
    private readonly GridMetrics _metrics;

    public StageExecutor(ComputeWorker worker, StagePipeline pipeline, ILocalSiloDetails silo, GridMetrics metrics)
    {
        _worker = worker;
        _pipeline = pipeline;
        _silo = silo;
        _metrics = metrics;
        metrics.SlotsDeclared(worker.Slots.Cpu, worker.Slots.Gpu);
    }

    public SlotCounts Slots => _worker.Slots;

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
        using var busy = _metrics.StageRunning(request.Kind, lease.Kind);
        try
        {
            string siloName = _silo.Name;
            int epochs = request.Trial.Representation.Autoencoder?.Epochs ?? 0;
            long lastStep = 0;
            // Called on the slot's compute thread, one report at a time.
            var stageProgress = new ActionProgress<PipelineProgress>(p =>
            {
                EpochFigures? epoch = null;
                if (p.Epoch is { } e)
                {
                    epoch = new EpochFigures(e.Epoch, epochs, e.TrainLoss, e.TestLoss);
                    _metrics.AutoencoderEpoch(lease.Kind, lease.Slot, e.TrainLoss, e.TestLoss);
                }
                else if (request.Kind == StageKind.Clustering && p.Metric is double inertia)
                {
                    // Steps restart at 1 with each k-means run (n_init).
                    _metrics.KMeansProgress(lease.Kind, lease.Slot, p.Done >= lastStep ? p.Done - lastStep : p.Done, inertia);
                    lastStep = p.Done;
                }
                progress.Report(new StageProgress(request.Kind, p.Unit, p.Done, p.Total, p.Metric, siloName, p.Detail, epoch));
            });
            var watch = Stopwatch.StartNew();
            return request.Kind switch
            {
                StageKind.Autoencoder => await _worker.RunAsync(lease.Kind, lease.Slot, () =>
                {
                    var output = _pipeline.TrainAutoencoder(request.Hash, AutoencoderInput(request.Trial), stageProgress, cancellationToken);
                    var metrics = new Dictionary<string, double>
                    {
                        ["train_loss"] = output.TrainLoss,
                        ["test_loss"] = output.TestLoss,
                        ["epochs"] = output.Epochs,
                        ["samples_per_second"] = output.SamplesPerSecond,
                    };
                    return new StageOutcome(request.Hash, request.Kind, metrics, null, siloName, watch.Elapsed.TotalSeconds, false, 1);
                }),
                StageKind.Clustering => await _worker.RunAsync(lease.Kind, lease.Slot, () =>
                {
                    var output = _pipeline.Cluster(request.Hash, ClusteringInput(request), stageProgress, cancellationToken);
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
