using Grid.Compute.Plots;
using Grid.Silo.Pages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grid.Grains.Tests;

public sealed class FigureRendererTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Quick_figures_are_drawn_while_costly_ones_hold_their_lane()
    {
        var renderer = new FigureRenderer(NullLogger<FigureRenderer>.Instance);
        using var release = new ManualResetEventSlim();
        int costlyStarted = 0;
        Figure Costly(string name) => new(name, ResultFigures.LatentSection, name, 200, 200, name, null, _ =>
        {
            Interlocked.Increment(ref costlyStarted);
            release.Wait(Bound);
            return Heatmap(name);
        }, Costly: true);

        // Two t-SNE-like figures: the first takes the costly lane, the second waits behind it.
        var first = renderer.RenderAsync(Costly("latent-train.png"), CancellationToken.None);
        var second = renderer.RenderAsync(Costly("latent-test.png"), CancellationToken.None);
        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref costlyStarted) == 1), Bound, "the first costly figure is being drawn");
        var quick = Enumerable.Range(0, 5).Select(i => renderer.RenderAsync(
            new Figure($"t{i}-confusion.png", ResultFigures.TrialSection, "", 200, 200, $"t{i}", $"t{i}", _ => Heatmap($"t{i}")),
            CancellationToken.None)).ToList();

        var drawn = await Task.WhenAll(quick).WaitAsync(Bound);
        Assert.All(drawn, png => Assert.True(png.Length > 100, "not a PNG"));
        Assert.False(first.IsCompleted || second.IsCompleted, "a costly figure finished before it was released");
        Assert.Equal(1, Volatile.Read(ref costlyStarted));

        release.Set();
        Assert.True((await Task.WhenAll(first, second).WaitAsync(Bound)).All(png => png.Length > 100));
        Assert.Equal(2, Volatile.Read(ref costlyStarted));
    }

    private static HeatmapChart Heatmap(string title) => ResultCharts.ConfusionCounts([3, 1, 0, 4], 2, title);
}
