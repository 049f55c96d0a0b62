using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Grid.Silo.Hosting;

namespace Grid.Client.Commands;

/// <summary>How the console reaches a cluster: a gateway address, or the Redis that holds the membership.</summary>
public sealed class ClusterConnection
{
    public const string DefaultGateway = "127.0.0.1:30000";

    public const string DefaultClusterId = "grid";

    /// <summary>
    /// How long a client may take to join once the probes found the cluster: a live cluster on loopback lets it in
    /// well under a second, a busy machine in several. What a user can get wrong is found out sooner: by the
    /// probes, or by the gateway closing the connection (see <see cref="JoinAttempts"/>).
    /// </summary>
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    public static Option<string?> GatewayOption() => new("--gateway")
    {
        Description = $"Gateway HOST:PORT of a silo (default {DefaultGateway})",
        HelpName = "HOST:PORT",
    };

    /// <summary>The environment variable the console reads Redis' password from when <c>--redis</c> holds none.</summary>
    public const string RedisPasswordVariable = "GRID_REDIS_PASSWORD";

    public static Option<string?> RedisOption() => new("--redis")
    {
        Description = $"Redis of a cluster, HOST:PORT or HOST:PORT,password=…,user=…,ssl=true (the password can come from {RedisPasswordVariable}); " +
            "finds its gateways from the membership table",
        HelpName = "HOST:PORT[,…]",
    };

    public static Option<string> ClusterIdOption() => new("--cluster-id")
    {
        Description = "Orleans cluster id, as the silos' Grid__Silo__ClusterId",
        DefaultValueFactory = _ => DefaultClusterId,
    };

    public static Option<string?> ServiceIdOption() => new("--service-id")
    {
        Description = "Orleans service id (default: the cluster id), as the silos' Grid__Silo__ServiceId",
    };

    /// <summary>
    /// Starts an Orleans client for the options on <paramref name="parse"/>, or fails with one line that says what was
    /// tried (gateway or Redis, cluster and service id) and what to check. A gateway that refuses connections, a
    /// Redis that does not answer, a membership without a live silo of the cluster, and a gateway that turns the
    /// client away (another cluster id) are each told apart within a few seconds; Orleans alone would wait out a
    /// timeout and end with "A task was canceled".
    /// </summary>
    public static async Task<IHost> ConnectAsync(ParseResult parse, ConnectionOptions connection, CancellationToken cancellationToken)
    {
        string clusterId = parse.GetValue(connection.ClusterId)!;
        var target = new ClusterTarget(
            parse.GetValue(connection.Redis) is { } redis ? RedisTarget.Parse(redis, Environment.GetEnvironmentVariable(RedisPasswordVariable), "--redis") : null,
            parse.GetValue(connection.Gateway) ?? DefaultGateway,
            clusterId,
            parse.GetValue(connection.ServiceId) is { Length: > 0 } service ? service : clusterId);
        var certificates = ClusterCertificates.LoadIfEnabled(connection.Tls.Read(parse));
        IReadOnlyList<IPEndPoint> gateways = target.Redis is null
            ? [await ClusterProbe.GatewayAsync(target, cancellationToken)]
            : await ClusterProbe.RedisGatewaysAsync(target, cancellationToken);

        var attempts = new JoinAttempts();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = target.ClusterId;
                o.ServiceId = target.ServiceId;
            });
            if (target.Redis is not null)
            {
                var options = target.Redis.Options();
                client.UseRedisClustering(o => o.ConfigurationOptions = options);
            }
            else
            {
                client.UseStaticClustering(gateways[0]);
            }
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Services.AddSingleton<IClientConnectionRetryFilter>(attempts);
            if (certificates is not null)
            {
                client.UseTls(certificates.Configure);
            }
        });
        var host = builder.Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(JoinTimeout);
            await host.StartAsync(timeout.Token);
            return new ClientHost(host);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            if (attempts.Failed == 0)
            {
                throw new UserInputException(target.NoAnswer(gateways, JoinTimeout));
            }
            // Turned away: a TLS mismatch (no certificate, or one the cluster's CA did not sign) says so in one handshake.
            throw new UserInputException(await TlsProbe.ProblemAsync(gateways[0], certificates, "the gateway at", "this client", cancellationToken)
                ?? target.TurnedAway(gateways, attempts.Failed));
        }
    }

    public static IPEndPoint ParseEndpoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new UserInputException($"'{text}' is not HOST:PORT");
        }
        string host = text[..colon];
        if (!IPAddress.TryParse(host, out var address))
        {
            try
            {
                address = Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
            }
            catch (System.Net.Sockets.SocketException)
            {
                address = null;
            }
            if (address is null)
            {
                throw new UserInputException($"cannot resolve host '{host}' of '{text}'");
            }
        }
        return new IPEndPoint(address, port);
    }
}

/// <summary>
/// Decides whether the Orleans client tries again after a failed connect: twice, briefly. A gateway that accepts the
/// connection and closes it during the handshake turns the client away (a silo of another cluster or service id, or
/// not a gateway at all): Orleans' own retries would go on until the join times out.
/// </summary>
internal sealed class JoinAttempts : IClientConnectionRetryFilter
{
    private const int MaxAttempts = 3;

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(300);

    private int _failed;

    /// <summary>Connect attempts that failed.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _failed) >= MaxAttempts)
        {
            return false;
        }
        await Task.Delay(Pause, cancellationToken);
        return true;
    }
}

/// <summary>
/// A connected client's host. Disposing it stops the client first, which closes its gateway connections: a
/// client that just goes away leaves a "Connection reset by peer" warning with a stack trace in the silo's log.
/// </summary>
internal sealed class ClientHost(IHost host) : IHost
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    public IServiceProvider Services => host.Services;

    public Task StartAsync(CancellationToken cancellationToken = default) => host.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => host.StopAsync(cancellationToken);

    public void Dispose()
    {
        // Commands dispose the host synchronously (`using var host`); the generic host's own Dispose blocks the same way.
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            host.StopAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // The command's result is printed and its exit code decided: a slow or failed goodbye changes neither.
        }
        host.Dispose();
    }
}

/// <summary>The options that say how a command reaches its cluster.</summary>
public sealed record ConnectionOptions(Option<string?> Gateway, Option<string?> Redis, Option<string> ClusterId, Option<string?> ServiceId, TlsOptionSet Tls);
