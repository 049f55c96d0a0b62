namespace Grid.Deploy.Tests;

/// <summary>Paths of the repository under test.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string K8s => Path.Combine(Deploy, "k8s");

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
