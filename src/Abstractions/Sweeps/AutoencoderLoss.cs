using System.Text.Json.Serialization;

namespace Grid.Abstractions.Sweeps;

/// <summary>The reconstruction loss an autoencoder is trained with.</summary>
/// <remarks>Values are stored on the wire: never renumber.</remarks>
[GenerateSerializer]
[Alias("grid.sweeps.autoencoder-loss")]
[JsonConverter(typeof(JsonStringEnumConverter<AutoencoderLoss>))]
public enum AutoencoderLoss
{
    /// <summary>Binary cross-entropy on pixels scaled to 0..1, as in the reference study.</summary>
    [JsonStringEnumMemberName("bce")]
    Bce = 0,

    /// <summary>Mean squared error on pixels scaled to 0..1.</summary>
    [JsonStringEnumMemberName("mse")]
    Mse = 1,
}
