using System.Text.Json.Nodes;
using Grid.Client.Commands;
using Grid.Client.Tests.Output;

namespace Grid.Client.Tests.Data;

/// <summary><c>grid data add</c> and <c>grid data list</c> in process, on small CSV files in a temporary data directory.</summary>
[Collection(ConsoleOutputCollection.Name)]
public sealed class DataCommandsTests : IDisposable
{
    private readonly TempDirectory _work = new("grid-data-commands-");

    private string DataDir => _work.File("data");

    public void Dispose() => _work.Dispose();

    /// <summary>Twelve rows of three features; the class column holds two names, six rows each, when <paramref name="labelled"/>.</summary>
    private string Csv(string name, bool labelled = true) => _work.Write(name,
        (labelled ? "x,y,z,class\n" : "x,y,z\n") +
        string.Concat(Enumerable.Range(0, 12).Select(r => $"{r * 0.5},{r % 4},{12 - r}" + (labelled ? (r % 2 == 0 ? ",red\n" : ",blue\n") : "\n"))));

    [Fact]
    public async Task Add_imports_a_csv_and_list_shows_it_with_its_shape_rows_and_classes()
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync("data", "add", "wine", "--format", "csv", "--train", Csv("wine.csv"), "--label", "class",
            "--test-fraction", "0.25", "--data-dir", DataDir, "--json");
        Assert.True(code == 0, $"data add exited {code}: {stderr}");
        var added = JsonNode.Parse(stdout)!;
        Assert.Equal("imported", added["outcome"]!.GetValue<string>());
        Assert.Equal(Path.Combine(DataDir, "wine"), added["directory"]!.GetValue<string>());
        // A quarter of each class's six rows is 1.5, rounded half away from zero: two test rows a class.
        Assert.Equal((8, 4, 2), (added["train"]!.GetValue<int>(), added["test"]!.GetValue<int>(), added["classes"]!.GetValue<int>()));
        Assert.Equal(["blue", "red"], added["class_names"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["train.npy", "train-labels.npy", "test.npy", "test-labels.npy"], added["files"]!.AsArray().Select(f => f!["file"]!.GetValue<string>()));

        (code, stdout, stderr) = await InProcessGrid.RunAsync("data", "list", "--data-dir", DataDir, "--json");
        Assert.True(code == 0, $"data list exited {code}: {stderr}");
        var wine = JsonNode.Parse(stdout)!.AsArray().Single(d => d!["dataset"]!.GetValue<string>() == "wine")!;
        Assert.Equal([3], wine["shape"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal("float32", wine["element"]!.GetValue<string>());
        Assert.Equal((8, 4, 2), (wine["train"]!.GetValue<int>(), wine["test"]!.GetValue<int>(), wine["classes"]!.GetValue<int>()));
        Assert.Equal("ready", wine["state"]!.GetValue<string>());
        Assert.Equal("imported", wine["source"]!.GetValue<string>());
        Assert.Contains(JsonNode.Parse(stdout)!.AsArray(), d => d!["dataset"]!.GetValue<string>() == "mnist" && d["source"]!.GetValue<string>() == "built-in");

        // The same content again changes nothing, and says so.
        (code, stdout, stderr) = await InProcessGrid.RunAsync("data", "add", "wine", "--format", "csv", "--train", Csv("wine.csv"), "--label", "class",
            "--test-fraction", "0.25", "--data-dir", DataDir);
        Assert.True(code == 0, $"data add again exited {code}: {stderr}");
        Assert.Contains("was already imported with the same content; nothing changed", stdout);
    }

    [Fact]
    public async Task Export_writes_train_and_test_csv_with_class_names_and_refuses_other_formats_and_unknown_names()
    {
        var (code, _, stderr) = await InProcessGrid.RunAsync("data", "add", "wine", "--format", "csv", "--train", Csv("wine.csv"), "--label", "class",
            "--test-fraction", "0.25", "--data-dir", DataDir);
        Assert.True(code == 0, $"data add exited {code}: {stderr}");

        (code, var stdout, stderr) = await InProcessGrid.RunAsync("data", "export", "wine", "--format", "csv", "--out", _work.File("out"), "--data-dir", DataDir, "--json");

        Assert.True(code == 0, $"data export exited {code}: {stderr}");
        Assert.Equal([_work.File("out/train.csv"), _work.File("out/test.csv")], JsonNode.Parse(stdout)!["files"]!.AsArray().Select(f => f!.GetValue<string>()));
        var test = File.ReadAllLines(_work.File("out/test.csv"));
        Assert.Equal("x0,x1,x2,label", test[0]);
        Assert.Equal(5, test.Length);
        Assert.All(test[1..], line => Assert.Matches(@"^[\d.]+,\d,\d+,(red|blue)$", line));

        (code, _, stderr) = await InProcessGrid.RunAsync("data", "export", "wine", "--format", "npy", "--out", _work.File("npy"), "--data-dir", DataDir);
        Assert.Equal(2, code);
        Assert.Contains("datasets are exported as csv or parquet; got npy", stderr);
        Assert.False(Directory.Exists(_work.File("npy")), "a refused export wrote a folder");
        (code, _, stderr) = await InProcessGrid.RunAsync("data", "export", "wne", "--format", "csv", "--out", _work.File("none"), "--data-dir", DataDir);
        Assert.Equal(2, code);
        Assert.Contains("no dataset 'wne'", stderr);
    }

    [Fact]
    public async Task List_shows_unlabeled_data_as_unlabeled_and_a_broken_manifest_as_broken()
    {
        var (code, _, stderr) = await InProcessGrid.RunAsync("data", "add", "plain", "--format", "csv", "--train", Csv("plain.csv", labelled: false), "--data-dir", DataDir);
        Assert.True(code == 0, $"data add exited {code}: {stderr}");
        Directory.CreateDirectory(Path.Combine(DataDir, "junk"));
        File.WriteAllText(Path.Combine(DataDir, "junk", "dataset.json"), "{ not json");

        (code, var stdout, stderr) = await InProcessGrid.RunAsync("data", "list", "--data-dir", DataDir);
        Assert.True(code == 0, $"data list exited {code}: {stderr}");
        string plain = stdout.Split('\n').Single(l => l.Contains(" plain "));
        Assert.Contains("unlabeled", plain);
        Assert.Contains("ready", plain);
        Assert.Contains("broken", stdout.Split('\n').Single(l => l.Contains(" junk ")));
    }

    [Fact]
    public async Task Add_lists_every_problem_with_its_option_and_exits_2_without_writing_anything()
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync("data", "add", "fashion-mnist", "--format", "npy", "--train", _work.File("missing.npy"),
            "--label", "class", "--test-fraction", "1", "--size", "big", "--data-dir", DataDir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        string[] errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "error: NAME 'fashion-mnist' is the built-in dataset 'fashion-mnist'; choose another name",
            "error: --test-fraction 1: must be between 0 and 1 (both excluded)",
            "error: --label applies to csv and parquet only (it names the label column)",
            $"error: --train {_work.File("missing.npy")}: no such file",
            "error: --size 'big': expected HEIGHTxWIDTH, e.g. 32x32",
        ], errors);
        Assert.False(Directory.Exists(DataDir), "nothing is written for refused input");
    }

