using Grid.Abstractions.Runs;
using Grid.Abstractions.Stages;
using Grid.Abstractions.Workers;

namespace Grid.Grains.Stages;

/// <summary>
/// Runs a stage's computation on this silo's compute threads (never on the Orleans scheduler).
/// The silo provides it; grains only await the task it returns.
/// </summary>
public interface IStageExecutor
{
    /// <summary>The slots this silo offers.</summary>
    SlotCounts Slots { get; }

    /// <summary>Leases currently running here, for the scheduler's heartbeat.</summary>
    IReadOnlyList<SlotLease> Running { get; }

    /// <summary>Runs <paramref name="request"/> on the leased slot and returns its outcome.</summary>
    Task<StageOutcome> ExecuteAsync(SlotLease lease, StageRequest request, IProgress<StageProgress> progress, CancellationToken cancellationToken);

    /// <summary>Cancels the work running under lease <paramref name="token"/>; false when none runs here.</summary>
    bool Cancel(long token);
}

/// <summary>How many slots of each kind a silo declares (<c>--slots cpu=N,gpu=M</c>).</summary>
public sealed record SlotCounts(int Cpu, int Gpu)
{
    public int For(SlotKind kind) => kind == SlotKind.Gpu ? Gpu : Cpu;

    /// <summary>Parses <c>cpu=N,gpu=M</c> (either part optional).</summary>
    public static SlotCounts Parse(string text)
    {
        int cpu = 0, gpu = 0;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !int.TryParse(pair[1], out int count) || count < 0)
            {
                throw new FormatException($"slots: '{part}' is not KIND=COUNT with a count ≥ 0 (expected e.g. cpu=2,gpu=1)");
            }
            switch (pair[0].ToLowerInvariant())
            {
                case "cpu":
                    cpu = count;
                    break;
                case "gpu":
                    gpu = count;
                    break;
                default:
                    throw new FormatException($"slots: unknown slot kind '{pair[0]}' (known: cpu, gpu)");
            }
        }
        if (cpu + gpu == 0)
        {
            throw new FormatException($"slots: '{text}' declares no slots; a silo needs at least one (e.g. cpu=1)");
        }
        return new SlotCounts(cpu, gpu);
    }

    public override string ToString() => $"cpu={Cpu},gpu={Gpu}";
}
