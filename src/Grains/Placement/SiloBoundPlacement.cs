using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Grid.Grains.Placement;

/// <summary>
/// Places a grain on the silo whose address (<see cref="SiloAddress.ToParsableString"/>) is the
/// grain's key, or the part of it before a '|' (<c>silo|rest</c>, see <see cref="SiloBoundKeys"/>). A worker
/// grain must run on the silo that owns its slots and compute threads; a k-means shard on the silo chosen for it.
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
        string key = SiloBoundKeys.SiloOf(target.GrainIdentity.Key.ToString()!);
        var silo = context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == key);
        if (silo is null)
        {
            // The same exception a call to a dead silo fails with: callers treat both as a lost silo.
            throw new SiloUnavailableException($"silo-bound grain on {key}: that silo is not active in the cluster");
        }
        return Task.FromResult(silo);
    }
}

/// <summary>Keys of silo-bound grains: the silo's address, optionally followed by '|' and more.</summary>
public static class SiloBoundKeys
{
    /// <summary>A key for a grain on <paramref name="silo"/> (a parsable silo address) named <paramref name="name"/>.</summary>
    public static string For(string silo, string name) => $"{silo}|{name}";

    /// <summary>The silo part of a key.</summary>
    public static string SiloOf(string key)
    {
        int bar = key.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? key : key[..bar];
    }
}
