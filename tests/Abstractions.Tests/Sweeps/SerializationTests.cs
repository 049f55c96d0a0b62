using Grid.Abstractions.Sweeps;
using Grid.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>Every sweep record survives Orleans serialization and deep copying.</summary>
public sealed class SerializationTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(SweepSpec).Assembly))
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private static readonly SweepSpec _seedStudy = Specs.Valid("""
        name: round-trip
        datasets: [mnist, fashion-mnist]
        split: { train: 6000 }
        representations: [pixels, { autoencoder: { z_dim: [2, 16], loss: mse, epochs: 3, learning_rate: 0.001, reconstructions: true } }]
        scalers: [none, unit, l2, standard]
        k: [{ from: 10, to: 30, step: 10 }, 225]
        seeds: [0, 1]
        kmeans: { algorithm: minibatch, batch_size: 200, n_init: 3, tol: 1e-4 }
        strategy: { random: { trials: 7, seed: 3 } }
        """);

    public static TheoryData<object> Records() => new(
        _seedStudy,
        _seedStudy with { Strategy = StrategySpec.Grid, KMeans = KMeansSettings.FullDefaults },
        _seedStudy with { Objective = ObjectiveSpec.Of(ObjectiveMetric.DaviesBouldin) },
        ObjectiveSpec.Of(ObjectiveMetric.CalinskiHarabasz),
        SweepExpansion.Expand(_seedStudy)[^1],
        RepresentationSpec.Raw,
        RepresentationSpec.Of(new AutoencoderSpec(25, ReconstructionLoss.Mse, 3, 64, 1e-3, true)),
        new AutoencoderSpec(16),
        KMeansSettings.MiniBatchDefaults,
        KMeansSettings.FullDefaults,
        SplitSpec.All,
        new SplitSpec(6000, 1000),
        StrategySpec.Grid,
        StrategySpec.Random(50, 9),
        new SpecError("$.k[0]", "k must be at least 2; got 1", 8, 5),
        new SpecError("$", "the spec is empty"),
        new SpecParseResult(_seedStudy, Array.Empty<SpecError>()),
        SweepSpecParser.Parse(Specs.Load("datasets: [x]\nk: [1]"), "broken"),
        ScalerKind.Standard,
        ReconstructionLoss.Mse,
        KMeansAlgorithm.Full);

    [Theory]
    [MemberData(nameof(Records))]
    public void Record_round_trips(object value)
    {
        var serializer = _services.GetRequiredService<Serializer>();

        var bytes = serializer.SerializeToArray(value);
        var copy = serializer.Deserialize<object>(bytes)!;

        Assert.NotEmpty(bytes);
        Assert.NotSame(value, copy);
        Assert.Equal(value.GetType(), copy.GetType());
        Assert.Equal(value, copy);
    }

    [Fact]
    public void Typed_serializer_round_trips_a_whole_expansion()
    {
        var serializer = _services.GetRequiredService<Serializer<TrialSpec[]>>();
        var trials = SweepExpansion.Expand(_seedStudy with { Strategy = StrategySpec.Grid }).ToArray();

        var copy = serializer.Deserialize(serializer.SerializeToArray(trials))!;

        Assert.Equal(trials, copy);
        Assert.Equal(trials.Select(t => t.Id), copy.Select(t => t.Id));
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Immutable_record_is_copied_by_reference(object value)
    {
        var copier = _services.GetRequiredService<DeepCopier>();

        Assert.Same(value, copier.Copy(value));
    }

    [Fact]
    public void Enums_round_trip()
    {
        var serializer = _services.GetRequiredService<Serializer>();

        foreach (var value in new Enum[] { ScalerKind.Standard, RepresentationKind.Autoencoder, ReconstructionLoss.Mse, KMeansAlgorithm.Full, StrategyKind.Random, ObjectiveMetric.TrainError, ObjectiveGoal.Maximize })
        {
            Assert.Equal(value, serializer.Deserialize<object>(serializer.SerializeToArray<object>(value)));
        }
    }
}
