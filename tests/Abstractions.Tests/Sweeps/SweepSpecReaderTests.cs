using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Abstractions.Sweeps;
using Grid.Client.Specs;
using Grid.Compute.Data;
using Grid.Compute.Data.Export;
using Grid.Compute.Data.Import;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Abstractions.Tests.Sweeps;

/// <summary>Reading spec files and text: the examples, YAML typing, syntax errors and positions.</summary>
public sealed class SweepSpecReaderTests : IDisposable
{
    private readonly TempDirectory _directory = new("grid-spec-tests-");

    public void Dispose() => _directory.Dispose();

    private static SweepSpec AssertValid(SpecParseResult result)
    {
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        return result.Spec!;
    }

    [Fact]
    public void Seed_study_example_reproduces_both_studies()
    {
        var spec = AssertValid(SweepSpecReader.ReadFile(Specs.Example("seed-study.yaml")));

        Assert.Equal("seed-study", spec.Name);
        Assert.Equal(["mnist"], spec.Datasets);
        Assert.Equal(SplitSpec.All, spec.Split);
        Assert.Equal(["raw", "ae-z2-bce-e40", "ae-z16-bce-e40", "ae-z25-bce-e40"], spec.Representations.Select(r => r.Label));
        Assert.All(spec.Representations.Skip(1), r => Assert.True(r.Autoencoder!.Reconstructions));
        Assert.Equal([ScalerKind.None, ScalerKind.L2, ScalerKind.Standard], spec.Scalers);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => i * 10).Append(225), spec.K);
        Assert.Equal([0], spec.Seeds);
        Assert.Equal(new KMeansSettings(KMeansAlgorithm.MiniBatch, 200, 3, 100, 1e-4, 10), spec.KMeans);
        Assert.Equal(StrategySpec.Grid, spec.Strategy);
        Assert.Equal(4 * 3 * 26, SweepExpansion.Expand(spec).Count);
        Assert.Contains(SweepExpansion.Expand(spec), t => t.Key == "mnist/ae-z25-bce-e40/l2/k225/s0");
    }

    [Fact]
    public void Demo_example_is_small()
    {
        var spec = AssertValid(SweepSpecReader.ReadFile(Specs.Example("demo.yaml")));

        Assert.Equal("demo", spec.Name);
        Assert.Equal(new SplitSpec(6000, 1000), spec.Split);
        Assert.Equal(["raw", "ae-z16-bce-e3"], spec.Representations.Select(r => r.Label));
        Assert.Equal([ScalerKind.None, ScalerKind.L2], spec.Scalers);
        Assert.Equal([10, 25, 50, 100, 200], spec.K);
        Assert.Equal([0], spec.Seeds);
        Assert.Equal(20, SweepExpansion.Count(spec));
    }

    [Fact]
    public async Task Every_example_is_valid()
    {
        // The examples on scikit-learn's tables import their data from examples/data: write it, and copy the specs beside
        // it, in a folder of this test's own, so nothing lands in the repository or the user's data directory.
        using var work = new TempDirectory();
        var (code, _, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(2), "/usr/bin/python3",
            Repository.PathOf("tests", "data", "sklearn-formats.py"), work.File("data"));
        Assert.True(code == 0, $"tests/data/sklearn-formats.py exited {code}: {stderr} (scripts/setup.sh test installs python3-sklearn and python3-pil)");
        // The Parquet files, as test.sh writes them with `grid data add` and `grid data export`.
        var digits = DatasetImporter.Import(new DatasetImportSpec("digits", DatasetFormat.Csv, work.File("data/digits/digits.csv"), null, null, null, "label"), work.File("imported"));
        DatasetExporter.Export(new DatasetStore(work.File("imported")), digits.Name, DatasetFormat.Parquet, work.File("data/digits/parquet"));
        var examples = Directory.GetFiles(Repository.PathOf("examples"))
            .Where(f => SweepSpecReader.FormatOf(f) != SpecFormat.Auto)
            .Select(f =>
            {
                File.Copy(f, work.File(Path.GetFileName(f)));
                return work.File(Path.GetFileName(f));
            })
            .ToList();

        Assert.Contains(examples, f => f.EndsWith("quick.json", StringComparison.Ordinal));
        Assert.Contains(examples, f => f.EndsWith("digits-images.yaml", StringComparison.Ordinal));
        Assert.Contains(examples, f => f.EndsWith("digits-parquet.yaml", StringComparison.Ordinal));
        Assert.All(examples, file =>
        {
            var result = SweepSpecReader.ReadFile(file, work.File("datasets"));
            Assert.True(result.IsValid, $"{file}: {string.Join("; ", result.Errors)}");
            Assert.Equal(Path.GetFileNameWithoutExtension(file), result.Spec!.Name);
            Assert.InRange(SweepExpansion.Count(result.Spec), 1, SweepLimits.MaxTrials);
        });
    }

    [Fact]
    public void Yaml_plain_scalars_are_typed_quoted_ones_stay_strings()
    {
        var root = SweepSpecReader.Load("""
            int: 10
            negative: -3
            long: 3000000000
            hex: 0x1F
            octal: 0o17
            float: 1.5
            exponent: 5e-4
            nan: .nan
            inf: .inf
            minus_inf: -.Inf
            yes_true: true
            no_false: FALSE
            tilde: ~
            empty:
            quoted_int: '10'
            quoted_bool: "true"
            tagged: !!str 12
            tagged_float: !!float 3
            word: mnist
            yes_word: yes
            block: |
              text
            """, SpecFormat.Yaml).Root!.AsObject();

        Assert.Equal(10, root["int"]!.GetValue<int>());
        Assert.Equal(-3, root["negative"]!.GetValue<int>());
        Assert.Equal(3_000_000_000L, root["long"]!.GetValue<long>());
        Assert.Equal(31, root["hex"]!.GetValue<int>());
        Assert.Equal(15, root["octal"]!.GetValue<int>());
        Assert.Equal(1.5, root["float"]!.GetValue<double>());
        Assert.Equal(5e-4, root["exponent"]!.GetValue<double>());
        Assert.True(double.IsNaN(root["nan"]!.GetValue<double>()));
        Assert.Equal(double.PositiveInfinity, root["inf"]!.GetValue<double>());
        Assert.Equal(double.NegativeInfinity, root["minus_inf"]!.GetValue<double>());
        Assert.True(root["yes_true"]!.GetValue<bool>());
        Assert.False(root["no_false"]!.GetValue<bool>());
        Assert.True(root.ContainsKey("tilde"));
        Assert.Null(root["tilde"]);
        Assert.Null(root["empty"]);
        Assert.Equal("10", root["quoted_int"]!.GetValue<string>());
        Assert.Equal("true", root["quoted_bool"]!.GetValue<string>());
        Assert.Equal("12", root["tagged"]!.GetValue<string>());
        Assert.Equal(3.0, root["tagged_float"]!.GetValue<double>());
        Assert.Equal("mnist", root["word"]!.GetValue<string>());
        Assert.Equal("yes", root["yes_word"]!.GetValue<string>());
        Assert.Equal("text", root["block"]!.GetValue<string>());
    }

    [Fact]
    public void Quoted_number_is_a_wrong_type()
    {
        var result = SweepSpecReader.Read("""
            datasets: [mnist]
            representations: [pixels]
            scalers: [none]
            k: ['10']
            """, SpecFormat.Yaml);

        var error = Assert.Single(result.Errors);
        Assert.Equal("$.k[0]", error.Path);
        Assert.Equal("k must be an integer; got the string '10'", error.Message);
    }

    [Fact]
    public void Yaml_syntax_error_is_reported_with_its_line()
    {
        var result = SweepSpecReader.Read("""
            datasets: [mnist]
            representations: [pixels
            scalers: [none]
            k: [10]
            """, SpecFormat.Yaml);

        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.StartsWith("invalid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
        Assert.InRange(error.Line!.Value, 2, 3);
        Assert.NotNull(error.Column);
        Assert.StartsWith($"line {error.Line}, column {error.Column}: $: invalid YAML", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_bad_indentation_is_reported_with_its_line()
    {
        var result = SweepSpecReader.Read("datasets: [mnist]\nscalers:\n  - none\n - l2\n", SpecFormat.Yaml);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("invalid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
    }

    [Theory]
    [InlineData("datasets: [mnist]\nrepresentations: [pixels]\nscalers:\n\t- none\nk: [10]\n", 4, 1)]
    [InlineData("datasets: [mnist]\nsplit:\n  train: 600\n\ttest: 100\nk: [10]\n", 4, 1)]
    [InlineData("datasets: [mnist]\nsplit:\n  train: 600\n  \ttest: 100\nk: [10]\n", 4, 3)]
    public void Yaml_tab_is_reported_where_it_is(string text, int line, int column)
    {
        var result = SweepSpecReader.Read(text, SpecFormat.Yaml);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("invalid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("tab", error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Yaml_duplicate_key_is_a_syntax_error()
    {
        var result = SweepSpecReader.Read("datasets: [mnist]\nk: [10]\nk: [20]\n", SpecFormat.Yaml);

        var error = Assert.Single(result.Errors);
        Assert.Contains("duplicate key", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Yaml_with_two_documents_is_rejected()
    {
        var result = SweepSpecReader.Read(Specs.Minimal + "\n---\nname: second\n", SpecFormat.Yaml);

        var error = Assert.Single(result.Errors);
        Assert.Equal("a spec file holds one YAML document; found another", error.Message);
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void Json_syntax_error_is_reported_with_its_line()
    {
        var result = SweepSpecReader.Read("{\n  \"datasets\": [\"mnist\"],\n  \"k\": [10,, 20]\n}", SpecFormat.Json);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
        Assert.Equal(12, error.Column);
    }

    [Fact]
    public void Json_duplicate_key_is_a_syntax_error()
    {
        var result = SweepSpecReader.Read("""{ "k": [10], "k": [20] }""", SpecFormat.Json);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("invalid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Json_allows_comments_and_trailing_commas()
    {
        var spec = AssertValid(SweepSpecReader.Read("""
            {
              // the smallest sweep
              "datasets": ["mnist",],
              "representations": ["pixels"],
              "scalers": ["none"],
              "k": [10],
            }
            """, SpecFormat.Json, "commented"));

        Assert.Equal("commented", spec.Name);
    }

    [Fact]
    public void Yaml_errors_point_at_their_line()
    {
        var result = SweepSpecReader.Read("""
            datasets: [mnist]
            representations:
              - pixels
              - autoencoder:
                  z_dim: 300
                  epoch: 3
            scalers: [none]
            k: [1, 10]
            """, SpecFormat.Yaml);

        Assert.Equal(
            [
                new SpecError("$.representations[1].autoencoder.epoch", "unknown key 'epoch'; did you mean 'epochs'?", 6, 7),
                new SpecError("$.representations[1].autoencoder.z_dim", "z_dim must be between 1 and 256; got 300", 5, 7),
                new SpecError("$.k[0]", "k must be at least 2; got 1", 8, 5),
            ],
            result.Errors);
    }

    [Fact]
    public void Missing_key_points_at_its_parent()
    {
        var result = SweepSpecReader.Read("""
            datasets: [mnist]
            representations:
              - autoencoder: { epochs: 3 }
            scalers: [none]
            k: [10]
            """, SpecFormat.Yaml);

        var error = Assert.Single(result.Errors);
        Assert.Equal("$.representations[0].autoencoder.z_dim", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Equal(5, error.Column);
    }

    [Fact]
    public void Json_errors_point_at_their_line()
    {
        var result = SweepSpecReader.Read("""
            {
              "datasets": ["mnist", "cifar"],
              "representations": ["pixels"],
              "scalers": ["none"],
              "k": [10]
            }
            """, SpecFormat.Json);

        var error = Assert.Single(result.Errors);
        Assert.Equal(new SpecError("$.datasets[1]", "unknown dataset 'cifar'; known: mnist, fashion-mnist", 2, 25), error);
    }

    [Fact]
    public void Whole_spec_errors_have_no_position()
    {
        var result = SweepSpecReader.Read("name: only", SpecFormat.Yaml);

        Assert.Equal(4, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Null(e.Line));
    }

    [Fact]
    public void Missing_file_is_an_error_naming_it()
    {
        var path = _directory.File("absent.yaml");

        var result = SweepSpecReader.ReadFile(path);

        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Equal($"spec file '{path}' not found", error.Message);
    }

    [Fact]
    public void Directory_is_not_a_spec_file()
    {
        var error = Assert.Single(SweepSpecReader.ReadFile(_directory.Path).Errors);

        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_follows_the_extension_then_the_content()
    {
        var json = """{ "datasets": ["mnist"], "representations": ["pixels"], "scalers": ["none"], "k": [10] }""";

        Assert.Equal(SpecFormat.Yaml, SweepSpecReader.FormatOf("a.YML"));
        Assert.Equal(SpecFormat.Yaml, SweepSpecReader.FormatOf("a.yaml"));
        Assert.Equal(SpecFormat.Json, SweepSpecReader.FormatOf("a.json"));
        Assert.Equal(SpecFormat.Auto, SweepSpecReader.FormatOf("a.spec"));
        Assert.Equal(SpecFormat.Json, SweepSpecReader.Sniff("\uFEFF  \n{}"));
        Assert.Equal(SpecFormat.Yaml, SweepSpecReader.Sniff("datasets: [mnist]"));
        Assert.Equal("sniffed-json", AssertValid(SweepSpecReader.ReadFile(_directory.Write("sniffed-json.spec", json))).Name);
        Assert.Equal("sniffed-yaml", AssertValid(SweepSpecReader.ReadFile(_directory.Write("sniffed-yaml.spec", Specs.Minimal))).Name);
        // A .json file is read as JSON even though YAML would also accept this text, so JSON's rules apply.
        var error = Assert.Single(SweepSpecReader.ReadFile(_directory.Write("strict.json", "{ datasets: [mnist] }")).Errors);
        Assert.StartsWith("invalid JSON: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_file_is_an_empty_spec()
    {
        var error = Assert.Single(SweepSpecReader.ReadFile(_directory.Write("empty.yaml", "# nothing yet\n")).Errors);

        Assert.StartsWith("the spec is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Written_spec_reads_back_equal()
    {
        var spec = AssertValid(SweepSpecReader.ReadFile(Specs.Example("seed-study.yaml")));
        var random = spec with { Strategy = StrategySpec.Random(20, 5), Split = new SplitSpec(Train: 1000), KMeans = KMeansSettings.FullDefaults };

        foreach (var original in new[] { spec, random })
        {
            var text = SweepSpecWriter.ToJsonString(original);
            var reread = AssertValid(SweepSpecReader.Read(text, SpecFormat.Json));
            Assert.Equal(original, reread);
        }
    }

    [Fact]
    public void Records_serialize_to_JSON_with_readable_names()
    {
        var trial = new TrialSpec(
            "mnist",
            new SplitSpec(60_000, 10_000),
            RepresentationSpec.Of(new AutoencoderSpec(16)),
            ScalerKind.L2,
            225,
            0,
            KMeansSettings.MiniBatchDefaults);

        var json = JsonNode.Parse(JsonSerializer.Serialize(trial))!;

        Assert.Equal("l2", json["Scaler"]!.GetValue<string>());
        Assert.Equal("autoencoder", json["Representation"]!["Kind"]!.GetValue<string>());
        Assert.Equal("bce", json["Representation"]!["Autoencoder"]!["Loss"]!.GetValue<string>());
        Assert.Equal("minibatch", json["KMeans"]!["Algorithm"]!.GetValue<string>());
        Assert.Equal(trial.Key, json["Key"]!.GetValue<string>());
        Assert.Equal(trial, JsonSerializer.Deserialize<TrialSpec>(JsonSerializer.Serialize(trial)));
    }
}
