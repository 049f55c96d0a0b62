namespace Grid.Compute.Pipeline;

/// <summary>
/// Stage outputs addressed by stage hash: <c>ROOT/HASH/</c> holds one stage's files. An
/// artifact appears whole or not at all (written in a work folder, then renamed), so a reader
/// never sees half an artifact and a crashed writer leaves nothing behind but its work folder,
/// which holds its checkpoints for the retry.
/// </summary>
public sealed class ArtifactStore(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The folder of a finished artifact, or null when there is none.</summary>
    public string? Find(string hash)
    {
        string path = Path.Combine(Root, Check(hash));
        return Directory.Exists(path) ? path : null;
    }

    /// <summary>The finished artifact's folder; throws naming the hash when it is missing.</summary>
    public string Get(string hash) =>
        Find(hash) ?? throw new InvalidOperationException($"artifact {hash} is missing from {Root}; its stage must run again");

    /// <summary>A per-stage work folder that survives a crash (checkpoints live there).</summary>
    public string WorkFolder(string hash)
    {
        string path = Path.Combine(Root, ".work", Check(hash));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes an artifact: <paramref name="write"/> fills a fresh folder, which then becomes the artifact.</summary>
    public string Commit(string hash, Action<string> write)
    {
        Directory.CreateDirectory(Root);
        string final = Path.Combine(Root, Check(hash));
        string staging = Path.Combine(Root, ".staging", $"{hash}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            write(staging);
            try
            {
                Directory.Move(staging, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another attempt (at-least-once execution) committed the same artifact first; same hash, same content.
                Directory.Delete(staging, recursive: true);
            }
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            throw;
        }
        string work = Path.Combine(Root, ".work", hash);
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
        return final;
    }

    /// <summary>
    /// Deletes a stage's artifact (and any work folder it left). It first moves out of sight, so readers find it
    /// whole or not at all. Returns the bytes it held, or null when there was no artifact.
    /// </summary>
    public long? Delete(string hash)
    {
        string path = Path.Combine(Root, Check(hash));
        string work = Path.Combine(Root, ".work", hash);
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
        if (!Directory.Exists(path))
        {
            return null;
        }
        long bytes = new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        string doomed = Path.Combine(Root, ".staging", $"{hash}-deleted-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(doomed)!);
        Directory.Move(path, doomed);
        Directory.Delete(doomed, recursive: true);
        return bytes;
    }

    private static string Check(string hash)
    {
        if (string.IsNullOrEmpty(hash) || hash.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
        {
            throw new ArgumentException($"'{hash}' is not an artifact hash", nameof(hash));
        }
        return hash;
    }
}
