using Grid.Abstractions.Sweeps;

namespace Grid.Abstractions.Tests.Sweeps;

public sealed class ShardsSpecTests
{
    private const string Base = "datasets: [mnist]\nrepresentations: [pixels]\nscalers: [none]\nk: [10, 50]\n";

    [Fact]
    public void Without_shards_k_means_runs_in_one_process()
    {
        var spec = Specs.Valid(Base);
        Assert.Null(spec.KMeans.Shards);
        Assert.DoesNotContain("sharded", spec.KMeans.Describe());
    }

    [Theory]
    [InlineData("kmeans: { shards: 3 }\n", 3)]
    [InlineData("kmeans: { shards: auto }\n", KMeansSettings.AutoShards)]
    [InlineData("kmeans: { batch_size: 200, shards: AUTO }\n", KMeansSettings.AutoShards)]
    public void Shards_are_read(string kmeans, int expected)
    {
        var spec = Specs.Valid(Base + kmeans);
        Assert.Equal(expected, spec.KMeans.Shards);
        Assert.EndsWith(",sharded)", spec.KMeans.Describe());
    }

    [Fact]
    public void One_shard_is_the_single_process_fit()
    {
        Assert.Null(Specs.Valid(Base + "kmeans: { shards: 1 }\n").KMeans.Shards);
    }

    [Fact]
    public void The_shard_count_does_not_change_the_stage_identity()
    {
        // A sharded fit draws one random sequence over all rows, so 2 and 5 shards give the same result.
        Assert.Equal(
            Specs.Valid(Base + "kmeans: { shards: 2 }\n").KMeans.Describe(),
            Specs.Valid(Base + "kmeans: { shards: auto }\n").KMeans.Describe());
    }

    [Theory]
    [InlineData("kmeans: { shards: 0 }\n", "$.kmeans.shards", "shards")]
    [InlineData("kmeans: { shards: many }\n", "$.kmeans.shards", "a whole number ≥ 1 or auto")]
    [InlineData("kmeans: { algorithm: full, shards: 2 }\n", "$.kmeans.shards", "applies only to algorithm minibatch")]
    public void Bad_shards_are_rejected_with_their_path(string kmeans, string path, string message)
    {
        var error = Specs.SingleError(Base + kmeans);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("kmeans: { shards: 4 }\n")]
    [InlineData("kmeans: { shards: auto }\n")]
    public void Shards_survive_writing_and_reading_back(string kmeans)
    {
        var spec = Specs.Valid(Base + kmeans);
        var again = SweepSpecParser.Parse(SweepSpecWriter.ToJson(spec), "test").Spec;
        Assert.Equal(spec, again);
    }
}
