using System.CommandLine;
using Grid.Compute.Data;

namespace Grid.Client.Commands;

/// <summary>Options shared by several commands.</summary>
public static class CommonOptions
{
    public static Option<string> DataDir() => new("--data-dir")
    {
        Description = $"Data directory holding datasets (default: ${DatasetStore.DataDirVariable}, else ~/.local/share/grid/data)",
        DefaultValueFactory = _ => DatasetStore.DefaultDataDirectory(),
        HelpName = "DIR",
    };

    /// <summary>Adds <c>--json</c> and <c>--json-file FILE</c> to a command that prints results; see <see cref="OutputOptions"/>.</summary>
    public static OutputOptions Output(Command command) => OutputOptions.AddTo(command, deprecatedJsonFile: false);

    public static Argument<string> Dataset() => new Argument<string>("dataset")
    {
        Description = $"Dataset name: {string.Join(" | ", DatasetCatalog.All.Select(d => d.Name))}",
    }.AcceptOnlyFromAmong(DatasetCatalog.All.Select(d => d.Name).ToArray());

    public static Option<string> DatasetOption() => new Option<string>("--dataset")
    {
        Description = $"Dataset: {string.Join(" | ", DatasetCatalog.All.Select(d => d.Name))}",
        DefaultValueFactory = _ => DatasetCatalog.Mnist.Name,
    }.AcceptOnlyFromAmong(DatasetCatalog.All.Select(d => d.Name).ToArray());
}
