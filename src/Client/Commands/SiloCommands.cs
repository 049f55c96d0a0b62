using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Silo.Hosting;
using Grid.Silo.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary><c>grid silo</c>, <c>grid run</c> and <c>grid demo</c>: commands that host a silo in this process.</summary>
public static class SiloCommands
{
    private sealed record SiloOptions(
        Option<string?> Redis, Option<int> SiloPort, Option<int> GatewayPort, Option<int> HttpPort, Option<int?> MetricsPort,
        Option<string> Slots, Option<string> DataDir, Option<string> Artifacts, Option<int> DrainTimeout);

    private static SiloOptions AddSiloOptions(Command command, bool embedded)
    {
        var defaults = new GridSiloOptions();
        var options = new SiloOptions(
            new Option<string?>("--redis") { Description = "Redis HOST:PORT: cluster mode (Redis membership and grain state); omit for embedded mode", HelpName = "HOST:PORT" },
            new Option<int>("--silo-port") { Description = "Silo-to-silo port" + (embedded ? " (default: a free port)" : ""), DefaultValueFactory = _ => embedded ? 0 : defaults.SiloPort, HelpName = "P" },
            new Option<int>("--gateway-port") { Description = "Client gateway port" + (embedded ? " (default: a free port)" : ""), DefaultValueFactory = _ => embedded ? 0 : defaults.GatewayPort, HelpName = "P" },
            new Option<int>("--http-port") { Description = "Port of /healthz, /readyz, /metrics and the results pages (0: a free port)", DefaultValueFactory = _ => embedded ? 0 : defaults.HttpPort, HelpName = "P" },
            new Option<int?>("--metrics-port") { Description = "Serve /metrics on this port only (an internal port for Prometheus) instead of on --http-port", HelpName = "P" },
            new Option<string>("--slots") { Description = "Compute slots this silo offers", DefaultValueFactory = _ => defaults.Slots, HelpName = "cpu=N,gpu=M" },
            CommonOptions.DataDir(),
            new Option<string>("--artifacts") { Description = "Artifact directory (stage outputs by hash; shared by all silos of a cluster)", DefaultValueFactory = _ => defaults.ArtifactsDir, HelpName = "DIR" },
            new Option<int>("--drain-timeout")
            {
                Description = "On shutdown, seconds running stages get to finish before they are handed back to other silos",
                DefaultValueFactory = _ => (int)defaults.DrainTimeout.TotalSeconds,
                HelpName = "SECONDS",
            });
        if (!embedded)
        {
            command.Options.Add(options.Redis);
        }
        command.Options.Add(options.SiloPort);
        command.Options.Add(options.GatewayPort);
        command.Options.Add(options.HttpPort);
        command.Options.Add(options.MetricsPort);
        command.Options.Add(options.Slots);
        command.Options.Add(options.DataDir);
        command.Options.Add(options.Artifacts);
        command.Options.Add(options.DrainTimeout);
        return options;
    }

