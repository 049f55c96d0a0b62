using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.Abstractions.Runs;
using Grid.Client.Rendering;
using Grid.Compute.Pipeline;
using Grid.Core;
using Grid.Silo.Hosting;
using Grid.Silo.Pages;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary>Tags and a note stored with a sweep (<c>--tag</c>, <c>--note</c>), checked before anything is submitted.</summary>
public sealed partial record SweepLabels(IReadOnlyList<string> Tags, string? Note)
{
    /// <summary>Longest tag.</summary>
    public const int MaxTagLength = 64;

    /// <summary>Longest note.</summary>
    public const int MaxNoteLength = 500;

    /// <summary>Checks tags and note; the message names what is wrong.</summary>
    /// <exception cref="UserInputException">A tag or the note is not acceptable.</exception>
    public static SweepLabels Parse(IEnumerable<string>? tags, string? note)
    {
        var list = new List<string>();
        foreach (string tag in tags ?? [])
        {
            if (!TagPattern().IsMatch(tag))
            {
                throw new UserInputException(
                    $"--tag '{tag}': a tag is 1 to {MaxTagLength} letters, digits and . _ - : = / +, starting with a letter or digit");
            }
            if (!list.Contains(tag, StringComparer.Ordinal))
            {
                list.Add(tag);
            }
        }
        if (note is not null)
        {
            note = note.Trim();
            if (note.Length > MaxNoteLength)
            {
                throw new UserInputException($"--note: {note.Length} characters; a note is at most {MaxNoteLength}");
            }
            if (note.Any(char.IsControl))
            {
                throw new UserInputException("--note: a note is one line of text (no line breaks or tabs)");
            }
        }
        return new SweepLabels(list, string.IsNullOrEmpty(note) ? null : note);
    }

    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{N}._:=/+\-]{0,63}$")]
    private static partial Regex TagPattern();
}

