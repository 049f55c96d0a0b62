using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Grid.Silo.Hosting;

/// <summary>
/// Checks, before a silo starts, that nobody else holds its endpoints. Orleans listens with address reuse (on Linux .NET
/// sets SO_REUSEPORT with it), so a second silo on a live silo's port starts without an error, shares the port, and on
/// joining marks the live silo as an older version of itself, dead: the live silo stops with all its work. Binding each
/// port here without port reuse fails while another socket listens on it; and in cluster mode a live silo registered at
/// this silo's endpoint from another machine (the same advertised address) is found in the membership table and answers.
/// In cluster mode it also finds what would keep the silo out of the cluster (Redis' credentials, TLS), which Orleans
/// would only report after minutes of retries.
/// </summary>
public static class SiloEndpoints
{
    // Linux socket option numbers: SO_REUSEADDR alone lets a port with connections in TIME_WAIT be bound (a silo restarted
    // on its port), and unlike .NET's ReuseAddress it does not add SO_REUSEPORT, which would share a live listener's port.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    /// <summary>How long the check waits for Redis, and for a registered silo to answer.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    /// <summary>One line saying which endpoint is taken, or what keeps the silo out, and what to do; null when the silo may start.</summary>
    public static async Task<string?> FindConflictAsync(GridSiloOptions options, CancellationToken cancellationToken)
    {
        foreach (var (option, address, port) in Ports(options))
        {
            if (BindError(address, port) is { } error)
            {
                return $"{option} {port} is in use on {address} ({error}): another silo or program listens there " +
                    $"(a second silo there would take over the live one's place in the cluster). Choose another {option}.";
            }
        }
        return options.IsClusterMode ? await CheckMembershipAsync(options, cancellationToken) : null;
    }

    /// <summary>The ports the silo will listen on, with the option that sets each and the address it binds.</summary>
    public static IEnumerable<(string Option, IPAddress Address, int Port)> Ports(GridSiloOptions options)
    {
        // With an advertised address the silo and gateway ports listen on every address (GridSilo.ConfigureSilo).
        var orleans = string.IsNullOrWhiteSpace(options.AdvertisedAddress) ? IPAddress.Loopback : IPAddress.Any;
        var http = IPAddress.Parse(options.HttpAddress);
        yield return ("--silo-port", orleans, options.SiloPort);
        yield return ("--gateway-port", orleans, options.GatewayPort);
        if (options.HttpPort != 0)
        {
            yield return ("--http-port", http, options.HttpPort);
        }
        if (options.MetricsPort is int metrics)
        {
            yield return ("--metrics-port", http, metrics);
        }
    }

