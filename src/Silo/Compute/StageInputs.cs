using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Pipeline;
using Grid.Core.Datasets;
using Grid.Grains.Stages;

namespace Grid.Silo.Compute;

/// <summary>
/// The one place where a trial's settings become the typed inputs of the compute pipeline: the dataset is looked up
/// once, here, and every enum crosses as itself.
/// </summary>
public sealed class StageInputs(IDatasetRegistry datasets)
{
    private readonly StageKeys _keys = new(datasets);

    /// <summary>The rows a trial uses: its resolved split, or every row of the dataset where a limit is missing.</summary>
    public DataSelection Data(TrialSpec trial)
    {
        var dataset = datasets.Get(trial.Dataset);
        return new(dataset.Name, trial.Split.Train ?? dataset.TrainCount, trial.Split.Test ?? dataset.TestCount);
    }

    /// <summary>The input of an autoencoder stage.</summary>
    public AutoencoderStageInput Autoencoder(StageRequest request)
    {
        var trial = request.Trial;
        var ae = trial.Representation.Autoencoder ?? throw new ArgumentException("an autoencoder stage needs an autoencoder representation", nameof(request));
        var dataset = datasets.Get(trial.Dataset);
        var network = ae.NetworkFor(dataset);
        return new AutoencoderStageInput(
            Data(trial), ae.ZDim, ae.Loss, ae.Epochs, ae.BatchSize, ae.LearningRate, trial.Seed,
            network.Architecture, dataset.Shape, network.Hidden, network.InputScaling);
    }

    /// <summary>The stages an autoencoder stage may continue: the same autoencoder trained for fewer epochs (epoch-prefix reuse).</summary>
    public IReadOnlyList<AutoencoderPrefix> AutoencoderPrefixes(StageRequest request) =>
        _keys.AutoencoderPrefixes(request.Trial).Select(p => new AutoencoderPrefix(p.Epochs, p.Hash)).ToArray();

    /// <summary>The input of a clustering stage: on the codes of <see cref="StageRequest.InputHash"/> when it has one, else on pixels.</summary>
    public ClusteringStageInput Clustering(StageRequest request)
    {
        var trial = request.Trial;
        var kmeans = trial.KMeans;
        return new ClusteringStageInput(
            Data(trial),
            request.InputHash,
            trial.Scaler,
            trial.K,
            trial.Seed,
            kmeans.Algorithm,
            kmeans.BatchSize,
            kmeans.NInit,
            kmeans.MaxIter,
            kmeans.Tol,
            kmeans.MaxNoImprovement,
            kmeans.Shards,
            kmeans.WarmStart,
            request.WarmHash,
            kmeans.Method);
    }
}
