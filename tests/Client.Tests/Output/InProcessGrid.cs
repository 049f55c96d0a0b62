using Grid.Client.Commands;

namespace Grid.Client.Tests.Output;

/// <summary>
/// Tests that read what a command prints replace the process's stdout and stderr, so they run one at a time, after the
/// tests that run in parallel.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleOutputCollection
{
    public const string Name = "console output";
}

/// <summary>`grid ARGS` run in this process, as <c>Program</c> runs it, with what it wrote to stdout and stderr.</summary>
internal static class InProcessGrid
{
    /// <summary>Longer than any command these tests run takes (a two-trial sweep, a report of it) on a busy 2-core machine.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CaptureAsync(async () =>
        {
            var run = CommandRunner.InvokeAsync(GridCommandLine.Create(), args);
            try
            {
                return await run.WaitAsync(Limit);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"`grid {string.Join(' ', args)}` did not end within {Limit.TotalMinutes} minutes");
            }
        });
        return (code, stdout, stderr);
    }

    /// <summary>Runs <paramref name="action"/> with stdout and stderr captured (the consoles of <c>GridConsole</c> follow them).</summary>
    public static async Task<(T Result, string Stdout, string Stderr)> CaptureAsync<T>(Func<Task<T>> action)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldError) = (System.Console.Out, System.Console.Error);
        System.Console.SetOut(stdout);
        System.Console.SetError(stderr);
        try
        {
            var result = await action();
            return (result, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            System.Console.SetOut(oldOut);
            System.Console.SetError(oldError);
        }
    }
}
