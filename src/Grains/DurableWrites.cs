using Orleans.Storage;

namespace Grid.Grains;

/// <summary>
/// Grain state writes that ride out a storage outage (Redis restarting, paused, unreachable for a while):
/// a failed write is tried again with growing pauses for up to <see cref="GridGrainOptions.StorageOutageBudget"/>.
/// An ETag conflict is the guard against two writers and surfaces, except right after a write whose fate is
/// unknown (it timed out, yet may have landed): then the stored state is read back, and either kept
/// (<c>keepStored</c> says it already holds what matters, e.g. a recorded outcome: the first
/// result wins) or overwritten with this activation's, under the fresh ETag.
/// </summary>
public static class DurableWrites
{
    public static async Task WriteStateWithRetryAsync<T>(this IPersistentState<T> state, GridGrainOptions options, Func<T, bool>? keepStored = null)
    {
        var deadline = DateTimeOffset.UtcNow + options.StorageOutageBudget;
        var pause = TimeSpan.FromMilliseconds(250);
        bool ambiguous = false;
        while (true)
        {
            try
            {
                await state.WriteStateAsync();
                return;
            }
            catch (InconsistentStateException) when (ambiguous && DateTimeOffset.UtcNow < deadline)
            {
                // Most likely our own earlier attempt, which landed after its timeout.
                var intended = state.State;
                await state.ReadStateAsync();
                if (keepStored?.Invoke(state.State) == true)
                {
                    return;
                }
                state.State = intended;
                ambiguous = false;
            }
            catch (Exception ex) when (ex is not InconsistentStateException && DateTimeOffset.UtcNow + pause < deadline)
            {
                ambiguous = true;
                await Task.Delay(pause);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
