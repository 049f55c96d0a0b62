using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Grid.Testing;

/// <summary>
/// Bounds libtorch's OpenMP spinning in every test process, as the grid console does first thing in Main
/// (<see cref="Grid.Compute.OpenMpWaits"/>): test hosts, their in-process silos and the silo processes they start share
/// two cores in CI, where spinning threads take the time the others need. Compiled into each test assembly
/// (tests/Directory.Build.props): a module initializer runs when its assembly loads, before any test touches libtorch.
/// </summary>
internal static class OpenMpWaitsInitializer
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "A test assembly: it must run before libtorch loads, and tests have no entry point.")]
    internal static void Bound() => Grid.Compute.OpenMpWaits.Bound();
}
