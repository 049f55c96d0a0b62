using System.Reflection;
using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Grains.Stages;

namespace Grid.Grains.Tests;

/// <summary>
/// The layers of docs/architecture.md, checked on the built assemblies: Core ← {Compute, Abstractions};
/// Abstractions ← Grains; {Grains, Compute} ← Silo. A reference across them fails here, not in review.
/// </summary>
public sealed class LayeringTests
{
    private static IReadOnlyList<string> References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

    [Fact]
    public void Grains_reference_neither_compute_nor_torchsharp()
    {
        var references = References(typeof(StageKeys).Assembly);
        Assert.Contains("Grid.Abstractions", references);
        Assert.DoesNotContain(references, r => r.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain("Grid.Compute", references);
        Assert.DoesNotContain("Grid.Silo", references);
    }

    [Fact]
    public void Core_references_only_the_framework()
    {
        var references = References(typeof(ScalerKind).Assembly);
        Assert.All(references, r => Assert.True(r.StartsWith("System.", StringComparison.Ordinal), $"Grid.Core references {r}"));
    }

    [Fact]
    public void Abstractions_reference_core_and_no_compute()
    {
        var references = References(typeof(TrialSpec).Assembly);
        Assert.Contains("Grid.Core", references);
        Assert.DoesNotContain(references, r => r.StartsWith("TorchSharp", StringComparison.Ordinal) || r == "Grid.Compute" || r == "Grid.Grains");
    }

    [Fact]
    public void Compute_knows_nothing_of_orleans()
    {
        var references = References(typeof(Grid.Compute.Pipeline.StagePipeline).Assembly);
        Assert.Contains("Grid.Core", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Orleans", StringComparison.Ordinal) || r.StartsWith("Grid.Abstractions", StringComparison.Ordinal));
    }
}
