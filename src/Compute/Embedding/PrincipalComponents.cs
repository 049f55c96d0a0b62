using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Embedding;

/// <summary>Principal component analysis of row-major float32 data, for t-SNE's initial layout and its input.</summary>
public static class PrincipalComponents
{
    /// <summary>
    /// Scores of the centred data on its first <paramref name="components"/> principal axes (eigenvectors of
    /// the covariance), each axis signed so that its largest-magnitude score is positive (scikit-learn's
    /// <c>svd_flip</c> convention), so the result does not depend on the eigensolver's signs.
    /// </summary>
    internal static Tensor Scores(float[] data, int rows, int features, int components)
    {
        using var raw = torch.tensor(data, [rows, features]);
        var x = raw.to(ScalarType.Float64);
        var centred = x - x.mean([0], keepdim: true);
        var covariance = centred.t().mm(centred);
        var (_, vectors) = torch.linalg.eigh(covariance);
        // eigh sorts eigenvalues ascending: the last columns are the principal axes.
        var axes = vectors.narrow(1, features - components, components).flip(1);
        var scores = centred.mm(axes);
        var largest = scores.abs().argmax(0);
        var signs = scores.gather(0, largest.unsqueeze(0)).sign();
        signs = torch.where(signs == 0, torch.ones_like(signs), signs);
        return scores.mul(signs);
    }

    /// <summary>
    /// The rows projected on their first <paramref name="components"/> principal axes, float32 row-major
    /// [rows × components]: the reduction FIt-SNE's guide applies before t-SNE (50 components).
    /// </summary>
    public static float[] Project(float[] data, int rows, int features, int components)
    {
        EmbeddingChecks.Matrix(data, rows, features, nameof(data), nameof(rows), nameof(features));
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(components, features);
        using var scope = torch.NewDisposeScope();
        return Scores(data, rows, features, components).to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }
}
