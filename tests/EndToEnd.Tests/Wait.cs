namespace Grid.EndToEnd.Tests;

/// <summary>Polling for a condition (never a fixed sleep), shared by the end-to-end tests.</summary>
public static class Wait
{
    /// <summary>
    /// Polls <paramref name="condition"/> until it holds. Fails at once when <paramref name="watched"/> exits, and
    /// on timeout names the <paramref name="phase"/> and shows the end of what the watched process said.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string phase, ExternalProcess watched)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (watched.HasExited)
            {
                throw new InvalidOperationException($"{watched.Name} exited while waiting until {phase}:\n{watched.Output}");
            }
            if (DateTime.UtcNow > deadline)
            {
                string output = watched.Output;
                string tail = output.Length > 4000 ? output[^4000..] : output;
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0}s waiting until {phase}; {watched.Name} said (last lines):\n{tail}");
            }
            await Task.Delay(200);
        }
    }
}
