using System.CommandLine;

namespace Grid.Client.Commands;

/// <summary>The <c>grid</c> command line: every command, as the console and its tests see it.</summary>
public static class GridCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "grid — a distributed experiment grid for representation learning and clustering.\n" +
            "Run `grid demo` for a first look, `grid COMMAND --help` for details.");
        root.Subcommands.Add(SiloCommands.Demo());
        root.Subcommands.Add(SiloCommands.Run());
        root.Subcommands.Add(SweepCommands.Create());
        root.Subcommands.Add(SweepCommands.Cluster());
        root.Subcommands.Add(SiloCommands.Silo());
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(BenchCommands.Create());
        return root;
    }
}
