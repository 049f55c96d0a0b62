using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Grid.Silo.Hosting;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Grid.Client.Commands;

/// <summary>What a command tries to reach: Redis (when given) or a gateway, and the cluster's ids.</summary>
internal sealed record ClusterTarget(RedisTarget? Redis, string Gateway, string ClusterId, string ServiceId)
{
    public string Cluster => $"cluster '{ClusterId}' (service '{ServiceId}')";

    /// <summary>The message when the gateways answered but closed the client's connection <paramref name="attempts"/> times.</summary>
    public string TurnedAway(IReadOnlyList<IPEndPoint> gateways, int attempts) => Redis is null
        ? $"the gateway at {Gateway} accepts connections but closed this client's connection {attempts} times: it is not a gateway of {Cluster}. " +
          "Check --cluster-id and --service-id, which must match the silo's (its \"silo up\" line shows them; both default to grid), " +
          "and that the port is the silo's --gateway-port, not its HTTP port"
        : $"silos of {Cluster} are registered in Redis at {Redis}, but their gateways ({string.Join(", ", gateways)}) closed this client's connection " +
          $"{attempts} times: they may be stopping; see `grid cluster status --redis {Redis}` or the silos' logs";

    /// <summary>The message when the gateways answered but the client could not join before the timeout.</summary>
    public string NoAnswer(IReadOnlyList<IPEndPoint> gateways, TimeSpan timeout) =>
        $"{(Redis is null ? $"the gateway at {Gateway}" : $"the gateways of {Cluster} in Redis at {Redis} ({string.Join(", ", gateways)})")} accept connections, " +
        $"but this client could not join {Cluster} within {timeout.TotalSeconds:F0} s: the silos may be overloaded or still starting; try again";
}

/// <summary>
/// Looks before the Orleans client leaps: a gateway that refuses connections, a Redis that does not answer, or a
/// membership table with no live silo of the asked-for cluster each make Orleans wait out its timeout and end with
/// "A task was canceled". These probes say which it is, in a second or two.
/// </summary>
internal static class ClusterProbe
{
    /// <summary>How long one probe (a TCP connect, Redis' connect) waits for an answer.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>Redis keys of Orleans' membership tables: <c>{service id}/members/{cluster id}</c>.</summary>
    private const string MembersSegment = "/members/";

