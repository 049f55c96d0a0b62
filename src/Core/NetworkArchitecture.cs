using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>The shape of an autoencoder's network.</summary>
/// <remarks>Values are stored on the wire and in checkpoints: never renumber.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<NetworkArchitecture>))]
public enum NetworkArchitecture
{
    /// <summary>The seed's convolutional encoder and decoder, built for the images' height, width and channels.</summary>
    [JsonStringEnumMemberName("conv")]
    Conv = 0,

    /// <summary>Dense layers (sizes from <c>hidden</c>) down to the code and back: for flat feature vectors, or any data.</summary>
    [JsonStringEnumMemberName("mlp")]
    Mlp = 1,
}
