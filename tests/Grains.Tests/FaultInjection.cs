using System.Collections.Concurrent;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Workers;
using Grid.Grains.Stages;
using Grid.Silo.Compute;

namespace Grid.Grains.Tests;

/// <summary>
/// The test cluster's stage executor: the silo's real one, except that a test may make the next attempts of a stage
/// (by hash) fail before they start, or hold them until it lets them go (or they are cancelled). Stages nobody asked
/// about run as they would on any silo.
/// </summary>
public sealed class FaultInjectingExecutor(StageExecutor inner) : IStageExecutor
{
    private static readonly ConcurrentDictionary<string, int> Failures = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Holds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _held = new();

    /// <summary>The message of an injected failure.</summary>
    public const string Message = "injected failure, as a test asked (\"fail\")";

    /// <summary>The next <paramref name="attempts"/> attempts of stage <paramref name="hash"/>, on any silo, fail.</summary>
    public static void Fail(string hash, int attempts) => Failures[hash] = attempts;

    /// <summary>Attempts of stage <paramref name="hash"/> wait, holding their slot, until <see cref="Release"/> or a cancel.</summary>
    public static void Hold(string hash) => Holds[hash] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held attempts of stage <paramref name="hash"/> (and later ones) run.</summary>
    public static void Release(string hash)
    {
        if (Holds.TryRemove(hash, out var hold))
        {
            hold.TrySetResult();
        }
    }

    public SlotCounts Slots => inner.Slots;

    public IReadOnlyList<SlotLease> Running => inner.Running;

    public async Task<StageOutcome> ExecuteAsync(SlotLease lease, StageRequest request, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        while (Failures.TryGetValue(request.Hash, out int left) && left > 0)
        {
            if (Failures.TryUpdate(request.Hash, left - 1, left))
            {
                throw new InvalidOperationException(Message);
            }
        }
        if (Holds.TryGetValue(request.Hash, out var hold))
        {
            // The worker cancels through Cancel(token), as it would the real computation.
            var cancelled = _held.GetOrAdd(lease.Token, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                if (await Task.WhenAny(hold.Task, cancelled.Task) == cancelled.Task)
                {
                    throw new OperationCanceledException($"stage {request.Hash}: cancelled while held");
                }
            }
            finally
            {
                _held.TryRemove(lease.Token, out _);
            }
        }
        return await inner.ExecuteAsync(lease, request, progress, cancellationToken);
    }

    public bool Cancel(long token)
    {
        if (_held.TryGetValue(token, out var held))
        {
            held.TrySetResult();
            return true;
        }
        return inner.Cancel(token);
    }
}
