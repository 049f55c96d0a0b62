using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>A spec's <c>objective:</c>: read, defaulted by the data's labels, and refused where the data cannot give it.</summary>
public sealed class ObjectiveSpecTests
{
    private static readonly DatasetFile File = new("train.npy", new string('a', 64), 1);

    /// <summary>The built-ins and an imported table without labels.</summary>
    private static IDatasetRegistry Registry()
    {
        var registry = DatasetRegistry.WithBuiltIns();
        registry.Register(new DatasetDescriptor("cells", [13], 0, File, null, File, null, 142, 36, DatasetSource.Imported("cells.npy")) { Element = ElementType.Float32 });
        return registry;
    }

    private static SpecParseResult Parse(string datasets, string? objective) =>
        SweepSpecParser.Parse(Specs.Load($"datasets: {datasets}\nrepresentations: [raw]\nscalers: [none]\nk: [3]" +
            (objective is null ? "" : $"\nobjective: {objective}")), "test", Registry());

    private static ObjectiveSpec? Valid(string datasets, string? objective)
    {
        var result = Parse(datasets, objective);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Spec!.Objective;
    }

    [Fact]
    public void Without_an_objective_labelled_data_ranks_by_test_error_and_unlabelled_data_by_silhouette()
    {
        Assert.Equal(new ObjectiveSpec(ObjectiveMetric.TestError, ObjectiveGoal.Minimize), Valid("[mnist]", null));
        Assert.Equal(new ObjectiveSpec(ObjectiveMetric.Silhouette, ObjectiveGoal.Maximize), Valid("[cells]", null));
        Assert.Equal(new ObjectiveSpec(ObjectiveMetric.Silhouette, ObjectiveGoal.Maximize), Valid("[mnist, cells]", null));
    }

    [Theory]
    [InlineData("{ metric: test_error, goal: minimize }", ObjectiveMetric.TestError, ObjectiveGoal.Minimize)]
    [InlineData("{ metric: train_error }", ObjectiveMetric.TrainError, ObjectiveGoal.Minimize)]
    [InlineData("silhouette", ObjectiveMetric.Silhouette, ObjectiveGoal.Maximize)]
    [InlineData("{ metric: davies_bouldin, goal: minimize }", ObjectiveMetric.DaviesBouldin, ObjectiveGoal.Minimize)]
    [InlineData("{ metric: calinski_harabasz, goal: maximize }", ObjectiveMetric.CalinskiHarabasz, ObjectiveGoal.Maximize)]
    public void Every_metric_is_read_with_its_own_goal(string objective, ObjectiveMetric metric, ObjectiveGoal goal) =>
        Assert.Equal(new ObjectiveSpec(metric, goal), Valid("[mnist]", objective));

    [Theory]
    [InlineData("[mnist]", "{ metric: inertia }", "$.objective.metric", "inertia cannot be an objective: it always falls as k grows, so the largest k would always win; use one of test_error, train_error, silhouette, davies_bouldin, calinski_harabasz")]
    [InlineData("[mnist]", "{ metric: silhoutte }", "$.objective.metric", "unknown objective metric 'silhoutte'; did you mean 'silhouette'? known: test_error, train_error, silhouette, davies_bouldin, calinski_harabasz")]
    [InlineData("[mnist, cells]", "{ metric: test_error }", "$.objective.metric", "test_error needs class labels, and cells has none; use a label-free measure (silhouette, davies_bouldin, calinski_harabasz)")]
    [InlineData("[mnist]", "{ metric: silhouette, goal: minimize }", "$.objective.goal", "silhouette is better when higher: its goal is maximize; got minimize")]
    [InlineData("[mnist]", "{ metric: test_error, goal: lowest }", "$.objective.goal", "unknown goal 'lowest'; known: minimize, maximize")]
    [InlineData("[mnist]", "{ goal: minimize }", "$.objective.metric", "objective is a metric or { metric: test_error, goal: minimize }; metric is required")]
    [InlineData("[mnist]", "{ metric: test_error, direction: down }", "$.objective.direction", "unknown key 'direction'")]
    public void An_objective_the_data_cannot_give_or_that_is_no_objective_is_a_spec_error(string datasets, string objective, string path, string message)
    {
        var errors = Parse(datasets, objective).Errors;

        Assert.Contains(errors, e => e.Path == path && e.Message.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_objective_is_written_back_and_read_again_to_an_equal_spec()
    {
        var spec = Parse("[mnist]", "davies_bouldin").Spec!;

        var again = SweepSpecParser.Parse(SweepSpecWriter.ToJson(spec), "test", Registry()).Spec;

        Assert.Equal(spec, again);
        Assert.Equal("davies_bouldin", SweepSpecWriter.ToJson(spec)["objective"]!["metric"]!.GetValue<string>());
    }
}
