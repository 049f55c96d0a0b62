using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Grid.Compute.Tests.Autoencoder;

/// <summary>
/// Makes libtorch's OpenMP threads sleep, not spin, while they wait, for this test process.
/// </summary>
/// <remarks>
/// The development machine has two cores shared with other builds and test runs. With the default
/// (spinning) wait policy, a waiting OpenMP thread burns the core its sibling needs: measured here
/// under a load of ~8, the autoencoder tests took 60 s of CPU and 60 s of wall time; with
/// OMP_WAIT_POLICY=PASSIVE 10 s and 9 s. libgomp reads the variable once, when libtorch is
/// loaded, which is after this assembly's module initializer runs and before any test touches a
/// tensor. It goes through libc's setenv because .NET's Environment.SetEnvironmentVariable does not
/// reach the native environment on Unix. An explicit setting in the environment wins.
/// </remarks>
internal static class OpenMpWaitPolicy
{
    private const string Variable = "OMP_WAIT_POLICY";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "A test assembly: it must run before libtorch loads, and tests have no entry point.")]
    internal static void PreferPassiveWaiting()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is not null)
        {
            return;
        }
        try
        {
            _ = SetEnv(Variable, "PASSIVE", overwrite: 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: leave the default.
        }
    }

    [DllImport("libc.so.6", EntryPoint = "setenv", ExactSpelling = true)]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
