using System.Collections.Concurrent;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Silo.Compute;

namespace Grid.Silo.Pages;

/// <summary>How many points and images the figures draw. Defaults suit a written report.</summary>
public sealed record FigureOptions
{
    /// <summary>
    /// Largest number of codes embedded with t-SNE for a latent-space figure (a seeded sample when there are more): every
    /// test code of MNIST or Fashion-MNIST.
    /// </summary>
    public int TsnePoints { get; init; } = 10000;

    /// <summary>Largest number of z_dim 2 codes drawn directly.</summary>
    public int DirectPoints { get; init; } = 10000;

    /// <summary>Test images shown with their reconstructions.</summary>
    public int Reconstructions { get; init; } = 12;

    /// <summary>Seed of the samples and t-SNE initialisations, so a figure is the same every time it is drawn.</summary>
    public int Seed { get; init; }

    /// <summary>Live pages: as many t-SNE points as a report (drawn once per stage, in the pages' lane for costly figures), fewer direct ones.</summary>
    public static FigureOptions Live { get; } = new() { DirectPoints = 5000 };

    /// <summary>Checks the settings; the message names the one that is off.</summary>
    public void Validate()
    {
        if (TsnePoints < 4)
        {
            throw new ArgumentException($"FigureOptions.TsnePoints must be at least 4, got {TsnePoints}");
        }
        if (DirectPoints < 1)
        {
            throw new ArgumentException($"FigureOptions.DirectPoints must be at least 1, got {DirectPoints}");
        }
        if (Reconstructions is < 1 or > 64)
        {
            throw new ArgumentException($"FigureOptions.Reconstructions must be in 1..64, got {Reconstructions}");
        }
    }
}

/// <summary>
/// Where figures read what the sweep snapshot does not carry: the artifact store (per-stage summaries, codes,
/// weights, addressed by the stage hashes in each trial's status) and the data directory (test digits and labels).
/// Loaded datasets are kept for the lifetime of this object.
/// </summary>
public sealed class ResultSources(ArtifactStore artifacts, DatasetStore datasets, FigureOptions options)
{
    private readonly ConcurrentDictionary<DataSelection, Lazy<DatasetSplit>> _data = new();

    /// <summary>Stage outputs by hash.</summary>
    public ArtifactStore Artifacts => artifacts;

    /// <summary>Datasets.</summary>
    public DatasetStore Datasets => datasets;

    /// <summary>Points and images per figure.</summary>
    public FigureOptions Options => options;

    /// <summary>The artifact folder of a stage, or null when the hash is unknown or the artifact is not (yet) there.</summary>
    public string? Artifact(string? hash)
    {
        if (string.IsNullOrEmpty(hash))
        {
            return null;
        }
        try
        {
            return artifacts.Find(hash);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether the data directory holds every file of a dataset.</summary>
    public bool HasDataset(string name) =>
        datasets.Registry.TryGet(name, out var dataset) && datasets.IsComplete(dataset);

    /// <summary>The rows a trial used, as its stages resolved them.</summary>
    public DataSelection Selection(TrialSpec trial) => new StageInputs(datasets.Registry).Data(trial);

    /// <summary>The rows of a selection, loaded (and verified) once.</summary>
    public DatasetSplit Load(DataSelection selection) =>
        _data.GetOrAdd(selection, s => new Lazy<DatasetSplit>(() => datasets.Load(s.Dataset, s.Train, s.Test))).Value;
}
