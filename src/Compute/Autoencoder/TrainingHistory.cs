using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grid.Compute.Autoencoder;

/// <summary>
/// A training run's epochs (<see cref="AutoencoderEpoch"/>) as a small JSON file. The autoencoder stage writes it
/// beside its weights, because the checkpoint that holds the same history lives in the stage's work folder, which is
/// deleted once the artifact is committed; the figures read it back without touching the weights.
/// </summary>
public static class TrainingHistory
{
    // An epoch too short to time has NaN samples per second, which plain JSON numbers cannot carry.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="history"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<AutoencoderEpoch> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        File.WriteAllText(path, JsonSerializer.Serialize(history, Json));
    }

    /// <summary>The epochs written to <paramref name="path"/>, in order.</summary>
    /// <exception cref="InvalidDataException">The file is missing or holds no list of epochs.</exception>
    public static IReadOnlyList<AutoencoderEpoch> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} is missing");
        }
        try
        {
            return JsonSerializer.Deserialize<List<AutoencoderEpoch>>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} holds no epochs");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a training history: {e.Message}", e);
        }
    }
}
