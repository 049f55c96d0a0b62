using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Grid.EndToEnd.Tests.LongestFirst", "Grid.EndToEnd.Tests")]

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Starts the test classes (xunit runs each class's tests one after another, two classes at a time) longest first, so
/// that a long class does not start last and run alone at the end: in one CI run the load test (5 to 10 minutes)
/// started six minutes in and was the last to finish. Classes not listed run after these, in xunit's order.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    /// <summary>From the longest (measured in a fresh-clone CI run) to the shortest.</summary>
    private static readonly string[] Order =
    [
        nameof(ReliabilityTests),
        nameof(LoadTests),
        nameof(RedisClusterTests),
        nameof(ClusterRobustnessTests),
        nameof(ResultsPagesEndToEndTests),
        nameof(SecurityEndToEndTests),
        nameof(SweepManagementEndToEndTests),
        nameof(MetricsEndToEndTests),
        nameof(ConsoleEndToEndTests),
    ];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank);

    private static int Rank(ITestCollection collection)
    {
        // A class's own collection is named "Test collection for Namespace.ClassName".
        int index = Array.FindIndex(Order, name => collection.DisplayName.EndsWith("." + name, StringComparison.Ordinal));
        return index < 0 ? Order.Length : index;
    }
}
