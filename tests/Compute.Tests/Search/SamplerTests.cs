using Grid.Core.Search;
using Xunit.Abstractions;

namespace Grid.Compute.Tests.Search;

public sealed class SamplerTests(ITestOutputHelper output)
{
    private static readonly SearchSpace Space = new(
        ("learning_rate", new LogUniform(1e-4, 1e-2)),
        ("z_dim", new IntUniform(2, 64)),
        ("batch_size", new Choice([64, 128, 256])),
        ("dropout", new Uniform(0, 0.5)));

    /// <summary>A smooth bowl with its minimum at learning_rate 1e-3, z_dim 40, batch_size 128, dropout 0.1.</summary>
    private static double Objective(Assignment a) =>
        Math.Pow(Math.Log10(a["learning_rate"]) + 3, 2)
        + Math.Pow((a["z_dim"] - 40) / 10, 2)
        + (a["batch_size"] == 128 ? 0 : 1)
        + Math.Pow((a["dropout"] - 0.1) * 4, 2);

    [Fact]
    public void Tpe_proposes_the_same_again_for_the_same_inputs_and_differently_for_another_proposal()
    {
        var observations = Run(new TpeSampler(Space, seed: 3), 15);
        var again = Run(new TpeSampler(Space, seed: 3), 15);
        Assert.Equal(observations, again);

        // Past start-up: the model proposes, deterministically.
        var first = new TpeSampler(Space, seed: 3).Propose(observations, 15);
        Assert.Equal(first, new TpeSampler(Space, seed: 3).Propose(observations, 15));
        Assert.NotEqual(first, new TpeSampler(Space, seed: 3).Propose(observations, 16));
        Assert.NotEqual(first, new TpeSampler(Space, seed: 4).Propose(observations, 15));
    }

    [Fact]
    public void Random_proposals_depend_on_seed_and_index_only()
    {
        var sampler = new RandomSampler(Space, seed: 9);
        Assert.Equal(sampler.Propose([], 5), new RandomSampler(Space, seed: 9).Propose(Run(sampler, 3), 5));
        Assert.NotEqual(sampler.Propose([], 5), sampler.Propose([], 6));
        Assert.NotEqual(sampler.Propose([], 5), new RandomSampler(Space, seed: 10).Propose([], 5));
    }

    [Fact]
    public void Tpe_starts_at_random_and_counts_only_observations_with_values()
    {
        var observations = Run(new RandomSampler(Space, seed: 1), 9)
            .Concat(Enumerable.Range(0, 5).Select(i => (new RandomSampler(Space, seed: 2).Propose([], i), double.NaN)))
            .ToArray();
        var tpe = new TpeSampler(Space, seed: 1);
        // 9 valued observations (the NaNs ignored) are fewer than the 10 start-up trials: still the random proposal.
        Assert.Equal(new RandomSampler(Space, seed: 1).Propose([], 14), tpe.Propose(observations, 14));
        var tenth = observations.Append((new RandomSampler(Space, seed: 1).Propose([], 9), 1.0)).ToArray();
        Assert.NotEqual(new RandomSampler(Space, seed: 1).Propose([], 15), tpe.Propose(tenth, 15));
    }

    [Fact]
    public void Tpe_proposals_stay_in_the_space()
    {
        var observations = Run(new TpeSampler(Space, seed: 5), 60);
        Assert.All(observations, o =>
        {
            Assert.Equal(Space.Dimensions.Select(d => d.Name), o.Point.Keys);
            Assert.All(Space.Dimensions, d => Assert.True(d.Distribution.Contains(o.Point[d.Name]), $"{d.Name}={o.Point[d.Name]} outside {d.Distribution.Describe()}"));
        });
    }

    [Fact]
    public void Tpe_concentrates_on_the_good_region()
    {
        // After 40 random observations, 20 model proposals should land where the objective is low, which 20 more random
        // ones do not: compare the median objective of each, and where the proposals put each dimension.
        var observations = Run(new RandomSampler(Space, seed: 11), 40).ToList();
        var tpe = new TpeSampler(Space, seed: 11);
        var random = new RandomSampler(Space, seed: 11);
        var proposals = Enumerable.Range(40, 20).Select(i => tpe.Propose(observations, i)).ToArray();
        var randomMedian = Median(Enumerable.Range(40, 20).Select(i => Objective(random.Propose(observations, i))));
        var tpeMedian = Median(proposals.Select(Objective));
        var learningRateDistance = Median(proposals.Select(p => Math.Abs(Math.Log10(p["learning_rate"]) + 3)));
        var zDistance = Median(proposals.Select(p => Math.Abs(p["z_dim"] - 40)));
        var goodBatch = proposals.Count(p => p["batch_size"] == 128);
        var summary = FormattableString.Invariant(
            $"median objective TPE {tpeMedian:F3} vs random {randomMedian:F3}; median decades from the best learning rate {learningRateDistance:F2}, from the best z_dim {zDistance}; best batch size {goodBatch} of 20");
        output.WriteLine(summary);
        Assert.True(tpeMedian < 0.5 * randomMedian, summary);
        // A uniform draw's medians: 0.5 decades, 14 z_dims; 1/3 of the batch sizes.
        Assert.True(learningRateDistance < 0.3 && goodBatch > 10, summary);
    }

    /// <summary><paramref name="count"/> proposals in a row, each observed with <see cref="Objective"/>.</summary>
    private static (Assignment Point, double Value)[] Run(ISearchSampler sampler, int count)
    {
        var observations = new List<(Assignment Point, double Value)>();
        for (var i = 0; i < count; i++)
        {
            var point = sampler.Propose(observations, i);
            observations.Add((point, Objective(point)));
        }
        return [.. observations];
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
