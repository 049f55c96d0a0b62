namespace Grid.Silo.Hosting;

/// <summary>
/// When a file's content last changed, links followed. A Kubernetes Secret volume shows each key as a link
/// (<c>KEY -&gt; ..data/KEY</c>) that never changes: the kubelet writes an update into a new folder and swaps <c>..data</c>.
/// On Unix <see cref="File.GetLastWriteTimeUtc(string)"/> gives the link's own time, which would never show a renewal.
/// </summary>
public static class FileStamp
{
    public static DateTime Of(string path)
    {
        var file = new FileInfo(path);
        var target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) ?? file;
        return target.Exists ? target.LastWriteTimeUtc : default;
    }
}

/// <summary>
/// What some files hold, read again when any of them changes (<see cref="FileStamp"/>: through links, as in a Kubernetes
/// Secret volume), looked at no more often than once a recheck period. An update caught half-way (a certificate written
/// and its key not yet, a file being replaced) fails to read: what was read before stays until the files read again.
/// </summary>
public sealed class ReloadingFiles<T>
{
    private readonly string[] _paths;
    private readonly Func<T> _read;
    private readonly TimeSpan _recheckPeriod;
    private readonly Lock _gate = new();
    private T _value;
    private DateTime[] _stamps;
    private DateTime _checked;

    /// <summary>Reads the files now (what <paramref name="read"/> throws, this throws).</summary>
    /// <param name="read">Reads the files; an <see cref="ArgumentException"/> or <see cref="IOException"/> means "not readable as they are now".</param>
    public ReloadingFiles(IReadOnlyList<string> paths, Func<T> read, TimeSpan recheckPeriod)
    {
        _paths = [.. paths];
        _read = read;
        _recheckPeriod = recheckPeriod;
        _stamps = Stamps();
        _value = read();
        _checked = DateTime.UtcNow;
    }

    /// <summary>What the files hold now, as last read.</summary>
    public T Current
    {
        get
        {
            lock (_gate)
            {
                if (DateTime.UtcNow - _checked < _recheckPeriod)
                {
                    return _value;
                }
                _checked = DateTime.UtcNow;
                var stamps = Stamps();
                if (!stamps.SequenceEqual(_stamps))
                {
                    try
                    {
                        _value = _read();
                        _stamps = stamps;
                    }
                    catch (Exception ex) when (ex is ArgumentException or IOException)
                    {
                        // Half-way through an update: keep what works, look again next period.
                    }
                }
                return _value;
            }
        }
    }

    private DateTime[] Stamps() => [.. _paths.Select(FileStamp.Of)];
}
