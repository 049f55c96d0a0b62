using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>Which k-means variant clusters a representation.</summary>
/// <remarks>Values are stored on the wire and in grain state (Orleans codecs are generated in Grid.Abstractions): never renumber.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<KMeansAlgorithm>))]
public enum KMeansAlgorithm
{
    /// <summary>Mini-batch k-means (scikit-learn's MiniBatchKMeans), as in the reference study.</summary>
    [JsonStringEnumMemberName("minibatch")]
    MiniBatch = 0,

    /// <summary>Full-batch Lloyd k-means (scikit-learn's KMeans).</summary>
    [JsonStringEnumMemberName("full")]
    Full = 1,
}
