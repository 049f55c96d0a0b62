using Grid.Abstractions.Sweeps;
using Grid.Core;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>Ranges, grid order and counts, random sampling, and the trial keys and ids.</summary>
public sealed class SweepExpansionTests
{
    private const string Small = """
        datasets: [mnist, fashion-mnist]
        representations: [pixels, { autoencoder: { z_dim: 16 } }]
        scalers: [none, l2]
        k: [10, 20]
        seeds: [0, 1]
        """;

    [Fact]
    public void Range_expands_with_both_ends_included()
    {
        var spec = Specs.Valid("""
            datasets: [mnist]
            representations: [pixels]
            scalers: [none]
            k: { from: 10, to: 250, step: 10 }
            """);

        Assert.Equal(Enumerable.Range(1, 25).Select(i => i * 10), spec.K);
    }

    [Fact]
    public void Range_stops_at_the_last_step_not_above_to()
    {
        var spec = Specs.Valid("""
            datasets: [mnist]
            representations: [{ autoencoder: { z_dim: { from: 2, to: 10, step: 3 } } }]
            scalers: [none]
            k: [{ from: 2, to: 4 }, 100]
            seeds: { from: 0, to: 2 }
            """);

        Assert.Equal([2, 5, 8], spec.Representations.Select(r => r.Autoencoder!.ZDim));
        Assert.Equal([2, 3, 4, 100], spec.K);
        Assert.Equal([0, 1, 2], spec.Seeds);
    }

    [Fact]
    public void Z_dim_list_becomes_one_representation_each()
    {
        var spec = Specs.Valid("""
            datasets: [mnist]
            representations:
              - pixels
              - autoencoder: { z_dim: [2, 16, 25], loss: mse, epochs: 5, batch_size: 64, learning_rate: 1e-3, reconstructions: true }
            scalers: [none]
            k: [10]
            """);

        Assert.Equal(
            [
                RepresentationSpec.Raw,
                RepresentationSpec.Of(new AutoencoderSpec(2, ReconstructionLoss.Mse, 5, 64, 1e-3, true)),
                RepresentationSpec.Of(new AutoencoderSpec(16, ReconstructionLoss.Mse, 5, 64, 1e-3, true)),
                RepresentationSpec.Of(new AutoencoderSpec(25, ReconstructionLoss.Mse, 5, 64, 1e-3, true)),
            ],
            spec.Representations);
    }

    [Fact]
    public void Grid_counts_every_combination()
    {
        var spec = Specs.Valid(Small);

        var trials = SweepExpansion.Expand(spec);

        Assert.Equal(32, SweepExpansion.GridSize(spec));
        Assert.Equal(32, SweepExpansion.Count(spec));
        Assert.Equal(32, trials.Count);
        Assert.Equal(32, trials.Select(t => t.Key).Distinct().Count());
        Assert.Equal(32, trials.Select(t => t.Id).Distinct().Count());
    }

    [Fact]
    public void Grid_order_is_datasets_representations_seeds_scalers_then_k()
    {
        var trials = SweepExpansion.Expand(Specs.Valid(Small));

        Assert.Equal(
            [
                "mnist/raw/none/k10/s0",
                "mnist/raw/none/k20/s0",
                "mnist/raw/l2/k10/s0",
                "mnist/raw/l2/k20/s0",
                "mnist/raw/none/k10/s1",
                "mnist/raw/none/k20/s1",
                "mnist/raw/l2/k10/s1",
                "mnist/raw/l2/k20/s1",
                "mnist/ae-z16-bce-e40/none/k10/s0",
            ],
            trials.Take(9).Select(t => t.Key));
        Assert.Equal("fashion-mnist/raw/none/k10/s0", trials[16].Key);
        Assert.Equal("fashion-mnist/ae-z16-bce-e40/l2/k20/s1", trials[^1].Key);
    }

    [Fact]
    public void Grid_order_is_the_same_every_time()
    {
        var spec = Specs.Valid(Small);

        Assert.Equal(SweepExpansion.Expand(spec), SweepExpansion.Expand(spec));
    }

    [Fact]
    public void Trials_carry_the_sweeps_shared_settings()
    {
        var spec = Specs.Valid(Small + "\nsplit: { train: 6000 }\nkmeans: { batch_size: 200, n_init: 3 }");

        var trial = SweepExpansion.Expand(spec)[0];

        Assert.Equal(new SplitSpec(6000, 10_000), trial.Split);
        Assert.Equal(KMeansSettings.MiniBatchDefaults with { BatchSize = 200, NInit = 3 }, trial.KMeans);
    }

    [Fact]
    public void Random_sample_is_deterministic_distinct_and_from_the_grid()
    {
        var spec = Specs.Valid(Small + "\nstrategy: { random: { trials: 10, seed: 42 } }");
        var grid = SweepExpansion.Expand(spec with { Strategy = StrategySpec.Grid });

        var first = SweepExpansion.Expand(spec);
        var second = SweepExpansion.Expand(spec);

        Assert.Equal(10, SweepExpansion.Count(spec));
        Assert.Equal(10, first.Count);
        Assert.Equal(first, second);
        Assert.Equal(10, first.Distinct().Count());
        Assert.All(first, trial => Assert.Contains(trial, grid));
        Assert.Equal(first.OrderBy(t => grid.ToList().IndexOf(t)), first);
        Assert.NotEqual(grid.Take(10), first);
    }

