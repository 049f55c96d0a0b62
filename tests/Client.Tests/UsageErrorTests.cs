using Grid.Client.Commands;

namespace Grid.Client.Tests;

/// <summary>
/// Every usage error of every command exits 2 (bad input), never 1 ("a trial failed"): unknown options, values that
/// do not parse, missing arguments and commands. The command line does not parse, so no command runs.
/// </summary>
public sealed class UsageErrorTests
{
    /// <summary>Every command's path below the root, e.g. "sweep status".</summary>
    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var (path, _) in CommandTree.All())
        {
            data.Add(path);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task An_unknown_option_exits_2(string command)
    {
        Assert.Equal(ExitCodes.BadInput, await CommandRunner.InvokeAsync(GridCommandLine.Create(), [.. CommandTree.Words(command), "--no-such-option"]));
    }

    /// <summary>Each option that takes a number, given a word: e.g. `grid silo --http-port abc`.</summary>
    public static TheoryData<string, string> NumericOptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, command) in CommandTree.All())
        {
            foreach (var option in command.Options.Where(o => IsNumber(Nullable.GetUnderlyingType(o.ValueType) ?? o.ValueType)))
            {
                data.Add(path, option.Name);
            }
        }
        return data;
    }

    private static bool IsNumber(Type type) => type == typeof(int) || type == typeof(long) || type == typeof(double);

    [Theory]
    [MemberData(nameof(NumericOptions))]
    public async Task A_word_for_a_number_exits_2(string command, string option)
    {
        Assert.Equal(ExitCodes.BadInput, await CommandRunner.InvokeAsync(GridCommandLine.Create(), [.. CommandTree.Words(command), option, "abc"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("sweep")]
    [InlineData("sweep status")]
    [InlineData("data fetch cifar")]
    [InlineData("bench kmeans --scaler minmax")]
    public async Task A_missing_or_unknown_command_or_argument_exits_2(string arguments)
    {
        Assert.Equal(ExitCodes.BadInput, await CommandRunner.InvokeAsync(GridCommandLine.Create(), CommandTree.Words(arguments)));
    }

    [Fact]
    public async Task Help_is_not_an_error()
    {
        Assert.Equal(ExitCodes.Ok, await CommandRunner.InvokeAsync(GridCommandLine.Create(), ["sweep", "status", "--help"]));
    }
}
