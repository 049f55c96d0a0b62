using Grid.Abstractions.Stages;

namespace Grid.Grains;

/// <summary>
/// The one rule for failures of a silo's compute ports (<see cref="Stages.IStageExecutor"/>,
/// <see cref="Shards.IKMeansShardHost"/>) on their way back through Orleans: compute-side exceptions (datasets,
/// TorchSharp's) have no Orleans codec, so their type and message travel in a <see cref="StageFailedException"/>.
/// Cancellation and the loss of a silo pass unchanged: callers act on those.
/// </summary>
public static class ComputeFailures
{
    /// <summary>Awaits <paramref name="work"/>, turning a compute failure into one Orleans carries.</summary>
    public static async Task<T> Carried<T>(Task<T> work)
    {
        try
        {
            return await work;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or StageFailedException) && !SiloLoss.Is(ex))
        {
            throw new StageFailedException($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Awaits <paramref name="work"/>, turning a compute failure into one Orleans carries.</summary>
    public static Task Carried(Task work) => Carried(Completed(work));

    private static async Task<bool> Completed(Task work)
    {
        await work;
        return true;
    }
}
