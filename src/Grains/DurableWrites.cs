using Orleans.Storage;

namespace Grid.Grains;

/// <summary>
/// Grain state writes that ride out a storage outage (Redis restarting, paused, unreachable for a while):
/// a failed write is tried again with growing pauses for up to <see cref="GridGrainOptions.StorageOutageBudget"/>.
/// An ETag conflict is the guard against two writers. On a conflict the stored state is read back: when
/// <c>keepStored</c> says it already holds what matters (a recorded stage outcome: the first result wins),
/// it stays and the write is done; after a write whose fate is unknown (it timed out, yet may have landed)
/// this activation's state is written again under the fresh ETag; otherwise the conflict surfaces.
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
            catch (InconsistentStateException) when ((ambiguous || keepStored is not null) && DateTimeOffset.UtcNow < deadline)
            {
                // Our own earlier attempt that landed after its timeout, or another activation of this grain
                // (there can briefly be two while a dead silo is being declared dead): see what is stored.
                var intended = state.State;
                await state.ReadStateAsync();
                if (keepStored?.Invoke(state.State) == true)
                {
                    return;
                }
                if (!ambiguous)
                {
                    // Another writer, and what it stored does not settle it: the conflict stands.
                    state.State = intended;
                    throw;
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
