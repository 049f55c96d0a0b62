using Grid.Compute.Clustering;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Embedding;

/// <summary>
/// Squared Euclidean distances from every row to every row, one block of rows at a time, so that the
/// n × n matrix never exists at once. Each block is one float64 matrix product (‖x‖² − 2·x·yᵀ + ‖y‖², as
/// scikit-learn's <c>euclidean_distances</c>), copied to a reused managed buffer.
/// </summary>
internal static class PairwiseBlocks
{
    /// <summary>Upper bound of elements in one [block rows, n] distance block (16 MiB of float64).</summary>
    internal const long BlockElements = 1L << 21;

    /// <summary>
    /// Calls <paramref name="visit"/>(start, count, distances) for consecutive blocks of rows, on this thread;
    /// <c>distances[r * rows + j]</c> is the squared distance from row <c>start + r</c> to row j, clamped at 0.
    /// The buffer is reused by the next block.
    /// </summary>
    internal static void ForEach(
        float[] data, int rows, int features, int? threads, Action<int, int, double[]> visit, CancellationToken cancellationToken)
    {
        using var limit = new ThreadLimit(threads);
        using var scope = torch.NewDisposeScope();
        using var raw = torch.tensor(data, [rows, features]);
        var x = raw.to(ScalarType.Float64);
        var norms = x.square().sum(1);
        var xt = x.t();
        int blockRows = (int)Math.Clamp(BlockElements / rows, 1, rows);
        var buffer = new double[(long)blockRows * rows];
        for (int start = 0; start < rows; start += blockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(blockRows, rows - start);
            using (var inner = torch.NewDisposeScope())
            {
                var block = x.narrow(0, start, count);
                var blockNorms = norms.narrow(0, start, count).unsqueeze(1);
                var distances = torch.addmm(blockNorms, block, xt, beta: 1, alpha: -2);
                distances.add_(norms).clamp_min_(0);
                distances.data<double>().CopyTo(buffer);
            }
            visit(start, count, buffer);
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest other rows of every row, nearest first, and their squared distances:
    /// both [rows × k], row-major. Ties go to the lower index.
    /// </summary>
    internal static (int[] Indices, double[] Distances) NearestNeighbours(
        float[] data, int rows, int features, int k, ParallelOptions parallel, int? threads, CancellationToken cancellationToken)
    {
        var indices = new int[(long)rows * k];
        var distances = new double[(long)rows * k];
        ForEach(data, rows, features, threads, (start, count, block) =>
        {
            Parallel.For(0, count, parallel, r =>
            {
                int i = start + r;
                var rowDistances = block.AsSpan(r * rows, rows);
                var heap = new BoundedHeap(indices.AsSpan(i * k, k), distances.AsSpan(i * k, k));
                for (int j = 0; j < rows; j++)
                {
                    if (j != i)
                    {
                        heap.Offer(j, rowDistances[j]);
                    }
                }
                heap.SortAscending();
            });
        }, cancellationToken);
        return (indices, distances);
    }

    /// <summary>
    /// As <see cref="NearestNeighbours"/> for many rows (t-SNE from <see cref="TsneOptions.FftFromRows"/> points): blocks
    /// of float32 distances go through libtorch's top-k rather than a managed heap, and the chosen neighbours' distances
    /// are computed again in float64 and sorted by (distance, index). Exact but for near ties within float32's rounding,
    /// where another neighbour of the same distance may be chosen.
    /// </summary>
    internal static (int[] Indices, double[] Distances) NearestNeighboursByTopK(
        float[] data, int rows, int features, int k, ParallelOptions parallel, int? threads, CancellationToken cancellationToken,
        long blockElements = TopKBlockElements)
    {
        var indices = new int[(long)rows * k];
        using (var limit = new ThreadLimit(threads))
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.tensor(data, [rows, features]);
            var norms = x.square().sum(1);
            var xt = x.t();
            int blockRows = (int)Math.Clamp(blockElements / rows, 1, rows);
            for (int start = 0; start < rows; start += blockRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(blockRows, rows - start);
                using var inner = torch.NewDisposeScope();
                var distances = torch.addmm(norms.narrow(0, start, count).unsqueeze(1), x.narrow(0, start, count), xt, beta: 1, alpha: -2).add_(norms);
                // A row is not its own neighbour.
                var self = torch.arange(start, start + count, dtype: ScalarType.Int64).unsqueeze(1);
                distances.scatter_(1, self, torch.full([count, 1], float.PositiveInfinity));
                var (_, nearest) = distances.topk(k, dim: 1, largest: false, sorted: false);
                var chosen = nearest.to(ScalarType.Int32).contiguous().data<int>();
                chosen.CopyTo(indices.AsSpan(start * k, count * k));
            }
        }
        var squared = new double[(long)rows * k];
        Parallel.For(0, rows, parallel, i =>
        {
            var row = indices.AsSpan(i * k, k);
            var distance = squared.AsSpan(i * k, k);
            var a = data.AsSpan(i * features, features);
            for (int t = 0; t < k; t++)
            {
                var b = data.AsSpan(row[t] * features, features);
                double sum = 0;
                for (int f = 0; f < features; f++)
                {
                    double d = (double)a[f] - b[f];
                    sum += d * d;
                }
                distance[t] = sum;
            }
            var heap = new BoundedHeap(row, distance);
            var (offeredIndices, offeredDistances) = (row.ToArray(), distance.ToArray());
            for (int t = 0; t < k; t++)
            {
                heap.Offer(offeredIndices[t], offeredDistances[t]);
            }
            heap.SortAscending();
        });
        return (indices, squared);
    }

    /// <summary>Upper bound of elements in one float32 block of <see cref="NearestNeighboursByTopK"/> (128 MiB).</summary>
    internal const long TopKBlockElements = 1L << 25;
}

/// <summary>
/// The k smallest (distance, index) pairs offered, in caller-owned spans: a max-heap on (distance, index)
/// until <see cref="SortAscending"/> sorts them nearest first.
/// </summary>
internal ref struct BoundedHeap
{
    private readonly Span<int> _indices;
    private readonly Span<double> _distances;
    private int _count;

    internal BoundedHeap(Span<int> indices, Span<double> distances)
    {
        _indices = indices;
        _distances = distances;
        _count = 0;
    }

    internal readonly int Count => _count;

    /// <summary>The largest distance kept, or +∞ while fewer than k are kept.</summary>
    internal readonly double Bound => _count < _indices.Length ? double.PositiveInfinity : _distances[0];

    internal void Offer(int index, double distance)
    {
        if (_count < _indices.Length)
        {
            int child = _count++;
            while (child > 0)
            {
                int parent = (child - 1) >> 1;
                if (!Greater(distance, index, _distances[parent], _indices[parent]))
                {
                    break;
                }
                _indices[child] = _indices[parent];
                _distances[child] = _distances[parent];
                child = parent;
            }
            _indices[child] = index;
            _distances[child] = distance;
            return;
        }
        if (!Greater(_distances[0], _indices[0], distance, index))
        {
            return;
        }
        SiftDown(index, distance, _count);
    }

    /// <summary>Sorts the kept pairs nearest first (by distance, then index); the heap is spent afterwards.</summary>
    internal void SortAscending()
    {
        for (int size = _count - 1; size > 0; size--)
        {
            int topIndex = _indices[0];
            double topDistance = _distances[0];
            SiftDown(_indices[size], _distances[size], size);
            _indices[size] = topIndex;
            _distances[size] = topDistance;
        }
    }

    private readonly void SiftDown(int index, double distance, int size)
    {
        int parent = 0;
        while (true)
        {
            int child = 2 * parent + 1;
            if (child >= size)
            {
                break;
            }
            if (child + 1 < size && Greater(_distances[child + 1], _indices[child + 1], _distances[child], _indices[child]))
            {
                child++;
            }
            if (!Greater(_distances[child], _indices[child], distance, index))
            {
                break;
            }
            _indices[parent] = _indices[child];
            _distances[parent] = _distances[child];
            parent = child;
        }
        _indices[parent] = index;
        _distances[parent] = distance;
    }

    private static bool Greater(double a, int ai, double b, int bi) => a > b || (a == b && ai > bi);
}
