using System.Runtime.InteropServices;

namespace Grid.Deploy.Tests;

/// <summary>
/// A folder laid out as the kubelet lays out a Secret volume (its atomic writer): the files are in a timestamped
/// folder, <c>..data</c> links to that folder, and each key is a link <c>KEY -&gt; ..data/KEY</c>. An update writes a new
/// folder and renames a new <c>..data</c> link over the old one, so a reader sees all old or all new files; the links at
/// the top never change, and neither does their own modification time. That is what a silo sees when cert-manager
/// renews its certificate or an operator rotates a token.
/// </summary>
public sealed class SecretVolume
{
    private const string DataLink = "..data";

    private int _version;

    public SecretVolume(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
    }

    public string Folder { get; }

    public string PathOf(string key) => Path.Combine(Folder, key);

    /// <summary>Writes <paramref name="files"/> (key → content) as one update, as the kubelet does when the Secret changes.</summary>
    public void Write(IReadOnlyDictionary<string, string> files)
    {
        string version = $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss}.{++_version}";
        Directory.CreateDirectory(Path.Combine(Folder, version));
        foreach (var (key, content) in files)
        {
            File.WriteAllText(Path.Combine(Folder, version, key), content);
        }
        string data = Path.Combine(Folder, DataLink);
        string? previous = File.Exists(data) || Directory.Exists(data) ? new FileInfo(data).LinkTarget : null;
        string staged = Path.Combine(Folder, DataLink + "_tmp");
        File.CreateSymbolicLink(staged, version);
        // rename(2) replaces the old link in one step; File.Move would refuse a destination that resolves to a folder.
        if (Rename(staged, data) != 0)
        {
            throw new IOException($"rename {staged} to {data} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        foreach (string key in files.Keys.Where(k => !Path.Exists(PathOf(k))))
        {
            File.CreateSymbolicLink(PathOf(key), Path.Combine(DataLink, key));
        }
        if (previous is not null)
        {
            Directory.Delete(Path.Combine(Folder, previous), recursive: true);
        }
    }

    [DllImport("libc.so.6", EntryPoint = "rename", ExactSpelling = true, SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}
