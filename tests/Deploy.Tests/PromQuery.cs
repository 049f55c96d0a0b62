using System.Text.RegularExpressions;

namespace Grid.Deploy.Tests;

/// <summary>The metric selectors of a PromQL expression: <c>name{label="value", …}</c>.</summary>
public sealed partial record PromQuery(IReadOnlyList<PromSelector> Selectors)
{
    public static PromQuery Parse(string query)
    {
        var selectors = Selector().Matches(query).Select(m => new PromSelector(
            m.Groups["name"].Value,
            Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value))).ToList();
        return new PromQuery(selectors);
    }

    [GeneratedRegex(@"(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{(?<labels>[^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*""([^""]*)""")]
    private static partial Regex Label();
}

public sealed record PromSelector(string Name, IReadOnlyDictionary<string, string> Labels);

/// <summary>The Grafana dashboards in deploy/grafana/dashboards.</summary>
public static partial class Dashboards
{
    public static string Folder => Repository.PathOf("deploy", "grafana", "dashboards");

    public static IReadOnlyList<string> Files => Directory.GetFiles(Folder, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToList();

    /// <summary>The Prometheus job every dashboard selects (<c>job="…"</c>): what the scrape must produce.</summary>
    public static string Job
    {
        get
        {
            var jobs = Files.SelectMany(f => JobSelector().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).Distinct().ToList();
            return Assert.Single(jobs);
        }
    }

    // In the JSON the quotes of a PromQL label are escaped: job=\"grid\".
    [GeneratedRegex(@"job=\\""([^\\""]+)\\""")]
    private static partial Regex JobSelector();
}
