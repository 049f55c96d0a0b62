using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;

namespace Grid.Abstractions.Tests.Runs;

/// <summary>
/// Successive halving's decisions, from the sweep's trials alone: rungs, asynchronous promotion of the top 1/η of the arms
/// that completed a rung, pruning once a rung can receive no more arms, and the spec's checks.
/// </summary>
public sealed class AshaTests
{
    /// <summary>Nine arms (z_dim × learning_rate), one scaler and one k: one trial per arm and rung; rungs 1, 3 and 9 epochs.</summary>
    private static readonly SweepSpec Nine = Specs.Valid("""
        datasets: [mnist]
        split: { train: 1000, test: 200 }
        representations: [raw, { autoencoder: { z_dim: [8, 16, 32], learning_rate: [3.0e-4, 1.0e-3, 3.0e-3] } }]
        scalers: [l2]
        k: [50]
        strategy: { asha: { max_epochs: 9, min_epochs: 1, reduction: 3 } }
        """);

    /// <summary>Two arms, fewer than the reduction factor 3; rungs 1 and 3 epochs.</summary>
    private static readonly SweepSpec Two = Specs.Valid("""
        datasets: [mnist]
        representations: [{ autoencoder: { z_dim: [8, 16] } }]
        scalers: [l2]
        k: [50]
        strategy: { asha: { max_epochs: 3, reduction: 3 } }
        """);

    private static readonly ObjectiveSpec TestError = ObjectiveSpec.Of(Grid.Core.ObjectiveMetric.TestError);

    private static TrialStatus Pending(TrialSpec spec) => new($"s/{spec.Id}", spec, TrialState.Pending, null, null, null, 0, 0);

    private static TrialStatus Done(TrialStatus trial, double testError) => trial with
    {
        State = TrialState.Succeeded,
        Result = new ClusteringResult(testError, testError, 1, 1, 0, 10, [], 0),
    };

    /// <summary>A test error per arm that the arms' order does not give away: z_dim 16 with lr 1e-3 is best, then lower errors by a fixed formula.</summary>
    private static double ErrorOf(TrialSpec spec) =>
        spec.Representation.Autoencoder is { } ae ? 0.1 + Math.Abs(Math.Log2(ae.ZDim / 16.0)) * 0.01 + Math.Abs(Math.Log10(ae.LearningRate / 1e-3)) * 0.02 - ae.Epochs * 0.001 : 0.2;

    [Theory]
    [InlineData(9, 1, 3, new[] { 1, 3, 9 })]
    [InlineData(27, 1, 3, new[] { 1, 3, 9, 27 })]
    [InlineData(10, 2, 3, new[] { 2, 6, 10 })]
    [InlineData(4, 4, 2, new[] { 4 })]
    public void Rungs_grow_by_the_reduction_factor_up_to_max_epochs(int max, int min, int reduction, int[] rungs) =>
        Assert.Equal(rungs, StrategySpec.Asha(max, min, reduction).Rungs);

    [Fact]
    public void Every_arm_starts_at_the_first_rung_and_raw_features_run_once()
    {
        var trials = SweepExpansion.Expand(Nine);

        Assert.Equal(10, trials.Count);
        Assert.Single(trials, t => t.Representation.Autoencoder is null);
        Assert.All(trials.Where(t => t.Representation.Autoencoder is not null), t => Assert.Equal((1, null), (t.Representation.Autoencoder!.Epochs, t.PrefixEpochs)));
        // The spec keeps max_epochs: that is what the surviving autoencoders reach.
        Assert.All(Nine.Representations.Where(r => r.Autoencoder is not null), r => Assert.Equal(9, r.Autoencoder!.Epochs));
    }

