using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>The reconstruction loss an autoencoder is trained with.</summary>
/// <remarks>Values are stored on the wire and in grain state (Orleans codecs are generated in Grid.Abstractions): never renumber.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<ReconstructionLoss>))]
public enum ReconstructionLoss
{
    /// <summary>Binary cross-entropy on pixels scaled to 0..1, as in the reference study.</summary>
    [JsonStringEnumMemberName("bce")]
    Bce = 0,

    /// <summary>Mean squared error on pixels scaled to 0..1.</summary>
    [JsonStringEnumMemberName("mse")]
    Mse = 1,
}
