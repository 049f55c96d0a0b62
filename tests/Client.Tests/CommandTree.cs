using System.CommandLine;
using Grid.Client.Commands;

namespace Grid.Client.Tests;

/// <summary>The <c>grid</c> command tree, walked: every command with its path below the root ("sweep status").</summary>
internal static class CommandTree
{
    public static IEnumerable<(string Path, Command Command)> All() => Walk(GridCommandLine.Create(), "").Skip(1);

    /// <summary>The commands that run something (not those that only group others, like "sweep").</summary>
    public static IEnumerable<(string Path, Command Command)> Runnable() => All().Where(c => c.Command.Action is not null);

    /// <summary>A path as command-line words.</summary>
    public static string[] Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, string path)
    {
        yield return (path.Trim(), command);
        foreach (var sub in command.Subcommands)
        {
            foreach (var found in Walk(sub, $"{path} {sub.Name}"))
            {
                yield return found;
            }
        }
    }
}
