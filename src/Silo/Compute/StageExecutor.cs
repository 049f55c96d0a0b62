using System.Collections.Concurrent;
using System.Diagnostics;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Shards;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Core;
using Grid.Grains.Metrics;
using Grid.Grains.Stages;
using Grid.Silo.Compute.Sharding;
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
    private readonly ShardedKMeansRunner _sharded;
    private readonly StageInputs _inputs;
    private readonly ILocalSiloDetails _silo;
    private readonly GridMetrics _metrics;
    private readonly SiloDrain _drain;
    private readonly ConcurrentDictionary<long, bool> _handedBack = new();
    private readonly ConcurrentDictionary<long, string> _outOfMemory = new();

    public StageExecutor(ComputeWorker worker, StagePipeline pipeline, ShardedKMeansRunner sharded, StageInputs inputs, ILocalSiloDetails silo, GridMetrics metrics, SiloDrain drain)
    {
        _inputs = inputs;
        _drain = drain;
        _worker = worker;
        _pipeline = pipeline;
        _sharded = sharded;
        _silo = silo;
        _metrics = metrics;
        metrics.SlotsDeclared(worker.Slots.Cpu, worker.Slots.Gpu);
    }

    public SlotCounts Slots => _worker.Slots;

    public IReadOnlyList<SlotLease> Running => _running.Values.ToList();

    public async Task<StageOutcome> ExecuteAsync(SlotLease lease, StageRequest request, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        if (_drain.IsDraining)
        {
            // A lease granted just before the scheduler heard that this silo is leaving.
            throw new SiloUnavailableException($"silo {_silo.Name} is shutting down; stage {request.Hash} handed back");
        }
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
                    var output = _pipeline.TrainAutoencoder(request.Hash, _inputs.Autoencoder(request), stageProgress, cancellationToken,
                        _inputs.AutoencoderPrefixes(request));
                    var metrics = new Dictionary<string, double>
                    {
                        ["train_loss"] = output.TrainLoss,
                        ["test_loss"] = output.TestLoss,
                        ["epochs"] = output.Epochs,
                        ["samples_per_second"] = output.SamplesPerSecond,
                        ["resumed_from_epoch"] = output.ResumedFromEpoch,
                        [AutoencoderTraining.EpochsTrainedMetric] = output.EpochsTrained,
                        [AutoencoderTraining.EpochsReusedMetric] = output.PrefixEpochs,
                    };
                    return new StageOutcome(request.Hash, request.Kind, metrics, null, siloName, watch.Elapsed.TotalSeconds, false, 1);
                }),
                StageKind.Clustering when _inputs.Clustering(request) is { Shards: { } shards } input =>
                    await RunShardedAsync(request, input, shards, lease, stageProgress, siloName, watch, cancellationToken),
                StageKind.Clustering => await _worker.RunAsync(lease.Kind, lease.Slot, () =>
                {
                    var output = _pipeline.Cluster(request.Hash, _inputs.Clustering(request), stageProgress, cancellationToken);
                    return ClusteringOutcome(request, output, siloName, watch, []);
                }),
                _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "unknown stage kind"),
            };
        }
        catch (OperationCanceledException) when (_handedBack.ContainsKey(lease.Token))
        {
            // Stopped by the drain, not by its trials: the stage queues again elsewhere (see SiloLoss).
            throw new SiloUnavailableException($"silo {_silo.Name} shut down before stage {request.Hash} finished; handed back");
        }
        catch (OperationCanceledException) when (_outOfMemory.TryGetValue(lease.Token, out string? reason))
        {
            // Stopped by the memory guard: a failed attempt with its reason, like an allocation that failed.
            await Task.Run(OutOfMemory.Relieve, CancellationToken.None);
            throw new InsufficientMemoryException(reason);
        }
        catch (Exception ex) when (OutOfMemory.Is(ex))
        {
            // An allocation failed (managed, libtorch's CPU allocator, CUDA): the attempt fails with that reason,
            // and what the stage held is given back so the silo goes on with its other work.
            await Task.Run(OutOfMemory.Relieve, CancellationToken.None);
            throw new InsufficientMemoryException($"out of memory on silo {_silo.Name} in the {SpecNames.Of(request.Kind)} stage: {ex.Message}");
        }
        finally
        {
            _running.TryRemove(lease.Token, out _);
            _cancellations.TryRemove(lease.Token, out _);
            _handedBack.TryRemove(lease.Token, out _);
            _outOfMemory.TryRemove(lease.Token, out _);
        }
    }

    /// <summary>
    /// A sharded fit: this slot's silo coordinates (managed arithmetic on k·d numbers, off the compute
    /// threads) while shard grains on the live silos hold the rows and compute. The slot stays leased
    /// for the whole fit, so the scheduler counts it as running work.
    /// </summary>
    private async Task<StageOutcome> RunShardedAsync(StageRequest request, ClusteringStageInput input, int shards, SlotLease lease,
        IProgress<PipelineProgress> progress, string siloName, Stopwatch watch, CancellationToken cancellationToken)
    {
        var trial = request.Trial;
        var source = new KMeansShardSource(input.Data.Dataset, input.Data.Train, input.Data.Test, input.CodesHash, 0, 1);
        var clusteringProgress = new ActionProgress<ClusteringProgress>(p =>
            progress.Report(new PipelineProgress("step", p.Step, p.MaxSteps, p.Inertia, p.Phase == ClusteringPhase.Initialization ? $"init {p.Run}/{p.Runs}" : null)));
        // A fresh fit id per attempt: a retry after a lost silo gets new shard grains.
        string fitId = $"{request.Hash}/{lease.Token}";
        // Off the worker grain's scheduler: the merges are managed loops over k·d numbers every round.
        var (run, output) = await Task.Run(async () =>
        {
            int features = trial.Representation.Autoencoder is { } ae ? ae.ZDim : _pipeline.Features(input.Data);
            var run = await _sharded.FitAsync(fitId, source, shards, features, StagePipeline.MiniBatchOptions(input), input.Scaler,
                clusteringProgress, cancellationToken);
            return (run, _pipeline.CommitSharded(request.Hash, input, run.Fit, run.Shards, run.Silos));
        }, cancellationToken);
        var rounds = run.Fit.Rounds;
        return ClusteringOutcome(request, output, siloName, watch, new Dictionary<string, double>
        {
            ["shards"] = run.Shards,
            ["silos"] = run.Silos,
            ["rounds"] = rounds.Rounds,
            ["bytes_per_round"] = rounds.BytesPerRound,
            ["compute_seconds"] = rounds.ComputeSeconds,
            ["communication_seconds"] = rounds.CommunicationSeconds,
        });
    }

    private static StageOutcome ClusteringOutcome(StageRequest request, ClusteringStageOutput output, string siloName, Stopwatch watch, Dictionary<string, double> extra)
    {
        var result = new ClusteringResult(output.TrainError, output.TestError, output.Inertia, output.Iterations,
            output.FitSeconds, output.Classes, output.TestConfusion, output.FlaggedClusters,
            output.Silhouette, output.DaviesBouldin, output.CalinskiHarabasz);
        var metrics = new Dictionary<string, double>(extra) { ["inertia"] = output.Inertia };
        // Errors exist only for labelled data.
        if (output.TrainError is double train && output.TestError is double test)
        {
            metrics["train_error"] = train;
            metrics["test_error"] = test;
        }
        foreach (var measure in QualityMeasures.All)
        {
            if (result.Quality(measure) is double value)
            {
                metrics[SpecNames.Of(measure)] = value;
            }
        }
        return new StageOutcome(request.Hash, request.Kind, metrics, result, siloName, watch.Elapsed.TotalSeconds, false, 1);
    }

    /// <summary>Stops every running stage for the silo's shutdown; they fail as handed back, not as cancelled. Returns how many.</summary>
    public int HandBackAll()
    {
        int count = 0;
        foreach (var token in _cancellations.Keys)
        {
            _handedBack[token] = true;
            if (Cancel(token))
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>
    /// Stops the newest running stage (the highest lease token: tokens grow with every grant), whose allocations
    /// most likely pushed the silo over its memory limit; its attempt fails with <paramref name="reason"/>. Returns
    /// the stopped lease, or null when nothing runs or a stage stopped for memory has not finished unwinding yet.
    /// </summary>
    public SlotLease? StopNewestForMemory(string reason)
    {
        if (!_outOfMemory.IsEmpty || _running.Values.MaxBy(l => l.Token) is not { } lease)
        {
            return null;
        }
        _outOfMemory[lease.Token] = reason;
        return Cancel(lease.Token) ? lease : null;
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
}
