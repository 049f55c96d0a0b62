using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.Client.Commands;
using Grid.Client.Rendering;

namespace Grid.Client.Tests.Output;

/// <summary>
/// <c>--json</c> and <c>--json-file FILE</c> on every command that prints results, spelled and described the same
/// everywhere: <c>--json</c> makes stdout one JSON document and nothing else, <c>--json-file</c> writes that same text to
/// FILE beside the usual output, and <c>grid demo --json FILE</c>, the old spelling, still writes FILE with a warning.
/// </summary>
[Collection(ConsoleOutputCollection.Name)]
public sealed class OutputOptionsTests : IDisposable
{
    /// <summary>
    /// The commands that print no results: <c>silo</c> runs until it is stopped, and <c>sweep export</c>'s output is
    /// a CSV or Parquet table already.
    /// </summary>
    private static readonly string[] WithoutJson = ["silo", "sweep export"];

    private readonly string _work = Directory.CreateTempSubdirectory("grid-output-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string InWork(string name) => Path.Combine(_work, name);

    public static TheoryData<string> ResultCommands()
    {
        var data = new TheoryData<string>();
        foreach (var (path, _) in CommandTree.Runnable().Where(c => !WithoutJson.Contains(c.Path)))
        {
            data.Add(path);
        }
        return data;
    }

    [Fact]
    public void Every_command_but_silo_and_export_takes_the_output_options()
    {
        var without = CommandTree.Runnable().Where(c => OutputOptions.Of(c.Command) is null).Select(c => c.Path);

        Assert.Equal(WithoutJson.Order(), without.Order());
    }

    [Theory]
    [MemberData(nameof(ResultCommands))]
    public async Task Help_lists_json_and_json_file_with_the_same_words_on_every_command(string command)
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync([.. CommandTree.Words(command), "--help"]);

        Assert.True(code == 0, $"{command} --help exited {code}: {stderr}");
        // Help pads columns and may wrap long descriptions: compare with whitespace collapsed.
        string help = Regex.Replace(stdout, @"\s+", " ");
        Assert.Matches("--json (<FILE> )?" + Regex.Escape(OutputOptions.JsonDescription), help);
        Assert.Contains("--json-file <FILE> " + OutputOptions.JsonFileDescription, help);
    }

    [Fact]
    public async Task Json_makes_stdout_one_json_document_and_nothing_else()
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync("data", "list", "--json", "--data-dir", _work);

