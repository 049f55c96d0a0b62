using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>How an autoencoder's input rows are scaled for training (per feature, from the training rows).</summary>
/// <remarks>Values are stored on the wire and in checkpoints: never renumber.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<InputScaling>))]
public enum InputScaling
{
    /// <summary>Into 0..1: 8-bit images divided by 255, other data by each feature's train minimum and maximum. The decoder ends in a sigmoid.</summary>
    [JsonStringEnumMemberName("unit")]
    Unit = 0,

    /// <summary>Each feature to mean 0 and variance 1 over the train rows. The decoder's output is linear; the loss must be mse.</summary>
    [JsonStringEnumMemberName("standard")]
    Standard = 1,

    /// <summary>As stored (8-bit images still divided by 255). The decoder's output is linear; the loss must be mse.</summary>
    [JsonStringEnumMemberName("none")]
    None = 2,
}
