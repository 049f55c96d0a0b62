using Grid.Core.Datasets;
using Grid.Core;
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
        Description = $"Dataset name: {string.Join(" | ", DatasetNames)}",
    }.AcceptOnlyFromAmong([.. DatasetNames]);

    public static Option<string> DatasetOption() => new Option<string>("--dataset")
    {
        Description = $"Dataset: {string.Join(" | ", DatasetNames)}",
        DefaultValueFactory = _ => BuiltInDatasets.Mnist.Name,
    }.AcceptOnlyFromAmong([.. DatasetNames]);

    /// <summary>An option naming one value of a spec vocabulary (scalers, algorithms, …), spelled as in a spec file.</summary>
    public static Option<TEnum> Named<TEnum>(string name, string description, TEnum defaultValue)
        where TEnum : struct, Enum => new Option<TEnum>(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        HelpName = string.Join("|", SpecNames.All<TEnum>()),
        CustomParser = result => SpecNames.TryParse<TEnum>(result.Tokens.Single().Value, out var value) ? value : defaultValue,
    }.AcceptOnlyFromAmong([.. SpecNames.All<TEnum>()]);

    /// <summary>The datasets the console knows by name: the built-in ones.</summary>
    private static IEnumerable<string> DatasetNames => DatasetRegistry.BuiltIn.All.Select(d => d.Name);
}
