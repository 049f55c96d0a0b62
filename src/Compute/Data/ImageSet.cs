using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Data;

/// <summary>
/// Labelled grey-scale images held as raw bytes (row-major, one byte per pixel), as an IDX file
/// stores them. Conversion to tensors happens on the compute thread that uses them.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, byte[] labels, int count, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (count < 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "count must be ≥ 0 and the image size positive");
        }
        if (pixels.LongLength != (long)count * height * width)
        {
            throw new ArgumentException($"expected {count}×{height}×{width} pixels, got {pixels.LongLength}", nameof(pixels));
        }
        if (labels.Length != count)
        {
            throw new ArgumentException($"expected {count} labels, got {labels.Length}", nameof(labels));
        }
        Pixels = pixels;
        Labels = labels;
        Count = count;
        Height = height;
        Width = width;
    }

    public byte[] Pixels { get; }

    public byte[] Labels { get; }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Pixels per image: the width of the flattened feature matrix.</summary>
    public int Features => Height * Width;

    /// <summary>The first <paramref name="n"/> images (all of them when n ≥ Count).</summary>
    public ImageSet Take(int n)
    {
        if (n >= Count)
        {
            return this;
        }
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return new ImageSet(Pixels.AsSpan(0, n * Features).ToArray(), Labels.AsSpan(0, n).ToArray(), n, Height, Width);
    }

    /// <summary>Images [start, start + count): for example a shard's range of rows.</summary>
    public ImageSet Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count);
        return new ImageSet(Pixels.AsSpan(start * Features, count * Features).ToArray(), Labels.AsSpan(start, count).ToArray(), count, Height, Width);
    }

    /// <summary>Flattened pixels as a float32 [Count, Features] tensor of raw 0..255 values.</summary>
    public Tensor ToFeatureTensor(Device? device = null)
    {
        using var bytes = torch.tensor(Pixels, [Count, Features], dtype: ScalarType.Byte);
        return bytes.to(ScalarType.Float32, device ?? CPU);
    }

    /// <summary>Images as a float32 [Count, 1, Height, Width] tensor scaled to 0..1, as the autoencoder expects.</summary>
    public Tensor ToImageTensor(Device? device = null)
    {
        using var bytes = torch.tensor(Pixels, [Count, 1, Height, Width], dtype: ScalarType.Byte);
        // div_ works in place and returns the same tensor, which the caller then owns.
        var floats = bytes.to(ScalarType.Float32, device ?? CPU);
        return floats.div_(255f);
    }

    /// <summary>Labels as an int64 [Count] tensor.</summary>
    public Tensor ToLabelTensor(Device? device = null)
    {
        using var bytes = torch.tensor(Labels, [Count], dtype: ScalarType.Byte);
        return bytes.to(ScalarType.Int64, device ?? CPU);
    }
}

/// <summary>A dataset's train and test parts.</summary>
public sealed record DatasetSplit(string Name, ImageSet Train, ImageSet Test);
