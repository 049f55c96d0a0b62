using FsCheck;
using FsCheck.Fluent;
using Grid.Testing.Fuzzing;

namespace Grid.Testing.Tests;

/// <summary>The fuzz runner fails on each kind of input it exists to catch, and counts the rest.</summary>
public sealed class FuzzerTests
{
    private static readonly Gen<int> Numbers = Gen.Choose(0, 1000);

    [Fact]
    public async Task The_same_seed_draws_the_same_inputs_and_every_input_ends_as_a_result_or_a_clear_error()
    {
        var seen = new List<int>[2];
        for (int run = 0; run < 2; run++)
        {
            var inputs = seen[run] = [];
            var report = await Fuzzer.RunAsync("numbers", Numbers, 200, n =>
            {
                inputs.Add(n);
                return n % 2 == 0 ? true : throw new FormatException("odd");
            }, e => e is FormatException);
            Assert.Equal(200, report.Accepted + report.Refused);
            Assert.True(report.Accepted > 0 && report.Refused > 0, report.ToString());
        }
        Assert.Equal(seen[0], seen[1]);
    }

    [Fact]
    public async Task An_exception_that_is_not_a_clear_error_fails_the_run_naming_its_input()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Fuzzer.RunAsync("numbers", Numbers, 200, n => n < 900 ? true : throw new InvalidOperationException("boom"), _ => false));
        Assert.Contains("ended in InvalidOperationException", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_input_that_allocates_too_much_fails_the_run()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Fuzzer.RunAsync("numbers", Numbers, 200, n => n < 900 || new byte[Fuzzer.MaxAllocated + 1].Length > 0, _ => false));
        Assert.Contains("allocated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_input_that_never_ends_is_reported_as_it_runs()
    {
        using var release = new ManualResetEventSlim();
        int calls = 0;
        try
        {
            // Past the warm-up inputs, which may take longer (they compile the reader).
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => Fuzzer.RunAsync("numbers", Numbers, 200,
                n => ++calls <= Fuzzer.WarmUpInputs || n < 900 || release.Wait(TimeSpan.FromMinutes(1)), _ => false));
            Assert.Contains("has run for", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            // Lets the abandoned fuzzing thread end.
            release.Set();
        }
    }
}
