using Grid.Abstractions.Sweeps;
using Grid.Core;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>Each validation rule of <see cref="SweepSpecParser"/>: the path and message of the error it reports.</summary>
public sealed class SpecValidationTests
{
    /// <summary>A spec from the minimal one with some keys replaced (or removed, with a null value), in flow style.</summary>
    private static string Spec(params (string Key, string? Value)[] overrides)
    {
        var keys = new List<KeyValuePair<string, string>>
        {
            new("datasets", "[mnist]"),
            new("representations", "[pixels]"),
            new("scalers", "[none]"),
            new("k", "[10]"),
        };
        foreach (var (key, value) in overrides)
        {
            var index = keys.FindIndex(p => p.Key == key);
            if (index >= 0)
            {
                keys.RemoveAt(index);
            }
            if (value is not null)
            {
                keys.Insert(index >= 0 ? index : keys.Count, new(key, value));
            }
        }
        return string.Join("\n", keys.Select(p => $"{p.Key}: {p.Value}"));
    }

    private static void AssertError(string yaml, string path, string message)
    {
        var error = Specs.SingleError(yaml);
        Assert.Equal(path, error.Path);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Minimal_spec_is_valid_with_defaults()
    {
        var spec = Specs.Valid(Spec());

        Assert.Equal("test", spec.Name);
        Assert.Equal(["mnist"], spec.Datasets);
        Assert.Equal(SplitSpec.All, spec.Split);
        Assert.Equal([RepresentationSpec.Raw], spec.Representations);
        Assert.Equal([ScalerKind.None], spec.Scalers);
        Assert.Equal([10], spec.K);
        Assert.Equal([0], spec.Seeds);
        Assert.Equal(KMeansSettings.MiniBatchDefaults, spec.KMeans);
        Assert.Equal(StrategySpec.Grid, spec.Strategy);
    }

    [Fact]
    public void Unknown_key_near_a_known_one_suggests_it() =>
        AssertError(
            Spec(("representations", "[{ autoencoder: { z_dim: 16, epoch: 3 } }]")),
            "$.representations[0].autoencoder.epoch",
            "unknown key 'epoch'; did you mean 'epochs'?");

    [Fact]
    public void Unknown_key_far_from_every_known_one_lists_them() =>
        AssertError(
            Spec(("colour", "red")),
            "$.colour",
            "unknown key 'colour'; known keys: name, datasets, split, representations, scalers, k, seeds, kmeans, strategy, refine, objective");

    [Fact]
    public void Transposed_letters_count_as_one_edit() =>
        AssertError(
            Spec(("kmeans", "{ n_iint: 3 }")),
            "$.kmeans.n_iint",
            "unknown key 'n_iint'; did you mean 'n_init'?");

    [Theory]
    [InlineData("representations", "[{ autoencoder: { z_dim: 16, epochs: forty } }]", "$.representations[0].autoencoder.epochs", "epochs must be an integer; got the string 'forty'")]
    [InlineData("representations", "[{ autoencoder: { z_dim: 16, reconstructions: yes } }]", "$.representations[0].autoencoder.reconstructions", "reconstructions must be true or false; got the string 'yes'")]
    [InlineData("representations", "[{ autoencoder: { z_dim: 16, learning_rate: fast } }]", "$.representations[0].autoencoder.learning_rate", "learning_rate must be a number; got the string 'fast'")]
    [InlineData("datasets", "{ mnist: 1 }", "$.datasets", "datasets is a list such as [mnist]; got a mapping")]
    [InlineData("k", "[10.5]", "$.k[0]", "k must be an integer; got 10.5")]
    [InlineData("k", "[ten]", "$.k[0]", "k must be an integer; got the string 'ten'")]
    [InlineData("scalers", "[1]", "$.scalers[0]", "expected a scaler name; got 1")]
    [InlineData("split", "100", "$.split", "split is a mapping such as { train: 6000, test: 1000 }; got 100")]
    [InlineData("seeds", "[[0]]", "$.seeds[0]", "seed must be an integer; got a list")]
    [InlineData("name", "[a]", "$.name", "expected a string; got a list")]
    public void WrongTypeIsRejected(string key, string value, string path, string message) =>
        AssertError(Spec((key, value)), path, message);

    [Theory]
    [InlineData("datasets", "[]", "datasets must not be empty, e.g. datasets: [mnist]")]
    [InlineData("representations", "[]", "representations must not be empty, e.g. representations: [raw, { autoencoder: { z_dim: 16 } }]")]
    [InlineData("scalers", "[]", "scalers must not be empty, e.g. scalers: [none, l2]")]
    [InlineData("k", "[]", "k must not be empty, e.g. k: [10, 25, 225] or { from: 10, to: 250, step: 10 }")]
    [InlineData("seeds", "[]", "seeds must not be empty, e.g. seeds: [0, 1]")]
    public void Empty_axis_is_rejected(string key, string value, string message) =>
        AssertError(Spec((key, value)), "$." + key, message);

    [Fact]
    public void Empty_z_dim_list_is_rejected() =>
        AssertError(
            Spec(("representations", "[{ autoencoder: { z_dim: [] } }]")),
            "$.representations[0].autoencoder.z_dim",
            "z_dim must not be empty, e.g. z_dim: 16 or [2, 16, 25]");

    [Theory]
    [InlineData("0", "$.representations[0].autoencoder.z_dim", "z_dim must be between 1 and 256; got 0")]
    [InlineData("[16, 257]", "$.representations[0].autoencoder.z_dim[1]", "z_dim must be between 1 and 256; got 257")]
    [InlineData("{ from: 200, to: 300, step: 50 }", "$.representations[0].autoencoder.z_dim.to", "z_dim must be between 1 and 256; got 300")]
    public void Z_dim_outside_one_to_256_is_rejected(string zDim, string path, string message) =>
        AssertError(Spec(("representations", $"[{{ autoencoder: {{ z_dim: {zDim} }} }}]")), path, message);

    [Theory]
    [InlineData("[1, 10]", "$.k[0]", "k must be at least 2; got 1")]
    [InlineData("{ from: 0, to: 20, step: 10 }", "$.k.from", "k must be at least 2; got 0")]
    public void K_below_two_is_rejected(string k, string path, string message) =>
        AssertError(Spec(("k", k)), path, message);

    [Fact]
    public void K_above_the_datasets_training_rows_is_rejected() =>
        AssertError(
            Spec(("datasets", "[mnist, fashion-mnist]"), ("k", "[10, 60001]")),
            "$.k[1]",
            "k 60001 exceeds the 60000 training rows of mnist");

    [Theory]
    [InlineData("[50, 101]", "$.k[1]", "k 101 exceeds the 100 training rows that split.train keeps")]
    [InlineData("{ from: 50, to: 150, step: 50 }", "$.k.to", "k 150 exceeds the 100 training rows that split.train keeps")]
    public void K_above_the_splits_training_rows_is_rejected(string k, string path, string message) =>
        AssertError(Spec(("split", "{ train: 100 }"), ("k", k)), path, message);

    [Theory]
    [InlineData("[raw]")]
    [InlineData("[pixels]")]
    [InlineData("[{ raw: {} }]")]
    [InlineData("[{ pixels: {} }]")]
    public void Raw_and_its_alias_pixels_are_one_representation_named_raw(string representations)
    {
        var trial = Assert.Single(SweepExpansion.Expand(Specs.Valid(Spec(("representations", representations)))));

        Assert.Equal(RepresentationSpec.Raw, trial.Representation);
        Assert.Equal("mnist/raw/none/k10/s0", trial.Key);
    }

    [Theory]
    [InlineData("{ train: 70000 }", "$.split.train", "split.train 70000 exceeds the 60000 train rows of mnist; ask for at most 60000, or leave split.train out to use them all")]
    [InlineData("{ train: 6000, test: 10001 }", "$.split.test", "split.test 10001 exceeds the 10000 test rows of mnist; ask for at most 10000, or leave split.test out to use them all")]
    public void Split_above_the_datasets_rows_is_rejected(string split, string path, string message) =>
        AssertError(Spec(("split", split)), path, message);

    [Fact]
    public void Split_of_exactly_the_datasets_rows_is_accepted()
    {
        var spec = Specs.Valid(Spec(("split", "{ train: 60000, test: 10000 }")));

        Assert.Equal(new SplitSpec(60_000, 10_000), Assert.Single(SweepExpansion.Expand(spec)).Split);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Epochs_outside_one_to_1000_are_rejected(int epochs) =>
        AssertError(
            Spec(("representations", $"[{{ autoencoder: {{ z_dim: 16, epochs: {epochs} }} }}]")),
            "$.representations[0].autoencoder.epochs",
            $"epochs must be between 1 and 1000; got {epochs}");

    [Fact]
    public void More_than_100000_trials_are_rejected() =>
        AssertError(
            Spec(("scalers", "[none, l2]"), ("k", "{ from: 2, to: 60000 }")),
            "$",
            "the sweep expands to 119,998 trials (datasets 1 × representations 1 × seeds 1 × scalers 2 × k 59999); at most 100,000 are allowed: narrow an axis, or sample with strategy { random: { trials: N } }");

    [Fact]
    public void Random_sample_of_a_huge_grid_is_allowed()
    {
        var spec = Specs.Valid(Spec(("scalers", "[none, l2]"), ("k", "{ from: 2, to: 60000 }"), ("strategy", "{ random: { trials: 50, seed: 7 } }")));

        Assert.Equal(119_998, SweepExpansion.GridSize(spec));
        Assert.Equal(50, SweepExpansion.Count(spec));
    }

    [Theory]
    [InlineData("representations", "[{ autoencoder: { z_dim: 16, learning_rate: .nan } }]", "$.representations[0].autoencoder.learning_rate", "learning_rate must be a finite number; got NaN")]
    [InlineData("kmeans", "{ tol: .inf }", "$.kmeans.tol", "tol must be a finite number; got infinity")]
    [InlineData("k", "[10, -.inf]", "$.k[1]", "k must be a finite number; got -infinity")]
    [InlineData("representations", "[{ autoencoder: { z_dim: 16, epochs: .NaN } }]", "$.representations[0].autoencoder.epochs", "epochs must be a finite number; got NaN")]
    public void NaN_and_infinity_are_rejected(string key, string value, string path, string message) =>
        AssertError(Spec((key, value)), path, message);

    [Fact]
    public void Unknown_dataset_is_rejected_with_the_known_ones() =>
        AssertError(
            Spec(("datasets", "[mnist, mnsit]")),
            "$.datasets[1]",
            "unknown dataset 'mnsit'; did you mean 'mnist'? known: mnist, fashion-mnist");

    [Fact]
    public void Unknown_scaler_is_rejected_with_the_known_ones() =>
        AssertError(
            Spec(("scalers", "[none, minmax]")),
            "$.scalers[1]",
            "unknown scaler 'minmax'; known: none, unit, l2, standard");

    [Fact]
    public void Unknown_loss_is_rejected_with_the_known_ones() =>
        AssertError(
            Spec(("representations", "[{ autoencoder: { z_dim: 16, loss: mae } }]")),
            "$.representations[0].autoencoder.loss",
            "unknown loss 'mae'; did you mean 'mse'? known: bce, mse");

    [Fact]
    public void Unknown_algorithm_is_rejected_with_the_known_ones() =>
        AssertError(
            Spec(("kmeans", "{ algorithm: elkan }")),
            "$.kmeans.algorithm",
            "unknown algorithm 'elkan'; known: minibatch, full");

    [Fact]
    public void Unknown_representation_is_rejected_with_the_known_ones() =>
        AssertError(
            Spec(("representations", "[pixel]")),
            "$.representations[0]",
            "unknown representation 'pixel'; did you mean 'pixels'? known: raw, pixels, autoencoder");

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    public void Range_step_not_positive_is_rejected(int step) =>
        AssertError(
            Spec(("k", $"{{ from: 10, to: 250, step: {step} }}")),
            "$.k.step",
            $"step must be positive; got {step}");

    [Fact]
    public void Range_from_after_to_is_rejected() =>
        AssertError(
            Spec(("k", "{ from: 250, to: 10, step: 10 }")),
            "$.k",
            "from (250) must not be greater than to (10)");

    [Theory]
    [InlineData("k", "[10, 20, 10]", "$.k[2]", "duplicate k 10 (already at $.k[0])")]
    [InlineData("k", "[{ from: 10, to: 50, step: 10 }, 30]", "$.k[1]", "duplicate k 30 (already at $.k[0])")]
    [InlineData("datasets", "[mnist, MNIST]", "$.datasets[1]", "duplicate dataset mnist (already at $.datasets[0])")]
    [InlineData("scalers", "[l2, none, l2]", "$.scalers[2]", "duplicate scaler l2 (already at $.scalers[0])")]
    [InlineData("seeds", "[0, 1, 1]", "$.seeds[2]", "duplicate seed 1 (already at $.seeds[1])")]
    [InlineData("representations", "[pixels, { autoencoder: { z_dim: [16, 16] } }]", "$.representations[1].autoencoder.z_dim[1]", "duplicate z_dim 16 (already at $.representations[1].autoencoder.z_dim[0])")]
    [InlineData("representations", "[{ autoencoder: { z_dim: 16 } }, { autoencoder: { z_dim: 16, reconstructions: true } }]", "$.representations[1].autoencoder.z_dim", "duplicate representation ae-z16-bce-e40 (already at $.representations[0].autoencoder.z_dim)")]
    public void DuplicateValuesInAnAxisAreRejected(string key, string value, string path, string message) =>
        AssertError(Spec((key, value)), path, message);

    [Fact]
    public void Autoencoders_differing_in_learning_rate_are_distinct()
    {
        var spec = Specs.Valid(Spec(("representations", "[{ autoencoder: { z_dim: 16 } }, { autoencoder: { z_dim: 16, learning_rate: 0.001 } }]")));

        Assert.Equal(["ae-z16-bce-e40", "ae-z16-bce-e40-lr0.001"], spec.Representations.Select(r => r.Label));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Random_strategy_with_fewer_than_one_trial_is_rejected(int trials) =>
        AssertError(
            Spec(("strategy", $"{{ random: {{ trials: {trials}, seed: 0 }} }}")),
            "$.strategy.random.trials",
            $"trials must be at least 1; got {trials}");

    [Fact]
    public void Random_strategy_without_settings_is_rejected() =>
        AssertError(Spec(("strategy", "random")), "$.strategy", "random needs its settings, e.g. { random: { trials: 50, seed: 0 } }");

    [Fact]
    public void Missing_required_axes_are_each_rejected()
    {
        var result = Specs.Parse("name: nothing-else");

        Assert.Null(result.Spec);
        Assert.Equal(
            [
                new SpecError("$.datasets", "datasets is required, e.g. datasets: [mnist]"),
                new SpecError("$.representations", "representations is required, e.g. representations: [raw, { autoencoder: { z_dim: 16 } }]"),
                new SpecError("$.scalers", "scalers is required, e.g. scalers: [none, l2]"),
                new SpecError("$.k", "k is required, e.g. k: [10, 25, 225] or { from: 10, to: 250, step: 10 }"),
            ],
            result.Errors);
    }

    [Fact]
    public void Autoencoder_without_settings_is_rejected() =>
        AssertError(Spec(("representations", "[autoencoder]")), "$.representations[0]", "autoencoder needs its settings, e.g. { autoencoder: { z_dim: 16 } }");

    [Fact]
    public void Autoencoder_without_z_dim_is_rejected() =>
        AssertError(
            Spec(("representations", "[{ autoencoder: { epochs: 3 } }]")),
            "$.representations[0].autoencoder.z_dim",
            "z_dim is required, e.g. z_dim: 16 or [2, 16, 25]");

    [Fact]
    public void Minibatch_only_settings_are_rejected_for_full_kmeans()
    {
        var result = Specs.Parse(Spec(("kmeans", "{ algorithm: full, batch_size: 200, max_no_improvement: 5 }")));

        Assert.Null(result.Spec);
        Assert.Equal(
            [
                new SpecError("$.kmeans.batch_size", "batch_size applies only to algorithm minibatch"),
                new SpecError("$.kmeans.max_no_improvement", "max_no_improvement applies only to algorithm minibatch"),
            ],
            result.Errors);
    }

    [Fact]
    public void Full_kmeans_takes_a_method_that_leaves_its_description_and_so_the_stage_key_alone()
    {
        var spec = Specs.Valid(Spec(("kmeans", "{ algorithm: full, method: yinyang }")));
        var plain = Specs.Valid(Spec(("kmeans", "{ algorithm: full }")));

        Assert.Equal(KMeansMethod.Yinyang, spec.KMeans.Method);
        Assert.Equal(KMeansMethod.Auto, plain.KMeans.Method);
        Assert.Equal(plain.KMeans.Describe(), spec.KMeans.Describe());
        AssertError(Spec(("kmeans", "{ method: elkan }")), "$.kmeans.method", "method applies only to algorithm full (mini-batch steps assign a batch, not every row)");
        Assert.Contains(Specs.Parse(Spec(("kmeans", "{ algorithm: full, method: fast }"))).Errors, e => e.Path == "$.kmeans.method");
    }

    [Fact]
    public void Full_kmeans_gets_scikit_learns_kmeans_defaults()
    {
        var spec = Specs.Valid(Spec(("kmeans", "{ algorithm: full, n_init: 10 }")));

        Assert.Equal(new KMeansSettings(KMeansAlgorithm.Full, null, 10, 300, 1e-4, null), spec.KMeans);
    }

    [Fact]
    public void Invalid_name_is_rejected() =>
        AssertError(
            Spec(("name", "'my/sweep'")),
            "$.name",
            "name must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit; got 'my/sweep'");

    [Fact]
    public void Default_name_is_made_safe()
    {
        var spec = SweepSpecParser.Parse(Specs.Load(Spec()), "my study (v2)").Spec;

        Assert.Equal("my-study-v2", spec?.Name);
    }

    [Fact]
    public void Empty_document_is_rejected()
    {
        var result = SweepSpecParser.Parse(null, "x");

        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.StartsWith("the spec is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Root_that_is_not_a_mapping_is_rejected() =>
        AssertError("[mnist]", "$", "a sweep spec is a mapping with the keys name, datasets, split, representations, scalers, k, seeds, kmeans, strategy, refine, objective; got a list");

    [Fact]
    public void Names_ignore_case()
    {
        var spec = Specs.Valid(Spec(("datasets", "[Fashion-MNIST]"), ("scalers", "[L2, Standard]"), ("kmeans", "{ algorithm: Full }")));

        Assert.Equal(["fashion-mnist"], spec.Datasets);
        Assert.Equal([ScalerKind.L2, ScalerKind.Standard], spec.Scalers);
        Assert.Equal(KMeansAlgorithm.Full, spec.KMeans.Algorithm);
    }

    [Fact]
    public void Single_values_stand_for_lists_of_one()
    {
        var spec = Specs.Valid(Spec(("datasets", "mnist"), ("scalers", "l2"), ("k", "25"), ("seeds", "3"), ("representations", "{ autoencoder: { z_dim: 8 } }")));

        Assert.Equal(["mnist"], spec.Datasets);
        Assert.Equal([ScalerKind.L2], spec.Scalers);
        Assert.Equal([25], spec.K);
        Assert.Equal([3], spec.Seeds);
        Assert.Equal(8, Assert.Single(spec.Representations).Autoencoder?.ZDim);
    }

    [Fact]
    public void Several_problems_are_all_listed()
    {
        var yaml = """
            name: broken
            datasets: [mnist, cifar]
            representations:
              - pixels
              - autoencoder: { z_dim: [16, 300], loss: bce, epochs: 0, learning_rate: .nan }
            scalers: [l2, l2]
            k: { from: 10, to: 100, step: 0 }
            seeds: [0]
            kmeans: { algorithm: minibatch, bach_size: 200 }
            strategy: { random: { trials: 0 } }
            """;

        var result = Specs.Parse(yaml);

        Assert.Null(result.Spec);
        Assert.Equal(
            [
                "$.datasets[1]",
                "$.representations[1].autoencoder.z_dim[1]",
                "$.representations[1].autoencoder.epochs",
                "$.representations[1].autoencoder.learning_rate",
                "$.scalers[1]",
                "$.k.step",
                "$.kmeans.bach_size",
                "$.strategy.random.trials",
            ],
            result.Errors.Select(e => e.Path));
        Assert.Contains("did you mean 'batch_size'?", result.Errors.Single(e => e.Path == "$.kmeans.bach_size").Message, StringComparison.Ordinal);
    }
}
