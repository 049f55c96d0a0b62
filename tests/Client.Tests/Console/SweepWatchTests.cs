using System.Runtime.CompilerServices;
using Grid.Abstractions.Runs;
using Grid.Client.Commands;

namespace Grid.Client.Tests.Console;

/// <summary>The console's watch through a lost stream (issue #13, item 1), against a sweep that fails as a lost silo makes it fail.</summary>
public sealed class SweepWatchTests
{
    private static SweepSnapshot Snapshot(SweepState state, long version) =>
        new("sw", "demo", state, [], [], null, new StageCounts(0, 0), DateTimeOffset.UnixEpoch,
            state == SweepState.Completed ? DateTimeOffset.UnixEpoch : null, version);

    [Fact]
    public async Task A_stream_aborted_by_a_lost_silo_is_followed_again_and_ends_with_the_sweep()
    {
        var lines = new List<string>();
        // First stream: two snapshots, then the silo holding the sweep dies. Then the sweep answers from a survivor.
        var sweep = new FakeSweep(
            streams: [[Snapshot(SweepState.Running, 1), Snapshot(SweepState.Running, 2)], [Snapshot(SweepState.Running, 4), Snapshot(SweepState.Completed, 5)]],
            snapshots: [new SiloUnavailableException("the target silo became unavailable"), Snapshot(SweepState.Running, 3)]);
        var watch = new SweepWatch(sweep, "sw", lines.Add) { RetryPause = TimeSpan.FromMilliseconds(10) };

        var seen = new List<long>();
        await foreach (var snapshot in watch.FollowAsync(CancellationToken.None))
        {
            seen.Add(snapshot.Version);
        }

        Assert.Equal([1, 2, 3, 4, 5], seen);
        Assert.Equal([SweepWatch.LostLine], lines);
    }

    [Fact]
    public async Task A_cluster_that_stays_silent_ends_the_watch_with_a_message_after_the_limit()
    {
        var sweep = new FakeSweep(streams: [[Snapshot(SweepState.Running, 1)]], snapshots: []);
        var watch = new SweepWatch(sweep, "sw", _ => { }) { GiveUpAfter = TimeSpan.FromMilliseconds(300), RetryPause = TimeSpan.FromMilliseconds(20) };

        var lost = await Assert.ThrowsAsync<ClusterLostException>(async () =>
        {
            await foreach (var _ in watch.FollowAsync(CancellationToken.None))
            {
            }
        });

        Assert.Contains("no gateway of the cluster answered for 0.3 s while watching sweep sw", lost.Message);
        Assert.Contains("grid sweep status sw", lost.Message);
        Assert.True(sweep.SnapshotCalls >= 2, "the watch gave up without asking again");
    }

    /// <summary>
    /// A sweep grain whose every stream ends in <see cref="EnumerationAbortedException"/> (as when its activation's silo dies)
    /// and whose snapshot calls answer in turn from <c>snapshots</c> (an exception is thrown), then fail as a lost silo does.
    /// </summary>
    private sealed class FakeSweep(List<List<SweepSnapshot>> streams, List<object> snapshots) : ISweepGrain
    {
        private int _stream;
        private int _snapshot;

        public int SnapshotCalls => _snapshot;

        public Task<SweepSnapshot?> GetSnapshotAsync()
        {
            object? next = _snapshot < snapshots.Count ? snapshots[_snapshot] : new SiloUnavailableException("no silo answers");
            _snapshot++;
            return next is Exception ex ? Task.FromException<SweepSnapshot?>(ex) : Task.FromResult((SweepSnapshot?)next);
        }

        public async IAsyncEnumerable<SweepSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var stream = _stream < streams.Count ? streams[_stream] : [];
            _stream++;
            foreach (var snapshot in stream)
            {
                await Task.Yield();
                yield return snapshot;
            }
            if (stream.Count == 0 || !stream[^1].IsFinished)
            {
                throw new EnumerationAbortedException("Enumeration aborted: the remote target does not have a record of this enumerator");
            }
        }

        public Task<SweepSnapshot> SubmitAsync(Grid.Abstractions.Sweeps.SweepSpec spec, IReadOnlyList<string>? tags = null, string? note = null) =>
            throw new NotSupportedException();

        public Task<SweepSnapshot?> CancelAsync() => throw new NotSupportedException();

        public Task<SweepSnapshot?> ReconcileAsync() => throw new NotSupportedException();

        public Task OnTrialUpdatedAsync(TrialStatus status) => throw new NotSupportedException();

        public Task<SweepSnapshot?> RetryAsync(bool includeCancelled) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> GetStageHashesAsync() => throw new NotSupportedException();

        public Task<SweepDeletion?> DeleteAsync(bool force, bool artifacts) => throw new NotSupportedException();
    }
}