/// <summary>
/// <c>grid sweep compare|export|retry|delete</c>, the <c>--tag</c>/<c>--note</c> options of <c>sweep submit</c> and
/// <c>grid run</c>, and one trial's view for <c>sweep status --trial</c>.
/// </summary>
public static class SweepManagementCommands
{
    /// <summary><c>--tag TAG</c>, repeatable.</summary>
    public static Option<string[]> TagOption() => new("--tag")
    {
        Description = "Label the sweep (repeat for more): shown in `grid sweep list`, --json, the results pages and the report",
        HelpName = "TAG",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary><c>--note TEXT</c>.</summary>
    public static Option<string?> NoteOption() => new("--note")
    {
        Description = $"A line of text stored with the sweep (at most {SweepLabels.MaxNoteLength} characters), shown where tags are",
        HelpName = "TEXT",
    };

    /// <summary>The checked tags and note of a command line.</summary>
    public static SweepLabels ReadLabels(ParseResult parse, Option<string[]> tags, Option<string?> note) =>
        SweepLabels.Parse(parse.GetValue(tags), parse.GetValue(note));

    public static Command Compare()
    {
        var ids = new Argument<string[]>("ids") { Description = "Two or more sweep ids (see `grid sweep list`)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out")
        {
            Description = "Also write the comparison as a page: index.html (best configurations side by side) and figures/ (the curves of every sweep on one chart)",
            HelpName = "DIR",
        };
        var command = new Command("compare",
            "Compare sweeps side by side: each one's best configurations (by its objective; per curve its best trial and its knee), " +
            "and with --out their elbow and test-error curves on one chart")
        {
            ids, output,
        };
        var json = CommonOptions.Output(command);
        var connection = SweepCommands.AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var wanted = parse.GetValue(ids)!.Distinct(StringComparer.Ordinal).ToList();
            if (wanted.Count < 2)
            {
                throw new UserInputException("compare needs at least two different sweep ids (see `grid sweep list`)");
            }
            var to = json.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var sweeps = new List<SweepSnapshot>();
            foreach (string id in wanted)
            {
                sweeps.Add((await (await SweepCommands.FindAsync(grains, id)).GetSnapshotAsync())!);
            }
            if (!to.Print)
            {
                WriteComparison(sweeps, AnsiConsole.Console);
            }
            var comparison = CompareJson(sweeps);
            if (parse.GetValue(output) is not { } directory)
            {
                JsonOutput.Write(comparison, to);
                return ExitCodes.Ok;
            }
            SweepReport report;
            try
            {
                report = await Task.Run(() => SweepReportWriter.WriteComparison(sweeps, directory, new SweepCommands.SynchronousProgress(SweepSubmission.ErrorConsole()), ct), ct);
            }
            catch (IOException ex)
            {
                throw new UserInputException(ex.Message);
            }
            to.Console.MarkupLine(Markup.Escape($"Comparison: {report.IndexPath} ({report.Figures} figures)"));
            comparison["page"] = SweepCommands.ReportJson(null, report);
            JsonOutput.Write(comparison, to);
            return SweepCommands.ExitCode(report);
        });
        return command;
    }

    /// <summary>The comparison in the console: one line per sweep, then every sweep's best configurations in one table.</summary>
    public static void WriteComparison(IReadOnlyList<SweepSnapshot> sweeps, IAnsiConsole console)
    {
        foreach (var sweep in sweeps)
        {
            string tags = sweep.Tags is { Count: > 0 } t ? " · tags " + string.Join(",", t) : "";
            string note = sweep.Note is { } n ? " · " + n : "";
            console.MarkupLine(Markup.Escape($"{sweep.SweepId} ({sweep.Name}): {SpecNames.Of(sweep.State)} · " +
                $"{sweep.Count(TrialState.Succeeded)} succeeded, {sweep.Count(TrialState.Failed)} failed of {sweep.Total}{tags}{note}"));
        }
        var table = new Table().Title("Best configurations").AddColumns("sweep", "what", "#", "trial", "k", "test error", "train error");
        foreach (var sweep in sweeps)
        {
            var rows = BestConfigurations.Of(sweep);
            if (rows.Count == 0)
            {
                table.AddRow(Markup.Escape(sweep.SweepId), "no trial has succeeded", "", "", "", "", "");
            }
            foreach (var row in rows)
            {
                string what = row.Kind == BestKind.Overall ? $"[green]{Markup.Escape(row.What)}[/]" : Markup.Escape(row.What);
                table.AddRow(Markup.Escape(sweep.SweepId), what, Invariant(row.Number), Markup.Escape(row.Trial.Spec.Key), Invariant(row.Trial.Spec.K),
                    SweepRenderer.Error(row.Result.TestError), SweepRenderer.Error(row.Result.TrainError));
            }
        }
        console.Write(table);
    }

    /// <summary><c>compare --json</c>: each sweep with its state, labels and best configurations.</summary>
    public static JsonObject CompareJson(IReadOnlyList<SweepSnapshot> sweeps) => new()
    {
        ["sweeps"] = new JsonArray(sweeps.Select(sweep => (JsonNode)new JsonObject
        {
            ["sweep_id"] = sweep.SweepId,
            ["name"] = sweep.Name,
            ["state"] = SpecNames.Of(sweep.State),
            ["tags"] = SweepJson.Tags(sweep.Tags),
            ["note"] = sweep.Note,
            ["trials_total"] = sweep.Total,
            ["trials_succeeded"] = sweep.Count(TrialState.Succeeded),
            ["trials_failed"] = sweep.Count(TrialState.Failed),
            ["best"] = new JsonArray(BestConfigurations.Of(sweep).Select(b => (JsonNode)new JsonObject
            {
                ["kind"] = SpecNames.Of(b.Kind),
                ["what"] = b.What,
                ["trial"] = b.Number,
                ["id"] = b.Trial.TrialId,
                ["key"] = b.Trial.Spec.Key,
                ["k"] = b.Trial.Spec.K,
                ["test_error"] = b.Result.TestError,
                ["train_error"] = b.Result.TrainError,
            }).ToArray()),
        }).ToArray()),
    };

    public static Command Export()
    {
        var id = SweepCommands.SweepId();
        var format = new Option<string>("--format")
        {
            Description = "csv (RFC 4180, header row) or parquet",
            DefaultValueFactory = _ => "csv",
            HelpName = "FORMAT",
        }.AcceptOnlyFromAmong("csv", "parquet");
        var output = new Option<string?>("--out")
        {
            Description = "File to write (default: stdout; Parquet goes to stdout only when it is redirected)",
            HelpName = "FILE",
        };
        var command = new Command("export",
            "Write a sweep as a table, one row per trial: its configuration (dataset, representation, z_dim, loss, epochs, scaler, k, seed, k-means settings) " +
            "and its results (state, train/test error, inertia, iterations, fit seconds, error)")
        {
            id, format, output,
        };
        var connection = SweepCommands.AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var kind = parse.GetValue(format) == "parquet" ? ExportFormat.Parquet : ExportFormat.Csv;
            string? path = parse.GetValue(output);
            if (path is null && kind == ExportFormat.Parquet && !Console.IsOutputRedirected)
            {
                throw new UserInputException("Parquet is binary: pass --out FILE, or redirect stdout to a file");
            }
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await SweepCommands.FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            var snapshot = (await sweep.GetSnapshotAsync())!;
            if (path is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                await SweepExport.WriteAsync(snapshot, kind, stdout, ct);
                return ExitCodes.Ok;
            }
            try
            {
                await using var file = File.Create(path);
                await SweepExport.WriteAsync(snapshot, kind, file, ct);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UserInputException($"cannot write {path}: {ex.Message}");
            }
            SweepSubmission.ErrorConsole().MarkupLine(Markup.Escape($"Exported {snapshot.Total} trials of sweep {snapshot.SweepId} to {Path.GetFullPath(path)}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Retry()
    {
        var id = SweepCommands.SweepId();
        var failedOnly = new Option<bool>("--failed-only") { Description = "Retry only failed trials, not cancelled ones" };
        var watch = new Option<bool>("--watch") { Description = "Follow progress until the sweep ends, then print the results (exit code as `sweep watch`)" };
        var command = new Command("retry",
            "Run a sweep's failed and cancelled trials again; stages that succeeded are reused (memoized), failed ones are computed again, " +
            "and the sweep runs until they end; prints the sweep's state (with --watch, its results at the end)")
        {
            id, failedOnly, watch,
        };
        var output = CommonOptions.Output(command);
        var connection = SweepCommands.AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await SweepCommands.FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            bool includeCancelled = !parse.GetValue(failedOnly);
            var before = (await sweep.GetSnapshotAsync())!;
            int failed = before.Count(TrialState.Failed), cancelled = includeCancelled ? before.Count(TrialState.Cancelled) : 0;
            var stderr = SweepSubmission.ErrorConsole();
            var after = before;
            if (failed + cancelled == 0)
            {
                stderr.MarkupLine(Markup.Escape($"Sweep {before.SweepId}: nothing to retry (no failed{(includeCancelled ? " or cancelled" : "")} trials)"));
            }
            else
            {
                after = (await sweep.RetryAsync(includeCancelled))!;
                stderr.MarkupLine(Markup.Escape($"Sweep {after.SweepId}: retrying {failed + cancelled} trial(s) ({failed} failed, {cancelled} cancelled); " +
                    $"stages that succeeded are reused; the sweep is {SpecNames.Of(after.State)}"));
            }
            if (parse.GetValue(watch))
            {
                return await SweepSubmission.WatchToEndAsync(sweep, to, ct);
            }
            // Even with nothing to retry, --json prints the sweep's state: a script reads one object either way.
            JsonOutput.Write(SweepJson.ToJson(after), to);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Delete()
    {
        var id = SweepCommands.SweepId();
        var force = new Option<bool>("--force") { Description = "Delete a sweep that still runs (it is cancelled first)" };
        // A flag, and the artifact directory as every command names it: an option with an optional value would take
        // the sweep id that follows it (`--artifacts ID`) for a directory.
        var deleteArtifacts = new Option<bool>("--delete-artifacts")
        {
            Description = "Also delete the stage artifacts (weights, codes, centres) that no other sweep uses, from --artifacts DIR; their memoized results are forgotten",
        };
        var artifacts = SweepCommands.ArtifactsOption();
        var command = new Command("delete",
            "Delete a sweep's records (its state, its trials' states, its line in `grid sweep list`); with --delete-artifacts also the artifacts no other sweep references")
        {
            id, force, deleteArtifacts, artifacts,
        };
        var output = CommonOptions.Output(command);
        var connection = SweepCommands.AddConnection(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            ArtifactStore? store = null;
            if (parse.GetValue(deleteArtifacts))
            {
                string root = parse.GetValue(artifacts)!;
                // Checked before anything is deleted: a mistyped directory must not leave records gone and files behind.
                if (!Directory.Exists(root))
                {
                    throw new UserInputException($"--artifacts: no directory {root}; pass the cluster's artifact directory");
                }
                store = new ArtifactStore(root);
            }
            using var host = await ClusterConnection.ConnectAsync(parse, connection, ct);
            var sweep = await SweepCommands.FindAsync(host.Services.GetRequiredService<IClusterClient>(), parse.GetValue(id)!);
            var snapshot = (await sweep.GetSnapshotAsync())!;
            if (!snapshot.IsFinished && !parse.GetValue(force))
            {
                throw new UserInputException(
                    $"sweep {snapshot.SweepId} is {SpecNames.Of(snapshot.State)} ({ResultsHtml.Ended(snapshot)} of {snapshot.Total} trials ended); " +
                    $"cancel it first (`grid sweep cancel {snapshot.SweepId}`) or pass --force");
            }
            var deletion = await sweep.DeleteAsync(parse.GetValue(force), store is not null)
                ?? throw new UserInputException($"no sweep '{snapshot.SweepId}' on this cluster (see `grid sweep list`)");
            if (!deletion.Deleted)
            {
                throw new UserInputException($"sweep {snapshot.SweepId} started running again; cancel it first or pass --force");
            }
            to.Console.MarkupLine(Markup.Escape($"Deleted sweep {snapshot.SweepId}: the records of its {deletion.Trials} trials and its line in the list"));
            var result = new JsonObject { ["sweep_id"] = snapshot.SweepId, ["trials_deleted"] = deletion.Trials, ["artifacts"] = null };
            if (store is null)
            {
                JsonOutput.Write(result, to);
                return ExitCodes.Ok;
            }
            int deleted = 0, absent = 0;
            long bytes = 0;
            foreach (string hash in deletion.UnreferencedStages)
            {
                if (store.Delete(hash) is long size)
                {
                    deleted++;
                    bytes += size;
                }
                else
                {
                    absent++;
                }
            }
            string missing = absent > 0 ? $"; {absent} had no folder there" : "";
            to.Console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Deleted {deleted} artifact folder(s) ({bytes / 1e6:0.0} MB) under {store.Root} that no other sweep uses{missing}; {deletion.SharedStages} stage(s) shared with other sweeps were kept")));
            result["artifacts"] = new JsonObject
            {
                ["directory"] = store.Root,
                ["deleted"] = deleted,
                ["bytes"] = bytes,
                ["absent"] = absent,
                ["shared_stages_kept"] = deletion.SharedStages,
            };
            JsonOutput.Write(result, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// <c>sweep status ID --trial T</c>: one trial's configuration, result and log. <paramref name="trial"/> is its number in the
    /// results table, its id, or its key.
    /// </summary>
    public static int PrintTrial(SweepSnapshot snapshot, string trial, JsonDestination output)
    {
        var (status, number) = FindTrial(snapshot, trial);
        var node = SweepJson.Trial(status);
        node["trial"] = number;
        if (output.Print)
        {
            JsonOutput.Write(node, output);
            return ExitCodes.Ok;
        }
        var console = AnsiConsole.Console;
        console.MarkupLine(Markup.Escape($"Trial {number} of sweep {snapshot.SweepId}: {status.Spec.Key} ({status.TrialId})"));
        string result = status.Result is { } r
            ? string.Create(CultureInfo.InvariantCulture, $" · test error {r.TestError:F4}, train error {r.TrainError:F4}, inertia {r.Inertia:G6}, {QualityMeasures.Describe(r.Quality)}, fit {r.FitSeconds:0.0} s")
            : "";
        console.MarkupLine(Markup.Escape($"State: {SpecNames.Of(status.State)}{result} · stages {status.StagesComputed} computed, {status.StagesReused} reused" +
            (status.Retries > 0 ? $" · retried {status.Retries} time(s)" : "")));
        if (status.Error is { } error)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(error)}");
        }
        if (status.EventsDropped > 0)
        {
            console.MarkupLine(Markup.Escape($"({status.EventsDropped} earlier log lines were not kept)"));
        }
        var table = new Table().Title("Log").AddColumns("time (UTC)", "line");
        foreach (var line in status.Events ?? [])
        {
            table.AddRow(line.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), Markup.Escape(line.Describe()));
        }
        console.Write(table);
        JsonOutput.Write(node, output);
        return ExitCodes.Ok;
    }

    private static (TrialStatus Trial, int Number) FindTrial(SweepSnapshot snapshot, string trial)
    {
        for (int i = 0; i < snapshot.Trials.Count; i++)
        {
            var t = snapshot.Trials[i];
            if (trial == Invariant(i + 1) || trial == t.TrialId || trial == t.Spec.Id || trial == t.Spec.Key)
            {
                return (t, i + 1);
            }
        }
        throw new UserInputException(
            $"sweep {snapshot.SweepId} has no trial '{trial}'; give its number in `grid sweep results` (1..{snapshot.Total}), its id or its key");
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
