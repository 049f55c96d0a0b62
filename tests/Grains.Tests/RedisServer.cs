using System.Diagnostics;
using System.Text;
using Grid.Silo.Hosting;

namespace Grid.Grains.Tests;

/// <summary>
/// A real redis-server on a free loopback port, without persistence, for a test cluster whose grain state
/// and reminders must outlive the silo that wrote them. Disposing kills it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RedisServer(int port)
    {
        Port = port;
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"redis-server exited ({_process.ExitCode}): {Output}"));
    }

    public int Port { get; }

    /// <summary>The address StackExchange.Redis connects to.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<RedisServer> StartAsync(TimeSpan timeout)
    {
        var server = new RedisServer(FreePorts.Next());
        try
        {
            if (!server._process.Start())
            {
                throw new InvalidOperationException("redis-server did not start (is the Debian package redis-server installed?)");
            }
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            await server._ready.Task.WaitAsync(timeout);
            return server;
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"redis-server on port {server.Port} was not ready within {timeout.TotalSeconds:F0}s: {server.Output}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

}
