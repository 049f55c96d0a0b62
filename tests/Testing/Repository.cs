namespace Grid.Testing;

/// <summary>The repository under test: the nearest folder above the test binaries that holds <c>Grid.sln</c>.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path inside the repository, e.g. <c>Repository.PathOf("examples", "demo.yaml")</c>.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

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
