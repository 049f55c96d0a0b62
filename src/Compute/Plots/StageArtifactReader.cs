using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Compute.Autoencoder;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Core;

namespace Grid.Compute.Plots;

/// <summary>What a clustering stage's <c>summary.json</c> tells the figures.</summary>
/// <param name="Data">The rows it clustered.</param>
/// <param name="ClusterErrors">Each cluster's share of training members outside its majority class.</param>
/// <param name="TrainClassCounts">Training rows per class, when the artifact records them.</param>
/// <param name="TestClassCounts">Test rows per class, when the artifact records them.</param>
public sealed record ClusteringSummary(
    DataSelection Data,
    IReadOnlyList<double> ClusterErrors,
    IReadOnlyList<long>? TrainClassCounts,
    IReadOnlyList<long>? TestClassCounts);

/// <summary>
/// Reads what the figures need from stage artifacts (the folders <see cref="StagePipeline"/> writes): clustering
/// summaries, autoencoder settings, training histories, codes, and reconstructions from the stored weights.
/// </summary>
public static class StageArtifactReader
{
    /// <summary>The per-cluster errors and class counts of a clustering stage's artifact folder.</summary>
    /// <exception cref="InvalidDataException">The summary is missing or not one a clustering stage wrote.</exception>
    public static ClusteringSummary ReadClusteringSummary(string folder)
    {
        var root = ReadSummary(folder);
        string path = Path.Combine(folder, StagePipeline.SummaryFile);
        var clusters = root["train_clusters"] as JsonArray ?? throw new InvalidDataException($"{path}: no train_clusters");
        var errors = clusters.Select(c => c?["Error"]?.GetValue<double>() ?? throw new InvalidDataException($"{path}: a cluster without Error")).ToList();
        return new ClusteringSummary(ReadData(root, path), errors, Counts(root["train_class_counts"]), Counts(root["test_class_counts"]));
    }

    /// <summary>The settings an autoencoder stage trained with, from its artifact folder.</summary>
    public static AutoencoderStageInput ReadAutoencoderInput(string folder)
    {
        var root = ReadSummary(folder);
        string path = Path.Combine(folder, StagePipeline.SummaryFile);
        var input = root["input"] ?? throw new InvalidDataException($"{path}: no input");
        try
        {
            // The summary is the record as the stage wrote it (enums by their spec names), so it reads back as one.
            return input.Deserialize<AutoencoderStageInput>() is { Data: not null } read
                ? read
                : throw new InvalidDataException($"{path}: not an autoencoder stage's summary (no input.Data)");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an autoencoder stage's summary ({e.Message})", e);
        }
    }

    /// <summary>Whether an autoencoder artifact records its training history (artifacts written before it did do not).</summary>
    public static bool HasTrainingHistory(string folder) => File.Exists(Path.Combine(folder, StagePipeline.HistoryFile));

    /// <summary>The loss of every epoch an autoencoder artifact was trained for (restored epochs included), without loading its weights.</summary>
    /// <exception cref="InvalidDataException">The artifact has no history, or not one a training run wrote.</exception>
    public static IReadOnlyList<AutoencoderEpoch> ReadTrainingHistory(string folder) =>
        TrainingHistory.Read(Path.Combine(folder, StagePipeline.HistoryFile));

    /// <summary>The training or test codes of an autoencoder artifact: values row-major, rows and columns.</summary>
    public static (float[] Values, int Rows, int Columns) ReadCodes(string folder, bool train) =>
        TensorFile.ReadValues(Path.Combine(folder, train ? StagePipeline.TrainCodesFile : StagePipeline.TestCodesFile));

    /// <summary>
    /// The first <paramref name="count"/> images of <paramref name="images"/> and their reconstructions by the
    /// autoencoder stored in <paramref name="folder"/>, as intensities in 0..1, with their labels.
    /// </summary>
    public static (float[][] Originals, float[][] Reconstructions, byte[]? Labels) Reconstruct(string folder, RowSet images, int count)
    {
        ArgumentNullException.ThrowIfNull(images);
        var input = ReadAutoencoderInput(folder);
        var options = input.ToOptions();
        var chosen = images.Take(Math.Min(count, images.Count));
        using var trainer = AutoencoderTrainer.FromWeights(Path.Combine(folder, StagePipeline.WeightsFile), options, TorchSharp.torch.CPU);
        using var reconstructed = trainer.Reconstruct(chosen);
        float[] values = reconstructed.data<float>().ToArray();
        using var inputs = chosen.ToInputTensor();
        float[] originalValues = inputs.data<float>().ToArray();
        int features = chosen.Features;
        var originals = new float[chosen.Count][];
        var outputs = new float[chosen.Count][];
        for (int i = 0; i < chosen.Count; i++)
        {
            originals[i] = originalValues.AsSpan(i * features, features).ToArray();
            outputs[i] = values.AsSpan(i * features, features).ToArray();
        }
        return (originals, outputs, chosen.Labels?.ToArray());
    }

    private static JsonNode ReadSummary(string folder)
    {
        string path = Path.Combine(folder, StagePipeline.SummaryFile);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} is missing");
        }
        return JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty");
    }

    private static DataSelection ReadData(JsonNode root, string path)
    {
        var data = root["input"]?["Data"] ?? throw new InvalidDataException($"{path}: no input.Data");
        return new DataSelection(
            data["Dataset"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: no input.Data.Dataset"),
            data["Train"]?.GetValue<int>() ?? 0,
            data["Test"]?.GetValue<int>() ?? 0);
    }

    private static List<long>? Counts(JsonNode? node) => node is JsonArray array ? array.Select(v => v!.GetValue<long>()).ToList() : null;
}
