using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>How features are scaled before clustering (pixels, or autoencoder codes).</summary>
/// <remarks>Values are stored on the wire and in grain state (Orleans codecs are generated in Grid.Abstractions): never renumber. Spec and JSON names are lower-case.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<ScalerKind>))]
public enum ScalerKind
{
    /// <summary>Raw values (0..255 pixels, or codes as the encoder emits them).</summary>
    [JsonStringEnumMemberName("none")]
    None = 0,

    /// <summary>Divide by 255 (pixels to 0..1).</summary>
    [JsonStringEnumMemberName("unit")]
    Unit = 1,

    /// <summary>Each row divided by its L2 norm: scikit-learn's Normalizer.</summary>
    [JsonStringEnumMemberName("l2")]
    L2 = 2,

    /// <summary>Per-feature (x − mean) / std fitted on the training rows: scikit-learn's StandardScaler.</summary>
    [JsonStringEnumMemberName("standard")]
    Standard = 3,
}
