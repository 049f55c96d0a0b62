using System.Text.Json;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Shards;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Grid.Core;
using Grid.Core.Sharding;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Grid.Abstractions.Tests.Runs;

/// <summary>Every record of the run, stage and worker contracts survives Orleans serialization.</summary>
public sealed class RunSerializationTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(SweepSnapshot).Assembly))
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private static readonly TrialSpec Trial = new(
        "mnist", new SplitSpec(6000, 1000), RepresentationSpec.Of(new AutoencoderSpec(16, Epochs: 3)),
        ScalerKind.L2, 25, 0, KMeansSettings.MiniBatchDefaults);

    private static readonly StageProgress Progress = new(StageKind.Autoencoder, "epoch", 2, 3, 0.12, "silo-a");

    private static readonly ClusteringResult Result = new(0.1, 0.12, 1234.5, 7, 0.8, 2, new long[] { 5, 1, 0, 4 }, 1);

    private static readonly TrialStatus Status = new("sw/abc", Trial, TrialState.Succeeded, Progress, Result, null, 1, 1);

    private static readonly TrialEvent Line = new(DateTimeOffset.UnixEpoch, TrialEventKind.Error, StageKind.Clustering, "c0ffee", 1, "127.0.0.1:11111", "out of memory");

    private static readonly SlotLease Lease = new("S127.0.0.1:11111:1", SlotKind.Cpu, 0, 42, "hash", DateTimeOffset.UnixEpoch);

    public static TheoryData<object> Records() => new(
        Progress,
        Progress with { Epoch = new EpochFigures(2, 3, 0.11, 0.105) },
        new EpochFigures(1, 40, 0.2, null),
        Result,
        Result with { Silhouette = 0.21, DaviesBouldin = 1.4, CalinskiHarabasz = 812.5 },
        Result with { Silhouette = -0.05 },
        Status,
        Status with { Result = Result with { Silhouette = 0.21, DaviesBouldin = 1.4, CalinskiHarabasz = 812.5 } },
        Status with { State = TrialState.Failed, Result = null, Error = "boom" },
        Status with { AutoencoderHash = "ae12", ClusteringHash = "c0ffee" },
        Status with { State = TrialState.Queued, Progress = null, Result = null },
        new ElbowPoint(10, 3.5, 0.2, 0.25),
        new ElbowPoint(10, 3.5, 0.2, 0.25, 0.31, 0.9, 1200.25),
        new ElbowCurve("mnist", "raw", "none", 0, new[] { new ElbowPoint(10, 3.5, 0.2, 0.25), new ElbowPoint(20, 2.5, 0.1, 0.15) }, 10),
        new StageCounts(13, 5),
        new SweepSnapshot("sw", "demo", SweepState.Running, new[] { Status }, Array.Empty<ElbowCurve>(), "sw/abc",
            new StageCounts(1, 2), DateTimeOffset.UnixEpoch, null, 7),
        new SweepSummary("sw", "demo", SweepState.Completed, 16, 15, 1, DateTimeOffset.UnixEpoch),
        new SweepSummary("sw", "demo", SweepState.Completed, 16, 15, 1, DateTimeOffset.UnixEpoch, new[] { "baseline", "z16" }, "first try"),
        new SweepSnapshot("sw", "demo", SweepState.Running, new[] { Status }, Array.Empty<ElbowCurve>(), null,
            new StageCounts(1, 2), DateTimeOffset.UnixEpoch, null, 7, new[] { "baseline" }, "a note"),
        new SweepSnapshot("sw", "demo", SweepState.Running, new[] { Status }, Array.Empty<ElbowCurve>(), null,
            new StageCounts(1, 2), DateTimeOffset.UnixEpoch, null, 7, Objective: ObjectiveSpec.Of(ObjectiveMetric.Silhouette)),
        Line,
        new TrialEvent(DateTimeOffset.UnixEpoch, TrialEventKind.Started),
        Status with { Events = new[] { Line, Line with { Kind = TrialEventKind.Computed, Attempt = 2 } }, EventsDropped = 3, Retries = 1 },
        new SweepDeletion(true, 12, new[] { "c0ffee", "ae12" }, 4),
        new StageRequest(StageKind.Clustering, "c0ffee", Trial, "ae12"),
        new StageOutcome("c0ffee", StageKind.Clustering, new Dictionary<string, double> { ["test_error"] = 0.12 }, Result, "silo-a", 1.5, true, 2),
        Lease,
        new WorkerHeartbeat("w", "silo-a", 2, 1, new[] { Lease }),
        new WorkerStatus("w", "silo-a", 2, 1, 1, 0, DateTimeOffset.UnixEpoch, true),
        new ClusterStatus(new[] { new WorkerStatus("w", "silo-a", 2, 1, 1, 0, DateTimeOffset.UnixEpoch, true) }, 3, 0, 99),
        new WorkerStatus("w", "silo-a", 0, 0, 0, 0, DateTimeOffset.UnixEpoch, false, WorkerState.Dead, DateTimeOffset.UnixEpoch.AddHours(1)),
        new WorkerStatus("w", "silo-a", 2, 1, 0, 0, DateTimeOffset.UnixEpoch, false, WorkerState.Leaving),
        KMeansSettings.MiniBatchDefaults with { Shards = KMeansSettings.AutoShards },
        new KMeansShardSource("mnist", 6000, 1000, "ae12", 1, 3),
        new FeatureMoments(2000, new[] { 1.5, 2.5 }, new[] { 0.5, 0.25 }),
        new ShardDescription(2000, 333, 784, 10, new FeatureMoments(2000, new[] { 1.5, 2.5 }, new[] { 0.5, 0.25 })),
        new ShardScaling(ScalerKind.Standard, new[] { 1f, 2f }, new[] { 0.5f, 1f }),
        new ShardScaling(ScalerKind.None, null, null),
        new ShardStepResult(new[] { 0, 7 }, new[] { 1f, -2.5f, float.MaxValue }, new[] { 3, 1 }, 12.5, 0.001),
        new CenterUpdate(0, null, new[] { 1f, 2f, 3f, 4f }),
        new CenterUpdate(5, new[] { 1 }, new[] { -0.5f, float.Epsilon }),
        new ShardEvaluation(99.5, new long[] { 1, 2, 3, 4 }, new long[] { 0, 1, 1, 0 }, 0.25));

    [Fact]
    public void A_shard_steps_sums_travel_as_four_bytes_a_value()
    {
        // The step reply is the largest message of a sharded fit; the bound on bytes per round depends on this.
        var serializer = _services.GetRequiredService<Serializer>();
        var sums = Enumerable.Range(0, 10_000).Select(i => i * 0.37f - 11f).ToArray();

        var bytes = serializer.SerializeToArray(new ShardStepResult([], sums, [], 0, 0));

        Assert.InRange(bytes.Length, 40_000, 40_100);
        Assert.Equal(sums, serializer.Deserialize<ShardStepResult>(bytes)!.Sums);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Record_round_trips(object value)
    {
        var serializer = _services.GetRequiredService<Serializer>();

        var copy = serializer.Deserialize<object>(serializer.SerializeToArray(value))!;

        Assert.NotSame(value, copy);
        Assert.Equal(value.GetType(), copy.GetType());
        // Records holding lists compare lists by reference, so compare their JSON instead.
        Assert.Equal(JsonSerializer.Serialize(value, value.GetType()), JsonSerializer.Serialize(copy, copy.GetType()));
    }

    [Fact]
    public void A_trial_keeps_the_last_lines_of_its_log_and_counts_the_ones_it_let_go()
    {
        var status = Status;
        for (int i = 1; i <= TrialEvent.MaxPerTrial + 7; i++)
        {
            status = status.WithEvent(Line with { Attempt = i });
        }

        Assert.Equal(TrialEvent.MaxPerTrial, status.Events!.Count);
        Assert.Equal(7, status.EventsDropped);
        Assert.Equal(8, status.Events[0].Attempt);
        Assert.Equal(TrialEvent.MaxPerTrial + 7, status.Events[^1].Attempt);
        Assert.Equal("error clustering c0ffee (attempt 1) on 127.0.0.1:11111: out of memory", Line.Describe());
        Assert.Equal("attempt 2 of clustering 0123abcd on host:11111", (Line with { Kind = TrialEventKind.Attempt, StageHash = "0123abcdef", Attempt = 2, Silo = "host:11111", Detail = null }).Describe());
        Assert.Equal("started", new TrialEvent(DateTimeOffset.UnixEpoch, TrialEventKind.Started).Describe());
    }

    [Fact]
    public void Stage_failure_keeps_its_message_across_the_wire()
    {
        var serializer = _services.GetRequiredService<Serializer>();

        var copy = (StageFailedException)serializer.Deserialize<object>(serializer.SerializeToArray<object>(new StageFailedException("attempt 1: out of memory")))!;

        Assert.Equal("attempt 1: out of memory", copy.Message);
    }

    [Fact]
    public void Stored_states_keep_their_values()
    {
        // Trial and worker states are stored (Redis) and sent by value: a new state is appended, never inserted.
        Assert.Equal([0, 1, 2, 3, 4, 5], new[] { TrialState.Pending, TrialState.Running, TrialState.Succeeded, TrialState.Failed, TrialState.Cancelled, TrialState.Queued }.Select(s => (int)s));
        Assert.Equal([0, 1, 2, 3], new[] { WorkerState.Alive, WorkerState.Silent, WorkerState.Leaving, WorkerState.Dead }.Select(s => (int)s));
        Assert.Equal(Enum.GetValues<TrialState>().Order(), TrialStates.InLifeOrder.Order());
    }
}
