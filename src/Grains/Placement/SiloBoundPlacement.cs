using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Grid.Grains.Placement;

/// <summary>
/// Places a grain on the silo whose address (<see cref="SiloAddress.ToParsableString"/>) is the
/// grain's key. A worker grain must run on the silo that owns its slots and compute threads.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloBoundPlacement : PlacementStrategy
{
}

/// <summary>Marks a grain class as placed by <see cref="SiloBoundPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloBoundPlacementAttribute() : PlacementAttribute(new SiloBoundPlacement());

/// <summary>Resolves the silo named by the grain key; fails when that silo is not in the cluster.</summary>
public sealed class SiloBoundPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        var silo = context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == key);
        if (silo is null)
        {
            throw new OrleansException($"worker {key}: its silo is not active in the cluster");
        }
        return Task.FromResult(silo);
    }
}
