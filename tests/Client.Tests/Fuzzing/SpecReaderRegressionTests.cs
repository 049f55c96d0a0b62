using Grid.Client.Specs;

namespace Grid.Client.Tests.Fuzzing;

/// <summary>
/// Specs the spec reader fuzzing (<see cref="SpecReaderFuzzTests"/>) found to throw or to run away, each kept as it was
/// found so that it stays fixed whatever the fuzzer's seed: each reads to spec errors.
/// </summary>
public sealed class SpecReaderRegressionTests
{
    [Fact]
    public void A_spec_with_a_distribution_and_no_valid_representation_reads_to_errors()
    {
        // Found by the fuzzer (generated JSON): the trial count of a sweep with a distribution took its first
        // representation, and every representation here is wrong, so there was none (ArgumentOutOfRangeException).
        const string spec = """
            {
              "representations": [
                "autoencoder",
                { "autoencoder": { "z_dim": "bce", "loss": { "z-dim": "standard" }, "learning_rate": -1e400 } },
                { "autoencoder": { "batch_size": "yes", "learning_rate": { "choice": [185, 2147483648] }, "hidden": [277] } }
              ],
              "datasets": "cifar",
              "k": [2, 18, 27, 277],
              "kmeans": { "n_init": "unit", "tol": 1.0e-4, "max_no_improvement": 36 },
              "scalers": ["L2", "minmax"]
            }
            """;
        var result = SweepSpecReader.Read(spec, SpecFormat.Json, "found");
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, error => error.Path == "$.representations[0]");
    }

    [Fact]
    public void A_YAML_alias_bomb_is_refused_without_expanding_it()
    {
        // Found by the fuzzer (generated YAML): ten levels of six aliases stand for 6^10 (60 million) scalars; the reader
        // expanded a million of them (a second and hundreds of megabytes) before giving up.
        const string spec = """
            a0: &a0 [10, 10, 10, 10, 10, 10]
            a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0]
            a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1]
            a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2]
            a4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3]
            a5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4]
            a6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5]
            a7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6]
            a8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7]
            a9: &a9 [*a8, *a8, *a8, *a8, *a8, *a8]
            datasets: *a9
            representations: [raw]
            scalers: [none]
            k: [10]
            """;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Single(SweepSpecReader.Read(spec, SpecFormat.Yaml, "found").Errors);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 20_000_000, $"reading it allocated {allocated / 1e6:0.0} MB");
        Assert.Contains("aliases repeat anchors", error.Message, StringComparison.Ordinal);
    }
}
