namespace Grid.Silo.Compute;

/// <summary>
/// Whether this silo is shutting down: once draining, it takes no new stage, tells the scheduler so,
/// answers /readyz with 503, and hands back what has not finished when the drain timeout is up.
/// </summary>
public sealed class SiloDrain
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void Begin() => _draining = true;
}
