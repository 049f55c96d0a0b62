using System.CommandLine;
using Grid.Compute.Data;
using Grid.Core;
using Grid.Core.Datasets;

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
    public static NamedOption<TEnum> Named<TEnum>(string name, string description, TEnum defaultValue)
        where TEnum : struct, Enum => new(name, description, defaultValue);

    /// <summary>A required option naming one value of a spec vocabulary (<c>--format csv</c>): no default, help lists the names.</summary>
    public static NamedOption<TEnum> RequiredNamed<TEnum>(string name, string description)
        where TEnum : struct, Enum => new(name, description, null);

    /// <summary><c>--seed N</c>: the seed of whatever random choice a command makes.</summary>
    public static Option<int> Seed(string description) => new("--seed") { Description = description, DefaultValueFactory = _ => 0, HelpName = "N" };

    /// <summary>The datasets the console knows by name: the built-in ones.</summary>
    private static IEnumerable<string> DatasetNames => DatasetRegistry.BuiltIn.All.Select(d => d.Name);
}

/// <summary>
/// An option whose values are the spec names of <typeparamref name="TEnum"/> (<c>l2</c>, <c>minibatch</c>): help and
/// errors show those names, and <see cref="ValueIn"/> gives the value as the type itself.
/// </summary>
public sealed class NamedOption<TEnum> : Option<string>
    where TEnum : struct, Enum
{
    /// <param name="defaultValue">The value when the option is not given; null makes the option required.</param>
    public NamedOption(string name, string description, TEnum? defaultValue)
        : base(name)
    {
        Description = description;
        if (defaultValue is { } value)
        {
            DefaultValueFactory = _ => SpecNames.Of(value);
        }
        else
        {
            Required = true;
        }
        this.AcceptOnlyFromAmong([.. SpecNames.All<TEnum>()]);
    }

    /// <summary>The value given (or the default), as <typeparamref name="TEnum"/>.</summary>
    public TEnum ValueIn(ParseResult parse) =>
        SpecNames.TryParse<TEnum>(parse.GetValue(this), out var value)
            ? value
            : throw new UserInputException($"{Name}: '{parse.GetValue(this)}' is not one of {string.Join(", ", SpecNames.All<TEnum>())}");
}
