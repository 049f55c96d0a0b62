using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Abstractions.Workers;
using Orleans.Core.Internal;
using Xunit.Abstractions;

namespace Grid.Grains.Tests;

/// <summary>
/// Issue #13, item 5: counts that must not mislead. Trials that wait for a slot are queued, not running; the count of
/// leases granted does not go back when the scheduler's activation moves.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SchedulerCountsTests(ClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>
    /// Six clustering stages of their own (one per k; the seed keeps them apart from other tests' memoized stages) for the
    /// fixture's two one-slot silos.
    /// </summary>
    private static SweepSpec SixStages(string name, int seed) =>
        Specs.Valid($$"""
            {
              "name": "{{name}}",
              "datasets": ["mnist"],
              "split": { "train": 6000, "test": 500 },
              "representations": ["pixels"],
              "scalers": ["none"],
              "k": [5, 10, 15, 20, 25, 30],
              "seeds": [{{seed}}],
              "kmeans": { "algorithm": "minibatch", "batch_size": 200, "n_init": 1 }
            }
            """);

    [Fact]
    public async Task Trials_waiting_for_a_slot_are_queued_and_running_ones_do_not_outnumber_the_slots()
    {
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("queued-vs-running");
        await sweep.SubmitAsync(SixStages("queued-vs-running", seed: 71));
        var seen = new List<SweepSnapshot>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await foreach (var snapshot in sweep.WatchAsync(timeout.Token).WithCancellation(timeout.Token))
        {
            seen.Add(snapshot);
        }

        Assert.True(seen[^1].IsFinished, $"the sweep did not finish: {seen[^1].State}");
        Assert.All(seen[^1].Trials, t => Assert.Equal(TrialState.Succeeded, t.State));
        int slots = ClusterFixture.Silos;
        int mostRunning = seen.Max(s => s.Count(TrialState.Running));
        int mostQueued = seen.Max(s => s.Count(TrialState.Queued));
        output.WriteLine($"{seen.Count} snapshots: at most {mostRunning} running and {mostQueued} queued at once");
        // Six stages for two slots: most of the time four wait. A trial whose stage just ended may still show running for a
        // moment while the freed slot's next stage starts: one more than the slots at most. Before, all six showed running.
        Assert.True(mostRunning <= slots + 1, $"{mostRunning} trials showed running with {slots} slots");
        Assert.True(mostQueued >= 2, $"at most {mostQueued} trials showed queued while six stages shared {slots} slots");
        // A running trial is one whose stage computes on a slot; a queued one has no progress to show.
        Assert.All(seen.SelectMany(s => s.Trials).Where(t => t.State == TrialState.Queued), t => Assert.Null(t.Progress));
    }

    [Fact]
    public async Task The_count_of_leases_granted_does_not_go_back_when_the_scheduler_moves()
    {
        var scheduler = fixture.Grains.GetGrain<ISchedulerGrain>(0);
        var sweep = fixture.Grains.GetGrain<ISweepGrain>("leases-counted");
        await sweep.SubmitAsync(SixStages("leases-counted", seed: 72));
        await Wait.UntilAsync(async () => (await sweep.GetSnapshotAsync())!.IsFinished, TimeSpan.FromMinutes(3), "the sweep finishes");
        // The count shown is the stored one: it catches up within a heartbeat interval (1 s here).
        await Wait.UntilAsync(async () => (await scheduler.GetStatusAsync()).LeasesGranted >= 6, TimeSpan.FromSeconds(30), "six leases are counted");
        long before = (await scheduler.GetStatusAsync()).LeasesGranted;

        // The activation goes (as when its silo dies or it is collected); the next call brings a new one.
        await scheduler.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await Wait.UntilAsync(async () => (await scheduler.GetStatusAsync()).Workers.Count(w => w.Alive) == ClusterFixture.Silos,
            TimeSpan.FromSeconds(30), "the scheduler's new activation hears from both workers");

        long after = (await scheduler.GetStatusAsync()).LeasesGranted;
        output.WriteLine($"leases granted: {before} before the scheduler moved, {after} after");
        Assert.True(after >= before, $"leases granted went back from {before} to {after} when the scheduler moved");
    }
}
