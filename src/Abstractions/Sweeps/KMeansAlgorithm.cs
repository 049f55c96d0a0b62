using System.Text.Json.Serialization;

namespace Grid.Abstractions.Sweeps;

/// <summary>Which k-means variant clusters a representation.</summary>
/// <remarks>Values are stored on the wire: never renumber.</remarks>
[GenerateSerializer]
[Alias("grid.sweeps.kmeans-algorithm")]
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
