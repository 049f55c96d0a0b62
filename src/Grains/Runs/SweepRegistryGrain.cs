using Grid.Abstractions.Runs;
using Microsoft.Extensions.Options;

namespace Grid.Grains.Runs;

/// <summary>Persisted list of sweeps.</summary>
[GenerateSerializer]
[Alias("grid.runs.sweep-registry-state")]
public sealed class SweepRegistryState
{
    [Id(0)]
    public Dictionary<string, SweepSummary> Sweeps { get; set; } = [];
}

/// <summary>Every sweep submitted to the cluster, newest first.</summary>
[GrainType("grid.sweep-registry")]
public sealed class SweepRegistryGrain(
    [PersistentState("registry", "grid")] IPersistentState<SweepRegistryState> state,
    IOptions<GridGrainOptions> options) : Grain, ISweepRegistryGrain
{
    public async Task UpsertAsync(SweepSummary summary)
    {
        if (state.State.Sweeps.TryGetValue(summary.SweepId, out var existing) && existing == summary)
        {
            return;
        }
        state.State.Sweeps[summary.SweepId] = summary;
        await state.WriteStateWithRetryAsync(options.Value);
    }

    public async Task RemoveAsync(string sweepId)
    {
        if (state.State.Sweeps.Remove(sweepId))
        {
            await state.WriteStateWithRetryAsync(options.Value);
        }
    }

    public Task<IReadOnlyList<SweepSummary>> ListAsync() =>
        Task.FromResult<IReadOnlyList<SweepSummary>>(state.State.Sweeps.Values.OrderByDescending(s => s.Submitted).ToList());
}