    [Fact]
    public async Task A_bad_cell_is_one_error_line_naming_the_file_row_and_column_and_exits_2()
    {
        string csv = _work.Write("bad.csv", "x,y\n1,2\n3,oops\n");
        var (code, _, stderr) = await InProcessGrid.RunAsync("data", "add", "bad", "--format", "csv", "--train", csv, "--data-dir", DataDir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal($"error: {csv}: row 3, column 'y': 'oops' is not a number", stderr.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(DataDir));
    }

    [Fact]
    public async Task Another_content_under_a_taken_name_needs_replace()
    {
        var (code, _, stderr) = await InProcessGrid.RunAsync("data", "add", "wine", "--format", "csv", "--train", Csv("wine.csv"), "--label", "class", "--data-dir", DataDir);
        Assert.True(code == 0, $"data add exited {code}: {stderr}");
        string other = _work.Write("other.csv", "x,y,z,class\n1,2,3,a\n4,5,6,b\n7,8,9,a\n1,1,1,b\n2,2,2,a\n");
        (code, _, stderr) = await InProcessGrid.RunAsync("data", "add", "wine", "--format", "csv", "--train", other, "--label", "class", "--data-dir", DataDir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("already imported with other content", stderr);
        (code, var stdout, stderr) = await InProcessGrid.RunAsync("data", "add", "wine", "--format", "csv", "--train", other, "--label", "class", "--replace", "--data-dir", DataDir, "--json");
        Assert.True(code == 0, $"data add --replace exited {code}: {stderr}");
        Assert.Equal("replaced", JsonNode.Parse(stdout)!["outcome"]!.GetValue<string>());
    }
}
