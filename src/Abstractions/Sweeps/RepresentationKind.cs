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
    /// <summary>The data's own features, flattened: the pixels of image data. Specs may also call it <c>pixels</c>, the name it had before datasets of any shape.</summary>
    [JsonStringEnumMemberName("raw")]
    [SpecAlias("pixels")]
    Raw = 0,

    /// <summary>The latent codes of a convolutional autoencoder trained on the training rows.</summary>
    [JsonStringEnumMemberName("autoencoder")]
    Autoencoder = 1,
}
