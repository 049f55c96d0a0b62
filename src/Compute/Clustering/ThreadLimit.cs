using TorchSharp;

namespace Grid.Compute.Clustering;

/// <summary>
/// Sets TorchSharp's intra-op thread count for the duration of a fit and restores the caller's
/// setting afterwards (on the fitting thread; libtorch keeps the count per OpenMP thread, seeded
/// from the last process-wide setting).
/// </summary>
internal readonly struct ThreadLimit : IDisposable
{
    private readonly int _previous;
    private readonly bool _changed;

    internal ThreadLimit(int? threads)
    {
        _previous = torch.get_num_threads();
        _changed = threads is { } wanted && wanted != _previous;
        if (_changed)
        {
            torch.set_num_threads(threads!.Value);
        }
    }

    public void Dispose()
    {
        if (_changed)
        {
            torch.set_num_threads(_previous);
        }
    }
}