    [Fact]
    public void Random_sample_depends_on_the_seed()
    {
        var spec = Specs.Valid(Small + "\nstrategy: { random: { trials: 10, seed: 1 } }");

        var one = SweepExpansion.Expand(spec);
        var other = SweepExpansion.Expand(spec with { Strategy = StrategySpec.Random(10, 2) });

        Assert.NotEqual(one, other);
    }

    [Fact]
    public void Random_sample_is_stable_across_runtimes()
    {
        // SplitMix64 and Floyd's algorithm are fixed by definition: this sample must never change.
        var spec = Specs.Valid(Small + "\nstrategy: { random: { trials: 4, seed: 0 } }");

        Assert.Equal(
            ["mnist/raw/none/k10/s0", "mnist/raw/l2/k10/s0", "mnist/ae-z16-bce-e40/none/k10/s1", "fashion-mnist/raw/none/k10/s1"],
            SweepExpansion.Expand(spec).Select(t => t.Key));
    }

    [Fact]
    public void Random_sample_is_uniform_over_the_grid()
    {
        // 2,000 samples of 8 out of 32: each combination is expected 500 times (σ ≈ 19).
        var spec = Specs.Valid(Small);
        var grid = SweepExpansion.Expand(spec).Select((trial, index) => (trial.Key, index)).ToDictionary();
        var hits = new int[grid.Count];

        for (var seed = 0; seed < 2000; seed++)
        {
            foreach (var trial in SweepExpansion.Expand(spec with { Strategy = StrategySpec.Random(8, seed) }))
            {
                hits[grid[trial.Key]]++;
            }
        }

        Assert.All(hits, count => Assert.InRange(count, 400, 600));
    }

    [Fact]
    public void Random_asking_for_the_whole_grid_gets_it()
    {
        var spec = Specs.Valid(Small + "\nstrategy: { random: { trials: 1000, seed: 3 } }");

        Assert.Equal(32, SweepExpansion.Count(spec));
        Assert.Equal(SweepExpansion.Expand(spec with { Strategy = StrategySpec.Grid }), SweepExpansion.Expand(spec));
    }

    [Fact]
    public void Random_sample_of_a_huge_grid_is_distinct()
    {
        var spec = Specs.Valid("""
            datasets: [mnist, fashion-mnist]
            representations: [pixels]
            scalers: [none, unit, l2, standard]
            k: { from: 2, to: 60000 }
            strategy: { random: { trials: 5000, seed: 9 } }
            """);

        var trials = SweepExpansion.Expand(spec);

        Assert.Equal(479_992, SweepExpansion.GridSize(spec));
        Assert.Equal(5000, trials.Count);
        Assert.Equal(5000, trials.Select(t => t.Id).Distinct().Count());
    }

    [Fact]
    public void Expand_refuses_more_than_the_limit()
    {
        var spec = Specs.Valid(Small) with { K = Enumerable.Range(2, 10_000).ToArray() };

        Assert.True(SweepExpansion.Count(spec) > SweepLimits.MaxTrials);
        Assert.Throws<ArgumentException>(() => SweepExpansion.Expand(spec));
    }

    [Fact]
    public void Key_names_every_axis()
    {
        var trial = new TrialSpec(
            "mnist",
            new SplitSpec(60_000, 10_000),
            RepresentationSpec.Of(new AutoencoderSpec(16)),
            ScalerKind.L2,
            225,
            0,
            KMeansSettings.MiniBatchDefaults);

        Assert.Equal("mnist/ae-z16-bce-e40/l2/k225/s0", trial.Key);
        Assert.Equal("mnist/raw/standard/k10/s3", (trial with { Representation = RepresentationSpec.Raw, Scaler = ScalerKind.Standard, K = 10, Seed = 3 }).Key);
        Assert.Equal("mnist/ae-z2-mse-e5-b64-lr0.001/none/k225/s0", (trial with { Representation = RepresentationSpec.Of(new AutoencoderSpec(2, ReconstructionLoss.Mse, 5, 64, 0.001)), Scaler = ScalerKind.None }).Key);
    }

    [Fact]
    public void Id_is_stable_and_covers_every_field()
    {
        var trial = new TrialSpec(
            "mnist",
            new SplitSpec(60_000, 10_000),
            RepresentationSpec.Of(new AutoencoderSpec(16)),
            ScalerKind.L2,
            225,
            0,
            KMeansSettings.MiniBatchDefaults);

        Assert.Matches("^[0-9a-f]{16}$", trial.Id);
        Assert.Equal(
            "trial/v1|dataset=mnist|train=60000|test=10000|representation=autoencoder(z_dim=16,loss=bce,epochs=40,batch_size=128,learning_rate=0.0005,reconstructions=false)|scaler=l2|k=225|seed=0|kmeans=minibatch(batch_size=1024,n_init=1,max_iter=100,tol=0,max_no_improvement=10)",
            trial.Canonical);
        Assert.Equal(trial.Id, (trial with { }).Id);
        Assert.Equal(trial.Id, new TrialSpec(trial.Dataset, trial.Split, trial.Representation, trial.Scaler, trial.K, trial.Seed, trial.KMeans).Id);
        TrialSpec[] variants =
        [
            trial with { Dataset = "fashion-mnist" },
            trial with { Split = new SplitSpec(6000, 10_000) },
            trial with { Representation = RepresentationSpec.Of(new AutoencoderSpec(16, Reconstructions: true)) },
            trial with { Scaler = ScalerKind.None },
            trial with { K = 224 },
            trial with { Seed = 1 },
            trial with { KMeans = trial.KMeans with { Tol = 1e-4 } },
        ];
        Assert.Equal(variants.Length + 1, variants.Select(v => v.Id).Append(trial.Id).Distinct().Count());
    }
}
