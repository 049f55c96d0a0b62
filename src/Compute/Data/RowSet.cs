using System.Runtime.InteropServices;
using Grid.Core;
using Grid.Core.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Data;

/// <summary>
/// Rows of a dataset, optionally labelled, held as their stored bytes: one byte a number for 8-bit images
/// (as an IDX file stores them) or four (float32, little-endian) for everything else. Each row has the same
/// <see cref="Shape"/>: [channels, height, width] for images, [features] for flat vectors. Conversion to
/// tensors happens on the compute thread that uses them.
/// </summary>
public sealed class RowSet
{
    /// <param name="data">The rows' numbers, row after row, as <paramref name="element"/> values.</param>
    /// <param name="labels">Each row's class index, or null for unlabeled rows.</param>
    public RowSet(ElementType element, byte[] data, byte[]? labels, int count, IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (shape.Count is not (1 or 3) || shape.Any(size => size <= 0))
        {
            throw new ArgumentException($"a row is [features] or [channels, height, width] with positive sizes, not [{string.Join(", ", shape)}]", nameof(shape));
        }
        Element = element;
        Shape = shape.ToArray();
        Features = Shape.Aggregate(1, (product, size) => product * size);
        long expected = (long)count * Features * BytesPer(element);
        if (data.LongLength != expected)
        {
            throw new ArgumentException($"expected {count} rows of {Features} {SpecNames.Of(element)} values ({expected} bytes), got {data.LongLength} bytes", nameof(data));
        }
        if (labels is not null && labels.Length != count)
        {
            throw new ArgumentException($"expected {count} labels, got {labels.Length}", nameof(labels));
        }
        Data = data;
        Labels = labels;
        Count = count;
    }

    /// <summary>Labelled grey 8-bit images, as the built-in datasets hold them.</summary>
    public RowSet(byte[] pixels, byte[] labels, int count, int height, int width)
        : this(ElementType.UInt8, pixels, labels, count, [1, height, width])
    {
    }

    public ElementType Element { get; }

    /// <summary>The rows' numbers as stored (see <see cref="Element"/>).</summary>
    public byte[] Data { get; }

    /// <summary>Each row's class index; null when the rows carry no labels.</summary>
    public byte[]? Labels { get; }

    public int Count { get; }

    /// <summary>The shape of one row.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Numbers per row: the width of the flattened feature matrix.</summary>
    public int Features { get; }

    /// <summary>True when rows are images ([channels, height, width]).</summary>
    public bool IsImage => Shape.Count == 3;

    /// <summary>Image height (1 for flat rows).</summary>
    public int Height => IsImage ? Shape[1] : 1;

    /// <summary>Image width (the feature count for flat rows).</summary>
    public int Width => IsImage ? Shape[2] : Shape[0];

    /// <summary>The labels; throws, naming what needs them, when the rows have none.</summary>
    public byte[] RequireLabels(string purpose) =>
        Labels ?? throw new DatasetException($"{purpose} needs class labels, and these rows have none");

    /// <summary>The first <paramref name="n"/> rows (all of them when n ≥ Count).</summary>
    public RowSet Take(int n)
    {
        if (n >= Count)
        {
            return this;
        }
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return Slice(0, n);
    }

    /// <summary>Rows [start, start + count): for example a shard's range of rows.</summary>
    public RowSet Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count);
        int rowBytes = Features * BytesPer(Element);
        return new RowSet(
            Element,
            Data.AsSpan(start * rowBytes, count * rowBytes).ToArray(),
            Labels?.AsSpan(start, count).ToArray(),
            count,
            Shape);
    }

    /// <summary>Flattened rows as a float32 [Count, Features] tensor of the stored values (0..255 for 8-bit images).</summary>
    public Tensor ToFeatureTensor(Device? device = null) => Stored([Count, Features], device);

    /// <summary>
    /// Rows in their own shape ([Count, channels, height, width] or [Count, features]) as float32, as a network
    /// takes them: 8-bit images scaled to 0..1, other values as stored.
    /// </summary>
    public Tensor ToInputTensor(Device? device = null)
    {
        var floats = Stored([Count, .. Shape.Select(size => (long)size)], device);
        // div_ works in place and returns the same tensor, which the caller then owns.
        return Element == ElementType.UInt8 ? floats.div_(255f) : floats;
    }

    /// <summary>Labels as an int64 [Count] tensor.</summary>
    public Tensor ToLabelTensor(Device? device = null)
    {
        using var bytes = torch.tensor(RequireLabels("a label tensor"), [Count], dtype: ScalarType.Byte);
        return bytes.to(ScalarType.Int64, device ?? CPU);
    }

    /// <summary>The values of row <paramref name="row"/> as floats (stored values, 0..255 for 8-bit images).</summary>
    public float[] RowValues(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return Element == ElementType.UInt8
            ? Data.AsSpan(row * Features, Features).ToArray().Select(value => (float)value).ToArray()
            : MemoryMarshal.Cast<byte, float>(Data.AsSpan(row * Features * sizeof(float), Features * sizeof(float))).ToArray();
    }

    /// <summary>Bytes one stored number takes.</summary>
    public static int BytesPer(ElementType element) => element == ElementType.UInt8 ? 1 : sizeof(float);

    private Tensor Stored(long[] shape, Device? device)
    {
        if (Element == ElementType.UInt8)
        {
            using var bytes = torch.tensor(Data, shape, dtype: ScalarType.Byte);
            return bytes.to(ScalarType.Float32, device ?? CPU);
        }
        var values = torch.tensor(MemoryMarshal.Cast<byte, float>(Data.AsSpan()).ToArray(), shape, dtype: ScalarType.Float32);
        if (device is null || device.type == DeviceType.CPU)
        {
            return values;
        }
        using (values)
        {
            return values.to(device);
        }
    }
}

/// <summary>A dataset's train and test parts.</summary>
public sealed record DatasetSplit(string Name, RowSet Train, RowSet Test);
