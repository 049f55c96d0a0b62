using System.Text.RegularExpressions;
using k8s.Models;

namespace Grid.Deploy.Tests;

/// <summary>
/// The Dockerfiles, read (no image is built here): official bases, a non-root user, every file they copy
/// present and not excluded from the build context, the ports the manifests use exposed; and the build
/// property that picks TorchSharp's native backend.
/// </summary>
public sealed partial class ImageTests
{
    private static string DockerDir => Repository.PathOf("deploy", "docker");

    public static TheoryData<string> Dockerfiles() => new(DockerfileNames());

    private static string[] DockerfileNames() =>
        Directory.GetFiles(DockerDir, "*.Dockerfile").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void There_is_an_image_for_the_cpu_silo_the_gpu_silo_and_the_console_and_the_manifests_use_them()
    {
        Assert.Equal(["console.Dockerfile", "silo-gpu.Dockerfile", "silo.Dockerfile"], DockerfileNames());
        var images = Rendered.Deployable.SelectMany(f => Rendered.Of(f).PodTemplates())
            .SelectMany(t => Rendered.Containers(t.Template))
            .Select(c => c.Image).ToHashSet();
        Assert.Contains(images, i => Regex.IsMatch(i, @"(^|/)grid-silo:"));
        Assert.Contains(images, i => Regex.IsMatch(i, @"(^|/)grid-silo-gpu:"));
        Assert.Contains(images, i => Regex.IsMatch(i, @"(^|/)grid-console:"));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void A_dockerfile_builds_from_the_repository_on_official_images_and_runs_as_a_non_root_user(string name)
    {
        string text = File.ReadAllText(Path.Combine(DockerDir, name));
        var args = Regex.Matches(text, @"^ARG (\w+)=(\S+)", RegexOptions.Multiline).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var bases = Regex.Matches(text, @"^FROM (\S+)", RegexOptions.Multiline)
            .Select(m => Regex.Replace(m.Groups[1].Value, @"\$\{(\w+)\}", v => args[v.Groups[1].Value])).ToList();
        Assert.True(bases.Count >= 2, $"{name}: multi-stage");
        Assert.Contains("mcr.microsoft.com/dotnet/sdk:10.0", bases);
        Assert.All(bases, b => Assert.Matches(@"^(mcr\.microsoft\.com/dotnet/(sdk|aspnet):10\.0|nvidia/cuda:[\w.\-]+)$", b));

        // The last stage runs as a numeric non-root user (runAsNonRoot can only check a number).
        string last = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        var user = Regex.Match(last, @"^USER (\S+)", RegexOptions.Multiline);
        Assert.True(user.Success, $"{name}: the final stage sets no USER");
        Assert.Matches(@"^(\$APP_UID|\$\{APP_UID\}|[1-9][0-9]*)$", user.Groups[1].Value);
        Assert.Matches(@"ENTRYPOINT \[""dotnet"", ""/app/grid.dll""\]", last);

        // Every source copied from the build context exists and is not excluded by .dockerignore.
        var ignored = File.ReadAllLines(Path.Combine(Repository.Root, ".dockerignore"))
            .Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Trim().TrimStart('/').Replace("**/", "")).ToList();
        foreach (Match copy in Regex.Matches(text, @"^COPY (?!--from)(.+) \S+$", RegexOptions.Multiline))
        {
            foreach (string source in copy.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                string path = Path.Combine(Repository.Root, source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{name}: COPY {source}: not in the repository");
                Assert.DoesNotContain(ignored, i => source.TrimEnd('/') == i.TrimEnd('/') || source.StartsWith(i.TrimEnd('/') + "/", StringComparison.Ordinal));
            }
        }
        // Every project the console depends on has its project file copied before the restore.
        string restore = text[..text.IndexOf("dotnet restore", StringComparison.Ordinal)];
        foreach (string project in Directory.GetFiles(Path.Combine(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(Repository.Root, project);
            Assert.Contains($"COPY {relative} ", restore);
        }
    }

    [Fact]
    public void The_silo_images_expose_the_ports_the_silo_containers_declare()
    {
        var declared = Rendered.Of("overlays/gpu").Silos().SelectMany(d => Rendered.SiloContainer(d).Ports).Select(p => p.ContainerPort).ToHashSet();
        foreach (string name in new[] { "silo.Dockerfile", "silo-gpu.Dockerfile" })
        {
            var exposed = Regex.Match(File.ReadAllText(Path.Combine(DockerDir, name)), @"^EXPOSE (.+)$", RegexOptions.Multiline)
                .Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToHashSet();
            Assert.Equal(declared.Order(), exposed.Order());
        }
    }

    [Theory]
    [InlineData("silo.Dockerfile", "cpu")]
    [InlineData("silo-gpu.Dockerfile", "cuda")]
    [InlineData("console.Dockerfile", "none")]
    public void Each_image_builds_with_its_torch_backend(string name, string backend)
    {
        string text = File.ReadAllText(Path.Combine(DockerDir, name));
        var args = Regex.Matches(text, @"^ARG (\w+)=(\S+)", RegexOptions.Multiline).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        foreach (Match m in Regex.Matches(text, @"dotnet (restore|publish)(?:[^\n\\]|\\\n)*"))
        {
            var property = Regex.Match(m.Value, @"-p:GridTorchBackend=(\S+)");
            Assert.True(property.Success, $"{name}: `dotnet {m.Groups[1].Value}` does not set GridTorchBackend");
            string value = Regex.Replace(property.Groups[1].Value, @"\$\{(\w+)\}", v => args[v.Groups[1].Value]);
            Assert.Equal(backend, value);
        }
    }

    [Theory]
    [InlineData("cpu", "libtorch-cpu-linux-x64")]
    [InlineData("cuda", "libtorch-cuda-12.8-linux-x64")]
    [InlineData("none", null)]
    public async Task The_torch_backend_property_picks_the_native_package(string backend, string? package)
    {
        // Evaluation only: nothing is restored (the CUDA package is not on every package source).
        string project = Path.Combine(Repository.Root, "src", "Compute", "Grid.Compute.csproj");
        var (code, output, errors) = await ExternalProcess.RunAsync(TimeSpan.FromMinutes(2),
            "dotnet", "msbuild", project, "-getItem:PackageReference", "-getItem:PackageVersion", $"-p:GridTorchBackend={backend}", "-nologo");
        Assert.True(code == 0, $"dotnet msbuild exited {code}: {output}{errors}");
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var references = json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()).ToList();
        var versions = json.RootElement.GetProperty("Items").GetProperty("PackageVersion").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString());
        Assert.Contains("TorchSharp", references);
        var natives = references.Where(r => r!.StartsWith("libtorch-", StringComparison.Ordinal)).ToList();
        if (package is null)
        {
            Assert.Empty(natives);
        }
        else
        {
            Assert.Equal([package], natives);
            // The native build TorchSharp 0.107.0 is made for.
            Assert.Equal("2.10.0", versions[package]);
        }
    }
}
