using Grid.Silo.Hosting;

namespace Grid.Testing;

/// <summary>
/// A real <c>redis-server</c> (the Debian package) on a loopback port, without persistence: for clusters whose membership,
/// grain state and reminders must outlive the silos that wrote them. Disposing kills it (it holds nothing to save).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(30);

    private RedisServer(ExternalProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    /// <summary>The server's process: its output, and signals (STOP and CONT pause and resume it).</summary>
    public ExternalProcess Process { get; }

    public int Port { get; }

    /// <summary>The address StackExchange.Redis and the console's <c>--redis</c> connect to.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts a server and waits until it accepts connections.</summary>
    /// <param name="port">The port; by default a free one (<see cref="FreePorts"/>).</param>
    /// <param name="password">Clients must authenticate with it (<c>--requirepass</c>), as on Kubernetes; null: no password.</param>
    public static async Task<RedisServer> StartAsync(int? port = null, TimeSpan? timeout = null, string? password = null)
    {
        int chosen = port ?? FreePorts.Next();
        string[] arguments = ["--port", chosen.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
        var process = ExternalProcess.Start("redis-server", "redis-server", password is null ? arguments : [.. arguments, "--requirepass", password]);
        var server = new RedisServer(process, chosen);
        try
        {
            await process.WaitForOutputAsync("Ready to accept connections", timeout ?? DefaultStartTimeout, $"redis-server accepts connections on port {chosen}");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A paused server (SIGSTOP) dies of SIGKILL all the same.
        if (!Process.HasExited)
        {
            Process.Signal("KILL");
        }
        await Process.DisposeAsync();
    }
}
