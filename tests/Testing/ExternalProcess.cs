using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Grid.Testing;

/// <summary>
/// A real process on this machine with its output (stdout and stderr, in order) captured; stopped on dispose (SIGINT,
/// then killed after a grace period). <see cref="RunAsync(TimeSpan, string, string[])"/> runs a command to its end instead.
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    /// <summary>How long a process may take to stop after SIGINT before it is killed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private ExternalProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>What the test calls the process (in messages).</summary>
    public string Name { get; }

    /// <summary>Everything the process has written so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (for /proc).</summary>
    public int Id => _process.Id;

    public static ExternalProcess Start(string name, string file, params string[] arguments) =>
        Start(name, file, new Dictionary<string, string>(), arguments);

    /// <summary>Starts <paramref name="file"/> with extra environment variables (for example a silo's settings).</summary>
    public static ExternalProcess Start(string name, string file, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = StartInfo(file, arguments);
        start.RedirectStandardInput = true;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return new ExternalProcess(Launch(start), name);
    }

    /// <summary>Waits until the process has written <paramref name="text"/>; fails at once if it exits first.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout, string phase) =>
        Wait.UntilAsync(() => Task.FromResult(Output.Contains(text, StringComparison.Ordinal)), timeout, phase, this);

    /// <summary>Sends a POSIX signal (KILL, TERM, STOP, CONT, …) to the process.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString()]);
        kill?.WaitForExit();
    }

    /// <summary>
    /// Waits for the process to exit and its output to end (so <see cref="Output"/> is whole), and returns its exit code;
    /// throws naming the process on timeout.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:F0}s:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Runs a command to its end and returns its exit code, stdout and stderr; on timeout kills it and throws.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, string file, params string[] arguments) =>
        RunAsync(timeout, file, new Dictionary<string, string>(), arguments);

    /// <summary><see cref="RunAsync(TimeSpan, string, string[])"/> with extra environment variables (a password, say).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, string file, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = StartInfo(file, arguments);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Launch(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', arguments)}` did not finish within {timeout.TotalSeconds:F0}s; output so far: {await stdout} {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary><see cref="RunAsync(TimeSpan, string, string[])"/> for callers that cannot await (a lazily computed value).</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(TimeSpan timeout, string file, params string[] arguments) =>
        // On the thread pool, so that blocking here never waits on a continuation queued to the test's own context.
        Task.Run(() => RunAsync(timeout, file, arguments)).GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGINT first, so a silo leaves the cluster gracefully.
            Signal("INT");
            using var grace = new CancellationTokenSource(StopGrace);
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    private static Process Launch(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{start.FileName} could not be started ({e.Message}); is it installed and on PATH? `scripts/setup.sh test` installs what the tests need", e);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }
}
