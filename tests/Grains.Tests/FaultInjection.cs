using System.Collections.Concurrent;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Grains.Stages;
using Grid.Silo.Compute;

namespace Grid.Grains.Tests;

/// <summary>
/// The test cluster's stage executor: the silo's real one, except that a test may make the next attempts of a stage
/// (by hash) fail before they start. Stages nobody asked to fail run as they would on any silo.
/// </summary>
public sealed class FaultInjectingExecutor(StageExecutor inner) : IStageExecutor
{
    private static readonly ConcurrentDictionary<string, int> Failures = new(StringComparer.Ordinal);

    /// <summary>The message of an injected failure.</summary>
    public const string Message = "injected failure, as a test asked (\"fail\")";

    /// <summary>The next <paramref name="attempts"/> attempts of stage <paramref name="hash"/>, on any silo, fail.</summary>
    public static void Fail(string hash, int attempts) => Failures[hash] = attempts;

    public SlotCounts Slots => inner.Slots;

    public IReadOnlyList<Grid.Abstractions.Workers.SlotLease> Running => inner.Running;

    public Task<StageOutcome> ExecuteAsync(Grid.Abstractions.Workers.SlotLease lease, StageRequest request, IProgress<StageProgress> progress, CancellationToken cancellationToken)
    {
        while (Failures.TryGetValue(request.Hash, out int left) && left > 0)
        {
            if (Failures.TryUpdate(request.Hash, left - 1, left))
            {
                throw new InvalidOperationException(Message);
            }
        }
        return inner.ExecuteAsync(lease, request, progress, cancellationToken);
    }

    public bool Cancel(long token) => inner.Cancel(token);
}
