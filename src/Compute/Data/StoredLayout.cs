using Grid.Core.Datasets;

namespace Grid.Compute.Data;

/// <summary>
/// Where the rows of an uncompressed stored file lie, read from its header: an imported .npy array (uint8 or float32
/// rows, int32 labels) or a raw IDX file (uint8 images, uint8 labels). Lets a reader take a range of rows with one
/// positioned read, without holding the rest of the file.
/// </summary>
/// <param name="IdxShape">The row shape an IDX images file declares ([1, height, width]); null for .npy, whose row shape the descriptor holds.</param>
internal sealed record StoredLayout(string Path, long DataOffset, long Rows, int RowBytes, ElementType Element, int[]? IdxShape, bool Int32Labels)
{
    /// <summary>Reads the layout of a data file (<paramref name="labels"/> false) or a labels file from its header.</summary>
    public static StoredLayout Read(FileStream stream, string path, bool labels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Position = 0;
        StoredLayout layout;
        if (path.EndsWith(NpyFile.Extension, StringComparison.Ordinal))
        {
            var header = NpyFile.ReadHeader(stream, path);
            int itemBytes = labels ? NpyFile.StoredLabelBytes(header, path) : NpyFile.StoredItemBytes(header, path);
            NpyFile.CheckDataLength(header, itemBytes, stream.Length - header.DataOffset, path);
            long perRow = header.Shape.Skip(1).Aggregate(1L, (product, size) => product * size) * itemBytes;
            layout = new StoredLayout(path, header.DataOffset, header.Shape[0], checked((int)perRow),
                itemBytes == 1 ? ElementType.UInt8 : ElementType.Float32, null, labels);
        }
        else
        {
            var (type, sizes) = IdxReader.ReadHeader(stream, path);
            int dimensions = labels ? 1 : 3;
            if (type.Kind != NumberKind.UInt8 || sizes.Length != dimensions)
            {
                throw new DatasetException($"{path}: an IDX {(labels ? "labels" : "images")} file holds unsigned bytes in {dimensions} dimension{(labels ? "" : "s")}, not {type} in {sizes.Length}");
            }
            int rowBytes = labels ? 1 : checked(sizes[1] * sizes[2]);
            layout = new StoredLayout(path, stream.Position, sizes[0], rowBytes, ElementType.UInt8, labels ? null : [1, sizes[1], sizes[2]], false);
            long present = stream.Length - layout.DataOffset;
            if (present != layout.Rows * rowBytes)
            {
                throw new DatasetException($"{path}: the header declares {layout.Rows} rows of {rowBytes} bytes but the file holds {present} data bytes");
            }
        }
        return layout;
    }

    /// <summary>The row shape: the descriptor's for .npy, the header's for IDX.</summary>
    public IReadOnlyList<int> Shape(DatasetDescriptor dataset) => IdxShape ?? dataset.Shape;

    /// <summary>The stored bytes of rows [Start, Start + Count).</summary>
    public byte[] ReadRange(FileStream stream, (int Start, int Count) range)
    {
        Check(range);
        return ReadAt(stream, DataOffset + (long)range.Start * RowBytes, (long)range.Count * RowBytes);
    }

    /// <summary>The labels (one byte each) of rows [Start, Start + Count) of a labels file.</summary>
    public byte[] ReadLabels(FileStream stream, (int Start, int Count) range)
    {
        Check(range);
        byte[] stored = ReadAt(stream, DataOffset + (long)range.Start * RowBytes, (long)range.Count * RowBytes);
        return Int32Labels ? NpyFile.LabelBytes(stored, Path, range.Start) : stored;
    }

    private void Check((int Start, int Count) range)
    {
        if (range.Start < 0 || range.Count < 0 || (long)range.Start + range.Count > Rows)
        {
            throw new DatasetException($"{Path}: rows {range.Start} to {(long)range.Start + range.Count} asked for, but it holds {Rows}");
        }
    }

    private byte[] ReadAt(FileStream stream, long offset, long bytes)
    {
        var content = new byte[bytes];
        int done = 0;
        while (done < content.Length)
        {
            int got = RandomAccess.Read(stream.SafeFileHandle, content.AsSpan(done), offset + done);
            if (got == 0)
            {
                throw new DatasetException($"{Path}: truncated while reading rows (it changed after it was verified?)");
            }
            done += got;
        }
        return content;
    }
}
