using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>What a trial clusters: the data's own features (<c>raw</c>), or the codes of one autoencoder.</summary>
/// <param name="Kind">Raw features or autoencoder codes.</param>
/// <param name="Autoencoder">The autoencoder when <paramref name="Kind"/> is <see cref="RepresentationKind.Autoencoder"/>; otherwise <see langword="null"/>.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.representation-spec")]
public sealed record RepresentationSpec(
    [property: Id(0)] RepresentationKind Kind,
    [property: Id(1)] AutoencoderSpec? Autoencoder = null)
{
    /// <summary>The data's own features.</summary>
    public static RepresentationSpec Raw { get; } = new(RepresentationKind.Raw);

    /// <summary>The codes of <paramref name="autoencoder"/>.</summary>
    public static RepresentationSpec Of(AutoencoderSpec autoencoder)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        return new(RepresentationKind.Autoencoder, autoencoder);
    }

    /// <summary><c>raw</c>, or the autoencoder's <see cref="AutoencoderSpec.Label"/>.</summary>
    public string Label => Kind switch
    {
        RepresentationKind.Raw => SpecNames.Of(RepresentationKind.Raw),
        RepresentationKind.Autoencoder => Autoencoder?.Label
            ?? throw new InvalidOperationException("an autoencoder representation needs its settings"),
        _ => throw new InvalidOperationException($"unknown representation kind {Kind}"),
    };
}
