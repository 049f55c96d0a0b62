using Grid.Client.Specs;

namespace Grid.Client.Tests.Specs;

/// <summary>Dataset objects in a spec: imported into the data directory before validation and named from then on.</summary>
public sealed class SpecDatasetsTests
{
    private const string Table = "a,b,species\n1,2,x\n1.5,2.5,x\n1.2,2.2,x\n8,9,y\n8.5,9.5,y\n8.2,9.1,y\n5,1,z\n5.5,1.5,z\n5.2,1.1,z\n5.1,1.2,z\n";

    private static string Spec(string datasets) => $"datasets: {datasets}\nrepresentations: [raw]\nscalers: [standard]\nk: [2, 3]\n";

    [Fact]
    public void A_csv_dataset_object_is_imported_relative_to_the_spec_and_the_sweep_names_it()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("specs/data"));
        File.WriteAllText(dir.File("specs/data/t.csv"), Table);
        File.WriteAllText(dir.File("specs/s.yaml"), Spec("[{ name: tiny, format: csv, train: data/t.csv, label: species, test_fraction: 0.3 }]"));
        var outcomes = new List<string>();

        var result = SweepSpecReader.ReadFile(dir.File("specs/s.yaml"), dir.File("data"), r => outcomes.Add($"{r.Dataset.Name} {r.Outcome}"));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(["tiny"], result.Spec!.Datasets);
        Assert.Equal(["tiny Imported"], outcomes);
        Assert.True(File.Exists(dir.File("data/tiny/dataset.json")));
    }

    [Fact]
    public void The_import_happens_whether_or_not_anyone_listens_for_it()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("t.csv"), Table);
        File.WriteAllText(dir.File("s.yaml"), Spec("[{ name: tiny, format: csv, train: t.csv, label: species }]"));

        var result = SweepSpecReader.ReadFile(dir.File("s.yaml"), dir.File("data"));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.True(File.Exists(dir.File("data/tiny/dataset.json")));
    }

    [Fact]
    public void Reading_the_spec_again_leaves_the_dataset_and_a_changed_file_replaces_it()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("t.csv"), Table);
        File.WriteAllText(dir.File("s.yaml"), Spec("[{ name: tiny, format: csv, train: t.csv, label: species }]"));
        var outcomes = new List<string>();

        SweepSpecReader.ReadFile(dir.File("s.yaml"), dir.File("data"), r => outcomes.Add(r.Outcome.ToString()));
        SweepSpecReader.ReadFile(dir.File("s.yaml"), dir.File("data"), r => outcomes.Add(r.Outcome.ToString()));
        File.WriteAllText(dir.File("t.csv"), Table + "5.3,1.3,z\n");
        SweepSpecReader.ReadFile(dir.File("s.yaml"), dir.File("data"), r => outcomes.Add(r.Outcome.ToString()));

        Assert.Equal(["Imported", "Unchanged", "Replaced"], outcomes);
    }

    [Fact]
    public void Bad_dataset_objects_are_spec_errors_with_their_paths_and_nothing_is_imported()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("t.csv"), Table);
        File.WriteAllText(dir.File("s.yaml"), Spec("[{ name: ok, format: csv, train: t.csv }, { format: tsv, train: t.csv, colour: red }, { name: gone, format: npy, train: missing.npy }]"));

        var result = SweepSpecReader.ReadFile(dir.File("s.yaml"), dir.File("data"));

        Assert.False(result.IsValid);
        var messages = result.Errors.Select(e => $"{e.Path}: {e.Message}").ToList();
        Assert.Contains(messages, m => m.StartsWith("$.datasets[1].colour: unknown key 'colour'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("$.datasets[1]: a dataset object needs 'name'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("$.datasets[1].format: unknown format 'tsv'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("$.datasets[2]:", StringComparison.Ordinal) && m.Contains("missing.npy", StringComparison.Ordinal));
        // Every problem carries the spec line it points at.
        Assert.All(result.Errors, e => Assert.NotNull(e.Line));
        Assert.False(Directory.Exists(dir.File("data/ok")), "nothing is imported while the spec has problems");
    }

    [Fact]
    public void A_name_that_is_neither_built_in_nor_imported_lists_where_it_was_looked_for()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("s.yaml"), Spec("[nowhere]"));

        var error = Assert.Single(SweepSpecReader.ReadFile(dir.File("s.yaml"), dir.File("data")).Errors);

        Assert.Equal("$.datasets[0]", error.Path);
        Assert.Contains("nowhere", error.Message);
    }
}
