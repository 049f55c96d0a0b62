using System.CommandLine;
using Grid.Compute.Data;
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
public static class CommandRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        try
        {
            var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await root.Parse(args).InvokeAsync(config);
        }
        catch (Exception ex) when (ex is DatasetException or ArgumentException or FormatException or InvalidDataException or UserInputException)
        {
            Error(ex.Message);
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Error("cancelled");
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>Writes one error line to stderr.</summary>
    public static void Error(string message)
    {
        var stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        stderr.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    }
}

/// <summary>A problem with what the user typed or supplied; shown as one line without a trace.</summary>
public sealed class UserInputException(string message) : Exception(message);
