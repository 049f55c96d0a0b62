using Grid.Compute.Clustering;
using Grid.Compute.Clustering.Sharding;
using Grid.Compute.Data;
using Grid.Compute.Pipeline;
using Grid.Core;
using Grid.Core.Datasets;
using TorchSharp;

namespace Grid.Compute.Tests.Pipeline;

/// <summary>
/// A k-means shard of a stored dataset reads only its own rows (issue #15: a dataset larger than one silo's memory can
/// still be clustered with shards), verified by a streaming checksum that is remembered until the file changes, and a
/// sharded fit over such shards is the fit over shards sliced from the whole dataset.
/// </summary>
public sealed class ShardRowsTests
{
    private const int Features = 64;
    private const int TrainRows = 8000;
    private const int TestRows = 2000;

    [Fact]
    public void A_shard_of_an_imported_dataset_allocates_only_its_rows_and_equals_the_slice_of_the_whole()
    {
        using var dir = new TempDirectory();
        var (store, dataset) = Table(dir.Path);
        foreach (var file in dataset.Files)
        {
            store.Verify(dataset, file);
        }
        var train = KMeansShard.Range(TrainRows, 4, 1);
        var test = KMeansShard.Range(TestRows, 4, 1);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var shard = store.LoadRows(dataset, train, test);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long shardBytes = (long)(train.Count + test.Count) * (Features * sizeof(float) + 1);
        long wholeBytes = (long)(TrainRows + TestRows) * (Features * sizeof(float) + 1);
        // The rows and labels of a quarter of the data, and a few small objects; the whole split would be four times as much.
        Assert.InRange(allocated, shardBytes, shardBytes + 64 * 1024);
        Assert.True(allocated < wholeBytes / 2, $"allocated {allocated} bytes for a shard of {shardBytes}");
        // Loading all rows holds them once (it used to hold the file's content and then a copy of its rows).
        before = GC.GetAllocatedBytesForCurrentThread();
        var whole = store.Load(dataset);
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, wholeBytes, wholeBytes + 256 * 1024);
        Assert.Equal(whole.Train.Slice(train.Start, train.Count).Data, shard.Train.Data);
        Assert.Equal(whole.Train.Slice(train.Start, train.Count).Labels, shard.Train.Labels);
        Assert.Equal(whole.Test.Slice(test.Start, test.Count).Data, shard.Test.Data);
        Assert.Equal(whole.Test.Slice(test.Start, test.Count).Labels, shard.Test.Labels);
        Assert.Equal(whole.Train.Shape, shard.Train.Shape);

