namespace Grid.EndToEnd.Tests;

/// <summary>Paths of the repository under test and its built console.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The console as `./grid` builds it (test.sh runs ./grid before the tests, which rebuilds it when stale).</summary>
    public static string GridDll => Path.Combine(Root, ".artifacts", "grid", "grid.dll");

    public static string DataDir =>
        Environment.GetEnvironmentVariable("GRID_DATA_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Root, ".artifacts", "data");

    // Test classes run in parallel; two concurrent `./grid` builds into one output folder race.
    private static readonly Lazy<Task> Built = new(BuildAsync);

    /// <summary>Builds the console once per test run (the first caller builds; the others await it).</summary>
    public static Task EnsureBuiltAsync() => Built.Value;

    private static async Task BuildAsync()
    {
        // `./grid --help` builds the console first when its sources changed.
        var (code, _, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(5), Path.Combine(Root, "grid"), "--help");
        if (code != 0 || !File.Exists(GridDll))
        {
            throw new InvalidOperationException($"building the console with ./grid failed (exit {code}): {stderr}");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Grid.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Grid.sln not found above {AppContext.BaseDirectory}");
    }
}
