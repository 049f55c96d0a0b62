using System.Text.Json.Nodes;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Workers;
using Grid.Client.Rendering;

namespace Grid.Client.Tests;

/// <summary>One JSON style for every --json: snake_case keys, enum values by lower-case name.</summary>
public sealed class JsonOutputTests
{
    [Fact]
    public void Sweep_list_entries_have_snake_case_keys_and_the_state_by_name()
    {
        var summary = new SweepSummary("s-1", "study", SweepState.Completed, 8, 7, 1, DateTimeOffset.Parse("2026-11-29T08:00:00Z"));

        var json = JsonNode.Parse(JsonOutput.Serialize(new[] { summary }))!.AsArray().Single()!.AsObject();

        Assert.Equal(["sweep_id", "name", "state", "trials", "succeeded", "failed", "submitted", "tags", "note"], json.Select(p => p.Key));
        Assert.Equal("completed", json["state"]!.GetValue<string>());
    }

    [Fact]
    public void Cluster_status_has_snake_case_keys_throughout()
    {
        var status = new ClusterStatus([new WorkerStatus("127.0.0.1:11111@1", "vm:11111", 2, 1, 1, 0, DateTimeOffset.UnixEpoch, true)], 3, 0, 15);

        var json = JsonNode.Parse(JsonOutput.Serialize(status))!;

        Assert.Equal(["workers", "queued_cpu", "queued_gpu", "leases_granted"], json.AsObject().Select(p => p.Key));
        Assert.Equal(["worker_id", "silo", "cpu_slots", "gpu_slots", "busy_cpu", "busy_gpu", "last_seen", "alive", "state", "since"],
            json["workers"]![0]!.AsObject().Select(p => p.Key));
        Assert.Equal("alive", json["workers"]![0]!["state"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(SweepState.Pending, "pending")]
    [InlineData(SweepState.Cancelled, "cancelled")]
    public void Enums_print_as_their_lower_case_names(SweepState state, string name)
    {
        Assert.Equal(name, JsonOutput.Name(state));
        Assert.Equal($"\"{name}\"", JsonOutput.Serialize(state));
    }

    [Fact]
    public void A_sweep_snapshot_uses_the_same_names()
    {
        var snapshot = new SweepSnapshot("s-1", "study", SweepState.Running, [], [], null, new StageCounts(1, 2), DateTimeOffset.UnixEpoch, null, 0);

        var json = JsonNode.Parse(SweepJson.Serialize(snapshot))!;

        Assert.Equal("running", json["state"]!.GetValue<string>());
        Assert.Equal("s-1", json["sweep_id"]!.GetValue<string>());
        Assert.All(json.AsObject(), p => Assert.Matches("^[a-z_]+$", p.Key));
    }

    [Fact]
    public void A_number_that_is_not_finite_is_printed_not_thrown()
    {
        var json = JsonNode.Parse(JsonOutput.Serialize(new Dictionary<string, object> { ["inertia"] = double.NaN }))!;

        Assert.Equal("NaN", json["inertia"]!.GetValue<string>());
    }
}
