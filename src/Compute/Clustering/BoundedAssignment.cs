using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// Lloyd's assignment step with Elkan's bounds: it gives the same labels as assigning every row, but
/// recomputes distances only for rows whose nearest centre may have changed. Each row keeps an upper
/// bound on the distance to its centre and a lower bound on the distance to every centre ([n, k]
/// float32); when centre j moves by δⱼ the bounds widen by δⱼ, and only rows whose upper bound exceeds,
/// for some other centre j, both its lower bound and half the distance between their centre and j
/// are reassigned (in bounded chunks).
/// The per-centre sums (float64) and counts are kept up to date by moving only the rows that changed
/// cluster. Owns all its tensors.
/// </summary>
internal sealed class BoundedAssignment : IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _norms;
    private readonly int _clusters;
    private readonly long _chunkRows;
    private Tensor _labels;
    private Tensor _upper;
    private Tensor _lower;
    private readonly long _boundRows;

    /// <summary>Assigns every row of <paramref name="x"/> to its nearest row of <paramref name="centers"/>.</summary>
    internal BoundedAssignment(Tensor x, Tensor norms, Tensor centers)
    {
        _x = x;
        _norms = norms;
        _clusters = (int)centers.shape[0];
        var n = x.shape[0];
        // A chunk bounds both the gathered rows [rows, d] and the scores [rows, k]; allocations under
        // glibc's mmap threshold are reused instead of being faulted in afresh on every iteration.
        _chunkRows = Math.Max(1, Distances.ChunkElements / Math.Max(x.shape[1], _clusters));
        _labels = torch.full(n, -1L, dtype: ScalarType.Int64, device: x.device).DetachFromDisposeScope();
        _upper = torch.empty(n, dtype: ScalarType.Float32, device: x.device).DetachFromDisposeScope();
        _lower = torch.empty([n, _clusters], dtype: ScalarType.Float32, device: x.device).DetachFromDisposeScope();
        _boundRows = Distances.ChunkRows(_clusters);
        Sums = torch.zeros([_clusters, x.shape[1]], dtype: ScalarType.Float64, device: x.device).DetachFromDisposeScope();
        Counts = torch.zeros(_clusters, dtype: ScalarType.Float64, device: x.device).DetachFromDisposeScope();
        using var scope = torch.NewDisposeScope();
        using var all = torch.arange(n, dtype: ScalarType.Int64, device: x.device);
        Changed = Reassign(all, centers, initial: true);
    }

    /// <summary>Sum of the rows of each cluster, float64 [k, d].</summary>
    internal Tensor Sums { get; }

    /// <summary>Rows in each cluster, float64 [k].</summary>
    internal Tensor Counts { get; }

    /// <summary>The current label of each row, int64 [n].</summary>
    internal Tensor Labels => _labels;

    /// <summary>Rows whose label changed in the last assignment.</summary>
    internal long Changed { get; private set; }

    /// <summary>Reassigns, against <paramref name="centers"/>, the rows whose bounds do not rule out a change.</summary>
    internal void Update(Tensor centers)
    {
        using var scope = torch.NewDisposeScope();
        if (_clusters == 1)
        {
            Changed = 0;
            return;
        }
        // Row i may move to centre j only if its upper bound exceeds both its lower bound for j and
        // half the distance between its centre and j (beyond which j cannot be closer).
        var centerNorms = Distances.SquaredNorms(centers);
        var halfGaps = Distances.Pairwise(centers, centerNorms, centers).sqrt_().mul_(0.5);
        using var diagonal = torch.eye(_clusters, dtype: ScalarType.Bool, device: centers.device);
        halfGaps.masked_fill_(diagonal, double.PositiveInfinity);
        var n = _labels.shape[0];
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += _boundRows)
        {
            var length = Math.Min(_boundRows, n - start);
            using var labels = _labels.narrow(0, start, length);
            using var lower = _lower.narrow(0, start, length);
            using var upper = _upper.narrow(0, start, length);
            using var gaps = halfGaps.index_select(0, labels);
            using var reach = torch.maximum(lower, gaps);
            using var ownColumn = labels.unsqueeze(1);
            using var infinity = torch.full([length, 1], float.PositiveInfinity, device: reach.device);
            reach.scatter_(1, ownColumn, infinity);
            var (nearest, _) = reach.min(1);
            parts.Add(upper.gt(nearest).nonzero().flatten().add_(start));
        }
        var candidates = torch.cat(parts, 0);
        Changed = candidates.shape[0] == 0 ? 0 : Reassign(candidates, centers, initial: false);
    }

    /// <summary>
    /// Widens the bounds after the centres moved by <paramref name="shifts"/> (distances, [k]).
    /// </summary>
    internal void Shift(Tensor shifts)
    {
        using var gathered = shifts.index_select(0, _labels);
        _upper.add_(gathered);
        _lower.sub_(shifts);
    }

    /// <summary>
    /// Moves row <paramref name="row"/> to <paramref name="cluster"/> (empty-cluster relocation): its bounds
    /// are reset so that the next update recomputes it.
    /// </summary>
    internal void Relabel(long row, long cluster)
    {
        _labels[row].fill_(cluster);
        _upper[row].fill_(float.PositiveInfinity);
        _lower[row].zero_();
    }

    public void Dispose()
    {
        _labels.Dispose();
        _upper.Dispose();
        _lower.Dispose();
        Sums.Dispose();
        Counts.Dispose();
    }

    private long Reassign(Tensor candidates, Tensor centers, bool initial)
    {
        var centerNorms = Distances.SquaredNorms(centers);
        var centersT = centers.t();
        var total = candidates.shape[0];
        long changed = 0;
        for (long start = 0; start < total; start += _chunkRows)
        {
            using var chunkScope = torch.NewDisposeScope();
            var index = candidates.narrow(0, start, Math.Min(_chunkRows, total - start));
            var rows = _x.index_select(0, index);
            var rowNorms = _norms.index_select(0, index);
            var scores = torch.addmm(centerNorms, rows, centersT, beta: 1f, alpha: -2f);
            var distances = scores.add_(rowNorms.unsqueeze(1)).clamp_min_(0).sqrt_();
            var (nearest, labels) = distances.min(1);
            _upper.index_copy_(0, index, nearest);
            _lower.index_copy_(0, index, distances);

            var previous = _labels.index_select(0, index);
            var moved = initial ? null : labels.ne(previous).nonzero().flatten();
            if (moved is null)
            {
                AddRows(rows, labels, 1);
                changed += index.shape[0];
            }
            else if (moved.shape[0] > 0)
            {
                var movedRows = rows.index_select(0, moved);
                AddRows(movedRows, labels.index_select(0, moved), 1);
                AddRows(movedRows, previous.index_select(0, moved), -1);
                changed += moved.shape[0];
            }
            _labels.index_copy_(0, index, labels);
        }
        return changed;
    }

    private void AddRows(Tensor rows, Tensor labels, int sign)
    {
        using var wide = rows.to(ScalarType.Float64);
        using var ones = torch.ones(rows.shape[0], dtype: ScalarType.Float64, device: rows.device);
        Sums.index_add_(0, labels, wide, sign);
        Counts.index_add_(0, labels, ones, sign);
    }
}
