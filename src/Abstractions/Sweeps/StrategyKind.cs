using System.Text.Json.Serialization;

namespace Grid.Abstractions.Sweeps;

/// <summary>How a sweep picks trials from its axes.</summary>
/// <remarks>Values are stored on the wire: never renumber.</remarks>
[GenerateSerializer]
[Alias("grid.sweeps.strategy-kind")]
[JsonConverter(typeof(JsonStringEnumConverter<StrategyKind>))]
public enum StrategyKind
{
    /// <summary>Every combination of the axes (the full cartesian product).</summary>
    [JsonStringEnumMemberName("grid")]
    Grid = 0,

    /// <summary>A seeded sample of distinct combinations.</summary>
    [JsonStringEnumMemberName("random")]
    Random = 1,

    /// <summary>Asynchronous successive halving over autoencoder epochs: every autoencoder starts short, the best continue.</summary>
    [JsonStringEnumMemberName("asha")]
    Asha = 2,

    /// <summary>The Tree-structured Parzen Estimator: each new autoencoder configuration proposed from the results so far.</summary>
    [JsonStringEnumMemberName("tpe")]
    Tpe = 3,
}
