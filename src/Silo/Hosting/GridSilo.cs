using System.Net;
using Grid.Compute.Data;
using Grid.Compute.Data.Import;
using Grid.Compute.Pipeline;
using Grid.Core.Datasets;
using Grid.Grains;
using Grid.Grains.Metrics;
using Grid.Grains.Placement;
using Grid.Grains.Shards;
using Grid.Grains.Stages;
using Grid.Silo.Compute;
using Grid.Silo.Compute.Sharding;
using Grid.Silo.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Configuration;

namespace Grid.Silo.Hosting;

/// <summary>Builds a Grid silo: the ASP.NET Core host with the Orleans silo, compute worker and HTTP endpoints.</summary>
public static class GridSilo
{
    /// <summary>Name of the grain storage every Grid grain uses.</summary>
    public const string StorageName = "grid";

    /// <summary>Where each silo serves Prometheus' text format.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The meter Orleans reports its own metrics on.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>A web application hosting one silo configured from <paramref name="options"/>.</summary>
    /// <param name="options">The silo's settings.</param>
    /// <param name="logging">Logging providers; default: <see cref="ConsoleLogging"/> of warnings.</param>
    /// <param name="configuration">
    /// Configuration over the process environment's (sections <c>Grid:Grains</c>, <c>Grid:Metrics</c>,
    /// host settings): what a deployment's environment variables would set, for tests.
    /// </param>
    public static WebApplication Build(GridSiloOptions options, Action<ILoggingBuilder>? logging = null, IConfiguration? configuration = null)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        if (configuration is not null)
        {
            builder.Configuration.AddConfiguration(configuration);
        }
        var httpAddress = IPAddress.Parse(options.HttpAddress);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(httpAddress, options.HttpPort);
            if (options.MetricsPort is int metricsPort)
            {
                k.Listen(httpAddress, metricsPort);
            }
        });
        builder.Logging.ClearProviders();
        (logging ?? ConsoleLogging(LogLevel.Warning))(builder.Logging);
        builder.UseOrleans(silo => ConfigureSilo(silo, options));
        AddGridServices(builder.Services, options);
        builder.Services.AddResultsPages();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("grid", serviceInstanceId: $"{Environment.MachineName}:{options.SiloPort}"))
            .WithMetrics(metrics => metrics
                .AddMeter(GridMetrics.MeterName, OrleansMeterName)
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        builder.Services.AddSingleton<ApiAccess>();
        var app = builder.Build();
        app.UseSecurityHeaders();
        // Then who may ask anything at all (tokens, when configured; never cross-site writes): refusals carry the headers too.
        // Resolved at the first request, not here: resolving it now would make the metrics before the meter provider
        // listens, and the counters' zero series (which dashboards need before the first event) would be lost.
        app.Use((context, next) => context.RequestServices.GetRequiredService<ApiAccess>().InvokeAsync(context, next));
        // With a metrics port, /metrics is served there only (an internal port a scraper reaches and users do not).
        int? onlyPort = options.MetricsPort;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == MetricsPath && (onlyPort is null || context.Connection.LocalPort == onlyPort));
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (IGrainFactory grains, SiloDrain drain) => Readiness.CheckAsync(grains, drain));
        // Results pages: the sweeps, their tables and figures, live.
        app.MapResultsPages();
        ApiAccess.MapSignIn(app);
        app.MapFallback(() => Results.Text(
            "no such page on this silo: the results are at / and /sweeps/{id} (JSON: /api/sweeps), health at /healthz and /readyz, metrics at " + MetricsPath,
            statusCode: StatusCodes.Status404NotFound));
        return app;
    }

    /// <summary>
    /// A silo's log on the console, one line per entry, from <paramref name="minimum"/> up. At Information an operator
    /// reads that the silo is up, sweeps submitted and ended, and failures that stay failures; the libraries'
    /// routine lines need Debug.
    /// </summary>
    public static Action<ILoggingBuilder> ConsoleLogging(LogLevel minimum) => logging =>
    {
        logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(minimum);
        // Every log line goes to stderr: stdout carries a command's results (one JSON document with --json),
        // also when `grid run` or `grid demo` embeds this silo.
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        Quieter(logging, "Orleans", LogLevel.Warning, minimum);
        Quieter(logging, "Microsoft", LogLevel.Warning, minimum);
        // Polly runs Orleans' placement and the Redis providers' resilience pipelines and logs every execution
        // attempt (432 of a silo's 552 lines in one sweep); a retried attempt is a warning to Polly, not to us:
        // a call that fails for good reaches its caller as an exception, which logs it.
        Quieter(logging, "Polly", LogLevel.Error, minimum);
        // The watchdog's platform thread can run its first check before the component check's start time is set,
        // and then reports the machine's uptime as a participant check stalled for that long (a possible
        // deadlock) at start-up; its real stall reports also feed the membership's local health score.
        Quieter(logging, "Orleans.Runtime.Watchdog", LogLevel.Error, minimum);
        // "Silo not running with ServerGC": advice at every start, not news for an operator.
        Quieter(logging, "Orleans.Runtime.Silo", LogLevel.Error, minimum);
    };

    /// <summary>Logs <paramref name="category"/> from <paramref name="level"/>, or from <paramref name="minimum"/> when that is higher.</summary>
    private static void Quieter(ILoggingBuilder logging, string category, LogLevel level, LogLevel minimum) =>
        logging.AddFilter(category, level > minimum ? level : minimum);

    /// <summary>Orleans settings shared by real silos and test clusters.</summary>
    public static void ConfigureSilo(ISiloBuilder silo, GridSiloOptions options)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.EffectiveServiceId;
        });
        // A name people can read in progress lines and `grid cluster status`.
        silo.Configure<SiloOptions>(o => o.SiloName = $"{Environment.MachineName}:{options.SiloPort}");
        if (options.IsClusterMode)
        {
            var redis = options.RedisTarget()!.Options();
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            silo.AddRedisGrainStorage(StorageName, o =>
            {
                o.ConfigurationOptions = redis;
                // `grid sweep delete` clears its grains' state: the keys go, not just their contents.
                o.DeleteStateOnClear = true;
            });
            silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
            // Advertised: the pod's IP on Kubernetes (listening on every address), else loopback.
            bool advertised = !string.IsNullOrWhiteSpace(options.AdvertisedAddress);
            silo.ConfigureEndpoints(advertised ? IPAddress.Parse(options.AdvertisedAddress!) : IPAddress.Loopback,
                options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: advertised);
            silo.Configure<ClusterMembershipOptions>(o => ConfigureFailureDetection(o, options));
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort,
                options.PrimarySiloPort is int primary ? new IPEndPoint(IPAddress.Loopback, primary) : null);
            silo.AddMemoryGrainStorage(StorageName);
            silo.UseInMemoryReminderService();
        }
        if (ClusterCertificates.LoadIfEnabled(options.Tls) is { } certificates)
        {
            silo.UseTls(certificates.Configure);
        }
        ConfigureGrid(silo);
    }

    /// <summary>
    /// How fast a silo that stops answering (killed, frozen, cut off) is declared dead, which bounds how soon its work
    /// resumes elsewhere: after <see cref="ClusterMembershipOptions.NumMissedProbesLimit"/> (3) probes in a row, one every
    /// <see cref="GridSiloOptions.ProbeTimeout"/> (2 s; Orleans' default is 5 s), fail. A killed silo's probes fail at once
    /// (connection refused), so it is declared dead about 3 × 2 s after it died; a silo that is merely slow has each probe's
    /// timeout stretched while its own health is degraded (ExtendProbeTimeoutDuringDegradation), so a busy machine does not
    /// kill a live silo. One vote suffices: with two silos the default two votes could never be cast, and a killed silo
    /// would stay "active", its grains unreachable, indefinitely.
    /// A silo writes "I am alive" into the membership table every <see cref="IAmAlivePeriods"/> probe timeouts (4 s;
    /// Orleans' default is 30 s). A joining silo must reach every active silo whose last write is younger than two such
    /// periods, so after a whole-cluster restart the new silos wait until the killed ones' rows are that old: 8 s
    /// instead of Orleans' 60 s (90 s measured, with its 30 s between writes; 28 s measured with 10 s). One small write
    /// to the membership table every 4 s per silo; a write missed under load only logs a warning.
    /// </summary>
    public static void ConfigureFailureDetection(ClusterMembershipOptions membership, GridSiloOptions options)
    {
        membership.NumVotesForDeathDeclaration = 1;
        membership.ProbeTimeout = options.ProbeTimeout;
        membership.IAmAliveTablePublishTimeout = options.ProbeTimeout * IAmAlivePeriods;
    }

    /// <summary>Probe timeouts between a silo's "I am alive" writes to the membership table.</summary>
    public const int IAmAlivePeriods = 2;

    /// <summary>The parts every Grid silo needs whatever its clustering: placement and long-running calls.</summary>
    public static void ConfigureGrid(ISiloBuilder silo)
    {
        silo.Services.AddPlacementDirector<SiloBoundPlacement, SiloBoundPlacementDirector>();
        silo.Configure<SiloMessagingOptions>(o =>
        {
            // Stages (autoencoder training) run for many minutes while their callers wait.
            o.MaxRequestProcessingTime = TimeSpan.FromDays(7);
        });
    }

    /// <summary>The compute side of a silo: data, artifacts, compute threads and the worker's heartbeat.</summary>
    public static void AddGridServices(IServiceCollection services, GridSiloOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddOptions<GridMetricsOptions>().BindConfiguration("Grid:Metrics").Validate(o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        services.AddSingleton<GridMetrics>();
        services.AddOptions<GridGrainOptions>().BindConfiguration("Grid:Grains").Validate(o =>
        {
            o.Validate();
            return true;
        });
        // One registry per silo: every layer finds datasets through it. Built-ins first, then the datasets imported into this
        // silo's data directory or into the shared artifact directory's datasets folder, where every silo of a cluster looks.
        services.AddSingleton<IDatasetRegistry>(new ImportedDatasetRegistry(DatasetRegistry.WithBuiltIns(), [options.DataDir, options.SharedDatasetsDir]));
        services.AddSingleton<StageKeys>();
        services.AddSingleton<StageInputs>();
        services.AddSingleton(sp => new DatasetStore(options.DataDir, sp.GetRequiredService<IDatasetRegistry>()));
        services.AddSingleton(new ArtifactStore(options.ArtifactsDir));
        services.AddSingleton<StagePipeline>();
        services.AddSingleton(_ => new ComputeWorker(options.ParsedSlots()));
        services.AddSingleton<SiloDrain>();
        services.AddSingleton<StageExecutor>();
        services.AddSingleton<IStageExecutor>(sp => sp.GetRequiredService<StageExecutor>());
        // Long enough for the drain (WorkerHeartbeatService) and then Orleans' own graceful shutdown.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(30));
        services.AddSingleton<IKMeansShardHost, ShardHost>();
        services.AddSingleton<ShardedKMeansRunner>();
        // Also a singleton of its own: the recovery service asks it for a heartbeat at once when a silo dies.
        services.AddSingleton<WorkerHeartbeatService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerHeartbeatService>());
        services.AddHostedService<SweepRecoveryService>();
        services.AddHostedService<StageMemoryGuard>();
    }
}
