using System.Collections.Concurrent;

namespace Grid.Silo.Compute;

/// <summary>
/// One thread and its queue: work handed to it runs there, one item at a time, in order. Every TorchSharp call of
/// a silo runs on such a thread (a compute slot's, or the shard host's), never on the Orleans scheduler: tensors are
/// made, used and disposed on one thread (TorchSharp dispose scopes are per thread), and a long computation never
/// blocks grain turns. Exceptions reach the caller unchanged.
/// </summary>
public sealed class DedicatedThread : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();

    public DedicatedThread(string name)
    {
        Name = name;
        var thread = new Thread(() =>
        {
            foreach (var work in _queue.GetConsumingEnumerable())
            {
                work();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
    }

    /// <summary>The thread's name, as debuggers and dumps show it.</summary>
    public string Name { get; }

    /// <summary>Queues <paramref name="work"/> and completes with its result or its exception.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception ex)
            {
                completion.SetException(ex);
            }
        });
        return completion.Task;
    }

    /// <summary>Lets the thread end once the queued work is done.</summary>
    public void Dispose() => _queue.CompleteAdding();
}
