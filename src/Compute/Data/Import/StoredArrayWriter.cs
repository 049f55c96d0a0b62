using System.Security.Cryptography;
using Grid.Core.Datasets;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Writes one stored .npy file (a version 1.0 header as numpy writes it, then the data) as the data streams in, and
/// computes its SHA-256 on the way, so the file is never read back to be checksummed.
/// </summary>
public sealed class StoredArrayWriter : IRowSink, IDisposable
{
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long _expected;
    private long _written;

    /// <param name="descr">The element type: <c>|u1</c>, <c>&lt;f4</c> or <c>&lt;i4</c>.</param>
    /// <param name="shape">The array's shape, rows first.</param>
    public StoredArrayWriter(string path, string descr, IReadOnlyList<long> shape, int itemBytes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Path = path;
        // A small buffer: blocks of rows pass straight through, single image rows are gathered.
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        byte[] header = NpyFile.Header(descr, shape);
        _expected = header.Length + shape.Aggregate(1L, (product, size) => product * size) * itemBytes;
        Write(header);
    }

    public string Path { get; }

    public void Write(ReadOnlySpan<byte> rows)
    {
        _hash.AppendData(rows);
        _file.Write(rows);
        _written += rows.Length;
    }

    /// <summary>Flushes the file and returns it as a descriptor names it (<paramref name="name"/>, checksum, size).</summary>
    public DatasetFile Complete(string name)
    {
        if (_written != _expected)
        {
            // The importer counts rows before it writes; a difference here is a bug, not bad input.
            throw new InvalidOperationException($"{Path}: {_written} bytes written, {_expected} declared by its header");
        }
        // No fsync: a file cut short by a crash fails its checksum when a silo loads it, and is imported again.
        _file.Flush();
        _file.Dispose();
        return new DatasetFile(name, Convert.ToHexStringLower(_hash.GetHashAndReset()), _written);
    }

    public void Dispose()
    {
        _file.Dispose();
        _hash.Dispose();
    }
}
