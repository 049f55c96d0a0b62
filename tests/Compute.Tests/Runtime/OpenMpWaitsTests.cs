using System.Runtime.InteropServices;
using Grid.Compute;

namespace Grid.Compute.Tests.Runtime;

public class OpenMpWaitsTests
{
    [Theory]
    [InlineData(null, null, true)]
    [InlineData("PASSIVE", null, false)]
    [InlineData("ACTIVE", null, false)]
    [InlineData(null, "300000", false)]
    [InlineData("", null, false)]
    public void Grid_bounds_the_spinning_only_where_the_user_set_neither_variable(string? policy, string? spinCount, bool leftToGrid)
    {
        var environment = new Dictionary<string, string?> { [OpenMpWaits.WaitPolicyVariable] = policy, [OpenMpWaits.SpinCountVariable] = spinCount };

        Assert.Equal(leftToGrid, OpenMpWaits.LeftToGrid(name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void This_process_libgomp_reads_the_same_spin_count_as_dotnet_sees()
    {
        // The module initializer (tests/OpenMpWaitsInitializer.cs) ran Bound() before any test: where the user set neither
        // variable, libc's environment, the one libgomp reads, now holds the bound.
        string? native = Marshal.PtrToStringUTF8(GetEnv(OpenMpWaits.SpinCountVariable));
        Assert.Equal(Environment.GetEnvironmentVariable(OpenMpWaits.SpinCountVariable), native);
        if (Environment.GetEnvironmentVariable(OpenMpWaits.WaitPolicyVariable) is null)
        {
            Assert.NotNull(native);
        }
    }

    [DllImport("libc.so.6", EntryPoint = "getenv", ExactSpelling = true)]
    private static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
