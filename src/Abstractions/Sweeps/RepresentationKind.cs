using System.Text.Json.Serialization;
using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>What the clustering runs on.</summary>
/// <remarks>Values are stored on the wire: never renumber.</remarks>
[GenerateSerializer]
[Alias("grid.sweeps.representation-kind")]
[JsonConverter(typeof(JsonStringEnumConverter<RepresentationKind>))]
public enum RepresentationKind
{
    /// <summary>The data's own features, flattened: the pixels of image data. Specs may call it <c>raw</c> for any dataset.</summary>
    [JsonStringEnumMemberName("pixels")]
    [SpecAlias("raw")]
    Pixels = 0,

    /// <summary>The latent codes of a convolutional autoencoder trained on the training rows.</summary>
    [JsonStringEnumMemberName("autoencoder")]
    Autoencoder = 1,
}
