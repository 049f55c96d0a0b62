namespace Grid.Testing;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <param name="prefix">Starts the folder's name, so a leftover says which tests made it.</param>
    public TempDirectory(string prefix = "grid-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    private TempDirectory(string root, string prefix)
    {
        Path = Directory.CreateDirectory(System.IO.Path.Combine(root, prefix + Guid.NewGuid().ToString("N")[..12])).FullName;
    }

    /// <summary>
    /// A fresh folder in memory (/dev/shm, where the system has it; else under the temp folder), for tests that write and
    /// delete thousands of small files: on a disk each file costs milliseconds of journal and discard.
    /// </summary>
    public static TempDirectory InMemory(string prefix) =>
        Directory.Exists(MemoryRoot) ? new TempDirectory(MemoryRoot, prefix) : new TempDirectory(prefix);

    private const string MemoryRoot = "/dev/shm";

    public string Path { get; }

    /// <summary>A path inside the folder (nothing is created).</summary>
    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the folder and returns its path.</summary>
    public string Write(string name, string text)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temp folder (say a browser still writing its profile as it exits) must not fail a test.
        }
    }

    public override string ToString() => Path;
}
