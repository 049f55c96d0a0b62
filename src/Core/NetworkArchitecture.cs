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

/// <summary>The autoencoder networks' shapes and bounds, defined once for the spec reader and the compute core.</summary>
public static class NetworkShapes
{
    /// <summary>Hidden layer sizes of the mlp network when the spec names none.</summary>
    public static IReadOnlyList<int> DefaultHidden { get; } = [256, 128];

    /// <summary>Smallest image side the conv network takes: two stride-2 halvings must leave at least 2 pixels.</summary>
    public const int MinConvSide = 8;

    /// <summary>Most hidden layers of an mlp network.</summary>
    public const int MaxHiddenLayers = 8;

    /// <summary>Widest hidden layer of an mlp network.</summary>
    public const int MaxHiddenWidth = 65_536;
}
