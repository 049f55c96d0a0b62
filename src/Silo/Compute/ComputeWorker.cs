using Grid.Abstractions.Workers;
using Grid.Core;
using Grid.Grains.Stages;
using TorchSharp;

namespace Grid.Silo.Compute;

/// <summary>
/// The silo's compute slots: one <see cref="DedicatedThread"/> per slot, so every tensor of a stage is made, used
/// and disposed on its slot's thread and no TorchSharp call ever runs on the Orleans scheduler.
/// </summary>
public sealed class ComputeWorker : IDisposable
{
    private readonly Dictionary<(SlotKind Kind, int Slot), DedicatedThread> _threads = [];

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
                _threads[(kind, slot)] = new DedicatedThread($"grid-compute-{SpecNames.Of(kind)}-{slot}");
            }
        }
    }

    public SlotCounts Slots { get; }

    /// <summary>Runs <paramref name="work"/> on the thread of one slot and completes with its result.</summary>
    public Task<T> RunAsync<T>(SlotKind kind, int slot, Func<T> work) =>
        _threads.TryGetValue((kind, slot), out var thread)
            ? thread.RunAsync(work)
            : throw new ArgumentOutOfRangeException(nameof(slot), $"this silo has no {kind} slot {slot} (slots: {Slots})");

    public void Dispose()
    {
        foreach (var thread in _threads.Values)
        {
            thread.Dispose();
        }
    }
}
