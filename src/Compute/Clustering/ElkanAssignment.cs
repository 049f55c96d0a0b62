using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// Lloyd's assignment with Elkan's bounds (Elkan, ICML 2003): each row keeps an upper bound on the distance to its
/// centre and a lower bound on the distance to every centre ([n, k] float32); when centre j moves by δⱼ the bounds
/// widen by δⱼ. A row is recomputed only if its upper bound exceeds, for some other centre j, both its lower bound
/// for j and half the distance between its centre and j; before that, the upper bound of each such row is tightened
/// to the exact distance to its centre, which rules most of them out. Memory: n·k bounds (MNIST at k = 225: 54 MB).
/// </summary>
internal sealed class ElkanAssignment : BoundedAssignment
{
    private readonly long _boundRows;

    internal ElkanAssignment(Tensor x, Tensor norms, Tensor centers)
        : base(x, norms, (int)centers.shape[0], (int)centers.shape[0])
    {
        var n = x.shape[0];
        // Chunks of the [n, k] bounds small enough to stay in cache through the few passes over them.
        _boundRows = Math.Min(Distances.ChunkRows(Clusters), 2048);
        using var scope = torch.NewDisposeScope();
        Changed = Recompute(torch.arange(n, dtype: ScalarType.Int64, device: x.device), centers);
    }

    internal override void Update(Tensor centers)
    {
        using var scope = torch.NewDisposeScope();
        if (Clusters == 1)
        {
            Changed = 0;
            return;
        }
        // Row i may move to centre j only if its upper bound exceeds both its lower bound for j and
        // half the distance between its centre and j (beyond which j cannot be closer).
        var centerNorms = Distances.SquaredNorms(centers);
        var halfGaps = Distances.Pairwise(centers, centerNorms, centers).sqrt_().mul_(0.5);
        using var diagonal = torch.eye(Clusters, dtype: ScalarType.Bool, device: centers.device);
        halfGaps.masked_fill_(diagonal, double.PositiveInfinity);
        var n = Labels.shape[0];
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += _boundRows)
        {
            var length = Math.Min(_boundRows, n - start);
            using var labels = Labels.narrow(0, start, length);
            using var lower = Lower.narrow(0, start, length);
            using var upper = Upper.narrow(0, start, length);
            using var gaps = halfGaps.index_select(0, labels);
            using var reach = torch.maximum(lower, gaps);
            using var ownColumn = labels.unsqueeze(1);
            using var infinity = torch.full([length, 1], float.PositiveInfinity, device: reach.device);
            reach.scatter_(1, ownColumn, infinity);
            var (nearest, _) = reach.min(1);
            using var widened = upper.mul(1 + Margin);
            var loose = widened.gt(nearest).nonzero().flatten();
            if (loose.shape[0] == 0)
            {
                continue;
            }
            // Tighten: the exact distance to the own centre often shows the bound was only loose.
            var rows = loose.add(start);
            var tight = OwnDistances(rows, centers);
            Upper.index_copy_(0, rows, tight);
            parts.Add(rows.index_select(0, tight.mul_(1 + Margin).gt(nearest.index_select(0, loose)).nonzero().flatten()));
        }
        var candidates = parts.Count == 0 ? torch.empty(0, dtype: ScalarType.Int64) : torch.cat(parts, 0);
        Changed = candidates.shape[0] == 0 ? 0 : Recompute(candidates, centers);
    }

    protected override Tensor LowerShift(Tensor shifts) => shifts.alias();

    /// <summary>Exact bounds for the recomputed rows: the distance to the new centre and to every centre.</summary>
    protected override long Settle(Tensor index, Tensor rows, Tensor distances)
    {
        var (nearest, labels) = distances.min(1);
        Upper.index_copy_(0, index, nearest);
        Lower.index_copy_(0, index, distances);
        return Commit(index, rows, labels);
    }
}