        // The same through the pipeline's shard: its rows, and the float copy the shard's tensors are made from.
        var pipeline = new StagePipeline(store, new ArtifactStore(Path.Combine(dir.Path, "artifacts")));
        before = GC.GetAllocatedBytesForCurrentThread();
        using (var opened = pipeline.OpenShard(new DataSelection(dataset.Name, TrainRows, TestRows), null, 1, 8))
        {
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(TrainRows / 8, opened.Describe().TrainRows);
        }
        Assert.True(allocated < wholeBytes / 2, $"a shard of 1/8 of the rows allocated {allocated} bytes; all rows take {wholeBytes}");
    }

    [Fact]
    public void A_verification_is_remembered_until_the_file_changes_and_a_change_outside_the_shard_still_fails_it()
    {
        using var dir = new TempDirectory();
        var (store, dataset) = Table(dir.Path);
        long fileBytes = dataset.Files.Sum(file => file.Bytes);

        store.LoadRows(dataset, (0, 100), (0, 10));
        Assert.Equal(fileBytes, store.BytesHashed);
        store.LoadRows(dataset, (100, 100), (10, 10));
        Assert.Equal(fileBytes, store.BytesHashed);

        // One number of the last row changes (a shard of the first rows never reads it), and so does the file's time.
        string path = store.FindFile(dataset, dataset.TrainData)!;
        var modified = File.GetLastWriteTimeUtc(path);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = file.Length - 1;
            file.WriteByte(0x7f);
        }
        File.SetLastWriteTimeUtc(path, modified.AddSeconds(1));

        var error = Assert.Throws<DatasetException>(() => store.LoadRows(dataset, (0, 100), (0, 10)));
        Assert.Contains($"{path}: checksum mismatch", error.Message);
        Assert.Contains("grid data add table", error.Message);
        Assert.False(store.IsComplete(dataset));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Built_in_idx_files_give_the_same_rows_raw_read_in_place_or_gzipped_read_whole(bool gzipped)
    {
        using var dir = new TempDirectory();
        var random = new Random(2);
        var dataset = IdxDataset(dir.Path, random, gzipped);
        var store = new DatasetStore(Path.Combine(dir.Path, "data"), Registry(dataset));

        var rows = store.LoadRows(dataset, (30, 40), (5, 10));
        var whole = store.Load(dataset);

        Assert.Equal(whole.Train.Slice(30, 40).Data, rows.Train.Data);
        Assert.Equal(whole.Train.Slice(30, 40).Labels, rows.Train.Labels);
        Assert.Equal(whole.Test.Slice(5, 10).Data, rows.Test.Data);
        Assert.Equal([1, 6, 5], rows.Train.Shape);
        Assert.Equal(whole.Train.Slice(30, 40).Labels, store.LoadLabels(dataset, (30, 40), (5, 10)).Train);
    }

    [Fact]
    public async Task A_sharded_fit_over_shards_that_read_their_rows_equals_the_fit_over_slices_of_the_whole_rows_and_codes()
    {
        using var dir = new TempDirectory();
        var (_, dataset) = Table(dir.Path, labelled: true);
        var pipeline = StoredDatasets.Pipeline(dir.Path, dataset);
        // Fewer rows than stored, as a split limit selects them.
        var selection = new DataSelection(dataset.Name, 6000, 1500);
        var codes = torch.rand(TrainRows, 5, generator: new torch.Generator(1));
        var testCodes = torch.rand(TestRows, 5, generator: new torch.Generator(2));
        pipeline.Artifacts.Commit("codes", folder =>
        {
            TensorFile.Write(Path.Combine(folder, StagePipeline.TrainCodesFile), codes);
            TensorFile.Write(Path.Combine(folder, StagePipeline.TestCodesFile), testCodes);
        });
        var options = new MiniBatchKMeansOptions(6) { Seed = 3, Inits = 2, MaxIterations = 20, BatchSize = 256 };

        foreach (string? codesHash in new[] { null, "codes" })
        {
            // Before shards read their rows, each shard was sliced from the whole selection held in memory.
            var whole = new DatasetStore(Path.Combine(dir.Path, "data"), Registry(dataset)).Load(dataset, selection.Train, selection.Test);
            KMeansShard Sliced(int index)
            {
                var (trainStart, trainCount) = KMeansShard.Range(whole.Train.Count, 3, index);
                var (testStart, testCount) = KMeansShard.Range(whole.Test.Count, 3, index);
                var train = whole.Train.Slice(trainStart, trainCount);
                var test = whole.Test.Slice(testStart, testCount);
                return codesHash is null
                    ? new KMeansShard(train.ToFeatureTensor(), train.Labels!, test.ToFeatureTensor(), test.Labels!)
                    : new KMeansShard(codes.narrow(0, trainStart, trainCount).clone(), train.Labels!, testCodes.narrow(0, testStart, testCount).clone(), test.Labels!);
            }
            var reading = Enumerable.Range(0, 3).Select(i => pipeline.OpenShard(selection, codesHash, i, 3)).ToArray();
            var sliced = Enumerable.Range(0, 3).Select(Sliced).ToArray();
            try
            {
                Assert.Equal(whole.Train.Count, reading.Sum(s => s.Describe().TrainRows));
                var a = await ShardedMiniBatchKMeans.FitAsync(reading.Select(s => new InProcessShardChannel(s)).ToArray(), options, ScalerKind.Standard);
                var b = await ShardedMiniBatchKMeans.FitAsync(sliced.Select(s => new InProcessShardChannel(s)).ToArray(), options, ScalerKind.Standard);
                Assert.Equal(b.Centers, a.Centers);
                Assert.Equal(b.Inertia, a.Inertia);
                Assert.Equal(b.Test.Error, a.Test.Error);
            }
            finally
            {
                foreach (var shard in reading.Concat(sliced))
                {
                    shard.Dispose();
                }
            }
        }
    }

    /// <summary>A float32 table of <see cref="TrainRows"/> and <see cref="TestRows"/> rows of <see cref="Features"/> numbers in three classes, stored as an imported dataset is.</summary>
    private static (DatasetStore Store, DatasetDescriptor Dataset) Table(string root, bool labelled = true)
    {
        var random = new Random(9);
        float[] Rows(int count, byte[] labels)
        {
            var values = new float[count * Features];
            for (int i = 0; i < count; i++)
            {
                labels[i] = (byte)(i % 3);
                for (int f = 0; f < Features; f++)
                {
                    values[i * Features + f] = (float)(labels[i] * 2 + random.NextDouble() * (f + 1));
                }
            }
            return values;
        }
        var trainLabels = new byte[TrainRows];
        var testLabels = new byte[TestRows];
        var dataset = StoredDatasets.Write(root, "table", ElementType.Float32, [Features],
            StoredDatasets.Bytes(Rows(TrainRows, trainLabels)), labelled ? trainLabels : null,
            StoredDatasets.Bytes(Rows(TestRows, testLabels)), labelled ? testLabels : null, classes: labelled ? 3 : 0);
        return (new DatasetStore(Path.Combine(root, "data"), Registry(dataset)), dataset);
    }

    /// <summary>A small built-in-like dataset of 6×5 IDX images, stored raw or gzipped as `grid data fetch` leaves them.</summary>
    private static DatasetDescriptor IdxDataset(string root, Random random, bool gzipped)
    {
        string folder = Directory.CreateDirectory(Path.Combine(root, "data", "tiny")).FullName;
        DatasetFile Save(string name, Action<string> write)
        {
            string path = Path.Combine(folder, name);
            write(path);
            byte[] content = File.ReadAllBytes(path);
            if (gzipped)
            {
                using (var output = new System.IO.Compression.GZipStream(File.Create(path + ".gz"), System.IO.Compression.CompressionLevel.Fastest))
                {
                    output.Write(content);
                }
                File.Delete(path);
            }
            return new DatasetFile(name, IdxReader.Sha256(content), content.Length);
        }
        byte[] Pixels(int count) => Enumerable.Range(0, count * 30).Select(_ => (byte)random.Next(256)).ToArray();
        byte[] Labels(int count) => Enumerable.Range(0, count).Select(_ => (byte)random.Next(10)).ToArray();
        return new DatasetDescriptor("tiny", [1, 6, 5], 10,
            Save("train-images", path => IdxReader.WriteImages(path, Pixels(100), 100, 6, 5)),
            Save("train-labels", path => IdxReader.WriteLabels(path, Labels(100))),
            Save("test-images", path => IdxReader.WriteImages(path, Pixels(20), 20, 6, 5)),
            Save("test-labels", path => IdxReader.WriteLabels(path, Labels(20))),
            100, 20, new DatasetSource(null, null, null, []));
    }

    private static DatasetRegistry Registry(DatasetDescriptor dataset)
    {
        var registry = DatasetRegistry.WithBuiltIns();
        registry.Register(dataset);
        return registry;
    }
}
