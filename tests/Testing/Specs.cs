using System.Text.Json.Nodes;
using Grid.Abstractions.Sweeps;
using Grid.Client.Specs;
using Xunit;

namespace Grid.Testing;

/// <summary>Sweep specs for tests: YAML (or JSON) text to the parser's model, failing the calling test where it must be valid.</summary>
public static class Specs
{
    /// <summary>The smallest valid spec; tests append to it or write their own.</summary>
    public const string Minimal = """
        datasets: [mnist]
        representations: [pixels]
        scalers: [none]
        k: [10]
        """;

    /// <summary>
    /// YAML spec text to the JSON model the parser reads, failing the test on a syntax error. JSON text reads too (it is
    /// YAML's flow style); it is read as YAML all the same, so a root that is not a mapping (<c>[mnist]</c>) reaches the parser.
    /// </summary>
    public static JsonNode? Load(string text)
    {
        var document = SweepSpecReader.Load(text, SpecFormat.Yaml);
        Assert.True(document.Loaded, string.Join("; ", document.Errors));
        return document.Root;
    }

    /// <summary>Parses spec text through <see cref="SweepSpecParser"/> directly (errors carry no source positions).</summary>
    /// <param name="source">The sweep's name when the spec has none.</param>
    public static SpecParseResult Parse(string text, string source = "test") => SweepSpecParser.Parse(Load(text), source);

    /// <summary>Parses a spec that must be valid.</summary>
    /// <param name="source">The sweep's name when the spec has none.</param>
    public static SweepSpec Valid(string text, string source = "test")
    {
        var result = Parse(text, source);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        Assert.Empty(result.Errors);
        return result.Spec!;
    }

    /// <summary>Parses a spec that must have exactly one error, and returns it.</summary>
    public static SpecError SingleError(string text)
    {
        var result = Parse(text);
        Assert.Null(result.Spec);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    /// <summary>The path of an example spec in the repository's examples folder.</summary>
    public static string Example(string fileName) => Repository.PathOf("examples", fileName);
}
