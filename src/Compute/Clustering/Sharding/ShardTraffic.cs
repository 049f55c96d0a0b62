namespace Grid.Compute.Clustering.Sharding;

/// <summary>
/// Bytes that crossed between a coordinator and its shards, as the channels measured them (serialized
/// message sizes over Orleans; payload sizes in process). Thread-safe: every channel of a fit adds to one.
/// </summary>
public sealed class ShardTraffic
{
    private long _sent;
    private long _received;
    private long _messages;
    private long _largest;

    /// <summary>Bytes sent from the coordinator to shards.</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    /// <summary>Bytes received by the coordinator from shards.</summary>
    public long BytesReceived => Interlocked.Read(ref _received);

    /// <summary>Messages in either direction.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>The largest single message, either direction.</summary>
    public long LargestMessage => Interlocked.Read(ref _largest);

    /// <summary>Records one request of <paramref name="bytes"/> to a shard.</summary>
    public void Sent(long bytes) => Add(ref _sent, bytes);

    /// <summary>Records one reply of <paramref name="bytes"/> from a shard.</summary>
    public void Received(long bytes) => Add(ref _received, bytes);

    private void Add(ref long total, long bytes)
    {
        Interlocked.Add(ref total, bytes);
        Interlocked.Increment(ref _messages);
        long largest;
        while (bytes > (largest = Interlocked.Read(ref _largest)) && Interlocked.CompareExchange(ref _largest, bytes, largest) != largest)
        {
        }
    }
}