        Assert.True(code == 0, $"data list --json exited {code}: {stderr}");
        // JsonNode.Parse refuses anything before or after the one document.
        var datasets = JsonNode.Parse(stdout)!.AsArray();
        Assert.Contains(datasets, d => d!["dataset"]!.GetValue<string>() == "mnist" && d["state"]!.GetValue<string>() == "missing");
    }

    [Fact]
    public async Task Json_file_writes_the_text_json_prints_and_the_usual_output_still_prints()
    {
        var (_, printed, _) = await InProcessGrid.RunAsync("data", "list", "--json", "--data-dir", _work);

        var (code, human, stderr) = await InProcessGrid.RunAsync("data", "list", "--json-file", InWork("list.json"), "--data-dir", _work);

        Assert.True(code == 0, $"data list --json-file exited {code}: {stderr}");
        Assert.Equal(printed, File.ReadAllText(InWork("list.json")));
        Assert.Contains("grid data fetch mnist", human);
        Assert.DoesNotContain("JSON written", human);
        Assert.Equal($"JSON written to {InWork("list.json")}", stderr.Trim());

        (code, var both, stderr) = await InProcessGrid.RunAsync("data", "list", "--json", "--json-file", InWork("both.json"), "--data-dir", _work);

        Assert.True(code == 0, $"data list --json --json-file exited {code}: {stderr}");
        Assert.Equal(printed, both);
        Assert.Equal(printed, File.ReadAllText(InWork("both.json")));
        Assert.Contains($"JSON written to {InWork("both.json")}", stderr);
    }

    [Fact]
    public async Task Data_fetch_prints_what_it_fetched_from_where_as_json()
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync("data", "fetch", "fashion-mnist", "--data-dir", _work, "--json");

        Assert.True(code == 0, $"data fetch fashion-mnist --json exited {code} (needs Debian's dataset-fashion-mnist: scripts/setup.sh test): {stderr}");
        var fetched = JsonNode.Parse(stdout)!;
        Assert.Equal("fashion-mnist", fetched["dataset"]!.GetValue<string>());
        Assert.Equal("ready", fetched["state"]!.GetValue<string>());
        Assert.Equal(4, fetched["files"]!.AsArray().Count);
    }

    /// <summary>
    /// A command that fetches its dataset on first use drew the fetch's progress on stdout, before the JSON object
    /// ("train-images-idx3-ubyte (/usr/share/datasets/fashion-mnist): 56%"): it belongs on stderr.
    /// </summary>
    [Fact]
    public async Task A_dataset_fetched_on_first_use_keeps_its_progress_off_stdout()
    {
        var (code, stdout, stderr) = await InProcessGrid.RunAsync(
            "bench", "kmeans", "--dataset", "fashion-mnist", "--data-dir", _work, "--k", "5", "--n-init", "1", "--limit", "600", "--json");

        Assert.True(code == 0, $"bench kmeans --json exited {code}: {stderr}");
        Assert.Equal("fashion-mnist", JsonNode.Parse(stdout)!["dataset"]!.GetValue<string>());
        Assert.Contains("fashion-mnist: fetched into", stderr);
    }

    [Fact]
    public async Task Demo_json_with_a_file_still_writes_the_file_and_says_it_is_deprecated()
    {
        var demo = CommandTree.Runnable().Single(c => c.Path == "demo").Command;
        string file = InWork("demo.json");

        var (to, stdout, stderr) = await InProcessGrid.CaptureAsync(() =>
            Task.FromResult(OutputOptions.Of(demo)!.Read(demo.Parse(["--json", file]))));

        Assert.Equal(new JsonDestination(Print: false, file), to);
        Assert.Equal($"warning: `--json {file}` is deprecated; use `--json-file {file}` (--json alone prints the object on stdout)", stderr.Trim());
        Assert.Equal("", stdout);
        var (_, _, note) = await InProcessGrid.CaptureAsync(() =>
        {
            JsonOutput.Write(new JsonObject { ["sweep_id"] = "demo-1" }, to);
            return Task.FromResult(0);
        });
        Assert.Equal("demo-1", JsonNode.Parse(File.ReadAllText(file))!["sweep_id"]!.GetValue<string>());
        Assert.Equal($"JSON written to {file}", note.Trim());
    }

    [Fact]
    public async Task Demo_reads_its_old_spelling_as_the_file_before_it_starts()
    {
        // The demo's own action: a FILE in a missing folder is refused at once, so the old spelling names the file.
        string file = InWork("no-such-folder/demo.json");

        var (code, stdout, stderr) = await InProcessGrid.RunAsync("demo", "--json", file);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Contains($"use `--json-file {file}`", stderr);
        Assert.Contains($"error: --json-file {file}: no folder {InWork("no-such-folder")}", stderr);
    }

    [Fact]
    public async Task Demo_json_alone_prints_the_object_like_every_other_command()
    {
        var demo = CommandTree.Runnable().Single(c => c.Path == "demo").Command;

        var (to, _, stderr) = await InProcessGrid.CaptureAsync(() => Task.FromResult(OutputOptions.Of(demo)!.Read(demo.Parse(["--json", "--report", _work]))));

        Assert.Equal(new JsonDestination(Print: true, File: null), to);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Demo_with_both_spellings_of_the_file_is_bad_input()
    {
        var (code, _, stderr) = await InProcessGrid.RunAsync("demo", "--json", InWork("a.json"), "--json-file", InWork("b.json"));

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"error: --json {InWork("a.json")} is the old spelling of --json-file", stderr);
    }

    [Fact]
    public async Task A_json_file_in_a_missing_folder_is_refused_before_any_work()
    {
        string file = InWork("missing/list.json");

        var (code, stdout, stderr) = await InProcessGrid.RunAsync("data", "list", "--json-file", file, "--data-dir", _work);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: --json-file {file}: no folder {InWork("missing")}", stderr.Trim());
    }
}
