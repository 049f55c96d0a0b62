using System.Text.Json.Nodes;
using Grid.Abstractions.Sweeps;
using Grid.Client.Specs;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>Helpers shared by the sweep tests.</summary>
internal static class Specs
{
    /// <summary>The smallest valid spec; tests append to it or write their own.</summary>
    public const string Minimal = """
        datasets: [mnist]
        representations: [pixels]
        scalers: [none]
        k: [10]
        """;

    /// <summary>YAML text to the JSON model, failing the test on a syntax error.</summary>
    public static JsonNode? Yaml(string yaml)
    {
        var document = SweepSpecReader.Load(yaml, SpecFormat.Yaml);
        Assert.True(document.Loaded, string.Join("; ", document.Errors));
        return document.Root;
    }

    /// <summary>Parses YAML through <see cref="SweepSpecParser"/> directly (no source positions).</summary>
    public static SpecParseResult Parse(string yaml) => SweepSpecParser.Parse(Yaml(yaml), "test");

    /// <summary>Parses a spec that must be valid.</summary>
    public static SweepSpec Valid(string yaml)
    {
        var result = Parse(yaml);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        Assert.Empty(result.Errors);
        return result.Spec!;
    }

    /// <summary>Parses a spec that must have exactly one error, and returns it.</summary>
    public static SpecError SingleError(string yaml)
    {
        var result = Parse(yaml);
        Assert.Null(result.Spec);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    /// <summary>The repository root: the nearest directory above the test binaries holding Grid.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Grid.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Grid.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The path of an example spec in the repository's examples folder.</summary>
    public static string Example(string fileName) => Path.Combine(RepositoryRoot(), "examples", fileName);
}
