namespace Grid.Testing;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the reporting thread and keeps every report: the test sees each one
/// before the call that reported it returns (<see cref="Progress{T}"/> would post them to the thread pool).
/// </summary>
public sealed class SynchronousProgress<T>(Action<T>? onReport = null) : IProgress<T>
{
    private readonly List<T> _reports = [];

    /// <summary>Every report so far, in order.</summary>
    public IReadOnlyList<T> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(T value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }
        onReport?.Invoke(value);
    }
}
