namespace Grid.EndToEnd.Tests;

/// <summary>The `grid` console the end-to-end tests run as real processes, and the data directory they hand it.</summary>
public static class GridConsole
{
    /// <summary>The console as `./grid` builds it (test.sh runs ./grid before the tests, which rebuilds it when stale).</summary>
    public static string Dll => Path.Combine(Repository.Root, ".artifacts", "grid", "grid.dll");

    public static string DataDir =>
        Environment.GetEnvironmentVariable("GRID_DATA_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Repository.Root, ".artifacts", "data");

    // Test classes run in parallel; two concurrent `./grid` builds into one output folder race.
    private static readonly Lazy<Task> Built = new(BuildAsync);

    /// <summary>Builds the console once per test run (the first caller builds; the others await it).</summary>
    public static Task EnsureBuiltAsync() => Built.Value;

    private static async Task BuildAsync()
    {
        // `./grid --help` builds the console first when its sources changed.
        var (code, _, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(5), Path.Combine(Repository.Root, "grid"), "--help");
        if (code != 0 || !File.Exists(Dll))
        {
            throw new InvalidOperationException($"building the console with ./grid failed (exit {code}): {stderr}");
        }
    }
}
