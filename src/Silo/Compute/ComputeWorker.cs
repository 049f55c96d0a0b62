using System.Collections.Concurrent;
using Grid.Abstractions.Workers;
using Grid.Grains.Stages;
using TorchSharp;

namespace Grid.Silo.Compute;

/// <summary>
/// The silo's compute threads: one dedicated thread per slot. Every tensor of a stage is made,
/// used and disposed on its slot's thread (TorchSharp dispose scopes are per thread), and no
/// TorchSharp call ever runs on the Orleans scheduler.
/// </summary>
public sealed class ComputeWorker : IDisposable
{
    private readonly Dictionary<(SlotKind Kind, int Slot), BlockingCollection<Action>> _queues = [];
    private readonly List<Thread> _threads = [];

    public ComputeWorker(SlotCounts slots)
    {
        Slots = slots;
        // Intra-op threads are shared by all cpu slots, so divide the cores among them.
        int threadsPerSlot = Math.Max(1, Environment.ProcessorCount / Math.Max(1, slots.Cpu));
        torch.set_num_threads(threadsPerSlot);
        foreach (var kind in new[] { SlotKind.Cpu, SlotKind.Gpu })
        {
            for (int slot = 0; slot < slots.For(kind); slot++)
            {
                var queue = new BlockingCollection<Action>();
                _queues[(kind, slot)] = queue;
                var thread = new Thread(() => Run(queue))
                {
                    IsBackground = true,
                    Name = $"grid-compute-{kind.ToString().ToLowerInvariant()}-{slot}",
                };
                _threads.Add(thread);
                thread.Start();
            }
        }
    }

    public SlotCounts Slots { get; }

    /// <summary>Runs <paramref name="work"/> on the thread of one slot and completes with its result.</summary>
    public Task<T> RunAsync<T>(SlotKind kind, int slot, Func<T> work)
    {
        if (!_queues.TryGetValue((kind, slot), out var queue))
        {
            throw new ArgumentOutOfRangeException(nameof(slot), $"this silo has no {kind} slot {slot} (slots: {Slots})");
        }
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Add(() =>
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

    private static void Run(BlockingCollection<Action> queue)
    {
        foreach (var work in queue.GetConsumingEnumerable())
        {
            work();
        }
    }

    public void Dispose()
    {
        foreach (var queue in _queues.Values)
        {
            queue.CompleteAdding();
        }
    }
}
