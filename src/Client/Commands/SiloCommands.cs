using System.CommandLine;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Client.Rendering;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Silo.Hosting;
using Grid.Silo.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary><c>grid silo</c>, <c>grid run</c> and <c>grid demo</c>: commands that host a silo in this process.</summary>
public static class SiloCommands
{
    private sealed record SiloOptions(
        Option<string?> Redis, Option<int> SiloPort, Option<int> GatewayPort, Option<int> HttpPort, Option<int?> MetricsPort,
        Option<string> Slots, Option<string> DataDir, Option<string> Artifacts, Option<int> DrainTimeout, Option<string> MemoryLimit,
        TlsOptionSet Tls, Option<string?> ApiTokensFile);

    /// <param name="defaults">What an option not given stands for: <c>grid silo</c> reads them from the environment (<c>Grid__Silo__*</c>).</param>
    private static SiloOptions AddSiloOptions(Command command, bool embedded, GridSiloOptions defaults)
    {
        var options = new SiloOptions(
            new Option<string?>("--redis")
            {
                Description = "Redis for cluster mode (membership and grain state): HOST:PORT, or HOST:PORT,password=…,user=…,ssl=true; " +
                    "the password can come from Grid__Silo__RedisPassword instead. Default: Grid__Silo__Redis; omit both for embedded mode",
                // No DefaultValueFactory: help would print the default, and one from the environment may hold a password.
                HelpName = "HOST:PORT[,…]",
            },
            new Option<int>("--silo-port") { Description = "Silo-to-silo port" + (embedded ? " (default: a free port)" : ""), DefaultValueFactory = _ => embedded ? 0 : defaults.SiloPort, HelpName = "P" },
            new Option<int>("--gateway-port") { Description = "Client gateway port" + (embedded ? " (default: a free port)" : ""), DefaultValueFactory = _ => embedded ? 0 : defaults.GatewayPort, HelpName = "P" },
            new Option<int>("--http-port") { Description = "Port of /healthz, /readyz, /metrics and the results pages (0: a free port)", DefaultValueFactory = _ => embedded ? 0 : defaults.HttpPort, HelpName = "P" },
            new Option<int?>("--metrics-port") { Description = "Serve /metrics on this port only (an internal port for Prometheus) instead of on --http-port", DefaultValueFactory = _ => defaults.MetricsPort, HelpName = "P" },
            new Option<string>("--slots") { Description = "Compute slots this silo offers", DefaultValueFactory = _ => defaults.Slots, HelpName = "cpu=N,gpu=M" },
            DataDirOption(defaults, embedded),
            new Option<string>("--artifacts") { Description = "Artifact directory (stage outputs by hash; shared by all silos of a cluster)", DefaultValueFactory = _ => defaults.ArtifactsDir, HelpName = "DIR" },
            new Option<int>("--drain-timeout")
            {
                Description = "On shutdown, seconds running stages get to finish before they are handed back to other silos",
                DefaultValueFactory = _ => (int)defaults.DrainTimeout.TotalSeconds,
                HelpName = "SECONDS",
            },
            new Option<string>("--memory-limit")
            {
                Description = "Resident memory above which the silo stops its newest running stage as out of memory (its trials retry it, " +
                    "then fail with that reason) instead of being killed with all its work: e.g. 6G, 1500M; auto: 90% of the memory " +
                    "available to the process (the container's limit on Kubernetes); off: never",
                DefaultValueFactory = _ => defaults.MemoryLimit,
                HelpName = "SIZE|auto|off",
            },
            TlsOptionSet.Create("this silo", defaults.Tls),
            new Option<string?>("--api-tokens-file")
            {
                Description = "Tokens for the HTTP pages and API, one ROLE:TOKEN a line (ROLE read or write; also Grid__Silo__ApiTokens=ROLE:TOKEN;…): " +
                    "with tokens, every page but /healthz and /readyz needs one (Authorization: Bearer, or the /login form)",
                DefaultValueFactory = _ => defaults.ApiTokensFile,
                HelpName = "FILE",
            });
        if (!embedded)
        {
            command.Options.Add(options.Redis);
            options.Tls.AddTo(command);
            command.Options.Add(options.ApiTokensFile);
        }
        command.Options.Add(options.SiloPort);
        command.Options.Add(options.GatewayPort);
        command.Options.Add(options.HttpPort);
        command.Options.Add(options.MetricsPort);
        command.Options.Add(options.Slots);
        command.Options.Add(options.DataDir);
        command.Options.Add(options.Artifacts);
        command.Options.Add(options.DrainTimeout);
        command.Options.Add(options.MemoryLimit);
        return options;
    }

