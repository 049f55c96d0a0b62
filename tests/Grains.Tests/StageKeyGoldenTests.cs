using Grid.Abstractions.Sweeps;
using Grid.Core;
using Grid.Grains.Stages;

namespace Grid.Grains.Tests;

/// <summary>
/// Stage keys are a contract with the artifacts users already have: a stage whose key changes is computed
/// again, and its old artifacts are orphaned. These hashes were taken from the code before the layering of
/// issue #14 and must never change by accident. If a key must change on purpose, bump
/// <see cref="StageKeys.Version"/>, say so in the change, and update the hashes here.
/// </summary>
public sealed class StageKeyGoldenTests
{
    private static readonly KMeansSettings Study = new(KMeansAlgorithm.MiniBatch, 200, 3, 100, 1e-4, 10);

    private static TrialSpec Pixels(string dataset, ScalerKind scaler, int k) =>
        new(dataset, new SplitSpec(2000, 500), new RepresentationSpec(RepresentationKind.Raw), scaler, k, 0, Study);

    private static TrialSpec Codes(ReconstructionLoss loss, ScalerKind scaler, int k) =>
        new("mnist", new SplitSpec(), new RepresentationSpec(RepresentationKind.Autoencoder, new AutoencoderSpec(25, loss, 10, 128, 5e-4)), scaler, k, 0, Study);

    [Theory]
    [InlineData("mnist", ScalerKind.None, 10, "9340aa8628106625303ffa5c0702edb1")]
    [InlineData("mnist", ScalerKind.L2, 225, "721993032d8498f9524267d1f8b8e71c")]
    [InlineData("fashion-mnist", ScalerKind.Standard, 25, "db66615cfa9bb560d08b2c0d782ffbd4")]
    [InlineData("mnist", ScalerKind.Unit, 50, "2dd0ca724728333034dea7039bb5265f")]
    public void A_pixel_clustering_stage_keeps_its_key(string dataset, ScalerKind scaler, int k, string expected) =>
        Assert.Equal(expected, TestKeys.Clustering(Pixels(dataset, scaler, k), null));

    [Theory]
    [InlineData(ReconstructionLoss.Bce, "29cd470caf7468ca569c05c04571b008")]
    [InlineData(ReconstructionLoss.Mse, "79a0b54bfdf7072ec263ad3795b52807")]
    public void An_autoencoder_stage_keeps_its_key(ReconstructionLoss loss, string expected) =>
        Assert.Equal(expected, TestKeys.Autoencoder(Codes(loss, ScalerKind.Standard, 225)));

    [Fact]
    public void Naming_the_seed_network_keeps_the_key_and_another_network_has_its_own()
    {
        var trial = Codes(ReconstructionLoss.Mse, ScalerKind.Standard, 225);
        var ae = trial.Representation.Autoencoder!;
        var named = trial with { Representation = RepresentationSpec.Of(ae with { Architecture = NetworkArchitecture.Conv, InputScaling = InputScaling.Unit }) };
        var mlp = trial with { Representation = RepresentationSpec.Of(ae with { Architecture = NetworkArchitecture.Mlp }) };

        Assert.Equal("79a0b54bfdf7072ec263ad3795b52807", TestKeys.Autoencoder(named));
        Assert.NotEqual("79a0b54bfdf7072ec263ad3795b52807", TestKeys.Autoencoder(mlp));
        Assert.NotEqual(TestKeys.Autoencoder(mlp), TestKeys.Autoencoder(trial with { Representation = RepresentationSpec.Of(ae with { Architecture = NetworkArchitecture.Mlp, Hidden = [64] }) }));
    }

    [Fact]
    public void A_clustering_stage_on_codes_keeps_its_key()
    {
        var trial = Codes(ReconstructionLoss.Bce, ScalerKind.Standard, 225);
        Assert.Equal("6c89e30caf60847ab8500c1c7cf83708", TestKeys.Clustering(trial, TestKeys.Autoencoder(trial)));
    }

    [Fact]
    public void Warm_started_and_sharded_stages_keep_their_keys()
    {
        var warm = Pixels("mnist", ScalerKind.None, 30) with { KMeans = Study with { WarmStart = true }, WarmKs = [10, 20] };
        Assert.Equal(["0d5f5af81a5ba4a325e2fe9eaf111bea", "3bc52f9123dbec4ea07c023801577391", "7cfd51489e6c15115cb7dab224ddf8bd"], TestKeys.Chain(warm).Select(r => r.Hash));
        var sharded = Pixels("mnist", ScalerKind.Standard, 100) with { KMeans = Study with { Shards = KMeansSettings.AutoShards } };
        Assert.Equal("9d3eb0cc7a1401aa32304656f3076ab0", TestKeys.Clustering(sharded, null));
        var full = Pixels("mnist", ScalerKind.None, 25) with { KMeans = KMeansSettings.FullDefaults };
        Assert.Equal("ff22dad9654c1ddae3bd11455d7a4464", TestKeys.Clustering(full, null));
    }

    [Fact]
    public void A_training_that_continues_shorter_ones_keeps_its_key_and_chains_them_first()
    {
        var trial = Codes(ReconstructionLoss.Bce, ScalerKind.Standard, 225);
        var continuing = trial with { PrefixEpochs = [2, 5] };
        string ae = TestKeys.Autoencoder(trial)!;
        TrialSpec WithEpochs(int epochs) => trial with { Representation = RepresentationSpec.Of(trial.Representation.Autoencoder! with { Epochs = epochs }) };

        // Continuing is exact, so the stage is the same stage: its key, and its clustering's, do not change.
        Assert.Equal(["29cd470caf7468ca569c05c04571b008", "6c89e30caf60847ab8500c1c7cf83708"], TestKeys.Chain(trial).Select(r => r.Hash));
        var chain = TestKeys.Chain(continuing);
        Assert.Equal([TestKeys.Autoencoder(WithEpochs(2)), TestKeys.Autoencoder(WithEpochs(5)), ae, "6c89e30caf60847ab8500c1c7cf83708"], chain.Select(r => r.Hash));
        Assert.Equal([2, 5, 10], chain.Take(3).Select(r => r.Trial.Representation.Autoencoder!.Epochs));
        // The candidates a stage may continue: the same autoencoder with every shorter training, longest first.
        var prefixes = new StageKeys(Grid.Core.Datasets.DatasetRegistry.BuiltIn).AutoencoderPrefixes(trial).ToList();
        Assert.Equal(Enumerable.Range(1, 9).Reverse(), prefixes.Select(p => p.Epochs));
        Assert.Equal(TestKeys.Autoencoder(WithEpochs(5)), prefixes.Single(p => p.Epochs == 5).Hash);
    }

    [Fact]
    public void A_trial_keeps_its_id()
    {
        // Trial ids key trial grains and their stored state.
        Assert.Equal("d3109ba68cca6e14", Pixels("mnist", ScalerKind.L2, 225).Id);
        Assert.Equal("f01b629be37a64a6", Codes(ReconstructionLoss.Mse, ScalerKind.None, 10).Id);
    }
}
