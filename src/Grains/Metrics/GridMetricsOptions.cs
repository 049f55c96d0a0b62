namespace Grid.Grains.Metrics;

/// <summary>Settings of the <c>Grid</c> meter (section <c>Grid:Metrics</c>). Validated at start-up.</summary>
public sealed class GridMetricsOptions
{
    /// <summary>
    /// How long a sweep's own series (progress, elbow points, knees, autoencoder losses) are still
    /// reported after the sweep ended, so a dashboard shows the final values; then they are dropped,
    /// which keeps the number of series bounded however many sweeps a cluster runs.
    /// </summary>
    public TimeSpan SweepSeriesRetention { get; set; } = TimeSpan.FromMinutes(15);

    public void Validate()
    {
        if (SweepSeriesRetention < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SweepSeriesRetention), SweepSeriesRetention, "Grid:Metrics:SweepSeriesRetention must be ≥ 0");
        }
    }
}
