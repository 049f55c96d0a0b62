using System.CommandLine;
using Grid.Client.Commands;

var root = new RootCommand(
    "grid — a distributed experiment grid for representation learning and clustering.\n" +
    "Run `grid demo` for a first look, `grid COMMAND --help` for details.");
root.Subcommands.Add(DataCommands.Create());
return await CommandRunner.InvokeAsync(root, args);
