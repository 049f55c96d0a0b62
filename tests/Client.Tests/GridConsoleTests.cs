using Grid.Client.Rendering;
using Spectre.Console;

namespace Grid.Client.Tests;

/// <summary>The consoles' width: never wrapped without a terminal, COLUMNS honoured.</summary>
public sealed class GridConsoleTests
{
    /// <summary>A sweep id as `grid sweep list` prints it, and a per-trial line of a watch without a terminal.</summary>
    private const string SweepId = "a-long-sweep-name-for-te-20261129-082148-7572";

    private const string TrialLine = "[12/312] succeeded mnist/ae-z16-bce-e40/standard/k225/s0: test error 0.0543, inertia 1.2345E+06, and then some more words to pass 120 columns";

    private static string Render(bool terminal, string? columns, Action<IAnsiConsole> write)
    {
        var writer = new StringWriter();
        write(GridConsole.Create(writer, terminal, columns));
        return writer.ToString();
    }

    private static void WriteList(IAnsiConsole console)
    {
        var table = new Table().AddColumns("id", "name", "state", "trials", "succeeded", "failed", "submitted");
        table.AddRow(SweepId, "a-long-sweep-name-for-tests", "completed", "312", "311", "1", "2026-11-29 08:21:48Z");
        console.Write(table);
        console.WriteLine(TrialLine);
    }

    [Fact]
    public void Without_a_terminal_ids_and_lines_are_never_wrapped()
    {
        string output = Render(terminal: false, columns: null, WriteList);

        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.Contains(SweepId, StringComparison.Ordinal) && l.Contains("2026-11-29 08:21:48Z", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimEnd() == TrialLine);
        Assert.True(lines.Max(l => l.TrimEnd().Length) > 120, "the table is wider than a terminal's 80 columns");
    }

    [Fact]
    public void Without_a_terminal_there_are_no_colour_codes()
    {
        string output = Render(terminal: false, columns: null, c => c.MarkupLine("[red]error:[/] [bold]bad[/] input"));

        Assert.Equal("error: bad input", output.TrimEnd());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Columns_sets_the_width_with_or_without_a_terminal(bool terminal)
    {
        string output = Render(terminal, "60", WriteList);

        var lines = output.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.All(lines, l => Assert.True(l.Length <= 60, $"{l.Length} columns: {l}"));
        Assert.DoesNotContain(lines, l => l.Contains(SweepId, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("wide")]
    public void Columns_that_is_not_a_width_is_ignored(string columns)
    {
        string output = Render(terminal: false, columns, WriteList);

        Assert.Contains(output.Split('\n'), l => l.TrimEnd() == TrialLine);
    }
}
