using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering;

/// <summary>
/// Lloyd's assignment with Yinyang k-means' global filter (Ding et al., ICML 2015). The centres are split once into
/// t = k/10 groups (by k-means on the initial centres); each row keeps an upper bound on the distance to its centre
/// and, per group, a lower bound on the distance to the group's other centres ([n, t] float32). When centres move,
/// a row's upper bound grows by its centre's shift and each group bound shrinks by the group's largest shift (not
/// the largest of all, as Hamerly's single bound does). A row whose upper bound is below every group bound keeps its
/// centre; so does one whose bound, tightened to the exact distance, is. The rest are recomputed against every centre
/// and get exact bounds. Memory n·t bounds instead of Elkan's n·k, and cheaper passes over them.
/// </summary>
internal sealed class YinyangAssignment : BoundedAssignment
{
    /// <summary>Centres per group, as the paper chooses (t = k/10).</summary>
    private const int CentresPerGroup = 10;

    /// <summary>Rounds of k-means that form the groups from the initial centres (the paper uses 5).</summary>
    private const int GroupingRounds = 5;

    private readonly long[] _groupOf;
    private readonly Tensor[] _members;
    private readonly int _groups;

    internal YinyangAssignment(Tensor x, Tensor norms, Tensor centers)
        : base(x, norms, (int)centers.shape[0], Groups((int)centers.shape[0]))
    {
        var n = x.shape[0];
        _groups = Groups(Clusters);
        using (var groupOf = Group(centers, _groups))
        {
            _groupOf = Distances.ToArray(groupOf);
        }
        _members = Enumerable.Range(0, _groups)
            .Select(g => torch.tensor(Enumerable.Range(0, Clusters).Where(j => _groupOf[j] == g).Select(j => (long)j).ToArray(), device: x.device).DetachFromDisposeScope())
            .ToArray();

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
        // The global filter on the bounds as the shifts left them, then again on tightened upper bounds.
        var (globalLower, _) = Lower.min(1);
        var loose = Upper.mul(1 + Margin).gt(globalLower).nonzero().flatten();
        if (loose.shape[0] == 0)
        {
            Changed = 0;
            return;
        }
        var tight = OwnDistances(loose, centers);
        Upper.index_copy_(0, loose, tight);
        var candidates = loose.index_select(0, tight.mul(1 + Margin).gt(globalLower.index_select(0, loose)).nonzero().flatten());
        Changed = Recompute(candidates, centers);
    }

    /// <summary>Each group's bounds fall by the largest shift among its centres (k numbers: done on the host).</summary>
    protected override Tensor LowerShift(Tensor shifts)
    {
        var moved = shifts.to(ScalarType.Float32).data<float>().ToArray();
        var drift = new float[_groups];
        for (int j = 0; j < moved.Length; j++)
        {
            drift[_groupOf[j]] = Math.Max(drift[_groupOf[j]], moved[j]);
        }
        return torch.tensor(drift, device: shifts.device);
    }

    public override void Dispose()
    {
        foreach (var members in _members)
        {
            members.Dispose();
        }
        base.Dispose();
    }

    private static int Groups(int clusters) => Math.Max(1, clusters / CentresPerGroup);

    /// <summary>
    /// Makes the recomputed rows' bounds exact. (Yinyang's group filter would compute only the groups whose bound allows a
    /// closer centre, but on a CPU a product with ten columns costs more per distance than one with k: measured on MNIST
    /// at k = 225, 40 % longer with a third of the distances; and it rounds differently from Lloyd's step.)
    /// </summary>
    protected override long Settle(Tensor index, Tensor rows, Tensor distances)
    {
        var (nearest, labels) = distances.min(1);
        Upper.index_copy_(0, index, nearest);
        distances.scatter_(1, labels.unsqueeze(1), torch.full([labels.shape[0], 1], float.PositiveInfinity, device: X.device));
        var groupLower = torch.full([labels.shape[0], _groups], float.PositiveInfinity, device: X.device);
        for (int g = 0; g < _groups; g++)
        {
            if (_members[g].shape[0] > 0)
            {
                groupLower[TensorIndex.Colon, g] = distances.index_select(1, _members[g]).amin([1]);
            }
        }
        Lower.index_copy_(0, index, groupLower);
        return Commit(index, rows, labels);
    }

    /// <summary>Splits the centres into <paramref name="groups"/> groups by a few rounds of k-means on the centres themselves.</summary>
    private static Tensor Group(Tensor centers, int groups)
    {
        using var scope = torch.NewDisposeScope();
        if (groups == 1)
        {
            return torch.zeros(centers.shape[0], dtype: ScalarType.Int64, device: centers.device).MoveToOuterDisposeScope();
        }
        // k-means++ put the most spread centres first: they seed the groups.
        var seeds = centers.narrow(0, 0, groups).clone();
        Tensor labels = Distances.Assign(centers, null, seeds).Labels;
        for (int round = 0; round < GroupingRounds; round++)
        {
            var sums = torch.zeros_like(seeds).index_add_(0, labels, centers, Distances.One);
            var counts = labels.bincount(null, groups).to(centers.dtype).unsqueeze(1);
            seeds = torch.where(counts.gt(0), sums.div(counts.clamp_min(1)), seeds);
            labels = Distances.Assign(centers, null, seeds).Labels;
        }
        return labels.MoveToOuterDisposeScope();
    }
}
