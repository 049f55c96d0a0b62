using System.Globalization;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Client.Rendering;
using Grid.Client.Specs;
using Grid.Core;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary>Reading a spec, submitting it, watching it and printing its results: shared by submit, run and demo.</summary>
public static class SweepSubmission
{
    /// <summary>
    /// Reads and validates a spec file, importing its dataset objects into <paramref name="dataDirectory"/>; every problem is
    /// printed with its path and line, and the command fails.
    /// </summary>
    public static SweepSpec ReadSpec(string path, string dataDirectory) =>
        Validated(SweepSpecReader.ReadFile(path, dataDirectory, result => ErrorConsole().MarkupLine(
            $"dataset [bold]{Markup.Escape(result.Dataset.Name)}[/]: " + Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{SpecNames.Of(result.Outcome)} in {result.Directory} ({result.Dataset.TrainCount:N0} train and {result.Dataset.TestCount:N0} test rows " +
                $"of {string.Join("×", result.Dataset.Shape)}, {(result.Dataset.Labelled ? $"{result.Dataset.Classes} classes" : "unlabeled")})")))), path);

    /// <summary>Validates a spec given as text (the built-in demo).</summary>
    public static SweepSpec ReadSpecText(string text, string name) => Validated(SweepSpecReader.Read(text, SpecFormat.Yaml, name), name);

    private static SweepSpec Validated(SpecParseResult result, string source)
    {
        if (result.IsValid)
        {
            return result.Spec!;
        }
        var lines = result.Errors.Select(e => "  " + e.ToString());
        throw new UserInputException($"{source}: {result.Errors.Count} problem(s); nothing was scheduled:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
    }

    /// <summary>A new sweep id: the spec's name, the time and a random suffix, readable and unique.</summary>
    public static string NewSweepId(SweepSpec spec)
    {
        string name = new string(spec.Name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (name.Length > 24)
        {
            name = name[..24];
        }
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        return $"{(name.Length == 0 ? "sweep" : name)}-{stamp}-{Random.Shared.Next(0x1000, 0xffff):x4}";
    }

    /// <summary>Submits and, when asked, watches to the end and prints the results. Returns the exit code.</summary>
    /// <param name="finished">When watching: runs after the results are printed, with the final snapshot (e.g. to write a report); its exit code counts when it is worse.</param>
    /// <param name="labels">Tags and note stored with the sweep (<c>--tag</c>, <c>--note</c>).</param>
    public static async Task<int> SubmitAsync(IGrainFactory grains, SweepSpec spec, bool watch, JsonDestination output, CancellationToken cancellationToken,
        Func<SweepSnapshot, Task<int>>? finished = null, SweepLabels? labels = null)
    {
        string id = NewSweepId(spec);
        var sweep = grains.GetGrain<ISweepGrain>(id);
        var snapshot = await sweep.SubmitAsync(spec, labels?.Tags, labels?.Note);
        var stderr = ErrorConsole();
        stderr.MarkupLine($"Submitted sweep [bold]{Markup.Escape(id)}[/] ({Markup.Escape(spec.Name)}) with {snapshot.Total} trials");
        if (!watch)
        {
            if (!output.Print)
            {
                AnsiConsole.WriteLine(id);
            }
            JsonOutput.Write(SweepJson.ToJson(snapshot), output);
            return ExitCodes.Ok;
        }
        return await WatchToEndAsync(sweep, output, cancellationToken, finished);
    }

    /// <summary>
    /// Watches a sweep until it ends (Ctrl-C stops watching, not the sweep), then prints its results. Rides out the loss of
    /// the silo it streams from (<see cref="SweepWatch"/>); when no gateway answers for a minute it gives up with
    /// <see cref="ExitCodes.Unreachable"/>.
    /// </summary>
    public static async Task<int> WatchToEndAsync(ISweepGrain sweep, JsonDestination output, CancellationToken cancellationToken,
        Func<SweepSnapshot, Task<int>>? finished = null)
    {
        var progressConsole = output.Console;
        var watch = new SweepWatch(sweep, sweep.GetPrimaryKeyString(), line => progressConsole.MarkupLine(Markup.Escape(line)));
        SweepSnapshot final;
        try
        {
            var last = await SweepRenderer.WatchAsync(watch.FollowAsync(cancellationToken), progressConsole, cancellationToken);
            // A stream that ended before the sweep did (the watch was stopped): its state now, through any gateway.
            final = last is { IsFinished: true } ? last : await watch.ReachAsync(cancellationToken);
        }
        catch (ClusterLostException ex)
        {
            CommandRunner.Error(ex.Message);
            return ExitCodes.Unreachable;
        }
        int code = PrintResults(final, output);
        if (finished is not null)
        {
            int after = await finished(final);
            return code == ExitCodes.Ok ? after : code;
        }
        return code;
    }

    /// <summary>Prints results as a table and/or one JSON object, as <paramref name="output"/> says; exit 1 when a trial failed.</summary>
    public static int PrintResults(SweepSnapshot snapshot, JsonDestination output)
    {
        if (!output.Print)
        {
            SweepRenderer.WriteResults(snapshot, AnsiConsole.Console);
        }
        JsonOutput.Write(SweepJson.ToJson(snapshot), output);
        return snapshot.State switch
        {
            SweepState.Cancelled => ExitCodes.Cancelled,
            _ when snapshot.Count(TrialState.Failed) > 0 => ExitCodes.Failed,
            _ => ExitCodes.Ok,
        };
    }

    /// <summary>Standard error, as <see cref="GridConsole"/> makes it.</summary>
    public static IAnsiConsole ErrorConsole() => GridConsole.Error;
}
