using System.CommandLine;
using System.Text.Json.Nodes;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Workers;
using Grid.Client.Rendering;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Core;
using Grid.Silo.Hosting;
using Grid.Silo.Pages;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary><c>grid sweep …</c> and <c>grid cluster status</c>: talk to a running cluster.</summary>
public static class SweepCommands
{
    public static Command Create()
    {
        var command = new Command("sweep", "Submit, watch, list, inspect, compare, export, retry, cancel and delete sweeps on a running cluster");
        command.Subcommands.Add(Submit());
        command.Subcommands.Add(Watch());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Results());
        command.Subcommands.Add(Report());
        command.Subcommands.Add(Cancel());
        command.Subcommands.Add(SweepManagementCommands.Compare());
        command.Subcommands.Add(SweepManagementCommands.Export());
        command.Subcommands.Add(SweepManagementCommands.Retry());
        command.Subcommands.Add(SweepManagementCommands.Delete());
        return command;
    }

    public static Command Cluster()
    {
        var command = new Command("cluster", "Inspect the cluster");
        var status = new Command("status", "Silos, their slots (busy/total) and the queue of stages waiting for a slot");
        var connection = AddConnection(status);
        var output = CommonOptions.Output(status);
        status.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var cluster = await grains.GetGrain<ISchedulerGrain>(0).GetStatusAsync();
            if (!to.Print)
            {
                var table = new Table().AddColumns("silo", "cpu slots (busy/total)", "gpu slots (busy/total)", "last heartbeat", "state");
                foreach (var w in cluster.Workers)
                {
                    // A silo known only from the membership table (it died before the scheduler heard from it) has no slot figures.
                    bool known = w.CpuSlots + w.GpuSlots > 0;
                    table.AddRow(Markup.Escape(w.Silo), known ? $"{w.BusyCpu}/{w.CpuSlots}" : "—", known ? $"{w.BusyGpu}/{w.GpuSlots}" : "—",
                        w.LastSeen.ToString("u", System.Globalization.CultureInfo.InvariantCulture), StateMarkup(w));
                }
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"Queue: {cluster.QueuedCpu} stage(s) waiting for a cpu slot, {cluster.QueuedGpu} for a gpu slot; {cluster.LeasesGranted} leases granted");
            }
            JsonOutput.Write(cluster, to);
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(status);
        return command;
    }

    private static string StateMarkup(WorkerStatus worker) => worker.State switch
    {
        WorkerState.Alive => "[green]alive[/]",
        WorkerState.Silent => "[yellow]silent (no heartbeat)[/]",
        WorkerState.Leaving => "[yellow]leaving[/]",
        _ => worker.Since is { } since ? $"[red]dead since {since.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}[/]" : "[red]dead[/]",
    };

    internal static ConnectionOptions AddConnection(Command command)
    {
        var connection = new ConnectionOptions(ClusterConnection.GatewayOption(), ClusterConnection.RedisOption(),
            ClusterConnection.ClusterIdOption(), ClusterConnection.ServiceIdOption(), TlsOptionSet.ForClient());
        command.Options.Add(connection.Gateway);
        command.Options.Add(connection.Redis);
        command.Options.Add(connection.ClusterId);
        command.Options.Add(connection.ServiceId);
        connection.Tls.AddTo(command);
        return connection;
    }

    internal static Argument<string> SweepId() => new("id") { Description = "Sweep id (see `grid sweep list`)" };

    private static Command Submit()
    {
        var file = new Argument<string>("file") { Description = "Sweep spec, YAML or JSON (see examples/)" };
        var watch = new Option<bool>("--watch") { Description = "Follow progress until the sweep ends, then print the results" };
        var tags = SweepManagementCommands.TagOption();
        var note = SweepManagementCommands.NoteOption();
        var dataDir = CommonOptions.DataDir();
        dataDir.Description = "Where the spec's datasets are found, and its dataset objects imported: for a cluster, the shared artifact directory's datasets folder (ARTIFACTS/datasets), where every silo looks; default: $" + Grid.Compute.Data.DatasetStore.DataDirVariable;
        var command = new Command("submit", "Validate a sweep spec and submit it; prints the sweep id (with --watch, the results at the end)") { file, watch, dataDir };
        var output = CommonOptions.Output(command);
        command.Options.Add(tags);
        command.Options.Add(note);
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            // Validate before connecting: a bad spec is reported even with no cluster running.
            var spec = SweepSubmission.ReadSpec(parse.GetValue(file)!, parse.GetValue(dataDir)!);
            var labels = SweepManagementCommands.ReadLabels(parse, tags, note);
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            return await SweepSubmission.SubmitAsync(host.Services.GetRequiredService<IClusterClient>(), spec, parse.GetValue(watch), to, ct, labels: labels);
        });
        return command;
    }

    private static Command Watch()
    {
        var id = SweepId();
        var command = new Command("watch", "Follow a sweep's progress until it ends, then print its results") { id };
        var output = CommonOptions.Output(command);
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            return await SweepSubmission.WatchToEndAsync(sweep, to, ct);
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the cluster's sweeps, newest first");
        var output = CommonOptions.Output(command);
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweeps = await host.Services.GetRequiredService<IClusterClient>().GetGrain<ISweepRegistryGrain>(0).ListAsync();
            if (!to.Print)
            {
                SweepRenderer.WriteList(sweeps, AnsiConsole.Console);
            }
            JsonOutput.Write(sweeps, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status()
    {
        var id = SweepId();
        var trial = new Option<string?>("--trial")
        {
            Description = "Show one trial instead: its configuration, result and log (stage attempts, retries, failures with reasons); " +
                "its number in `grid sweep results`, its id or its key",
            HelpName = "TRIAL",
        };
        var command = new Command("status", "A sweep's state and its trials' states") { id };
        var output = CommonOptions.Output(command);
        command.Options.Add(trial);
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            var snapshot = (await sweep.GetSnapshotAsync())!;
            if (parse.GetValue(trial) is { } one)
            {
                return SweepManagementCommands.PrintTrial(snapshot, one, to);
            }
            if (!to.Print)
            {
                AnsiConsole.MarkupLine($"Sweep [bold]{Markup.Escape(snapshot.SweepId)}[/] ({Markup.Escape(snapshot.Name)}): {SpecNames.Of(snapshot.State)}");
                var table = new Table().AddColumns("state", "trials");
                // Queued: its stage waits for a free slot; running: its stage computes on one.
                foreach (var state in TrialStates.InLifeOrder)
                {
                    table.AddRow(SpecNames.Of(state), snapshot.Count(state).ToString());
                }
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"Stages: {snapshot.Stages.Computed} computed, {snapshot.Stages.Reused} reused");
            }
            JsonOutput.Write(SweepJson.ToJson(snapshot), to);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Results()
    {
        var id = SweepId();
        var command = new Command("results", "Elbow curves, knees, accuracies and stage reuse of a sweep (so far, if it still runs)") { id };
        var output = CommonOptions.Output(command);
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            return SweepSubmission.PrintResults((await sweep.GetSnapshotAsync())!, to);
        });
        return command;
    }

    private static Command Report()
    {
        var id = SweepId();
        var output = new Option<string>("--out")
        {
            Description = "Folder to write index.html and figures/ to (created if needed)",
            Required = true,
            HelpName = "DIR",
        };
        var artifacts = ArtifactsOption();
        var dataDir = CommonOptions.DataDir();
        var command = new Command("report",
            "Write a sweep's results as a folder: index.html (results table, knees, best configurations, every figure) and the figures as PNGs. " +
            "Per-stage figures read the cluster's artifact directory and the data directory.")
        {
            id, output, artifacts, dataDir,
        };
        var json = CommonOptions.Output(command);
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = json.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            var snapshot = (await sweep.GetSnapshotAsync())!;
            var sources = new ResultSources(new ArtifactStore(parse.GetValue(artifacts)!), new DatasetStore(parse.GetValue(dataDir)!), new FigureOptions());
            var report = await WriteReportAsync(snapshot, sources, parse.GetValue(output)!, to.Console, ct);
            JsonOutput.Write(ReportJson(snapshot.SweepId, report), to);
            return ExitCode(report);
        });
        return command;
    }

    /// <summary>The artifact directory option, defaulting to the one a silo uses by default.</summary>
    public static Option<string> ArtifactsOption() => new("--artifacts")
    {
        Description = "Artifact directory of the cluster (stage outputs by hash)",
        DefaultValueFactory = _ => new GridSiloOptions().ArtifactsDir,
        HelpName = "DIR",
    };

    /// <summary>Writes a sweep's report with progress on stderr; says where it is on <paramref name="console"/>. Shared by <c>sweep report</c>, <c>run</c> and <c>demo</c>.</summary>
    /// <param name="console">Where the closing line goes: stderr while stdout carries one JSON object (<see cref="JsonDestination.Console"/>).</param>
    public static async Task<SweepReport> WriteReportAsync(SweepSnapshot snapshot, ResultSources sources, string directory, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var stderr = SweepSubmission.ErrorConsole();
        stderr.MarkupLine($"Writing the report of sweep [bold]{Markup.Escape(snapshot.SweepId)}[/] to {Markup.Escape(Path.GetFullPath(directory))}");
        SweepReport report;
        try
        {
            // Figures draw on a pool thread (t-SNE, rendering); the console stays responsive to Ctrl-C.
            report = await Task.Run(() => SweepReportWriter.Write(snapshot, sources, directory, new SynchronousProgress(stderr), cancellationToken), cancellationToken);
        }
        catch (IOException ex)
        {
            throw new UserInputException(ex.Message);
        }
        if (report.MissingArtifacts > 0)
        {
            stderr.MarkupLine(Markup.Escape(
                $"note: {report.MissingArtifacts} stage artifact(s) of this sweep are not under {sources.Artifacts.Root}; their figures (per-cluster errors, latent spaces, reconstructions) are left out. " +
                "Pass --artifacts with the cluster's artifact directory."));
        }
        if (report.Failures.Count > 0)
        {
            stderr.MarkupLine($"[yellow]{report.Failures.Count} figure(s) could not be drawn[/] (the page says why)");
        }
        console.MarkupLine(Markup.Escape($"Report: {report.IndexPath} ({report.Figures} figures)"));
        return report;
    }

    /// <summary>A report (or a comparison page) with a figure that could not be drawn exits 1.</summary>
    public static int ExitCode(SweepReport report) => report.Failures.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;

    /// <summary><c>sweep report --json</c> and <c>sweep compare --out … --json</c>: where the page is and what it holds.</summary>
    public static JsonObject ReportJson(string? sweepId, SweepReport report)
    {
        var json = new JsonObject();
        if (sweepId is not null)
        {
            json["sweep_id"] = sweepId;
        }
        json["index"] = report.IndexPath;
        json["figures"] = report.Figures;
        json["missing_artifacts"] = report.MissingArtifacts;
        json["failed_figures"] = new JsonArray(report.Failures.Select(f => (JsonNode)new JsonObject { ["figure"] = f.Key, ["reason"] = f.Value }).ToArray());
        return json;
    }

    /// <summary>Writes each progress line at once, in order (Progress&lt;T&gt; would post them to the pool).</summary>
    internal sealed class SynchronousProgress(Spectre.Console.IAnsiConsole console) : IProgress<string>
    {
        public void Report(string value) => console.MarkupLine(Markup.Escape(value));
    }

    private static Command Cancel()
    {
        var id = SweepId();
        var command = new Command("cancel", "Cancel a sweep's pending and running trials (finished stages stay memoized)") { id };
        var output = CommonOptions.Output(command);
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            var snapshot = (await sweep.CancelAsync())!;
            if (!to.Print)
            {
                AnsiConsole.MarkupLine($"Sweep [bold]{Markup.Escape(snapshot.SweepId)}[/]: {SpecNames.Of(snapshot.State)} ({snapshot.Count(TrialState.Cancelled)} trials cancelled)");
            }
            JsonOutput.Write(SweepJson.ToJson(snapshot), to);
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static async Task<ISweepGrain> FindAsync(IGrainFactory grains, string id)
    {
        var sweep = grains.GetGrain<ISweepGrain>(id);
        if (await sweep.GetSnapshotAsync() is null)
        {
            throw new UserInputException($"no sweep '{id}' on this cluster (see `grid sweep list`)");
        }
        return sweep;
    }
}
