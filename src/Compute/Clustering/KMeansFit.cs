using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// The result of a k-means fit: the centres (owned by this object), the labels and inertia of the data
/// it was fitted on, and how long it ran. Dispose it to free the centres.
/// </summary>
public sealed class KMeansFit : IDisposable
{
    private bool _disposed;

    internal KMeansFit(Tensor centers, long[] labels, double inertia, int iterations, int steps, float[]? counts = null)
    {
        Counts = counts;
        // The fit owns its centres: they must not die with whatever dispose scope the caller has open.
        Centers = centers.DetachFromDisposeScope();
        Labels = labels;
        Inertia = inertia;
        Iterations = iterations;
        Steps = steps;
    }

    /// <summary>Mini-batch k-means' per-centre running counts (its learning rates), for warm starts; null for Lloyd.</summary>
    public float[]? Counts { get; }

    /// <summary>The centres, float32 [k, d] (scikit-learn's <c>cluster_centers_</c>).</summary>
    public Tensor Centers { get; }

    /// <summary>The nearest centre of each row the fit was computed on (<c>labels_</c>).</summary>
    public long[] Labels { get; }

    /// <summary>Sum of squared distances of the fitted rows to their nearest centre (<c>inertia_</c>).</summary>
    public double Inertia { get; }

    /// <summary>
    /// Lloyd iterations of the kept run, or epochs started by mini-batch k-means, ⌈steps · batch / n⌉
    /// (<c>n_iter_</c>).
    /// </summary>
    public int Iterations { get; }

    /// <summary>
    /// Row-to-centre distances the kept run's iterations computed (full k-means; 0 for mini-batch): Lloyd's step
    /// computes n·k per iteration, and the bounded methods (<see cref="KMeansMethod"/>) what their bounds do not rule out.
    /// </summary>
    public long DistancesComputed { get; init; }

    /// <summary>Mini-batch steps taken (<c>n_steps_</c>); equals <see cref="Iterations"/> for Lloyd k-means.</summary>
    public int Steps { get; }

    /// <summary>Number of clusters k.</summary>
    public int Clusters => (int)Centers.shape[0];

    /// <summary>Number of features d.</summary>
    public int Features => (int)Centers.shape[1];

    /// <summary>Nearest centre of each row of <paramref name="x"/> (float32 [n, d]), computed in bounded chunks.</summary>
    public long[] Predict(Tensor x)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ClusteringChecks.SameFeatures(x, Centers, nameof(x));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (labels, _) = Distances.Assign(x, null, Centers);
        return Distances.ToArray(labels);
    }

    /// <summary>Sum of squared distances of the rows of <paramref name="x"/> to their nearest centre.</summary>
    public double InertiaOf(Tensor x)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ClusteringChecks.SameFeatures(x, Centers, nameof(x));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var norms = Distances.SquaredNorms(x);
        var (_, distances) = Distances.Assign(x, norms, Centers);
        return Distances.Total(distances!);
    }

    /// <summary>Frees the centres.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Centers.Dispose();
        }
    }
}
