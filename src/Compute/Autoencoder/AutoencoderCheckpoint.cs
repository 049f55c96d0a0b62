using System.Text.Json;
using TorchSharp.Modules;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// The training-state file: a header (format, options, epoch history), then the model's weights,
/// then Adam's state. Written to a temporary file in the same directory, flushed to disk and renamed
/// over the previous checkpoint, so a crash leaves either the old checkpoint or the new one.
/// </summary>
internal static class AutoencoderCheckpoint
{
    /// <summary>File name of the checkpoint inside a checkpoint directory.</summary>
    public const string FileName = "autoencoder.ckpt";

    private const string Magic = "grid-autoencoder-checkpoint";
    private const int FormatVersion = 1;

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public static void Write(string directory, AutoencoderOptions options, IReadOnlyList<AutoencoderEpoch> history, AutoencoderNetwork model, Adam optimizer)
    {
        Directory.CreateDirectory(directory);
        var target = PathIn(directory);
        var temporary = Path.Combine(directory, $"{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(FormatVersion);
                    writer.Write(JsonSerializer.Serialize(options));
                    writer.Write(history.Count);
                    foreach (var epoch in history)
                    {
                        writer.Write(epoch.Epoch);
                        writer.Write(epoch.TrainLoss);
                        writer.Write(epoch.TestLoss.HasValue);
                        writer.Write(epoch.TestLoss ?? 0.0);
                        writer.Write(epoch.TrainSeconds);
                        writer.Write(epoch.SamplesPerSecond);
                    }
                    model.save(writer);
                    optimizer.save_state_dict(writer);
                }
                // Durable before the rename, or a power cut could leave a renamed but empty file.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The header of a checkpoint; the reader is left at the weights.</summary>
    public static (AutoencoderOptions Options, List<AutoencoderEpoch> History) ReadHeader(BinaryReader reader, string path)
    {
        if (reader.ReadString() != Magic)
        {
            throw new InvalidDataException($"{path} is not an autoencoder checkpoint.");
        }
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"{path} has checkpoint format {version}; this build reads format {FormatVersion}.");
        }
        var options = JsonSerializer.Deserialize<AutoencoderOptions>(reader.ReadString())
            ?? throw new InvalidDataException($"{path} holds no options.");
        var count = reader.ReadInt32();
        var history = new List<AutoencoderEpoch>(count);
        for (var i = 0; i < count; i++)
        {
            var epoch = reader.ReadInt32();
            var trainLoss = reader.ReadDouble();
            var hasTest = reader.ReadBoolean();
            var testLoss = reader.ReadDouble();
            var seconds = reader.ReadDouble();
            var samplesPerSecond = reader.ReadDouble();
            history.Add(new AutoencoderEpoch(epoch, trainLoss, hasTest ? testLoss : null, seconds, samplesPerSecond));
        }
        return (options, history);
    }
}
