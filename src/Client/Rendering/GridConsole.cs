using System.Globalization;
using Spectre.Console;

namespace Grid.Client.Rendering;

/// <summary>
/// The consoles every command writes to, made here and nowhere else. On a terminal a console is as
/// wide as the terminal; piped or redirected it never wraps, so ids and numbers survive copy and grep
/// (Spectre.Console would wrap at 80 columns); <c>COLUMNS</c>, when set, gives the width either way.
/// </summary>
public static class GridConsole
{
    /// <summary>
    /// The width of a console that is not a terminal: wider than any line a command prints, so none
    /// is wrapped. Nothing pads to the full width (no rules or expanded tables are drawn), so a large
    /// width costs nothing.
    /// </summary>
    public const int UnwrappedWidth = 1 << 20;

    /// <summary>A console and the writer it was made on.</summary>
    private sealed record Made(TextWriter Writer, IAnsiConsole Console);

    private static Made? _out;
    private static Made? _error;

    /// <summary>Standard output (also what <see cref="AnsiConsole"/>'s static methods write to, see <see cref="Install"/>).</summary>
    public static IAnsiConsole Out => On(ref _out, Console.Out, terminal: !Console.IsOutputRedirected);

    /// <summary>Standard error: progress and messages while stdout carries one JSON object, and errors.</summary>
    public static IAnsiConsole Error => On(ref _error, Console.Error, terminal: !Console.IsErrorRedirected);

    /// <summary>
    /// The console on <paramref name="writer"/>, made once per writer: when <see cref="Console.SetOut"/> replaces stdout
    /// (an in-process test reading what a command prints) the console follows it, so nothing escapes to the old one.
    /// </summary>
    private static IAnsiConsole On(ref Made? made, TextWriter writer, bool terminal)
    {
        var current = made;
        if (current is null || !ReferenceEquals(current.Writer, writer))
        {
            current = new Made(writer, Create(writer, terminal, Environment.GetEnvironmentVariable("COLUMNS")));
            made = current;
        }
        return current.Console;
    }

    /// <summary>Makes <see cref="AnsiConsole"/>'s static methods (<c>AnsiConsole.MarkupLine</c>, …) write to <see cref="Out"/>.</summary>
    public static void Install() => AnsiConsole.Console = Out;

    /// <summary>A console on <paramref name="writer"/>.</summary>
    /// <param name="writer">Where it writes.</param>
    /// <param name="terminal">Whether <paramref name="writer"/> is a terminal: colours, live progress and the terminal's width only then.</param>
    /// <param name="columns">The <c>COLUMNS</c> environment variable: a positive width overrides the detected one.</param>
    public static IAnsiConsole Create(TextWriter writer, bool terminal, string? columns)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (Width(columns) is int width)
        {
            console.Profile.Width = width;
        }
        else if (!terminal)
        {
            console.Profile.Width = UnwrappedWidth;
        }
        return console;
    }

    private static int? Width(string? columns) =>
        int.TryParse(columns, NumberStyles.None, CultureInfo.InvariantCulture, out int width) && width > 0 ? width : null;
}
