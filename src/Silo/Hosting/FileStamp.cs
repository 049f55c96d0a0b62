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
