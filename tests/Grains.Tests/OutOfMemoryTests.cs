using Grid.Silo.Compute;
using TorchSharp;

namespace Grid.Grains.Tests;

/// <summary>How a stage's failed allocation is recognised, with libtorch's own failure.</summary>
public sealed class OutOfMemoryTests
{
    [Fact]
    public void A_tensor_larger_than_any_machine_fails_as_out_of_memory()
    {
        // 2^45 floats: 128 TiB, beyond what any allocator here can map, so libtorch's CPU allocator refuses it.
        var failure = Record.Exception(() => torch.empty(1L << 45, dtype: torch.ScalarType.Float32).Dispose());
        Assert.NotNull(failure);
        Assert.True(OutOfMemory.Is(failure), $"{failure.GetType().Name}: {failure.Message}");
        // Afterwards the process allocates as before.
        using var small = torch.ones(1000, 1000);
        Assert.Equal(1_000_000, small.sum().item<float>());
    }

    [Fact]
    public void Managed_and_wrapped_failures_count_and_ordinary_errors_do_not()
    {
        Assert.True(OutOfMemory.Is(new OutOfMemoryException()));
        Assert.True(OutOfMemory.Is(new InvalidOperationException("stage failed", new InsufficientMemoryException("x"))));
        Assert.True(OutOfMemory.Is(new AggregateException(new OutOfMemoryException())));
        Assert.True(OutOfMemory.Is(new System.Runtime.InteropServices.ExternalException("CUDA out of memory. Tried to allocate 2.00 GiB")));
        Assert.False(OutOfMemory.Is(new InvalidDataException("train-images-idx3-ubyte: truncated")));
        Assert.False(OutOfMemory.Is(new OperationCanceledException()));
    }
}
