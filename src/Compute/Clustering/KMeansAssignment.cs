using Grid.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// The assignment step of Lloyd's algorithm, kept across iterations: every row's nearest centre, and the
/// per-centre sums (float64) and counts, updated by moving only the rows that changed cluster. Subclasses
/// differ only in which rows they recompute: all of them (<see cref="ExhaustiveAssignment"/>), or those whose
/// distance bounds do not rule out a change (<see cref="ElkanAssignment"/>, <see cref="YinyangAssignment"/>); all
/// give Lloyd's labels. Owns its tensors.
/// </summary>
internal abstract class KMeansAssignment : IDisposable
{
    /// <summary>
    /// A bound is trusted to rule a centre out only with this relative margin: a tightened distance and the
    /// product-form distances it is compared with are rounded differently (≈ 1e-7 of ‖x‖²), and a row they
    /// cannot tell apart is recomputed as Lloyd's step would compute it.
    /// </summary>
    protected const float Margin = 1e-5f;

    protected readonly Tensor X;
    protected readonly Tensor Norms;
    protected readonly int Clusters;

    /// <summary>
    /// Rows gathered at a time: 1024 rows of MNIST are 3 MB, so a chunk and what is computed from it stay in cache while
    /// they are read again (tightening 40,000 rows took 450 ms in one piece and 40 ms in these).
    /// </summary>
    private const long CacheRows = 1024;

    /// <summary>Rows per chunk of a [rows, k] distance matrix (with its gathered rows [rows, d]).</summary>
    protected readonly long ChunkRows;

    private readonly Tensor _labels;

    protected KMeansAssignment(Tensor x, Tensor norms, int clusters)
    {
        X = x;
        Norms = norms;
        Clusters = clusters;
        // A chunk bounds both the gathered rows [rows, d] and the scores [rows, k]; allocations under
        // glibc's mmap threshold are reused instead of being faulted in afresh on every iteration.
        ChunkRows = Math.Clamp(Distances.ChunkElements / Math.Max(x.shape[1], clusters), 1, CacheRows);
        _labels = torch.full(x.shape[0], -1L, dtype: ScalarType.Int64, device: x.device).DetachFromDisposeScope();
        Sums = torch.zeros([clusters, x.shape[1]], dtype: ScalarType.Float64, device: x.device).DetachFromDisposeScope();
        Counts = torch.zeros(clusters, dtype: ScalarType.Float64, device: x.device).DetachFromDisposeScope();
    }

