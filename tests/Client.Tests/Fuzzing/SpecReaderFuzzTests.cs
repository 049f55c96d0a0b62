using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Grid.Abstractions.Sweeps;
using Grid.Client.Specs;
using Grid.Testing.Fuzzing;
using Xunit.Abstractions;

namespace Grid.Client.Tests.Fuzzing;

/// <summary>
/// The spec reader (<see cref="SweepSpecReader.Read"/>, YAML and JSON) on generated and mutated specs: every input reads to
/// a valid spec or to spec errors, never an exception, within <see cref="Fuzzer"/>'s time and memory per input. A valid
/// spec also keeps <see cref="SweepSpecWriter"/>'s promise: what it writes reads back to an equal spec.
/// docs/reliability.md ("Fuzzing") gives the counts.
/// </summary>
public sealed class SpecReaderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public Task Generated_YAML_specs_read_to_a_spec_or_to_spec_errors() =>
        FuzzAsync("spec reader: generated YAML", SpecTrees.Yaml, 3000);

    [Fact]
    public Task Generated_JSON_specs_read_to_a_spec_or_to_spec_errors() =>
        FuzzAsync("spec reader: generated JSON", SpecTrees.Json, 3000);

    [Fact]
    public async Task Mutated_example_specs_read_to_a_spec_or_to_spec_errors()
    {
        var files = Directory.GetFiles(Repository.PathOf("examples")).Where(f => SweepSpecReader.FormatOf(f) != SpecFormat.Auto).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var yaml = files.Where(f => SweepSpecReader.FormatOf(f) == SpecFormat.Yaml)
            .Select(f => new FuzzInput($"examples/{Path.GetFileName(f)}", File.ReadAllBytes(f))).ToList();
        // JSON seeds: the JSON examples, and the YAML examples that read as they are, written as JSON.
        var json = files.Where(f => SweepSpecReader.FormatOf(f) == SpecFormat.Json)
            .Select(f => new FuzzInput($"examples/{Path.GetFileName(f)}", File.ReadAllBytes(f)))
            .Concat(yaml.Select(seed => (seed.Origin, Result: SweepSpecReader.Read(Encoding.UTF8.GetString(seed.Bytes), SpecFormat.Yaml)))
                .Where(read => read.Result.IsValid)
                .Select(read => new FuzzInput($"{read.Origin} as JSON", Encoding.UTF8.GetBytes(SweepSpecWriter.ToJsonString(read.Result.Spec!)))))
            .ToList();
        var mutants = Gen.Frequency(
            (2, Mutations.Of(yaml).Select(m => new SpecCase(m.Origin, Encoding.UTF8.GetString(m.Bytes), SpecFormat.Yaml))),
            (1, Mutations.Of(json).Select(m => new SpecCase(m.Origin, Encoding.UTF8.GetString(m.Bytes), SpecFormat.Json))));
        await FuzzAsync("spec reader: mutated examples", mutants, 3000);
    }

    private async Task FuzzAsync(string name, Gen<SpecCase> cases, int count)
    {
        var report = await Fuzzer.RunAsync(name, cases, count, Read, _ => false);
        output.WriteLine(report.ToString());
        // Inputs that only ever fail would test the syntax checks alone; these reach the validator and the writer too.
        Assert.True(report.Accepted > 0 && report.Refused > 0, $"{report}: expected both valid specs and errors");
    }

    /// <summary>Reads one spec: true for a valid spec, false for errors; asserts what each outcome promises.</summary>
    private static bool Read(SpecCase input)
    {
        var result = SweepSpecReader.Read(input.Text, input.Format, "fuzz");
        if (!result.IsValid)
        {
            Assert.Null(result.Spec);
            Assert.NotEmpty(result.Errors);
            Assert.All(result.Errors, error => Assert.False(string.IsNullOrWhiteSpace(error.Message), $"an error without a message at {error.Path}"));
            return false;
        }
        string written = SweepSpecWriter.ToJsonString(result.Spec!);
        var again = SweepSpecReader.Read(written, SpecFormat.Json, "fuzz");
        Assert.True(again.IsValid, $"the written spec does not read back ({string.Join("; ", again.Errors)}):{Environment.NewLine}{written}");
        Assert.Equal(result.Spec, again.Spec);
        return true;
    }
}
