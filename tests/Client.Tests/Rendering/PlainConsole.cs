using Spectre.Console;

namespace Grid.Client.Tests.Rendering;

/// <summary>A console that writes plain text (no colours, no escape codes) of a fixed width to a string, as when piped.</summary>
internal static class PlainConsole
{
    public static (IAnsiConsole Console, StringWriter Output) Create(int width = 200)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        return (console, output);
    }
}
