using System.Runtime.InteropServices;

namespace Grid.Compute;

/// <summary>
/// How long libtorch's OpenMP threads (GNU libgomp) spin after a parallel region before they sleep. libgomp's default,
/// 300,000 spins, suits a process alone on its cores; where several processes share them (silos of one node, a console
/// beside its embedded silo, the test suite) the spinning threads take the cores the others need: ten sweeps of a
/// hundred trials on three silos of two cores took 2× as long (README, Troubleshooting). 10,000 spins
/// keeps a fit alone on its cores as fast as the default, while OMP_WAIT_POLICY=PASSIVE would make it 1.6× slower.
/// </summary>
public static class OpenMpWaits
{
    public const string SpinCountVariable = "GOMP_SPINCOUNT";
    public const string BoundedSpinCount = "10000";
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Bounds the spinning unless <see cref="LeftToGrid"/>. libgomp reads the environment once, when libtorch loads, so
    /// this runs first in Main; it sets the process's own environment (libc's, which libgomp reads) and .NET's copy
    /// (which child processes inherit).
    /// </summary>
    public static void Bound()
    {
        if (!OperatingSystem.IsLinux() || !LeftToGrid(Environment.GetEnvironmentVariable))
        {
            return;
        }
        try
        {
            _ = SetEnv(SpinCountVariable, BoundedSpinCount, overwrite: 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): then libtorch's OpenMP is not libgomp either.
            return;
        }
        Environment.SetEnvironmentVariable(SpinCountVariable, BoundedSpinCount);
    }

    /// <summary>Whether the user left the waiting to Grid: neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set.</summary>
    public static bool LeftToGrid(Func<string, string?> variable) =>
        variable(WaitPolicyVariable) is null && variable(SpinCountVariable) is null;

    [DllImport("libc.so.6", EntryPoint = "setenv", ExactSpelling = true)]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
