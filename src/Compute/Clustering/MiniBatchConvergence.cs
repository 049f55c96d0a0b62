namespace Grid.Compute.Clustering;

/// <summary>scikit-learn's <c>_mini_batch_convergence</c>: early stopping on the smoothed batch inertia.</summary>
internal sealed class MiniBatchConvergence(MiniBatchKMeansOptions options, double tolerance, long samples, int batchSize)
{
    private double? _ewaInertia;
    private double? _ewaInertiaMin;
    private int _noImprovement;
    private double _lastBatchInertia;

    /// <summary>The smoothed inertia per row times n: an estimate of the full inertia.</summary>
    public double EstimatedInertia => (_ewaInertia ?? _lastBatchInertia) * samples;

    public bool ShouldStop(int step, double batchInertia, double squaredChange)
    {
        // Per-row inertia, comparable across batch sizes.
        batchInertia /= batchSize;
        _lastBatchInertia = batchInertia;

        // The first step's inertia measures the initialisation: ignored.
        if (step == 0)
        {
            return false;
        }

        if (_ewaInertia is not { } ewa)
        {
            _ewaInertia = batchInertia;
        }
        else
        {
            var alpha = Math.Min(batchSize * 2.0 / (samples + 1), 1.0);
            _ewaInertia = ewa * (1 - alpha) + batchInertia * alpha;
        }

        if (tolerance > 0 && squaredChange <= tolerance)
        {
            return true;
        }

        if (_ewaInertiaMin is null || _ewaInertia < _ewaInertiaMin)
        {
            _noImprovement = 0;
            _ewaInertiaMin = _ewaInertia;
        }
        else
        {
            _noImprovement++;
        }

        return options.MaxNoImprovement is { } patience && _noImprovement >= patience;
    }
}
