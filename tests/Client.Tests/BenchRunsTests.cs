using System.Text.Json.Nodes;
using Grid.Client.Commands;
using Grid.Client.Tests.Output;
using Grid.Compute.Data;

namespace Grid.Client.Tests;

/// <summary>The bench modes of issue #18 on a few hundred MNIST rows: they run, and report what the README says.</summary>
[Collection(ConsoleOutputCollection.Name)]
public sealed class BenchRunsTests
{
    private static readonly string DataDir = DatasetStore.DefaultDataDirectory();

    [Fact]
    public async Task Elbow_with_full_kmeans_fits_every_k_from_scratch_and_reports_the_distances_its_bounds_avoided()
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync(
            "bench", "elbow", "--algorithm", "full", "--k", "5,25", "--limit", "600", "--data-dir", DataDir, "--json");

        Assert.True(code == 0, $"bench elbow --algorithm full exited {code}: {stderr}");
        var report = JsonNode.Parse(stdout)!;
        Assert.Equal(("full", "independent", "auto"), (report["algorithm"]!.GetValue<string>(), report["mode"]!.GetValue<string>(), report["method"]!.GetValue<string>()));
        var curve = report["curve"]!.AsArray();
        Assert.Equal([5, 25], curve.Select(p => p!["k"]!.GetValue<int>()));
        Assert.All(curve, p => Assert.InRange(p!["distances_avoided"]!.GetValue<double>(), 0.0, 1.0));
        Assert.True(curve[1]!["inertia"]!.GetValue<double>() < curve[0]!["inertia"]!.GetValue<double>());
    }

    [Fact]
    public async Task Elbow_method_without_full_kmeans_is_a_usage_error()
    {
        var (code, _, stderr) = await InProcessGrid.RunAsync("bench", "elbow", "--method", "elkan", "--k", "5,10", "--limit", "600", "--data-dir", DataDir);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--method: only full k-means", stderr);
    }

    [Fact]
    public async Task Tsne_compare_embeds_the_same_points_both_ways_and_scores_each()
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync(
            "bench", "tsne", "--source", "pixels", "--n", "400", "--pca", "20", "--perplexity", "10", "--compare", "--data-dir", DataDir, "--json");

        Assert.True(code == 0, $"bench tsne --compare exited {code}: {stderr}");
        var report = JsonNode.Parse(stdout)!;
        Assert.Equal((400, 20, 400), (report["n"]!.GetValue<int>(), report["features"]!.GetValue<int>(), report["trustworthiness_rows"]!.GetValue<int>()));
        foreach (var method in new[] { "barnes_hut", "fft" })
        {
            Assert.InRange(report[$"{method}_trustworthiness"]!.GetValue<double>(), 0.85, 1.0);
            Assert.True(report[$"{method}_seconds"]!.GetValue<double>() > 0);
        }
        Assert.Equal("fft", report["fft_method"]!.GetValue<string>());
    }
}
