using System.CommandLine;
using Grid.Client.Commands;
using Grid.Client.Specs;
using k8s.Models;

namespace Grid.Deploy.Tests;

/// <summary>The sweep Job: its spec parses, its command is one the console accepts, and it reaches the overlays' cluster.</summary>
public sealed class SweepJobTests
{
    [Fact]
    public void The_job_submits_a_valid_spec_from_its_config_map_to_the_silos_cluster()
    {
        var rendered = Rendered.Of("sweep");
        var job = Assert.Single(rendered.All<V1Job>());
        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        Assert.StartsWith("grid-console", container.Image);
        var args = container.Args.ToList();

        // The console parses the command as given (the real `grid` commands).
        var root = new RootCommand { SweepCommands.Create() };
        var parse = root.Parse(args);
        Assert.Empty(parse.Errors);
        Assert.Equal(["sweep", "submit"], args.Take(2));
        Assert.Contains("--watch", args);

        // The spec file is the ConfigMap's key, mounted read-only where the command reads it.
        string specPath = args[2];
        var mount = container.VolumeMounts.Single(m => specPath.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        Assert.True(mount.ReadOnlyProperty);
        var volume = job.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name);
        var map = rendered.Single<V1ConfigMap>(volume.ConfigMap.Name);
        string key = specPath[(mount.MountPath.Length + 1)..];
        Assert.True(map.Data.ContainsKey(key), $"ConfigMap {map.Metadata.Name} has no key {key}");
        var spec = SweepSpecReader.Read(map.Data[key], SweepSpecReader.FormatOf(key));
        Assert.True(spec.IsValid, string.Join("\n", spec.Errors.Select(e => e.ToString())));

        foreach (string folder in Rendered.Overlays)
        {
            var overlay = Rendered.Of(folder);
            Assert.Equal(overlay.Namespace, rendered.Namespace);
            var redis = overlay.Single<V1Service>("grid-redis");
            Assert.Equal($"{redis.Metadata.Name}:{redis.Spec.Ports.Single().Port}", Option(args, "--redis"));
            foreach (var silo in overlay.Silos())
            {
                var configuration = Rendered.Configuration(overlay.Environment(Rendered.SiloContainer(silo)));
                var settings = SiloCommands.SiloSettings(Rendered.SiloContainer(silo).Args.Skip(1).ToList(), configuration);
                Assert.Equal(settings.ClusterId, Option(args, "--cluster-id"));
                Assert.Equal(settings.EffectiveServiceId, Option(args, "--service-id"));
                // Every silo holds the datasets the sweep reads (the init container fetches GRID_DATASETS).
                var datasets = configuration["GRID_DATASETS"]!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.All(spec.Spec!.Datasets, d => Assert.Contains(d, datasets));
            }
        }
    }

    private static string? Option(IReadOnlyList<string> args, string name)
    {
        int at = args.ToList().IndexOf(name);
        return at >= 0 && at + 1 < args.Count ? args[at + 1] : null;
    }
}
