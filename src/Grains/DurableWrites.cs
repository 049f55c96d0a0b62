using Orleans.Storage;

namespace Grid.Grains;

/// <summary>
/// Grain state writes that ride out a storage outage (Redis restarting, paused, unreachable for a while):
/// a failed write is tried again with growing pauses for up to <see cref="GridGrainOptions.StorageOutageBudget"/>.
/// A write rejected because another activation wrote first (an ETag conflict) is not retried: that is the
/// guard against recording twice, and it must surface.
/// </summary>
public static class DurableWrites
{
    public static async Task WriteStateWithRetryAsync<T>(this IPersistentState<T> state, GridGrainOptions options)
    {
        var deadline = DateTimeOffset.UtcNow + options.StorageOutageBudget;
        var pause = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await state.WriteStateAsync();
                return;
            }
            catch (Exception ex) when (ex is not InconsistentStateException && DateTimeOffset.UtcNow + pause < deadline)
            {
                await Task.Delay(pause);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
