using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// One combination of a sweep's axes: everything needed to run a trial, and nothing about how.
/// </summary>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="Split">The rows used, resolved against the dataset: both limits set.</param>
/// <param name="Representation">The raw features or one autoencoder's codes.</param>
/// <param name="Scaler">The scaler applied to the representation.</param>
/// <param name="K">The number of clusters.</param>
/// <param name="Seed">Seeds the autoencoder's training and k-means' random state.</param>
/// <param name="KMeans">k-means settings.</param>
/// <param name="WarmKs">
/// With <see cref="KMeansSettings.WarmStart"/>: the k values below <paramref name="K"/> on this trial's curve, in
/// ascending order, whose fits this one's warm start passes through (each starts from the one before). Not part
/// of <see cref="Id"/>: the trial is the same combination; its stages' hashes carry the path.
/// </param>
/// <param name="PrefixEpochs">
/// With an autoencoder: the epoch counts below its own at which the sweep also trains this autoencoder, ascending. Its
/// training continues from the longest of them (epoch-prefix reuse), so the sweep trains each epoch once. Not part of
/// <see cref="Id"/> or of any stage key: continuing is exact, so the result is the same either way.
/// </param>
[GenerateSerializer, Immutable]
[Alias("grid.sweeps.trial-spec")]
public sealed record TrialSpec(
    [property: Id(0)] string Dataset,
    [property: Id(1)] SplitSpec Split,
    [property: Id(2)] RepresentationSpec Representation,
    [property: Id(3)] ScalerKind Scaler,
    [property: Id(4)] int K,
    [property: Id(5)] int Seed,
    [property: Id(6)] KMeansSettings KMeans,
    [property: Id(7)] IReadOnlyList<int>? WarmKs = null,
    [property: Id(8)] IReadOnlyList<int>? PrefixEpochs = null)
{
    /// <summary>Hex digits of the SHA-256 kept in <see cref="Id"/>.</summary>
    public const int IdLength = 16;

    /// <summary>
    /// A readable name, unique within a sweep: <c>dataset/representation/scaler/kK/sSeed</c>, e.g.
    /// <c>mnist/ae-z16-bce-e40/l2/k225/s0</c> or <c>fashion-mnist/raw/none/k10/s1</c>. The
    /// split and k-means settings are the same for every trial of a sweep and are left out.
    /// </summary>
    public string Key => $"{Dataset}/{Representation.Label}/{SpecNames.Of(Scaler)}/k{K.ToString(CultureInfo.InvariantCulture)}/s{Seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// A stable identifier: the first <see cref="IdLength"/> hex digits of the SHA-256 of
    /// <see cref="Canonical"/>. Equal trials have equal ids in every process and every sweep;
    /// any change to a field, split and k-means settings included, changes it.
    /// </summary>
    public string Id
    {
        get
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Canonical));
            return Convert.ToHexStringLower(hash)[..IdLength];
        }
    }

    /// <summary>Every field in a fixed order and invariant formatting; the input of <see cref="Id"/>.</summary>
    public string Canonical
    {
        get
        {
            var representation = Representation.Kind switch
            {
                RepresentationKind.Autoencoder when Representation.Autoencoder is { } ae =>
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"autoencoder(z_dim={ae.ZDim},loss={SpecNames.Of(ae.Loss)},epochs={ae.Epochs},batch_size={ae.BatchSize},learning_rate={ae.LearningRate:R},reconstructions={(ae.Reconstructions ? "true" : "false")})"),
                // "pixels": the raw features' name when ids were first made; kept so that stored trials keep their ids.
                _ => "pixels",
            };
            return string.Create(
                CultureInfo.InvariantCulture,
                $"trial/v1|dataset={Dataset}|train={Split.Train}|test={Split.Test}|representation={representation}|scaler={SpecNames.Of(Scaler)}|k={K}|seed={Seed}|kmeans={KMeans.Describe()}");
        }
    }
}
