using Grid.Compute.Autoencoder;
using static TorchSharp.torch;

namespace Grid.Compute.Tests.Autoencoder;

/// <summary>Runs the autoencoder tests one at a time: each already uses every core through libtorch.</summary>
[CollectionDefinition(Name)]
public sealed class AutoencoderCollection
{
    public const string Name = "Autoencoder";
}

internal static class Weights
{
    /// <summary>The largest absolute difference between two models' parameters (same architecture).</summary>
    public static double MaxAbsDifference(AutoencoderNetwork a, AutoencoderNetwork b)
    {
        var left = a.state_dict();
        var right = b.state_dict();
        Assert.Equal(left.Keys.OrderBy(k => k), right.Keys.OrderBy(k => k));
        var max = 0.0;
        foreach (var (key, value) in left)
        {
            using var scope = NewDisposeScope();
            var difference = (value.cpu() - right[key].cpu()).abs().max().item<float>();
            max = Math.Max(max, difference);
        }
        return max;
    }
}