    /// <summary>The data directory: from the configuration when it sets one (<c>Grid__Silo__DataDir</c>), else as other commands find it.</summary>
    private static Option<string> DataDirOption(GridSiloOptions defaults, bool embedded)
    {
        var option = CommonOptions.DataDir();
        if (!embedded)
        {
            option.DefaultValueFactory = _ => defaults.DataDir;
        }
        return option;
    }

    /// <summary>The command line over <paramref name="settings"/> (the defaults, with what only configuration sets: ids and addresses).</summary>
    private static GridSiloOptions Read(ParseResult parse, SiloOptions o, bool embedded, GridSiloOptions settings)
    {
        settings.Redis = embedded ? null : parse.GetValue(o.Redis) ?? settings.Redis;
        settings.SiloPort = Port(parse.GetValue(o.SiloPort));
        settings.GatewayPort = Port(parse.GetValue(o.GatewayPort));
        settings.HttpPort = Port(parse.GetValue(o.HttpPort));
        settings.MetricsPort = parse.GetValue(o.MetricsPort);
        settings.Slots = parse.GetValue(o.Slots)!;
        settings.DataDir = parse.GetValue(o.DataDir)!;
        settings.ArtifactsDir = parse.GetValue(o.Artifacts)!;
        settings.DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(o.DrainTimeout));
        settings.MemoryLimit = parse.GetValue(o.MemoryLimit)!;
        if (!embedded)
        {
            settings.Tls = o.Tls.Read(parse);
            settings.ApiTokensFile = parse.GetValue(o.ApiTokensFile);
        }
        return settings;
    }

    /// <summary>The process environment as configuration: <c>Grid__Silo__Redis</c> is <c>Grid:Silo:Redis</c>.</summary>
    private static IConfiguration EnvironmentConfiguration() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    /// <summary>
    /// The settings <c>grid silo ARGS</c> runs with in an environment that holds <paramref name="configuration"/>:
    /// section <c>Grid:Silo</c> gives the defaults, the command line overrides them. Throws
    /// <see cref="UserInputException"/> when the command line does not parse.
    /// </summary>
    public static GridSiloOptions SiloSettings(IReadOnlyList<string> args, IConfiguration configuration)
    {
        var command = new Command("silo");
        var options = AddSiloOptions(command, embedded: false, GridSiloOptions.FromConfiguration(configuration));
        var parse = command.Parse(args);
        if (parse.Errors.Count > 0)
        {
            throw new UserInputException(string.Join("; ", parse.Errors.Select(e => e.Message)));
        }
        return Read(parse, options, embedded: false, GridSiloOptions.FromConfiguration(configuration));
    }

    /// <summary>0 means "any free port"; Orleans needs a concrete one, so pick it here.</summary>
    private static int Port(int requested) => requested != 0 ? requested : FreePorts.Next();

    public static Command Silo()
    {
        var configuration = EnvironmentConfiguration();
        var command = new Command("silo",
            "Run a silo until Ctrl-C or SIGTERM, then shut down gracefully: running stages get --drain-timeout to finish, the rest are handed back. " +
            "Without --redis it is a one-silo embedded cluster. " +
            "Every setting can also come from the environment: Grid__Silo__Redis, Grid__Silo__Slots, Grid__Silo__DrainTimeout, Grid__Silo__ClusterId, " +
            "Grid__Silo__ServiceId, Grid__Silo__AdvertisedAddress, Grid__Silo__HttpAddress, Grid__Silo__RedisPassword, Grid__Silo__Tls__Cert, " +
            "Grid__Silo__ApiTokens, … (options win).");
        var options = AddSiloOptions(command, embedded: false, GridSiloOptions.FromConfiguration(configuration));
        command.SetAction(async (parse, ct) =>
        {
            var settings = Read(parse, options, embedded: false, GridSiloOptions.FromConfiguration(configuration));
            settings.Validate();
            // Before Orleans starts: a second silo on a live silo's endpoint would take its place and have it declared dead.
            if (await SiloEndpoints.FindConflictAsync(settings, ct) is { } conflict)
            {
                throw new UserInputException(conflict);
            }
            await using var app = GridSilo.Build(settings, GridSilo.ConsoleLogging(LogLevel.Information));
            await app.StartAsync(ct);
            AnsiConsole.MarkupLine(Markup.Escape(
                $"silo up: {(settings.IsClusterMode ? "cluster mode, redis " + settings.RedisTarget() : "embedded mode")}, {(settings.Tls.IsEnabled ? "mutual TLS" : "no TLS")}, " +
                $"{(ApiTokens.IsConfigured(settings) ? "HTTP tokens required" : "HTTP open")}, cluster {settings.ClusterId} (service {settings.EffectiveServiceId}), " +
                $"{(string.IsNullOrWhiteSpace(settings.AdvertisedAddress) ? "" : "advertised " + settings.AdvertisedAddress + ", ")}silo port {settings.SiloPort}, " +
                $"gateway {settings.GatewayPort}, http {string.Join(", ", app.Urls)}, metrics on port {settings.MetricsPort ?? settings.HttpPort}, " +
                $"slots {settings.Slots}, memory limit {(settings.MemoryLimitBytes() is long limit ? MemorySize.Format(limit) : "off")}, data {settings.DataDir}, artifacts {settings.ArtifactsDir}"));
            // Ctrl-C cancels ct; SIGTERM (Kubernetes, systemd, kill) stops the host's lifetime. Either way the
            // stop drains this silo's running stages and then leaves the membership gracefully.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, app.Lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            AnsiConsole.MarkupLine("silo stopping…");
            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Run()
    {
        var file = new Argument<string>("file") { Description = "Sweep spec, YAML or JSON" };
        var report = new Option<string?>("--report") { Description = "At the end, write the sweep's report (index.html and figures) to DIR", HelpName = "DIR" };
        var tags = SweepManagementCommands.TagOption();
        var note = SweepManagementCommands.NoteOption();
        var command = new Command("run", "Run a sweep on this machine: an embedded silo in this process, submit, watch, results") { file };
        var output = CommonOptions.Output(command);
        command.Options.Add(report);
        command.Options.Add(tags);
        command.Options.Add(note);
        var options = AddSiloOptions(command, embedded: true, new GridSiloOptions());
        command.SetAction(async (parse, ct) =>
        {
            var settings = Read(parse, options, embedded: true, new GridSiloOptions());
            var spec = SweepSubmission.ReadSpec(parse.GetValue(file)!, settings.DataDir);
            var labels = SweepManagementCommands.ReadLabels(parse, tags, note);
            return await RunEmbeddedAsync(spec, settings, output.Read(parse), parse.GetValue(report), new FigureOptions(), ct, labels);
        });
        return command;
    }

    public static Command Demo()
    {
        var report = new Option<string>("--report")
        {
            Description = "Where to write the demo's report (index.html and figures)",
            DefaultValueFactory = _ => DemoReportDirectory,
            HelpName = "DIR",
        };
        var command = new Command("demo",
            "A reduced seed study on this machine (MNIST 6,000/1,000 rows; pixels and a z_dim 16 autoencoder; scalers none and l2; " +
            "k 10–200): fetches MNIST if needed, runs it on an embedded silo, prints elbow knees, accuracies and stage reuse, and writes its report " +
            "(./" + DemoReportDirectory + "/index.html). About a minute on an idle 2-core machine (3 minutes measured on a busy one).")
        {
            report,
        };
        var output = OutputOptions.AddTo(command, deprecatedJsonFile: true);
        var options = AddSiloOptions(command, embedded: true, new GridSiloOptions());
        command.SetAction(async (parse, ct) =>
        {
            var destination = output.Read(parse);
            using var stream = typeof(SiloCommands).Assembly.GetManifestResourceStream("demo.yaml")
                ?? throw new InvalidOperationException("the demo spec is missing from this build");
            using var reader = new StreamReader(stream);
            var spec = SweepSubmission.ReadSpecText(await reader.ReadToEndAsync(ct), "demo");
            return await RunEmbeddedAsync(spec, Read(parse, options, embedded: true, new GridSiloOptions()), destination, parse.GetValue(report), DemoFigures, ct);
        });
        return command;
    }

    /// <summary>Where <c>grid demo</c> writes its report by default (relative to the current directory).</summary>
    public const string DemoReportDirectory = "grid-demo-report";

    /// <summary>The demo stays quick: t-SNE on at most 2,000 codes.</summary>
    private static readonly FigureOptions DemoFigures = new() { TsnePoints = 2000, DirectPoints = 6000 };

    private static async Task<int> RunEmbeddedAsync(SweepSpec spec, GridSiloOptions settings, JsonDestination output, string? report, FigureOptions figures, CancellationToken cancellationToken,
        SweepLabels? labels = null)
    {
        var store = new DatasetStore(settings.DataDir);
        foreach (string dataset in spec.Datasets)
        {
            await DataCommands.EnsureFetchedAsync(store, store.Registry.Get(dataset), cancellationToken);
        }
        await using var app = GridSilo.Build(settings, GridSilo.ConsoleLogging(LogLevel.Error));
        await app.StartAsync(cancellationToken);
        try
        {
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            Func<SweepSnapshot, Task<int>>? writeReport = report is null ? null : async snapshot =>
                SweepCommands.ExitCode(await SweepCommands.WriteReportAsync(snapshot, new ResultSources(new ArtifactStore(settings.ArtifactsDir), store, figures), report, output.Console, cancellationToken));
            return await SweepSubmission.SubmitAsync(grains, spec, watch: true, output, cancellationToken, writeReport, labels);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }
}
