using Grid.Compute.Plots;

namespace Grid.Compute.Tests.Plots;

public sealed class ScratchTests
{
    [Fact]
    public void Draw()
    {
        var chart = new XYChart("Elbow: mnist · pixels · none", "k (clusters)", "inertia",
            [new ChartSeries("pixels/none", [10, 25, 50, 100], [100, 60, 45, 40])], [new ChartMarker(25, 60, "knee k = 25")], [new ReferenceLine(true, 40, "flag")]);
        chart.SavePng("/tmp/scratch-xy.png", 900, 560);
        var vals = new double[3, 3] { { 90, 5, 5 }, { 2, 80, 18 }, { 0, 10, 90 } };
        var text = new string[3, 3];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) text[r, c] = vals[r, c].ToString();
        new HeatmapChart("Confusion", "predicted", "true", ["0", "1", "2"], ["0", "1", "2"], vals, text, "rows").SavePng("/tmp/scratch-hm.png", 720, 720);
        new BarChart("Classes", "class", "share (%)", ["0", "1", "2"], [new BarGroup("train", [30, 40, 30]), new BarGroup("test", [33, 33, 34])], []).SavePng("/tmp/scratch-bar.png", 900, 560);
    }
}
