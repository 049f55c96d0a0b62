using Grid.Compute.Autoencoder;
using Grid.Core;

namespace Grid.Compute.Pipeline;

/// <summary>The rows a stage uses: a dataset and how many of its first train and test rows.</summary>
public sealed record DataSelection(string Dataset, int Train, int Test);

/// <summary>
/// Settings of an autoencoder stage (the study's defaults live in <c>AutoencoderOptions</c>), filled from a trial in one
/// place (the silo's <c>StageInputs</c>). Written to the artifact's summary.json, where enums are their spec names.
/// Summaries written before the network settings existed read back as the seed network.
/// </summary>
public sealed record AutoencoderStageInput(
    DataSelection Data,
    int ZDim,
    ReconstructionLoss Loss,
    int Epochs,
    int BatchSize,
    double LearningRate,
    long Seed,
    NetworkArchitecture Architecture = NetworkArchitecture.Conv,
    IReadOnlyList<int>? InputShape = null,
    IReadOnlyList<int>? Hidden = null,
    InputScaling InputScaling = InputScaling.Unit)
{
    /// <summary>The training options these settings stand for.</summary>
    public AutoencoderOptions ToOptions()
    {
        var options = new AutoencoderOptions
        {
            ZDim = ZDim,
            Loss = Loss,
            Epochs = Epochs,
            BatchSize = BatchSize,
            LearningRate = LearningRate,
            Seed = Seed,
            Architecture = Architecture,
            InputScaling = InputScaling,
        };
        return options with
        {
            InputShape = InputShape ?? options.InputShape,
            Hidden = Hidden is { Count: > 0 } hidden ? hidden : options.Hidden,
        };
    }
}

/// <summary>
/// What an autoencoder stage reports back; weights and codes stay in its artifact. <paramref name="ResumedFromEpoch"/>:
/// the epochs a checkpoint already held when this attempt began (0 for a fresh start). <paramref name="PrefixEpochs"/>:
/// the epochs it took from a shorter training of the same autoencoder, stage <paramref name="PrefixHash"/> (0 and null: none).
/// </summary>
public sealed record AutoencoderStageOutput(double TrainLoss, double TestLoss, int Epochs, double SamplesPerSecond, int ResumedFromEpoch = 0,
    int PrefixEpochs = 0, string? PrefixHash = null)
{
    /// <summary>The epochs this stage trained itself, over all its attempts.</summary>
    public int EpochsTrained => Epochs - PrefixEpochs;
}

/// <summary>An autoencoder stage equal to another but for fewer <paramref name="Epochs"/>: its artifact's checkpoint is where the longer one may start.</summary>
public sealed record AutoencoderPrefix(int Epochs, string Hash);

/// <summary>
/// Settings of a clustering stage. <paramref name="CodesHash"/> names the autoencoder artifact whose codes it
/// clusters; null means pixels. <paramref name="Shards"/>: null for a single-process fit, 0 for a sharded fit
/// with as many shards as the data size and silos call for, N for N shards. <paramref name="WarmStart"/>: fit as
/// one k of an elbow scan (<c>ElbowScan.Fit</c>), from the solution in artifact <paramref name="WarmFromHash"/>
/// (the k before on the curve) or, for the first k, independently.
/// </summary>
public sealed record ClusteringStageInput(
    DataSelection Data,
    string? CodesHash,
    ScalerKind Scaler,
    int K,
    long Seed,
    KMeansAlgorithm Algorithm,
    int? BatchSize,
    int NInit,
    int MaxIter,
    double Tol,
    int? MaxNoImprovement,
    int? Shards = null,
    bool WarmStart = false,
    string? WarmFromHash = null,
    KMeansMethod Method = KMeansMethod.Auto);

/// <summary>What a clustering stage reports back; centres and labels stay in its artifact.</summary>
/// <param name="TrainError">The cluster classifier's error on the train rows; null without labels, and so is <paramref name="TestError"/>.</param>
/// <param name="Silhouette">The test rows' silhouette (<see cref="Evaluation.ClusterQuality"/>); null where undefined. So are the next two.</param>
public sealed record ClusteringStageOutput(
    double? TrainError,
    double? TestError,
    double Inertia,
    int Iterations,
    double FitSeconds,
    int Classes,
    long[] TestConfusion,
    int FlaggedClusters,
    double? Silhouette = null,
    double? DaviesBouldin = null,
    double? CalinskiHarabasz = null);

/// <summary>Progress of a stage: <paramref name="Done"/> of <paramref name="Total"/> units, and the current loss or inertia.</summary>
/// <param name="Epoch">Set on the one report sent after each autoencoder epoch's evaluation: that epoch's figures.</param>
public sealed record PipelineProgress(string Unit, long Done, long Total, double? Metric, string? Detail = null, AutoencoderEpoch? Epoch = null);
