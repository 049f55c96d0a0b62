using System.Diagnostics;
using Grid.Compute.Scaling;
using Grid.Core.Sharding;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering.Sharding;

/// <summary>
/// One shard of a sharded mini-batch k-means fit: a contiguous range of a representation's train and
/// test rows with their labels, kept on the silo that loaded them. It answers the coordinator's requests
/// (<see cref="IKMeansShardChannel"/>) with statistics of its own rows. Not thread-safe: one thread
/// (the silo's shard thread) calls it, and it owns its tensors.
/// </summary>
public sealed class KMeansShard : IDisposable
{
    private readonly Tensor _rawTrain;
    private readonly Tensor _rawTest;
    private readonly byte[] _trainLabels;
    private readonly byte[] _testLabels;
    private readonly Dictionary<int, Seeding> _seedings = [];
    private readonly FeatureMoments _rawMoments;
    private Tensor _train;
    private Tensor _test;
    private Tensor _trainNorms;
    private long[] _lastBatch = [];
    // The centres of the fit's latest step, kept so that each step need carry only the ones that changed.
    private float[]? _stepCenters;
    private int _stepGeneration;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="train"/> and <paramref name="test"/> (float32 [rows, d]).</summary>
    public KMeansShard(Tensor train, byte[] trainLabels, Tensor test, byte[] testLabels)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testLabels);
        ClusteringChecks.Matrix(train, nameof(train));
        ClusteringChecks.Matrix(test, nameof(test));
        if (train.shape[0] != trainLabels.Length || test.shape[0] != testLabels.Length)
        {
            throw new ArgumentException("every row needs a label");
        }
        _rawTrain = train.DetachFromDisposeScope();
        _rawTest = test.DetachFromDisposeScope();
        _trainLabels = trainLabels;
        _testLabels = testLabels;
        _train = _rawTrain;
        _test = _rawTest;
        _trainNorms = Norms(_train);
        _rawMoments = Moments(_rawTrain);
    }

    /// <summary>The rows [start, start + count) of <paramref name="total"/> that shard <paramref name="index"/> of <paramref name="shards"/> holds: balanced contiguous ranges.</summary>
    public static (int Start, int Count) Range(int total, int shards, int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, shards);
        int start = (int)((long)total * index / shards);
        int end = (int)((long)total * (index + 1) / shards);
        return (start, end - start);
    }

    public ShardDescription Describe()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int classes = Math.Max(_trainLabels.DefaultIfEmpty().Max(), _testLabels.DefaultIfEmpty().Max()) + 1;
        return new ShardDescription(_rawTrain.shape[0], _rawTest.shape[0], (int)_rawTrain.shape[1], classes, _rawMoments);
    }

    public FeatureMoments Scale(ShardScaling scaling)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(scaling);
        using var scaler = FittedScaler.FromParameters(scaling.Kind, scaling.Mean, scaling.Scale);
        var train = scaler.Transform(_rawTrain).DetachFromDisposeScope();
        var test = scaler.Transform(_rawTest).DetachFromDisposeScope();
        ReleaseScaled();
        _train = train;
        _test = test;
        _trainNorms = Norms(_train);
        return Moments(_train);
    }

    public void BeginSeeding(int seeding, long[] rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EndSeeding(seeding);
        var sample = Select(_train, rows).DetachFromDisposeScope();
        // The single-process fit takes the sample's norms from all rows' norms: the same per-row values.
        using var index = torch.tensor(rows, dtype: ScalarType.Int64);
        var norms = _trainNorms.index_select(0, index).DetachFromDisposeScope();
        _seedings[seeding] = new Seeding(sample, norms);
    }

    /// <summary>The rows at <paramref name="positions"/> of this shard's part of seeding <paramref name="seeding"/>'s sample.</summary>
    public float[] SeedRows(int seeding, int[] positions)
    {
        var state = SeedingState(seeding);
        var n = state.Sample.shape[0];
        foreach (var p in positions)
        {
            if (p < 0 || p >= n)
            {
                throw new ArgumentOutOfRangeException(nameof(positions), p, $"seeding {seeding}: this shard holds {n} sample rows");
            }
        }
        using var scope = torch.NewDisposeScope();
        using var index = torch.tensor(positions.Select(p => (long)p).ToArray(), dtype: ScalarType.Int64);
        return ToFloats(state.Sample.index_select(0, index));
    }

    /// <summary>
    /// Squared distances (float32, clamped at 0) from each row of this shard's part of the sample to each
    /// candidate (row-major [m·d]): a row-major [rows·m] block, computed as the single-process seeding does.
    /// </summary>
    public float[] SeedDistances(int seeding, float[] candidates)
    {
        var state = SeedingState(seeding);
        if (state.Sample.shape[0] == 0)
        {
            return [];
        }
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return ToFloats(Distances.Pairwise(state.Sample, state.SampleNorms, Centers(candidates)));
    }

    public void EndSeeding(int seeding)
    {
        if (_seedings.Remove(seeding, out var state))
        {
            state.Dispose();
        }
    }

    public double SampleInertia(long[] rows, float[] centers)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (rows.Length == 0)
        {
            return 0;
        }
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var sample = Select(_train, rows);
        var (_, distances) = Distances.Assign(sample, Distances.SquaredNorms(sample), Centers(centers));
        return Distances.Total(distances!);
    }

    public ShardStepResult Step(CenterUpdate update, long[] rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(update);
        var watch = Stopwatch.StartNew();
        // Kept up to date even in a step that brings this shard no rows: the next update follows this one.
        var centers = update.ApplyTo(_stepCenters, _stepGeneration, (int)_train.shape[1]);
        (_stepCenters, _stepGeneration) = (centers, update.Generation);
        _lastBatch = rows;
        if (rows.Length == 0)
        {
            return new ShardStepResult([], [], [], 0, 0);
        }
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var c = Centers(centers);
        var clusters = c.shape[0];
        var index = torch.tensor(rows, dtype: ScalarType.Int64);
        var batch = _train.index_select(0, index);
        var (labels, distances) = Distances.Assign(batch, _trainNorms.index_select(0, index), c);
        var inertia = Distances.Total(distances!);
        var sums = torch.zeros_like(c).index_add_(0, labels, batch, Distances.One);
        var counts = labels.bincount(null, clusters);
        var touched = counts.nonzero().squeeze(1);
        var result = new ShardStepResult(
            touched.to(ScalarType.Int32).data<int>().ToArray(),
            ToFloats(sums.index_select(0, touched)),
            counts.index_select(0, touched).to(ScalarType.Int32).data<int>().ToArray(),
            inertia,
            watch.Elapsed.TotalSeconds);
        return result;
    }

    public float[] BatchRows(int[] positions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var p in positions)
        {
            if (p < 0 || p >= _lastBatch.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(positions), p, $"this shard's part of the last batch has {_lastBatch.Length} rows");
            }
        }
        using var scope = torch.NewDisposeScope();
        return ToFloats(Select(_train, positions.Select(p => _lastBatch[p]).ToArray()));
    }

    public ShardEvaluation Evaluate(float[] centers, int classes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var watch = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var c = Centers(centers);
        var clusters = (int)c.shape[0];
        var (trainLabels, distances) = Distances.Assign(_train, _trainNorms, c);
        var inertia = _train.shape[0] == 0 ? 0 : Distances.Total(distances!);
        var trainTable = Tally(Distances.ToArray(trainLabels), _trainLabels, clusters, classes);
        var (testLabels, _) = Distances.Assign(_test, null, c);
        var testTable = Tally(Distances.ToArray(testLabels), _testLabels, clusters, classes);
        return new ShardEvaluation(inertia, trainTable, testTable, watch.Elapsed.TotalSeconds);
    }

    /// <summary>The scaled test rows at <paramref name="rows"/> (local indices), in that order, row-major.</summary>
    public float[] TestRows(long[] rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = torch.NewDisposeScope();
        return rows.Length == 0 ? [] : ToFloats(Select(_test, rows));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var state in _seedings.Values)
        {
            state.Dispose();
        }
        _seedings.Clear();
        ReleaseScaled();
        _rawTrain.Dispose();
        _rawTest.Dispose();
    }

    private void ReleaseScaled()
    {
        _trainNorms.Dispose();
        if (!ReferenceEquals(_train, _rawTrain))
        {
            _train.Dispose();
            _test.Dispose();
        }
    }

    private Seeding SeedingState(int seeding)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _seedings.TryGetValue(seeding, out var state)
            ? state
            : throw new InvalidOperationException($"seeding {seeding} was not begun on this shard (was it restarted?)");
    }

    private Tensor Centers(float[] centers)
    {
        var features = _train.shape[1];
        if (centers.Length == 0 || centers.Length % features != 0)
        {
            throw new ArgumentException($"{centers.Length} centre values are not rows of {features} features", nameof(centers));
        }
        return torch.tensor(centers, [centers.Length / features, features]);
    }

    private static Tensor Select(Tensor x, long[] rows)
    {
        foreach (var r in rows)
        {
            if (r < 0 || r >= x.shape[0])
            {
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"this shard holds {x.shape[0]} rows");
            }
        }
        using var index = torch.tensor(rows, dtype: ScalarType.Int64);
        return x.index_select(0, index);
    }

    private static Tensor Norms(Tensor x)
    {
        using var noGrad = torch.no_grad();
        return Distances.SquaredNorms(x).DetachFromDisposeScope();
    }

    private static float[] ToFloats(Tensor t)
    {
        using var contiguous = t.to(ScalarType.Float32).contiguous();
        return contiguous.data<float>().ToArray();
    }

    private static FeatureMoments Moments(Tensor x)
    {
        var features = (int)x.shape[1];
        if (x.shape[0] == 0)
        {
            return new FeatureMoments(0, new double[features], new double[features]);
        }
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var wide = x.to(ScalarType.Float64);
        var mean = wide.mean([0L]);
        var m2 = wide.sub(mean).pow_(2).sum([0L]);
        return new FeatureMoments(x.shape[0], mean.data<double>().ToArray(), m2.data<double>().ToArray());
    }

    private static long[] Tally(long[] clusters, byte[] labels, int clusterCount, int classes)
    {
        var table = new long[clusterCount * classes];
        for (int i = 0; i < clusters.Length; i++)
        {
            if (labels[i] >= classes)
            {
                throw new ArgumentOutOfRangeException(nameof(classes), classes, $"label {labels[i]} is not below {classes} classes");
            }
            table[clusters[i] * classes + labels[i]]++;
        }
        return table;
    }

    /// <summary>This shard's part of one k-means++ seeding's sample, in the order it was drawn.</summary>
    private sealed class Seeding(Tensor sample, Tensor sampleNorms) : IDisposable
    {
        public Tensor Sample { get; } = sample;

        public Tensor SampleNorms { get; } = sampleNorms;

        public void Dispose()
        {
            Sample.Dispose();
            SampleNorms.Dispose();
        }
    }
}
