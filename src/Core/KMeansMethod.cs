using System.Text.Json.Serialization;

namespace Grid.Core;

/// <summary>
/// How full k-means computes each iteration's assignment (<c>kmeans: { method: … }</c>). Every method gives Lloyd's
/// labels, iteration by iteration, so the same centres and inertia: it is not part of a stage's key. The bounded
/// methods skip the distances their bounds prove cannot change a label.
/// </summary>
/// <remarks>Values are stored on the wire and in grain state: never renumber.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<KMeansMethod>))]
public enum KMeansMethod
{
    /// <summary>Yinyang from k = 20 on, else Elkan.</summary>
    [JsonStringEnumMemberName("auto")]
    Auto = 0,

    /// <summary>Every row against every centre, every iteration (n·k distances).</summary>
    [JsonStringEnumMemberName("lloyd")]
    Lloyd = 1,

    /// <summary>Elkan's bounds (ICML 2003): n·k lower bounds, the fewest distances; memory grows with k.</summary>
    [JsonStringEnumMemberName("elkan")]
    Elkan = 2,

    /// <summary>Yinyang k-means (Ding et al., ICML 2015): n·k/10 group bounds, for larger k.</summary>
    [JsonStringEnumMemberName("yinyang")]
    Yinyang = 3,
}
