namespace Grid.Testing.Tests;

public sealed class ProcessTests
{
    [Fact]
    public async Task Run_returns_the_exit_code_and_stdout_and_stderr_apart()
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(30), "sh", "-c", "echo out; echo err >&2; exit 4");

        Assert.Equal((4, "out\n", "err\n"), (code, stdout, stderr));
    }

    [Fact]
    public void A_program_that_is_not_installed_is_named_with_where_to_get_it()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => ExternalProcess.Run(TimeSpan.FromSeconds(30), "no-such-program-grid"));

        Assert.StartsWith("no-such-program-grid could not be started", failure.Message);
        Assert.Contains("scripts/setup.sh test", failure.Message);
    }

    [Fact]
    public async Task A_redis_server_answers_on_its_port_until_disposed()
    {
        var redis = await RedisServer.StartAsync();
        var (code, stdout, _) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(30), "redis-cli", "-p", redis.Port.ToString(), "ping");
        Assert.Equal((0, "PONG"), (code, stdout.Trim()));

        await redis.DisposeAsync();

        var (after, _, _) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(30), "redis-cli", "-p", redis.Port.ToString(), "ping");
        Assert.NotEqual(0, after);
    }
}
