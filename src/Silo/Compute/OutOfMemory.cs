using System.Runtime;
using System.Runtime.InteropServices;

namespace Grid.Silo.Compute;

/// <summary>Recognising a stage's failed allocation, and giving the memory back afterwards.</summary>
public static class OutOfMemory
{
    /// <summary>
    /// Whether <paramref name="ex"/> is a failed allocation: managed (<see cref="OutOfMemoryException"/>) or
    /// native, which TorchSharp surfaces as an exception carrying libtorch's message ("DefaultCPUAllocator:
    /// can't allocate memory", "not enough memory", "CUDA out of memory").
    /// </summary>
    public static bool Is(Exception ex) => ex switch
    {
        OutOfMemoryException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Is),
        _ when ex.InnerException is { } inner && Is(inner) => true,
        _ => ex.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
            || ex.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
            || ex.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>
    /// After a stage let go of its tensors: collects the managed heap (which holds their handles) and asks the
    /// C allocator to return freed pages to the system, so the silo's resident memory falls back at once.
    /// </summary>
    public static void Relieve()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        if (OperatingSystem.IsLinux())
        {
            try
            {
                MallocTrim(0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (musl): freed pages go back as the allocator sees fit.
            }
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
