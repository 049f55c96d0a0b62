using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Issue #7's load test on real processes: ten sweeps of a hundred trials at once, twice, on three `grid silo` processes.
/// A class of its own (xunit runs the tests of one class one after another): the longest end-to-end test then runs beside
/// the other reliability tests, not after them.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class LoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _specs = new("grid-load-specs-");

    public void Dispose() => _specs.Dispose();

    private string Write(string name, string json) => _specs.Write(name + ".json", json);

    [Fact]
    public async Task Load_ten_concurrent_sweeps_of_a_hundred_trials_lose_none_and_silo_memory_levels_off()
    {
        await using var cluster = await LoopbackCluster.StartAsync(silos: 3);
        var baseline = cluster.Silos.Select(s => ReliabilityTests.ResidentMegabytes(s!)).ToList();
        // Two rounds of the same load (different seeds, so nothing is reused): the first warms the silos up
        // (code, data, pools); a silo that kept each trial's tensors or grains' data would grow as much again
        // in the second.
        var afterFirst = await LoadRoundAsync(cluster, firstSeed: 0);
        var afterSecond = await LoadRoundAsync(cluster, firstSeed: 10);
        output.WriteLine($"silo resident memory: {Megabytes(baseline)} MB at start, {Megabytes(afterFirst)} MB after round 1, {Megabytes(afterSecond)} MB after round 2");
        Assert.All(afterSecond, mb => Assert.InRange(mb, 1, 2048));
        for (int i = 0; i < baseline.Count; i++)
        {
            double firstGrowth = afterFirst[i] - baseline[i];
            double secondGrowth = afterSecond[i] - afterFirst[i];
            Assert.True(secondGrowth <= Math.Max(64, firstGrowth / 2),
                $"silo{i} grew {firstGrowth:F0} MB in round 1 and {secondGrowth:F0} MB more in round 2: memory does not level off");
        }
    }

    /// <summary>Ten sweeps of a hundred small trials at once; checks none is lost and returns the silos' resident memory after.</summary>
    private async Task<List<double>> LoadRoundAsync(LoopbackCluster cluster, int firstSeed)
    {
        // Submitted at once, as ten users would: one after the other, each console started while the silos already
        // computed the sweeps before it, and the submissions took longer than the trials.
        var started = DateTime.UtcNow;
        var ids = await Task.WhenAll(Enumerable.Range(firstSeed, 10).Select(seed =>
            cluster.SubmitAsync(Write($"load-{seed}", $$"""
                {
                  "name": "load-{{seed}}",
                  "datasets": ["mnist"],
                  "split": { "train": 600, "test": 100 },
                  "representations": ["pixels"],
                  "scalers": ["none"],
                  "k": [{ "from": 2, "to": 101 }],
                  "seeds": [{{seed}}],
                  "kmeans": { "batch_size": 100, "n_init": 1, "max_iter": 5 }
                }
                """))));
        var submitted = DateTime.UtcNow - started;
        var results = new List<JsonNode>();
        foreach (string id in ids)
        {
            results.Add(await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(10)));
        }
        output.WriteLine($"seeds {firstSeed}–{firstSeed + 9}: submitted in {submitted.TotalSeconds:F0} s, 1,000 trials done {(DateTime.UtcNow - started).TotalSeconds:F0} s after the first submission");
        Assert.All(results, r => ReliabilityTests.AssertEveryTrialSucceededOnce(r, 100));
        Assert.Equal(1000, results.SelectMany(r => r["trials"]!.AsArray()).Select(t => t!["id"]!.GetValue<string>()).Distinct().Count());
        return cluster.Silos.Select(s => ReliabilityTests.ResidentMegabytes(s!)).ToList();
    }

    private static string Megabytes(IEnumerable<double> values) => string.Join(", ", values.Select(m => $"{m:F0}"));
}
