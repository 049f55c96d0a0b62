using System.CommandLine;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Grid.Client.Commands;

/// <summary>How the console reaches a cluster: a gateway address, or the Redis that holds the membership.</summary>
public sealed class ClusterConnection
{
    public const string DefaultGateway = "127.0.0.1:30000";

    public static Option<string?> GatewayOption() => new("--gateway")
    {
        Description = $"Gateway HOST:PORT of a silo (default {DefaultGateway})",
        HelpName = "HOST:PORT",
    };

    public static Option<string?> RedisOption() => new("--redis")
    {
        Description = "Redis HOST:PORT of a cluster; finds its gateways from the membership table",
        HelpName = "HOST:PORT",
    };

    public static Option<string> ClusterIdOption() => new("--cluster-id")
    {
        Description = "Orleans cluster id",
        DefaultValueFactory = _ => "grid",
    };

    public static Option<string?> ServiceIdOption() => new("--service-id")
    {
        Description = "Orleans service id (default: the cluster id), as the silos' Grid:Silo:ServiceId",
    };

    /// <summary>Starts an Orleans client for the options on <paramref name="parse"/>; fails with a clear message when nothing answers.</summary>
    public static async Task<IHost> ConnectAsync(ParseResult parse, ConnectionOptions connection, CancellationToken cancellationToken)
    {
        string? redisAddress = parse.GetValue(connection.Redis);
        string gatewayAddress = parse.GetValue(connection.Gateway) ?? DefaultGateway;
        string id = parse.GetValue(connection.ClusterId)!;
        string serviceId = parse.GetValue(connection.ServiceId) is { Length: > 0 } service ? service : id;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = id;
                o.ServiceId = serviceId;
            });
            if (redisAddress is not null)
            {
                var options = ConfigurationOptions.Parse(redisAddress);
                client.UseRedisClustering(o => o.ConfigurationOptions = options);
            }
            else
            {
                client.UseStaticClustering(ParseEndpoint(gatewayAddress));
            }
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        });
        var host = builder.Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            await host.StartAsync(timeout.Token);
            return host;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            string where = redisAddress is not null ? $"the cluster registered in Redis {redisAddress}" : $"a silo gateway at {gatewayAddress}";
            throw new UserInputException($"cannot reach {where} ({ex.GetBaseException().Message}); is a silo running (`grid silo`)?");
        }
    }

    public static IPEndPoint ParseEndpoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out int port) || port is < 1 or > 65535)
        {
            throw new UserInputException($"'{text}' is not HOST:PORT");
        }
        string host = text[..colon];
        if (!IPAddress.TryParse(host, out var address))
        {
            address = Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                ?? throw new UserInputException($"cannot resolve host '{host}'");
        }
        return new IPEndPoint(address, port);
    }
}

/// <summary>The options that say how a command reaches its cluster.</summary>
public sealed record ConnectionOptions(Option<string?> Gateway, Option<string?> Redis, Option<string> ClusterId, Option<string?> ServiceId);
