using Grid.Core.Sharding;

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

/// <summary>
/// One shard of a sharded mini-batch k-means fit, placed on a chosen silo (its key starts with that silo's
/// address). It holds its rows on that silo; the coordinator sends it centres and row indices and gets back
/// statistics (the records of <see cref="Grid.Core.Sharding"/>): never rows, except those that become centres and
/// the quality measures' sample (<see cref="TestRowsAsync"/>). Called only by a fit's coordinator, in the order of
/// the protocol. Float32 arrays (centres, candidates, rows that become centres) travel as their little-endian bytes
/// (<see cref="Float32Bytes"/>): Orleans writes a byte array as one block, but tags every element of a float array,
/// which costs a quarter more. A step's centres and sums, sent every round, also leave out their zeros
/// (<see cref="ZeroElidedFloat32"/>).
/// </summary>
[Alias("grid.shards.IKMeansShardGrain")]
public interface IKMeansShardGrain : IGrainWithStringKey
{
    /// <summary>Loads the rows of <paramref name="source"/> on this silo and describes them.</summary>
    [Alias("load")]
    Task<ShardDescription> LoadAsync(KMeansShardSource source);

    [Alias("scale")]
    Task<FeatureMoments> ScaleAsync(ShardScaling scaling);

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

    /// <remarks>Alias "step" was this method with every centre as float32 bytes: never reuse it.</remarks>
    [Alias("step-changed")]
    Task<ShardStepResult> StepAsync(CenterUpdate centers, long[] rows);

    [Alias("batch-rows")]
    Task<byte[]> BatchRowsAsync(int[] positions);

    [Alias("evaluate")]
    Task<ShardEvaluation> EvaluateAsync(byte[] centers, int classes);

    /// <summary>
    /// The scaled test rows at the given local indices, as float32 bytes: this shard's part of the seeded sample the
    /// label-free quality measures are computed on (the only rows besides new centres that leave a shard).
    /// </summary>
    [Alias("test-rows")]
    Task<byte[]> TestRowsAsync(long[] rows);

    /// <summary>Frees the rows and deactivates.</summary>
    [Alias("release")]
    Task ReleaseAsync();
}
