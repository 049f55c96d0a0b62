namespace Grid.Testing;

/// <summary>Waits on a condition, never a fixed sleep: the one polling helper of the tests.</summary>
public static class Wait
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>How long an exited watched process may take to deliver the rest of its output.</summary>
    private static readonly TimeSpan OutputDrain = TimeSpan.FromSeconds(10);

    /// <summary>How much of a watched process's output a timeout message shows (its end).</summary>
    private const int OutputTail = 4000;

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds: at once, then every 50 ms, backing off to every 200 ms (or
    /// <paramref name="longestPoll"/>). On timeout it
    /// throws a <see cref="TimeoutException"/> that names <paramref name="phase"/> (written to follow "waiting until").
    /// </summary>
    /// <param name="watched">
    /// A process the condition depends on: its exit fails the wait at once, and a timeout shows the end of what it said.
    /// </param>
    /// <param name="retryOn">
    /// Exceptions of the condition that mean "not yet" rather than failure; by default an <see cref="HttpRequestException"/>
    /// (a server not listening yet). The last one is in the timeout's message. Any other exception fails the wait.
    /// </param>
    /// <param name="longestPoll">
    /// The longest pause between polls: longer for a condition that is costly to check (one that starts a console process
    /// takes about a second of CPU from what it waits on).
    /// </param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string phase,
        ExternalProcess? watched = null, Func<Exception, bool>? retryOn = null, TimeSpan? longestPoll = null)
    {
        var longest = longestPoll ?? LongestPoll;
        retryOn ??= static e => e is HttpRequestException;
        var deadline = DateTime.UtcNow + timeout;
        var delay = FirstPoll;
        Exception? last = null;
        while (true)
        {
            last = null;
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (retryOn(e))
            {
                last = e;
            }
            if (watched is { HasExited: true })
            {
                // Exited is seen before the last lines are read: wait for its output to end, so that the message holds all of it.
                int code = await watched.WaitForExitAsync(OutputDrain);
                throw new InvalidOperationException($"{watched.Name} exited (code {code}) while waiting until {phase}:\n{watched.Output}");
            }
            if (DateTime.UtcNow > deadline)
            {
                string message = $"timed out after {timeout.TotalSeconds:F0}s waiting until {phase}";
                if (last is not null)
                {
                    message += $"; the last try threw {last.GetType().Name}: {last.Message}";
                }
                if (watched is not null)
                {
                    string output = watched.Output;
                    message += $"; {watched.Name} said (last lines):\n{(output.Length > OutputTail ? output[^OutputTail..] : output)}";
                }
                throw new TimeoutException(message);
            }
            await Task.Delay(delay);
            delay = delay * 2 < longest ? delay * 2 : longest;
        }
    }
}
