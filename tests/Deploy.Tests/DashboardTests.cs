using k8s.Models;

namespace Grid.Deploy.Tests;

/// <summary>The Grafana dashboards ConfigMap that every overlay generates from deploy/grafana/dashboards.</summary>
public sealed class DashboardTests
{
    public static TheoryData<string> Overlays() => new(Rendered.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_dashboards_config_map_holds_every_dashboard_file_as_it_is_for_the_grafana_sidecar(string folder)
    {
        var map = Rendered.Of(folder).Single<V1ConfigMap>("grid-grafana-dashboards");
        Assert.Equal("1", map.Metadata.Labels["grafana_dashboard"]);
        Assert.Equal("Grid", map.Metadata.Annotations["grafana_folder"]);
        var files = Dashboards.Files;
        Assert.NotEmpty(files);
        // A dashboard added to the folder but not to deploy/grafana/kustomization.yaml fails here.
        Assert.Equal(files.Select(Path.GetFileName).Order(StringComparer.Ordinal), map.Data.Keys.Order(StringComparer.Ordinal));
        foreach (string file in files)
        {
            Assert.Equal(File.ReadAllText(file), map.Data[Path.GetFileName(file)]);
        }
        // kubectl apply keeps the last applied object in an annotation of at most 256 KiB.
        Assert.True(map.Data.Values.Sum(v => v.Length) < 200_000, "the dashboards ConfigMap is near kubectl apply's annotation limit; split it");
    }
}
