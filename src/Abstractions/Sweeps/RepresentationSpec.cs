using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>What a trial clusters: raw pixels, or the codes of one autoencoder.</summary>
/// <param name="Kind">Pixels or autoencoder codes.</param>
/// <param name="Autoencoder">The autoencoder when <paramref name="Kind"/> is <see cref="RepresentationKind.Autoencoder"/>; otherwise <see langword="null"/>.</param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.representation-spec")]
public sealed record RepresentationSpec(
    [property: Id(0)] RepresentationKind Kind,
    [property: Id(1)] AutoencoderSpec? Autoencoder = null)
{
    /// <summary>The raw pixels.</summary>
    public static RepresentationSpec Pixels { get; } = new(RepresentationKind.Pixels);

    /// <summary>The codes of <paramref name="autoencoder"/>.</summary>
    public static RepresentationSpec Of(AutoencoderSpec autoencoder)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        return new(RepresentationKind.Autoencoder, autoencoder);
    }

    /// <summary><c>pixels</c>, or the autoencoder's <see cref="AutoencoderSpec.Label"/>.</summary>
    public string Label => Kind switch
    {
        RepresentationKind.Pixels => SpecNames.Of(RepresentationKind.Pixels),
        RepresentationKind.Autoencoder => Autoencoder?.Label
            ?? throw new InvalidOperationException("an autoencoder representation needs its settings"),
        _ => throw new InvalidOperationException($"unknown representation kind {Kind}"),
    };
}