    /// <summary>Creates the assignment <paramref name="method"/> names and assigns every row to its nearest row of <paramref name="centers"/>.</summary>
    internal static KMeansAssignment Create(KMeansMethod method, Tensor x, Tensor norms, Tensor centers) => method switch
    {
        KMeansMethod.Lloyd => new ExhaustiveAssignment(x, norms, centers),
        KMeansMethod.Elkan => new ElkanAssignment(x, norms, centers),
        KMeansMethod.Yinyang => new YinyangAssignment(x, norms, centers),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "resolve Auto first (KMeansOptions.ResolveMethod)"),
    };

    /// <summary>Sum of the rows of each cluster, float64 [k, d].</summary>
    internal Tensor Sums { get; }

    /// <summary>Rows in each cluster, float64 [k].</summary>
    internal Tensor Counts { get; }

    /// <summary>The current label of each row, int64 [n].</summary>
    internal Tensor Labels => _labels;

    /// <summary>Rows whose label changed in the last assignment.</summary>
    internal long Changed { get; private protected set; }

    /// <summary>Row-to-centre distances computed so far (Lloyd's step computes n·k per iteration).</summary>
    internal long DistancesComputed { get; private protected set; }

    /// <summary>Reassigns, against <paramref name="centers"/>, every row whose nearest centre may have changed.</summary>
    internal abstract void Update(Tensor centers);

    /// <summary>The centres moved by <paramref name="shifts"/> (distances, [k]) since the last update.</summary>
    internal virtual void Shift(Tensor shifts)
    {
    }

    /// <summary>
    /// Moves row <paramref name="row"/> to <paramref name="cluster"/> (empty-cluster relocation; the caller moves its
    /// sums and counts); the next update recomputes it.
    /// </summary>
    internal virtual void Relabel(long row, long cluster) => _labels[row].fill_(cluster);

    public virtual void Dispose()
    {
        _labels.Dispose();
        Sums.Dispose();
        Counts.Dispose();
    }

    /// <summary>
    /// Distances [rows, k] from the rows <paramref name="index"/> (gathered as <paramref name="rows"/>) to every centre,
    /// as Lloyd's step computes them: ‖x‖² − 2·x·cᵀ + ‖c‖², clamped at 0, square-rooted.
    /// </summary>
    protected Tensor DistancesTo(Tensor index, Tensor rows, Tensor centersT, Tensor centerNorms)
    {
        DistancesComputed += rows.shape[0] * centersT.shape[1];
        var scores = torch.addmm(centerNorms, rows, centersT, beta: 1f, alpha: -2f);
        using var rowNorms = Norms.index_select(0, index);
        using var column = rowNorms.unsqueeze(1);
        return scores.add_(column).clamp_min_(0).sqrt_();
    }

    /// <summary>
    /// Assigns the rows <paramref name="candidates"/> against every centre, in one matrix product a chunk at a time, as
    /// Lloyd's step computes them (so near ties go the same way whichever rows a chunk holds); returns how many changed.
    /// </summary>
    protected long Recompute(Tensor candidates, Tensor centers)
    {
        using var scope = torch.NewDisposeScope();
        var centerNorms = Distances.SquaredNorms(centers);
        var centersT = centers.t();
        var total = candidates.shape[0];
        long changed = 0;
        for (long start = 0; start < total; start += ChunkRows)
        {
            using var chunkScope = torch.NewDisposeScope();
            var index = candidates.narrow(0, start, Math.Min(ChunkRows, total - start));
            var rows = X.index_select(0, index);
            changed += Settle(index, rows, DistancesTo(index, rows, centersT, centerNorms));
        }
        return changed;
    }

    /// <summary>Gives the rows <paramref name="index"/> their nearest centre by <paramref name="distances"/> [rows, k]; a bounded method also resets their bounds.</summary>
    protected virtual long Settle(Tensor index, Tensor rows, Tensor distances)
    {
        var (_, labels) = distances.min(1);
        return Commit(index, rows, labels);
    }

    /// <summary>The exact distance from each row of <paramref name="index"/> to its current centre, [rows].</summary>
    protected Tensor OwnDistances(Tensor index, Tensor centers)
    {
        DistancesComputed += index.shape[0];
        var total = index.shape[0];
        var distances = torch.empty(total, dtype: ScalarType.Float32, device: X.device);
        // In chunks that stay in cache: the gathered rows and their differences are read again at once.
        for (long start = 0; start < total; start += CacheRows)
        {
            using var scope = torch.NewDisposeScope();
            var part = index.narrow(0, start, Math.Min(CacheRows, total - start));
            var difference = X.index_select(0, part).sub_(centers.index_select(0, _labels.index_select(0, part)));
            distances.narrow(0, start, part.shape[0]).copy_(torch.linalg.vector_norm(difference, dims: [1]));
        }
        return distances;
    }

    /// <summary>
    /// Gives the rows <paramref name="index"/> (gathered as <paramref name="rows"/>) their new <paramref name="labels"/>,
    /// moving the rows that changed cluster between the sums; returns how many changed.
    /// </summary>
    protected long Commit(Tensor index, Tensor rows, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var previous = _labels.index_select(0, index);
        long changed;
        if (previous.shape[0] > 0 && previous[0].item<long>() < 0)
        {
            // The first assignment: every row is new.
            AddRows(rows, labels, 1);
            changed = index.shape[0];
        }
        else
        {
            var moved = labels.ne(previous).nonzero().flatten();
            changed = moved.shape[0];
            if (changed > 0)
            {
                var movedRows = rows.index_select(0, moved);
                AddRows(movedRows, labels.index_select(0, moved), 1);
                AddRows(movedRows, previous.index_select(0, moved), -1);
            }
        }
        _labels.index_copy_(0, index, labels);
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

/// <summary>Lloyd's assignment as written: every row against every centre, every iteration. The reference the bounded methods equal.</summary>
internal sealed class ExhaustiveAssignment : KMeansAssignment
{
    internal ExhaustiveAssignment(Tensor x, Tensor norms, Tensor centers)
        : base(x, norms, (int)centers.shape[0]) => Update(centers);

    internal override void Update(Tensor centers)
    {
        using var scope = torch.NewDisposeScope();
        Changed = Recompute(torch.arange(X.shape[0], dtype: ScalarType.Int64, device: X.device), centers);
    }
}

/// <summary>
/// The bounded methods' shared state: per row an upper bound on the distance to its centre [n] and lower bounds on
/// the distances to the other centres [n, m] (one per centre for Elkan, per group for Yinyang). Moving centres widen
/// both; a relocated row gets bounds that make the next update recompute it.
/// </summary>
internal abstract class BoundedAssignment : KMeansAssignment
{
    protected readonly Tensor Upper;
    protected readonly Tensor Lower;

    protected BoundedAssignment(Tensor x, Tensor norms, int clusters, int lowerBounds)
        : base(x, norms, clusters)
    {
        Upper = torch.empty(x.shape[0], dtype: ScalarType.Float32, device: x.device).DetachFromDisposeScope();
        Lower = torch.empty([x.shape[0], lowerBounds], dtype: ScalarType.Float32, device: x.device).DetachFromDisposeScope();
    }

    internal sealed override void Shift(Tensor shifts)
    {
        using var scope = torch.NewDisposeScope();
        Upper.add_(shifts.index_select(0, Labels));
        Lower.sub_(LowerShift(shifts));
    }

    /// <summary>How far each lower bound falls when the centres move by <paramref name="shifts"/> [k]: a row [m].</summary>
    protected abstract Tensor LowerShift(Tensor shifts);

    internal sealed override void Relabel(long row, long cluster)
    {
        base.Relabel(row, cluster);
        Upper[row].fill_(float.PositiveInfinity);
        Lower[row].zero_();
    }

    public override void Dispose()
    {
        Upper.Dispose();
        Lower.Dispose();
        base.Dispose();
    }
}