    [Fact]
    public void Arms_are_promoted_as_soon_as_they_are_in_the_top_third_and_pruned_once_their_rung_is_closed()
    {
        var trials = SweepExpansion.Expand(Nine).Select(Pending).ToList();
        var arms = trials.Where(t => t.Spec.Representation.Autoencoder is not null).ToList();

        // Two arms done: the top ⌊2/3⌋ = 0 go on. Three done: the best of those three is promoted at once.
        trials = trials.Select(t => t == arms[0] || t == arms[1] ? Done(t, ErrorOf(t.Spec)) : t).ToList();
        Assert.Empty(Asha.Decide(Nine.Strategy, trials, TestError).Promote);
        trials = trials.Select(t => t.TrialId == arms[2].TrialId ? Done(t, ErrorOf(t.Spec)) : t).ToList();
        var first = Asha.Decide(Nine.Strategy, trials, TestError);
        var promoted = Assert.Single(first.Promote);
        var bestOfThree = arms.Take(3).MinBy(t => ErrorOf(t.Spec))!.Spec;
        Assert.Equal(Asha.AtRung(bestOfThree, [1, 3, 9], 1).Id, promoted.Id);
        Assert.Equal(3, promoted.Representation.Autoencoder!.Epochs);
        Assert.Equal([1], promoted.PrefixEpochs!);
        // Nothing is pruned while arms still run at the first rung.
        Assert.Empty(first.Prune);

        // Every arm done at rung 1, the promoted one running at rung 3: the top 3 are promoted, the other 6 pruned.
        trials = trials.Select(t => t.State == TrialState.Pending ? Done(t, ErrorOf(t.Spec)) : t).Append(Pending(promoted)).ToList();
        var second = Asha.Decide(Nine.Strategy, trials, TestError);
        var top3 = arms.Select(a => a.Spec).OrderBy(ErrorOf).Take(3).Select(s => Asha.AtRung(s, [1, 3, 9], 1).Id).ToHashSet();
        Assert.Subset(top3, second.Promote.Select(t => t.Id).Append(promoted.Id).ToHashSet());
        Assert.Equal(6, second.Prune.Count);
        Assert.Equal(6, second.Arms.Count(a => a.State == AshaArmState.Pruned));
        Assert.DoesNotContain(second.Prune, id => trials.Single(t => t.TrialId == id).Spec.Representation.Autoencoder is null);

        // Rung 3 done: the best arm goes to 9 epochs and reaches the end; the others at rung 3 are pruned.
        trials = trials.Select(t => second.Prune.Contains(t.TrialId) ? t with { State = TrialState.Pruned } : t)
            .Concat(second.Promote.Select(Pending)).ToList();
        trials = trials.Select(t => t.State == TrialState.Pending ? Done(t, ErrorOf(t.Spec)) : t).ToList();
        var third = Asha.Decide(Nine.Strategy, trials, TestError);
        var winner = Assert.Single(third.Promote);
        Assert.Equal((16, 1e-3, 9), (winner.Representation.Autoencoder!.ZDim, winner.Representation.Autoencoder.LearningRate, winner.Representation.Autoencoder.Epochs));
        Assert.Equal([1, 3], winner.PrefixEpochs!);
        trials = trials.Select(t => third.Prune.Contains(t.TrialId) ? t with { State = TrialState.Pruned } : t).Append(Done(Pending(winner), 0.05)).ToList();
        var last = Asha.Decide(Nine.Strategy, trials, TestError);
        Assert.Empty(last.Promote);
        Assert.Empty(last.Prune);
        Assert.Equal(8, last.Arms.Count(a => a.State == AshaArmState.Pruned));
        var finished = Assert.Single(last.Arms, a => a.State == AshaArmState.Finished);
        Assert.Equal("ae-z16-bce-e9-lr0.001", finished.Label);
        Assert.Equal([1, 3, 9], finished.Rungs.Select(r => r.Epochs));
        Assert.Equal(0.05, finished.Rungs[^1].Score);
    }

    [Fact]
    public void With_fewer_arms_than_the_reduction_factor_the_best_goes_on_once_its_rung_is_closed()
    {
        var trials = SweepExpansion.Expand(Two).Select(Pending).ToList();
        trials = [Done(trials[0], 0.3), trials[1]];
        Assert.Empty(Asha.Decide(Two.Strategy, trials, TestError).Promote);

        trials = [trials[0], Done(trials[1], 0.2)];
        var closed = Asha.Decide(Two.Strategy, trials, TestError);

        // ⌊2 / 3⌋ = 0 would promote none: once both ended, the better one goes on and the other is pruned.
        var promoted = Assert.Single(closed.Promote);
        Assert.Equal((trials[1].Spec.Representation.Autoencoder!.ZDim, 3), (promoted.Representation.Autoencoder!.ZDim, promoted.Representation.Autoencoder.Epochs));
        Assert.Equal([trials[0].TrialId], closed.Prune);
    }

