using System.CommandLine;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Workers;
using Grid.Client.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary><c>grid sweep …</c> and <c>grid cluster status</c>: talk to a running cluster.</summary>
public static class SweepCommands
{
    public static Command Create()
    {
        var command = new Command("sweep", "Submit, watch, list, inspect and cancel sweeps on a running cluster");
        command.Subcommands.Add(Submit());
        command.Subcommands.Add(Watch());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Results());
        command.Subcommands.Add(Cancel());
        return command;
    }

    public static Command Cluster()
    {
        var command = new Command("cluster", "Inspect the cluster");
        var status = new Command("status", "Silos, their slots (busy/total) and the queue of stages waiting for a slot");
        var connection = AddConnection(status);
        var json = CommonOptions.Json();
        status.Options.Add(json);
        status.SetAction(async (parse, ct) =>
        {
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var cluster = await grains.GetGrain<ISchedulerGrain>(0).GetStatusAsync();
            if (parse.GetValue(json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(cluster, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("silo", "cpu slots (busy/total)", "gpu slots (busy/total)", "last heartbeat", "state");
            foreach (var w in cluster.Workers)
            {
                table.AddRow(Markup.Escape(w.Silo), $"{w.BusyCpu}/{w.CpuSlots}", $"{w.BusyGpu}/{w.GpuSlots}",
                    w.LastSeen.ToString("u"), w.Alive ? "[green]alive[/]" : "[red]silent[/]");
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"Queue: {cluster.QueuedCpu} stage(s) waiting for a cpu slot, {cluster.QueuedGpu} for a gpu slot; {cluster.LeasesGranted} leases granted");
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(status);
        return command;
    }

    private static ConnectionOptions AddConnection(Command command)
    {
        var connection = new ConnectionOptions(ClusterConnection.GatewayOption(), ClusterConnection.RedisOption(),
            ClusterConnection.ClusterIdOption(), ClusterConnection.ServiceIdOption());
        command.Options.Add(connection.Gateway);
        command.Options.Add(connection.Redis);
        command.Options.Add(connection.ClusterId);
        command.Options.Add(connection.ServiceId);
        return connection;
    }

    private static Argument<string> SweepId() => new("id") { Description = "Sweep id (see `grid sweep list`)" };

    private static Command Submit()
    {
        var file = new Argument<string>("file") { Description = "Sweep spec, YAML or JSON (see examples/)" };
        var watch = new Option<bool>("--watch") { Description = "Follow progress until the sweep ends, then print the results" };
        var json = CommonOptions.Json();
        var command = new Command("submit", "Validate a sweep spec and submit it; prints the sweep id") { file, watch, json };
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            // Validate before connecting: a bad spec is reported even with no cluster running.
            var spec = SweepSubmission.ReadSpec(parse.GetValue(file)!);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            return await SweepSubmission.SubmitAsync(host.Services.GetRequiredService<IClusterClient>(), spec, parse.GetValue(watch), parse.GetValue(json), null, ct);
        });
        return command;
    }

    private static Command Watch()
    {
        var id = SweepId();
        var json = CommonOptions.Json();
        var command = new Command("watch", "Follow a sweep's progress until it ends, then print its results") { id, json };
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            return await SweepSubmission.WatchToEndAsync(sweep, parse.GetValue(json), null, ct);
        });
        return command;
    }

    private static Command List()
    {
        var json = CommonOptions.Json();
        var command = new Command("list", "List the cluster's sweeps, newest first") { json };
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweeps = await host.Services.GetRequiredService<IClusterClient>().GetGrain<ISweepRegistryGrain>(0).ListAsync();
            if (parse.GetValue(json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(sweeps, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                SweepRenderer.WriteList(sweeps, AnsiConsole.Console);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status()
    {
        var id = SweepId();
        var json = CommonOptions.Json();
        var command = new Command("status", "A sweep's state and its trials' states") { id, json };
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            var snapshot = (await sweep.GetSnapshotAsync())!;
            if (parse.GetValue(json))
            {
                Console.WriteLine(SweepJson.Serialize(snapshot));
                return ExitCodes.Ok;
            }
            AnsiConsole.MarkupLine($"Sweep [bold]{Markup.Escape(snapshot.SweepId)}[/] ({Markup.Escape(snapshot.Name)}): {snapshot.State.ToString().ToLowerInvariant()}");
            var table = new Table().AddColumns("state", "trials");
            foreach (var state in Enum.GetValues<TrialState>())
            {
                table.AddRow(state.ToString().ToLowerInvariant(), snapshot.Count(state).ToString());
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"Stages: {snapshot.Stages.Computed} computed, {snapshot.Stages.Reused} reused");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Results()
    {
        var id = SweepId();
        var json = CommonOptions.Json();
        var command = new Command("results", "Elbow curves, knees, accuracies and stage reuse of a sweep (so far, if it still runs)") { id, json };
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            return SweepSubmission.PrintResults((await sweep.GetSnapshotAsync())!, parse.GetValue(json), null);
        });
        return command;
    }

    private static Command Cancel()
    {
        var id = SweepId();
        var command = new Command("cancel", "Cancel a sweep's pending and running trials (finished stages stay memoized)") { id };
        var connection = AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            var snapshot = (await sweep.CancelAsync())!;
            AnsiConsole.MarkupLine($"Sweep [bold]{Markup.Escape(snapshot.SweepId)}[/]: {snapshot.State.ToString().ToLowerInvariant()} ({snapshot.Count(TrialState.Cancelled)} trials cancelled)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<ISweepGrain> FindAsync(IGrainFactory grains, string id)
    {
        var sweep = grains.GetGrain<ISweepGrain>(id);
        if (await sweep.GetSnapshotAsync() is null)
        {
            throw new UserInputException($"no sweep '{id}' on this cluster (see `grid sweep list`)");
        }
        return sweep;
    }
}