    /// <summary>The gateway endpoint when something accepts connections there; else a <see cref="UserInputException"/> saying what to check.</summary>
    public static async Task<IPEndPoint> GatewayAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var endpoint = ClusterConnection.ParseEndpoint(target.Gateway);
        if (await TryConnectAsync(endpoint, cancellationToken) is { } problem)
        {
            throw new UserInputException(
                $"no silo gateway answers at {target.Gateway} ({problem}); tried for {target.Cluster}. " +
                $"Is a silo running there? `grid silo` listens on --gateway-port (default {new GridSiloOptions().GatewayPort}; " +
                "its \"silo up\" line shows it). Or pass --redis HOST:PORT to find the cluster's gateways");
        }
        return endpoint;
    }

    /// <summary>The gateways of the active silos of the target cluster in its Redis; a <see cref="UserInputException"/> saying what is wrong when there are none.</summary>
    public static async Task<IReadOnlyList<IPEndPoint>> RedisGatewaysAsync(ClusterTarget target, CancellationToken cancellationToken)
    {
        var address = target.Redis!;
        if (await TryConnectAsync(ClusterConnection.ParseEndpoint(address.Endpoint), cancellationToken) is { } problem)
        {
            throw new UserInputException(
                $"cannot reach Redis at {address} ({problem}); tried for {target.Cluster}. " +
                $"Is redis-server running there (`redis-cli -h {Host(address.Endpoint)} -p {Port(address.Endpoint)} ping`), and is it the --redis the silos were started with?");
        }
        var options = address.Options();
        // Connect once, briefly, and never throw the library's advice at the user: one line says how it went.
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = (int)ProbeTimeout.TotalMilliseconds;
        ConnectionMultiplexer redis;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (RedisException ex)
        {
            throw new UserInputException(address.CredentialsRefused(ex) ??
                $"Redis at {address} accepts connections but did not let this client in within {Seconds(ProbeTimeout)} s; tried for {target.Cluster}. " +
                "Does it need TLS? --redis takes a StackExchange.Redis configuration, e.g. HOST:PORT,password=…,ssl=true, as the silos' does");
        }
        await using var _ = redis;
        var database = redis.GetDatabase();
        var silos = Rows(await database.HashGetAllAsync($"{target.ServiceId}{MembersSegment}{target.ClusterId}"));
        if (silos.Count == 0)
        {
            var known = await KnownClustersAsync(redis, database);
            throw new UserInputException(
                $"Redis at {address} answers, but no silo of {target.Cluster} has registered there; " +
                (known.Count == 0
                    ? $"no Grid cluster has: start a silo with `grid silo --redis {address}`"
                    : $"it holds {string.Join(", ", known)}: pass that --cluster-id (and --service-id), or start a silo of this cluster (Grid__Silo__ClusterId, Grid__Silo__ServiceId)"));
        }
        var active = silos.Where(s => s.Status == SiloStatus.Active).ToList();
        if (active.Count == 0)
        {
            var last = silos.MaxBy(s => s.IAmAlive)!;
            throw new UserInputException(
                $"Redis at {address} knows {target.Cluster}, but none of its {silos.Count} registered silo(s) is active " +
                $"(the last heard of, {last.Name}, is {last.Status.ToString().ToLowerInvariant()}, last alive {last.IAmAlive:u}): " +
                $"start a silo with `grid silo --redis {address}`");
        }
        var problems = await Task.WhenAll(active.Select(s => TryConnectAsync(s.Gateway, cancellationToken)));
        if (problems.All(p => p is not null))
        {
            throw new UserInputException(
                $"Redis at {address} lists {active.Count} active silo(s) of {target.Cluster}, but no gateway of theirs answers " +
                $"({string.Join(", ", active.Select((s, i) => $"{s.Gateway}: {problems[i]}"))}): they were stopped without leaving (killed?), " +
                $"and the cluster marks them dead once a live silo notices. Start a silo with `grid silo --redis {address}`");
        }
        return active.Where((_, i) => problems[i] is null).Select(s => s.Gateway).ToList();
    }

    /// <summary>Null when <paramref name="endpoint"/> accepts a TCP connection; else why not, in a few words.</summary>
    private static async Task<string?> TryConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {Seconds(ProbeTimeout)} s";
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                _ => ex.Message,
            };
        }
    }

    /// <summary>The other clusters whose silos have registered in this Redis, for the hint on a wrong --cluster-id.</summary>
    private static async Task<List<string>> KnownClustersAsync(ConnectionMultiplexer redis, IDatabase database)
    {
        var known = new List<string>();
        if (redis.GetServers().FirstOrDefault(s => s.IsConnected) is not { } server)
        {
            return known;
        }
        await foreach (var key in server.KeysAsync(pattern: "*" + MembersSegment + "*", pageSize: 100))
        {
            string text = key.ToString();
            int at = text.IndexOf(MembersSegment, StringComparison.Ordinal);
            // The Orleans client creates an empty table (only its version) for any cluster id it is given.
            if (Rows(await database.HashGetAllAsync(key)).Count > 0)
            {
                known.Add($"cluster '{text[(at + MembersSegment.Length)..]}' (service '{text[..at]}')");
            }
            if (known.Count == 10)
            {
                break;
            }
        }
        return known;
    }

    /// <summary>The silos of a membership table (the hash Orleans' Redis clustering keeps: one JSON entry per silo, and its version).</summary>
    private static List<MemberRow> Rows(HashEntry[] entries) =>
        entries.Select(e => MemberRow.Parse(e.Value.ToString())).OfType<MemberRow>().ToList();

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Host(string endpoint) => endpoint.Split(':')[0];

    private static string Port(string endpoint) => endpoint.Split(':') is [_, var port, ..] ? port : "6379";

    /// <summary>What the console needs of a membership entry; null when the entry is not one (the table's version).</summary>
    private sealed record MemberRow(string Name, SiloStatus Status, IPEndPoint Gateway, DateTimeOffset IAmAlive)
    {
        public static MemberRow? Parse(string json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                var root = document.RootElement;
                // "127.0.0.1:11111@154945195": the silo's address and generation; its gateway is on ProxyPort.
                string silo = root.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!;
                var ip = IPAddress.Parse(silo[..silo.LastIndexOf(':', silo.IndexOf('@'))]);
                return new MemberRow(
                    root.TryGetProperty("SiloName", out var name) ? name.GetString() ?? silo : silo,
                    (SiloStatus)root.GetProperty("Status").GetInt32(),
                    new IPEndPoint(ip, root.GetProperty("ProxyPort").GetInt32()),
                    root.TryGetProperty("IAmAliveTime", out var alive) && alive.TryGetDateTimeOffset(out var at) ? at : DateTimeOffset.MinValue);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
            {
                return null;
            }
        }
    }
}
