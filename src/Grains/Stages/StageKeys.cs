using System.Security.Cryptography;
using System.Text;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Core.Datasets;

namespace Grid.Grains.Stages;

/// <summary>
/// Stage identities: the SHA-256 of a stage's own settings and its inputs' identities. The
/// dataset enters through its files' checksums, so new data means new stages. An autoencoder
/// hash leaves out scaler and k, which is what lets one autoencoder serve every trial that uses it.
/// Keys are a contract with the artifacts users already have: tests pin them (StageKeyGoldenTests).
/// </summary>
/// <param name="datasets">Where a trial's dataset, and so its checksums, is found.</param>
public sealed class StageKeys(IDatasetRegistry datasets)
{
    /// <summary>Bump when a stage's computation changes meaning, so old artifacts are not reused.</summary>
    public const string Version = "v1";

    /// <summary>The autoencoder stage of a trial, or null when it clusters pixels.</summary>
    public string? Autoencoder(TrialSpec trial)
    {
        if (trial.Representation.Autoencoder is not { } ae)
        {
            return null;
        }
        return Hash(FormattableString.Invariant(
            $"stage=autoencoder/{Version}|data={DataIdentity(trial)}|z={ae.ZDim}|loss={ae.Loss}|epochs={ae.Epochs}|batch={ae.BatchSize}|lr={ae.LearningRate:R}|seed={trial.Seed}{ae.NetworkFor(datasets.Get(trial.Dataset)).KeySuffix}"));
    }

    /// <summary>
    /// The stages a trial's autoencoder can continue (epoch-prefix reuse): the same autoencoder trained for 1 to E − 1 epochs,
    /// each with the number of epochs it holds. Empty when the trial clusters raw features.
    /// </summary>
    public IEnumerable<(int Epochs, string Hash)> AutoencoderPrefixes(TrialSpec trial)
    {
        if (trial.Representation.Autoencoder is not { } ae)
        {
            yield break;
        }
        for (int epochs = ae.Epochs - 1; epochs >= 1; epochs--)
        {
            yield return (epochs, Autoencoder(WithEpochs(trial, epochs))!);
        }
    }

    /// <summary>The trial with its autoencoder trained for <paramref name="epochs"/> instead, continuing from the shorter ones it lists.</summary>
    private static TrialSpec WithEpochs(TrialSpec trial, int epochs) => trial with
    {
        Representation = RepresentationSpec.Of(trial.Representation.Autoencoder! with { Epochs = epochs }),
        PrefixEpochs = trial.PrefixEpochs?.Where(e => e < epochs).ToArray(),
    };

    /// <summary>
    /// The clustering stage of a trial, on top of <paramref name="autoencoderHash"/> when it has one; with a
    /// warm start, the last stage of its chain (its hash covers the whole path of k values before it).
    /// </summary>
    public string Clustering(TrialSpec trial, string? autoencoderHash)
    {
        string? warm = null;
        foreach (int k in WarmPath(trial))
        {
            warm = ClusteringHash(trial with { K = k, WarmKs = null }, autoencoderHash, warm);
        }
        return ClusteringHash(trial, autoencoderHash, warm);
    }

    /// <summary>
    /// The requests of a trial's chain, in order: its autoencoder if any, after the shorter trainings of it that the
    /// sweep also asks for (<see cref="TrialSpec.PrefixEpochs"/>: each continues the one before), then, with a warm
    /// start, a clustering stage for each k of its warm path (each starting from the one before), then its own
    /// clustering stage. Memoized stages make the paths shared: the sweep trains each epoch and computes each k once.
    /// </summary>
    public IReadOnlyList<StageRequest> Chain(TrialSpec trial)
    {
        string? ae = Autoencoder(trial);
        var chain = new List<StageRequest>();
        if (ae is not null)
        {
            foreach (int epochs in trial.PrefixEpochs ?? [])
            {
                var shorter = WithEpochs(trial, epochs);
                chain.Add(new StageRequest(StageKind.Autoencoder, Autoencoder(shorter)!, shorter, null));
            }
            chain.Add(new StageRequest(StageKind.Autoencoder, ae, trial, null));
        }
        string? warm = null;
        foreach (int k in WarmPath(trial).Append(trial.K))
        {
            var step = k == trial.K ? trial : trial with { K = k, WarmKs = null };
            string hash = ClusteringHash(step, ae, warm);
            chain.Add(new StageRequest(StageKind.Clustering, hash, step, ae, warm));
            warm = hash;
        }
        return chain;
    }

    private static IEnumerable<int> WarmPath(TrialSpec trial) => trial.KMeans.WarmStart ? trial.WarmKs ?? [] : [];

    private string ClusteringHash(TrialSpec trial, string? autoencoderHash, string? warmHash)
    {
        string input = autoencoderHash ?? "pixels|data=" + DataIdentity(trial);
        string canonical = FormattableString.Invariant(
            $"stage=clustering/{Version}|input={input}|scaler={trial.Scaler}|k={trial.K}|seed={trial.Seed}|kmeans={trial.KMeans.Describe()}");
        return Hash(warmHash is null ? canonical : canonical + "|warm=" + warmHash);
    }

    /// <summary>The slot kind a stage asks for when the cluster has it: gpu for autoencoders, cpu otherwise.</summary>
    public static SlotKind PreferredSlot(StageKind kind) => kind == StageKind.Autoencoder ? SlotKind.Gpu : SlotKind.Cpu;

    private string DataIdentity(TrialSpec trial) =>
        FormattableString.Invariant($"{datasets.Get(trial.Dataset).Identity}|train={trial.Split.Train}|test={trial.Split.Test}");

    private static string Hash(string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..32];
}
