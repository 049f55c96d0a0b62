namespace Grid.Testing.Tests;

public sealed class WaitTests
{
    [Fact]
    public async Task A_condition_that_comes_true_ends_the_wait()
    {
        int polls = 0;
        await Wait.UntilAsync(() => Task.FromResult(++polls == 3), TimeSpan.FromSeconds(10), "the third poll");
        Assert.Equal(3, polls);
    }

    [Fact]
    public async Task A_timeout_names_the_phase_and_the_last_retried_exception()
    {
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => Wait.UntilAsync(
            () => throw new HttpRequestException("connection refused"), TimeSpan.FromMilliseconds(300), "the server listens"));

        Assert.StartsWith("timed out after 0s waiting until the server listens", timeout.Message);
        Assert.Contains("HttpRequestException: connection refused", timeout.Message);
    }

    [Fact]
    public async Task An_exception_not_retried_fails_the_wait_at_once()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => Wait.UntilAsync(
            () => throw new HttpRequestException("refused"), TimeSpan.FromMinutes(5), "never", retryOn: _ => false));
    }

    [Fact]
    public async Task The_exit_of_the_watched_process_fails_the_wait_at_once_with_its_output()
    {
        await using var process = ExternalProcess.Start("quitter", "sh", "-c", "echo about to go; exit 3");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            process.WaitForOutputAsync("a line never written", TimeSpan.FromMinutes(5), "the quitter says it"));

        Assert.Equal(3, await process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.StartsWith("quitter exited (code 3) while waiting until the quitter says it", failure.Message);
        Assert.Contains("about to go", failure.Message);
    }
}
