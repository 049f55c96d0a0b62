using System.Runtime.CompilerServices;
using Grid.Abstractions.Runs;

namespace Grid.Client.Commands;

/// <summary>
/// Follows a sweep's snapshots through the loss of the silo that streams them. The stream lives on the sweep grain's
/// activation: when that silo dies (or the gateway the console talks through does), the enumeration fails while the
/// sweep goes on elsewhere. This says so in one line, asks the cluster again until some gateway answers (the sweep grain
/// comes back on a survivor once the dead silo is declared dead; the client's gateway list refreshes from the
/// membership) and subscribes again. After <see cref="GiveUpAfter"/> without an answer it gives up with
/// <see cref="ClusterLostException"/>.
/// </summary>
/// <param name="sweep">The sweep grain.</param>
/// <param name="sweepId">Its id, for messages.</param>
/// <param name="notice">Prints a line (the console's progress output).</param>
public sealed class SweepWatch(ISweepGrain sweep, string sweepId, Action<string> notice)
{
    /// <summary>The line printed each time the stream is lost.</summary>
    public const string LostLine = "lost the silo streaming this sweep; following it through another gateway";

    /// <summary>How long the cluster may stay silent before the watch gives up.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one attempt to reach the sweep again may take (a call to a silo not yet declared dead can hang).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The pause between two attempts.</summary>
    public TimeSpan RetryPause { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Snapshots until the sweep ends (the last one is finished) or <paramref name="cancellationToken"/> stops the watch.</summary>
    public async IAsyncEnumerable<SweepSnapshot> FollowAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var stream = sweep.WatchAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    bool next;
                    try
                    {
                        next = await stream.MoveNextAsync();
                    }
                    catch (Exception ex) when (IsLoss(ex, cancellationToken))
                    {
                        break;
                    }
                    if (!next)
                    {
                        yield break;
                    }
                    yield return stream.Current;
                    if (stream.Current.IsFinished)
                    {
                        yield break;
                    }
                }
            }
            finally
            {
                await DisposeQuietlyAsync(stream);
            }
            notice(LostLine);
            var snapshot = await ReachAsync(cancellationToken);
            yield return snapshot;
            if (snapshot.IsFinished)
            {
                yield break;
            }
        }
    }

    /// <summary>The sweep's current snapshot, asked until a gateway answers; <see cref="ClusterLostException"/> after <see cref="GiveUpAfter"/>.</summary>
    public async Task<SweepSnapshot> ReachAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + GiveUpAfter;
        Exception? last = null;
        while (true)
        {
            try
            {
                return await sweep.GetSnapshotAsync().WaitAsync(AttemptTimeout, cancellationToken)
                    ?? throw new UserInputException($"sweep {sweepId} is not known to this cluster");
            }
            catch (Exception ex) when (IsLoss(ex, cancellationToken))
            {
                last = ex;
            }
            if (DateTime.UtcNow + RetryPause > deadline)
            {
                throw new ClusterLostException(
                    $"no gateway of the cluster answered for {GiveUpAfter.TotalSeconds:0.#} s while watching sweep {sweepId} " +
                    $"(last: {last?.GetBaseException().Message}); the sweep may still run: check with `grid sweep status {sweepId}`");
            }
            await Task.Delay(RetryPause, cancellationToken);
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says the cluster (a silo, a gateway, the stream's activation) went away rather than
    /// that the sweep or the console failed: Orleans' own failures, and calls that got no answer in time.
    /// </summary>
    private static bool IsLoss(Exception exception, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && exception is EnumerationAbortedException or OrleansException or TimeoutException;

    private static async Task DisposeQuietlyAsync(IAsyncEnumerator<SweepSnapshot> stream)
    {
        try
        {
            await stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is EnumerationAbortedException or OrleansException or TimeoutException or OperationCanceledException)
        {
            // Disposing tells the old activation to drop the enumerator; it is gone already.
        }
    }
}

/// <summary>The console lost the cluster for longer than it waits; the message says what to do.</summary>
public sealed class ClusterLostException(string message) : Exception(message);