    private static GridSiloOptions Read(ParseResult parse, SiloOptions o, bool embedded) => new()
    {
        Redis = embedded ? null : parse.GetValue(o.Redis),
        SiloPort = Port(parse.GetValue(o.SiloPort)),
        GatewayPort = Port(parse.GetValue(o.GatewayPort)),
        HttpPort = Port(parse.GetValue(o.HttpPort)),
        MetricsPort = parse.GetValue(o.MetricsPort),
        Slots = parse.GetValue(o.Slots)!,
        DataDir = parse.GetValue(o.DataDir)!,
        ArtifactsDir = parse.GetValue(o.Artifacts)!,
        DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(o.DrainTimeout)),
    };

    /// <summary>0 means "any free port"; Orleans needs a concrete one, so pick it here.</summary>
    private static int Port(int requested)
    {
        if (requested != 0)
        {
            return requested;
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Command Silo()
    {
        var command = new Command("silo", "Run a silo until Ctrl-C or SIGTERM, then shut down gracefully: running stages get --drain-timeout to finish, the rest are handed back. Without --redis it is a one-silo embedded cluster.");
        var options = AddSiloOptions(command, embedded: false);
        command.SetAction(async (parse, ct) =>
        {
            var settings = Read(parse, options, embedded: false);
            await using var app = GridSilo.Build(settings, logging => logging
                .AddSimpleConsole(c => c.SingleLine = true)
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("Orleans", LogLevel.Warning)
                .AddFilter("Microsoft", LogLevel.Warning));
            await app.StartAsync(ct);
            AnsiConsole.MarkupLine(Markup.Escape(
                $"silo up: {(settings.IsClusterMode ? "cluster mode, redis " + settings.Redis : "embedded mode")}, silo port {settings.SiloPort}, " +
                $"gateway {settings.GatewayPort}, http {string.Join(", ", app.Urls)}, metrics on port {settings.MetricsPort ?? settings.HttpPort}, " +
                $"slots {settings.Slots}, data {settings.DataDir}, artifacts {settings.ArtifactsDir}"));
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
        var json = CommonOptions.Json();
        var jsonFile = new Option<string?>("--json-file") { Description = "Also write the results JSON to this file", HelpName = "FILE" };
        var report = new Option<string?>("--report") { Description = "At the end, write the sweep's report (index.html and figures) to DIR", HelpName = "DIR" };
        var command = new Command("run", "Run a sweep on this machine: an embedded silo in this process, submit, watch, results") { file, json, jsonFile, report };
        var options = AddSiloOptions(command, embedded: true);
        command.SetAction(async (parse, ct) =>
        {
            var spec = SweepSubmission.ReadSpec(parse.GetValue(file)!);
            return await RunEmbeddedAsync(spec, Read(parse, options, embedded: true), parse.GetValue(json), parse.GetValue(jsonFile), parse.GetValue(report), new FigureOptions(), ct);
        });
        return command;
    }

    public static Command Demo()
    {
        var jsonFile = new Option<string?>("--json") { Description = "Also write the results as one JSON object to FILE", HelpName = "FILE" };
        var report = new Option<string>("--report")
        {
            Description = "Where to write the demo's report (index.html and figures)",
            DefaultValueFactory = _ => DemoReportDirectory,
            HelpName = "DIR",
        };
        var command = new Command("demo",
            "A reduced seed study on this machine (MNIST 6,000/1,000 rows; pixels and a z_dim 16 autoencoder; scalers none and l2; " +
            "k 10–100): fetches MNIST if needed, runs it on an embedded silo, prints elbow knees, accuracies and stage reuse, and writes its report " +
            "(./" + DemoReportDirectory + "/index.html). About a minute on an idle 2-core machine (3 minutes measured on a busy one).")
        {
            jsonFile,
            report,
        };
        var options = AddSiloOptions(command, embedded: true);
        command.SetAction(async (parse, ct) =>
        {
            using var stream = typeof(SiloCommands).Assembly.GetManifestResourceStream("demo.yaml")
                ?? throw new InvalidOperationException("the demo spec is missing from this build");
            using var reader = new StreamReader(stream);
            var spec = SweepSubmission.ReadSpecText(await reader.ReadToEndAsync(ct), "demo");
            return await RunEmbeddedAsync(spec, Read(parse, options, embedded: true), json: false, parse.GetValue(jsonFile), parse.GetValue(report), DemoFigures, ct);
        });
        return command;
    }

    /// <summary>Where <c>grid demo</c> writes its report by default (relative to the current directory).</summary>
    public const string DemoReportDirectory = "grid-demo-report";

    /// <summary>The demo stays quick: t-SNE on at most 2,000 codes.</summary>
    private static readonly FigureOptions DemoFigures = new() { TsnePoints = 2000, DirectPoints = 6000 };

    private static async Task<int> RunEmbeddedAsync(SweepSpec spec, GridSiloOptions settings, bool json, string? jsonFile, string? report, FigureOptions figures, CancellationToken cancellationToken)
    {
        var store = new DatasetStore(settings.DataDir);
        foreach (string dataset in spec.Datasets)
        {
            await DataCommands.EnsureFetchedAsync(store, DatasetCatalog.Get(dataset), cancellationToken);
        }
        await using var app = GridSilo.Build(settings, logging => logging
            .AddSimpleConsole(c => c.SingleLine = true)
            .SetMinimumLevel(LogLevel.Error));
        await app.StartAsync(cancellationToken);
        try
        {
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            Func<SweepSnapshot, Task<int>>? writeReport = report is null ? null : snapshot =>
                SweepCommands.WriteReportAsync(snapshot, new ResultSources(new ArtifactStore(settings.ArtifactsDir), store, figures), report, cancellationToken, json);
            return await SweepSubmission.SubmitAsync(grains, spec, watch: true, json, jsonFile, cancellationToken, writeReport);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }
}