    /// <summary>Why <paramref name="port"/> cannot be listened on at <paramref name="address"/>, or null when it can.</summary>
    public static string? BindError(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : ex.Message;
        }
    }

    /// <summary>
    /// What the cluster's membership says against starting this silo, in one line, or null. A live silo the membership table
    /// lists at this silo's endpoint: its entry is active and its silo port answers (a dead entry, or an active one whose
    /// silo was killed, is what a restart on the same port replaces). And what would keep this silo out, which Orleans
    /// would retry for minutes: Redis refusing its credentials; a cluster that links with TLS when this silo has none; with
    /// TLS, the cluster's silos refusing its certificate or presenting one its CA does not trust. When nothing is against
    /// it, records whether this silo links with TLS, for the next silo's check.
    /// </summary>
    public static async Task<string?> CheckMembershipAsync(GridSiloOptions options, CancellationToken cancellationToken)
    {
        var endpoint = new IPEndPoint(string.IsNullOrWhiteSpace(options.AdvertisedAddress) ? IPAddress.Loopback : IPAddress.Parse(options.AdvertisedAddress), options.SiloPort);
        var target = options.RedisTarget()!;
        var redis = target.Options();
        redis.AbortOnConnectFail = true;
        redis.ConnectRetry = 1;
        redis.ConnectTimeout = (int)Patience.TotalMilliseconds;
        redis.SyncTimeout = redis.AsyncTimeout = (int)Patience.TotalMilliseconds;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
            return await FindProblemAsync(connection.GetDatabase(), options, endpoint, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Orleans reports an unreachable Redis itself when it starts; credentials it would retry with for good.
            return target.CredentialsRefused(ex);
        }
    }

    private static async Task<string?> FindProblemAsync(IDatabase redis, GridSiloOptions options, IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        // Orleans.Clustering.Redis keeps the table in one hash: "{service id}/members/{cluster id}", a field per silo.
        var members = await redis.HashGetAllAsync($"{options.EffectiveServiceId}/members/{options.ClusterId}").WaitAsync(Patience, cancellationToken);
        var active = members.Select(m => ActiveSilo(m)).OfType<SiloAddress>().ToList();
        foreach (var silo in active.Where(s => s.Endpoint.Equals(endpoint)))
        {
            if (await AnswersAsync(endpoint, cancellationToken))
            {
                return $"--silo-port {options.SiloPort}: the cluster's membership table lists a live silo at {endpoint} ({silo.ToParsableString()}), and it answers: " +
                    "starting here would declare it dead. Stop that silo first, or choose another --silo-port (or advertised address).";
            }
        }
        // Whether the cluster's silos link with TLS: the last silo that started says so here. A silo without TLS cannot tell
        // otherwise (it would speak plain Orleans to TLS ports, and Orleans retries that for minutes).
        string tlsKey = $"{options.EffectiveServiceId}/grid-tls/{options.ClusterId}";
        var others = active.Where(s => !s.Endpoint.Equals(endpoint)).ToList();
        var certificates = ClusterCertificates.LoadIfEnabled(options.Tls);
        if (others.Count > 0)
        {
            if (certificates is null && await redis.StringGetAsync(tlsKey).WaitAsync(Patience, cancellationToken) == TlsRequired)
            {
                return $"the cluster's {others.Count} active silo(s) link with mutual TLS: start this silo with --tls-cert, --tls-key and --tls-ca " +
                    "(or Grid__Silo__Tls__Cert, …__Key, …__Ca) and a certificate the cluster's CA signed";
            }
            if (certificates is not null && await TlsProbe.ProblemAsync(others[0].Endpoint, certificates, "the cluster's silo at", "this silo", cancellationToken) is { } problem)
            {
                return problem;
            }
        }
        await redis.StringSetAsync(tlsKey, certificates is null ? "off" : TlsRequired).WaitAsync(Patience, cancellationToken);
        return null;
    }

    /// <summary>What a silo with TLS writes under the cluster's TLS key.</summary>
    private const string TlsRequired = "required";

    /// <summary>The silo address of a membership row whose status is active, or null.</summary>
    private static SiloAddress? ActiveSilo(HashEntry member)
    {
        string field = member.Name.ToString();
        if (!field.StartsWith('S') || !member.Value.HasValue)
        {
            return null;
        }
        // The field is SiloAddress.ToString(), "S{ip}:{port}:{generation}"; its parsable form is "{ip}:{port}@{generation}".
        int generation = field.LastIndexOf(':');
        SiloAddress address;
        try
        {
            address = SiloAddress.FromParsableString(field[1..generation] + "@" + field[(generation + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
        using var row = JsonDocument.Parse(member.Value.ToString());
        bool active = row.RootElement.TryGetProperty("Status", out var status) &&
            (status.ValueKind == JsonValueKind.Number ? status.GetInt32() == (int)SiloStatus.Active : status.GetString() == nameof(SiloStatus.Active));
        return active ? address : null;
    }

    private static async Task<bool> AnswersAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(endpoint.AddressFamily);
        try
        {
            await client.ConnectAsync(endpoint, cancellationToken).AsTask().WaitAsync(Patience, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }
}
