using System.CommandLine;
using Grid.Client.Commands;

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
return await CommandRunner.InvokeAsync(root, args);
