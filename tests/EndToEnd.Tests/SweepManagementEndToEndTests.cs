using System.Text.Json.Nodes;
using nietras.SeparatedValues;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Retry and delete on real processes: a redis-server and a `grid silo` in cluster mode, driven by the `grid` console.
/// The trials fail for a reason outside the sweep (the artifact store cannot take their results), which is then
/// put right, as a user would before retrying.
/// </summary>
public sealed class SweepManagementEndToEndTests : IDisposable
{
    private readonly TempDirectory _dir = new("grid-manage-e2e-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_failed_sweep_is_retried_to_success_then_deleted_with_its_artifacts()
    {
        string spec = _dir.File("spec.json");
        File.WriteAllText(spec, """
            {
              "name": "manage-e2e",
              "datasets": ["mnist"],
              "split": { "train": 1000, "test": 200 },
              "representations": ["pixels"],
              "scalers": ["none"],
              "k": [3, 4],
              "seeds": [41],
              "kmeans": { "batch_size": 200, "n_init": 1 }
            }
            """);
        // Bad input is refused before anything reaches a cluster.
        var badTag = await ConsoleAsync("sweep", "submit", spec, "--tag", "two words");
        Assert.True(badTag.ExitCode == 2, $"a bad tag exits 2, not {badTag.ExitCode}: {badTag.Stderr}");
        Assert.Contains("--tag 'two words'", badTag.Stderr);

        await using var cluster = await LoopbackCluster.StartAsync(silos: 1);
        // A file where the store stages new artifacts: every stage fails when it commits its result.
        Directory.CreateDirectory(cluster.Artifacts);
        string blocker = Path.Combine(cluster.Artifacts, ".staging");
        File.WriteAllText(blocker, "not a folder");

        var (code, stdout, stderr) = await cluster.GridAsync("sweep", "submit", spec, "--tag", "e2e", "--note", "real processes", "--watch", "--json");

        Assert.True(code == 1, $"a sweep whose trials failed exits 1, not {code}: {stderr}");
        var failed = JsonNode.Parse(stdout)!;
        string id = failed["sweep_id"]!.GetValue<string>();
        Assert.Equal(["e2e"], failed["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("real processes", failed["note"]!.GetValue<string>());
        Assert.All(failed["trials"]!.AsArray(), t => Assert.Equal("failed", t!["state"]!.GetValue<string>()));

        File.Delete(blocker);
        (code, stdout, stderr) = await cluster.GridAsync("sweep", "retry", id, "--watch", "--json");

        Assert.True(code == 0, $"the retried sweep exits 0, not {code}: {stderr}");
        var retried = JsonNode.Parse(stdout)!;
        Assert.Equal("completed", retried["state"]!.GetValue<string>());
        Assert.All(retried["trials"]!.AsArray(), t =>
        {
            Assert.Equal("succeeded", t!["state"]!.GetValue<string>());
            Assert.Equal(1, t["retries"]!.GetValue<int>());
        });

        // One trial's log: its failed attempts with the reason, the retry, and the attempt that succeeded.
        (code, stdout, stderr) = await cluster.GridAsync("sweep", "status", id, "--trial", "1", "--json");
        Assert.True(code == 0, $"status --trial exited {code}: {stderr}");
        var kinds = JsonNode.Parse(stdout)!["events"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()).ToList();
        Assert.Equal(3, kinds.Count(k => k == "error"));
        Assert.True(kinds.IndexOf("failed") < kinds.IndexOf("retried") && kinds.IndexOf("retried") < kinds.LastIndexOf("computed"),
            $"failed, then retried, then computed: {string.Join(", ", kinds)}");

        (code, stdout, _) = await cluster.GridAsync("sweep", "list", "--json");
        Assert.Contains("\"e2e\"", stdout);

        string csv = _dir.File("export.csv");
        (code, _, stderr) = await cluster.GridAsync("sweep", "export", id, "--format", "csv", "--out", csv);
        Assert.True(code == 0, $"export exited {code}: {stderr}");
        List<string> artifacts;
        using (var reader = Sep.Reader(o => o with { Unescape = true }).FromFile(csv))
        {
            artifacts = reader.Enumerate(row => Path.Combine(cluster.Artifacts, row["clustering_hash"].ToString())).ToList();
        }
        Assert.Equal(2, artifacts.Count);
        Assert.All(artifacts, a => Assert.True(Directory.Exists(a), $"{a} was written"));

        (code, _, stderr) = await cluster.GridAsync("sweep", "delete", "--delete-artifacts", id, "--artifacts", _dir.File("no-such-dir"));
        Assert.True(code == 2, $"a missing artifact directory exits 2 before deleting anything, not {code}: {stderr}");
        Assert.Contains("no-such-dir", stderr);

        (code, stdout, stderr) = await cluster.GridAsync("sweep", "delete", "--delete-artifacts", id, "--artifacts", cluster.Artifacts);

        Assert.True(code == 0, $"delete exited {code}: {stderr}");
        Assert.Contains("Deleted 2 artifact folder(s)", stdout);
        Assert.All(artifacts, a => Assert.False(Directory.Exists(a), $"{a} is deleted"));
        (code, _, stderr) = await cluster.GridAsync("sweep", "status", id);
        Assert.True(code == 2, $"the deleted sweep is unknown (exit 2), not {code}: {stderr}");
        (code, stdout, _) = await cluster.GridAsync("sweep", "list", "--json");
        Assert.DoesNotContain(id, stdout);
        // Nothing of the sweep is left in Redis: neither its state nor its trials' (the list, above, has no line for it).
        var (scanCode, keys, scanErr) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(30), "redis-cli",
            "-p", cluster.RedisAddress.Split(':')[1], "--scan", "--pattern", $"*{id}*");
        Assert.True(scanCode == 0, $"redis-cli exited {scanCode}: {scanErr}");
        Assert.True(keys.Trim().Length == 0, $"keys of the deleted sweep are left in Redis: {keys}");
    }

    /// <summary>The console with no cluster behind it (input checked before connecting).</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> ConsoleAsync(params string[] arguments)
    {
        await GridConsole.EnsureBuiltAsync();
        return await ExternalProcess.RunAsync(TimeSpan.FromMinutes(1), "dotnet", [GridConsole.Dll, .. arguments]);
    }
}
