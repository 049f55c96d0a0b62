using Grid.Core;

namespace Grid.Abstractions.Shards;

/// <summary>
/// The rows a k-means shard loads on its own silo: shard <paramref name="Index"/> of
/// <paramref name="Count"/> balanced contiguous ranges of the first <paramref name="TrainRows"/> train and
/// <paramref name="TestRows"/> test rows of <paramref name="Dataset"/>, as pixels or, when
/// <paramref name="CodesHash"/> names an autoencoder artifact, as its codes.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.source")]
public sealed record KMeansShardSource(
    [property: Id(0)] string Dataset,
    [property: Id(1)] int TrainRows,
    [property: Id(2)] int TestRows,
    [property: Id(3)] string? CodesHash,
    [property: Id(4)] int Index,
    [property: Id(5)] int Count);

/// <summary>Per-feature count, mean and sum of squared deviations of a shard's rows.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.moments")]
public sealed record ShardMomentsMessage(
    [property: Id(0)] long Rows,
    [property: Id(1)] double[] Mean,
    [property: Id(2)] double[] M2);

/// <summary>What a shard holds once loaded.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.description")]
public sealed record ShardDescriptionMessage(
    [property: Id(0)] long TrainRows,
    [property: Id(1)] long TestRows,
    [property: Id(2)] int Features,
    [property: Id(3)] int Classes,
    [property: Id(4)] ShardMomentsMessage Raw);

/// <summary>The scaler every shard applies and, for standard, the merged mean and scale.</summary>
/// <remarks>Id 0 was the scaler's name (a string) before the scaler kind became one type: never reuse it.</remarks>
[GenerateSerializer, Immutable]
[Alias("grid.shards.scaling")]
public sealed record ShardScalingMessage(
    [property: Id(3)] ScalerKind Scaler,
    [property: Id(1)] float[]? Mean,
    [property: Id(2)] float[]? Scale);

/// <summary>
/// A shard's part of one mini-batch step: sums (float32 [centres·d], little-endian bytes) and counts of the
/// centres its rows went to, and their inertia.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.step")]
public sealed record ShardStepMessage(
    [property: Id(0)] int[] Centers,
    [property: Id(1)] byte[] Sums,
    [property: Id(2)] int[] Counts,
    [property: Id(3)] double Inertia,
    [property: Id(4)] double ComputeSeconds);

/// <summary>A shard's part of the final evaluation: train inertia and counts [cluster, class] of train and test rows.</summary>
[GenerateSerializer, Immutable]
[Alias("grid.shards.evaluation")]
public sealed record ShardEvaluationMessage(
    [property: Id(0)] double TrainInertia,
    [property: Id(1)] long[] TrainTable,
    [property: Id(2)] long[] TestTable,
    [property: Id(3)] double ComputeSeconds);

/// <summary>
/// One shard of a sharded mini-batch k-means fit, placed on a chosen silo (its key starts with that silo's
/// address). It holds its rows on that silo; the coordinator sends it centres and row indices and gets back
/// statistics: never rows. Called only by a fit's coordinator, in the order of the protocol. Float32 arrays
/// (centres, candidates, rows that become centres) travel as their little-endian bytes: Orleans writes a
/// byte array as one block, but tags every element of a float array, which costs a quarter more.
/// </summary>
[Alias("grid.shards.IKMeansShardGrain")]
public interface IKMeansShardGrain : IGrainWithStringKey
{
    /// <summary>Loads the rows of <paramref name="source"/> on this silo and describes them.</summary>
    [Alias("load")]
    Task<ShardDescriptionMessage> LoadAsync(KMeansShardSource source);

    [Alias("scale")]
    Task<ShardMomentsMessage> ScaleAsync(ShardScalingMessage scaling);

    [Alias("begin-seeding")]
    Task BeginSeedingAsync(int seeding, long[] rows);

    [Alias("seed-rows")]
    Task<byte[]> SeedRowsAsync(int seeding, int[] positions);

    [Alias("seed-distances")]
    Task<byte[]> SeedDistancesAsync(int seeding, byte[] candidates);

    [Alias("end-seeding")]
    Task EndSeedingAsync(int seeding);

    [Alias("sample-inertia")]
    Task<double> SampleInertiaAsync(long[] rows, byte[] centers);

    [Alias("step")]
    Task<ShardStepMessage> StepAsync(byte[] centers, long[] rows);

    [Alias("batch-rows")]
    Task<byte[]> BatchRowsAsync(int[] positions);

    [Alias("evaluate")]
    Task<ShardEvaluationMessage> EvaluateAsync(byte[] centers, int classes);

    /// <summary>Frees the rows and deactivates.</summary>
    [Alias("release")]
    Task ReleaseAsync();
}
