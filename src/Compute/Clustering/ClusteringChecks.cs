using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>Argument checks shared by the clustering entry points; messages name the setting.</summary>
internal static class ClusteringChecks
{
    internal static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 1");
        }
    }

    internal static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0");
        }
    }

    /// <summary>The data must be a float32 [n, d] CPU-or-device matrix.</summary>
    internal static void Matrix(Tensor x, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.dim() != 2)
        {
            throw new ArgumentException($"{name} must be a 2-D [n, d] tensor, got {x.dim()} dimensions", name);
        }
        if (x.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"{name} must be float32, got {x.dtype}", name);
        }
    }

    internal static void EnoughSamples(Tensor x, int clusters, string name)
    {
        if (x.shape[0] < clusters)
        {
            throw new ArgumentException($"{name} has {x.shape[0]} rows, fewer than Clusters = {clusters}", name);
        }
    }

    internal static void SameFeatures(Tensor x, Tensor centers, string name)
    {
        Matrix(x, name);
        if (x.shape[1] != centers.shape[1])
        {
            throw new ArgumentException($"{name} has {x.shape[1]} features, the centres {centers.shape[1]}", name);
        }
    }
}
