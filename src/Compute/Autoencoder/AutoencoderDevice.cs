using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Autoencoder;

/// <summary>The device autoencoders train on: CUDA when torch sees a GPU, else the CPU; chosen once per process.</summary>
public static class AutoencoderDevice
{
    private static readonly Lazy<Device> _default = new(
        () => cuda.is_available() ? CUDA : CPU,
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>CUDA when available, else CPU.</summary>
    public static Device Default => _default.Value;
}