    [Fact]
    public void While_a_sampler_may_add_arms_no_rung_closes()
    {
        var trials = SweepExpansion.Expand(Two).Select(Pending).Select((t, i) => Done(t, 0.3 - i * 0.1)).ToList();

        Assert.Empty(Asha.Decide(Two.Strategy, trials, TestError, moreArms: true).Prune);
        Assert.Empty(Asha.Decide(Two.Strategy, trials, TestError, moreArms: true).Promote);
        Assert.Single(Asha.Decide(Two.Strategy, trials, TestError, moreArms: false).Prune);
    }

    [Fact]
    public void An_arm_whose_trials_all_failed_is_never_promoted()
    {
        var trials = SweepExpansion.Expand(Nine).Select(Pending).ToList();
        var arms = trials.Where(t => t.Spec.Representation.Autoencoder is not null).Take(3).ToList();
        var best = arms.MinBy(a => ErrorOf(a.Spec))!;
        trials = trials.Select(t => t == best ? t with { State = TrialState.Failed, Error = "boom" } : arms.Contains(t) ? Done(t, ErrorOf(t.Spec)) : t).ToList();

        Assert.DoesNotContain(Asha.Decide(Nine.Strategy, trials, TestError).Promote, p => p.Representation.Autoencoder! with { Epochs = 1 } == best.Spec.Representation.Autoencoder);
    }

    [Theory]
    [InlineData("{ asha: { max_epochs: 9, reduction: 1 } }", "$.strategy.asha.reduction", "reduction must be between 2 and 100; got 1")]
    [InlineData("{ asha: { max_epochs: 3, min_epochs: 9 } }", "$.strategy.asha.min_epochs", "min_epochs (9) must not be greater than max_epochs (3)")]
    [InlineData("{ asha: { min_epochs: 1 } }", "$.strategy.asha.max_epochs", "max_epochs is required: the epochs the best autoencoders are trained for")]
    [InlineData("{ asha: { max_epochs: 9, eta: 3 } }", "$.strategy.asha.eta", "unknown key 'eta'; known keys: max_epochs, min_epochs, reduction, seed, sampler, trials, startup")]
    [InlineData("asha", "$.strategy", "asha needs its settings, e.g. { asha: { max_epochs: 27, min_epochs: 1, reduction: 3 } }")]
    public void Bad_asha_settings_are_spec_errors_with_their_paths(string strategy, string path, string message)
    {
        var error = Specs.Parse($"{Specs.Minimal}\nrepresentations: [{{ autoencoder: {{ z_dim: 4 }} }}]\nstrategy: {strategy}".Replace("representations: [pixels]\n", "")).Errors.First();

        Assert.Equal((path, message), (error.Path, error.Message));
    }

    [Fact]
    public void Asha_needs_an_autoencoder_and_epochs_that_equal_max_epochs()
    {
        var noAutoencoder = Specs.Parse($"{Specs.Minimal}\nstrategy: {{ asha: {{ max_epochs: 9 }} }}").Errors.Single();
        var otherEpochs = Specs.Parse("datasets: [mnist]\nrepresentations: [{ autoencoder: { z_dim: 4, epochs: [3, 9] } }]\nscalers: [none]\nk: [10]\nstrategy: { asha: { max_epochs: 9 } }").Errors.Single();

        Assert.Equal("$.strategy.asha", noAutoencoder.Path);
        Assert.StartsWith("asha stops autoencoder trainings early, and the sweep has no autoencoder", noAutoencoder.Message);
        Assert.Equal("$.representations[0].autoencoder.epochs[0]", otherEpochs.Path);
        Assert.StartsWith("with strategy asha the autoencoders train up to max_epochs (9)", otherEpochs.Message);
    }
}
