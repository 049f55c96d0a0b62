using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Grid.Client.Rendering;
using Grid.Compute.Data;
using Grid.Core.Datasets;
using Spectre.Console;

namespace Grid.Client.Commands;

/// <summary>Exit codes the console returns, so scripts can tell failures apart.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    /// <summary>The cluster stopped answering while a command waited on it (e.g. a watch); what it did meanwhile is unknown.</summary>
    public const int Unreachable = 3;
    public const int Cancelled = 130;
}

/// <summary>
/// Runs a command line and turns expected failures (bad input, missing data) into one clear
/// line on stderr and an exit code, never a stack trace.
/// </summary>
public static partial class CommandRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        GridConsole.Install();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would print the help and exit 1, the code of "a trial failed": a usage error is bad input.
            string path = CommandPath(parse.CommandResult);
            var command = parse.CommandResult.Command;
            if (command.Subcommands.Count > 0 && command.Action is null)
            {
                // A command that only groups others: say which exist rather than "Required command was not provided".
                string commands = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                Error(parse.UnmatchedTokens.FirstOrDefault() is { } unknown
                    ? $"`{path}` has no command or option '{unknown}'; its commands: {commands}"
                    : $"`{path}` needs a command: {commands}");
            }
            else
            {
                foreach (var error in parse.Errors)
                {
                    Error(Readable(error.Message));
                }
            }
            GridConsole.Error.WriteLine($"See `{path} --help`.");
            return ExitCodes.BadInput;
        }
        try
        {
            var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await parse.InvokeAsync(config);
        }
        catch (Exception ex) when (ex is DatasetException or UnknownDatasetException or ArgumentException or FormatException or InvalidDataException or UserInputException)
        {
            Error(WithoutParameterNames(ex.Message));
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Error("cancelled");
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>Writes one error line to stderr.</summary>
    public static void Error(string message) => GridConsole.Error.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");

    /// <summary>"grid sweep status": the command the parse ended in, for the hint.</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? at = result; at is not null; at = at.Parent)
        {
            if (at is CommandResult command)
            {
                names.Insert(0, command.Command is RootCommand ? "grid" : command.Command.Name);
            }
        }
        return string.Join(' ', names);
    }

    /// <summary>
    /// One line in the user's terms: System.CommandLine names .NET types ("expected type 'System.Int32'") and lists
    /// allowed values one per line.
    /// </summary>
    private static string Readable(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string line = lines.Length > 1 ? $"{lines[0]} {string.Join(", ", lines[1..])}" : message.Trim();
        return ExpectedType().Replace(line, match => match.Groups[1].Value switch
        {
            "System.Int32" or "System.Int64" => "as a whole number",
            "System.Double" or "System.Single" => "as a number",
            "System.Boolean" => "as true or false",
            _ => match.Value,
        });
    }

    /// <summary>An options check's message (an <see cref="ArgumentException"/>'s) without .NET's "(Parameter 'X')" and "Actual value was …" line.</summary>
    private static string WithoutParameterNames(string message) => ParameterSuffix().Replace(message, "").Trim();

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)|\s*Actual value was .*", RegexOptions.Singleline)]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"as expected type '(?:System\.Nullable`1\[)?([\w.]+)\]?'")]
    private static partial Regex ExpectedType();
}

/// <summary>A problem with what the user typed or supplied; shown as one line without a trace.</summary>
public sealed class UserInputException(string message) : Exception(message);
