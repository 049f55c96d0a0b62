using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Embedding;

/// <summary>
/// The repulsive half of the t-SNE gradient by interpolation on a grid and FFT convolution (Linderman et al. 2019,
/// "Fast interpolation-based t-SNE for improved visualization of single-cell RNA-seq data", FIt-SNE): O(n) per
/// iteration plus FFTs whose size follows the embedding's extent, not n.
/// </summary>
/// <remarks>
/// <para>
/// For q(d) = 1 / (1 + d²), the repulsion of point i is Σⱼ q(yᵢ − yⱼ)² (yᵢ − yⱼ) and the normaliser Z = Σᵢ≠ⱼ q(yᵢ − yⱼ). Both
/// follow from three sums of the kernel K = q² with charges 1, x and y, φ_c(i) = Σⱼ K(yᵢ − yⱼ) c(j): the repulsion is
/// yᵢ φ₁(i) − (φₓ(i), φᵧ(i)), and since q = (1 + d²) q², Z + n = Σᵢ (1 + |yᵢ|²) φ₁(i) − 2 yᵢ · (φₓ, φᵧ)(i) + Σⱼ K(yᵢ − yⱼ) |yⱼ|²,
/// whose last sum, over i, is Σⱼ |yⱼ|² φ₁(j) because K is symmetric (and so is its interpolated form). FIt-SNE spreads
/// |y|² as a fourth charge; this saves its two transforms. A square from the points' lowest coordinate is cut into boxes
/// (a unit wide once the layout spans 50 units, narrower before), each with <see cref="NodesPerBox"/>² equispaced
/// interpolation nodes, so the nodes form one uniform grid. Each point's charges
/// are spread onto the nodes of its box with Lagrange weights, the grid is convolved with K (a Toeplitz product, done as
/// a zero-padded FFT through libtorch's <c>torch.fft</c>), and the potentials are interpolated back with the same weights.
/// </para>
/// <para>
/// The settings are FIt-SNE's defaults (3 nodes per box, one box per unit, at least 50 boxes a side); box counts are
/// rounded up to products of 2, 3 and 5, the sizes FFTs are fastest at. Spreading runs on one thread, in point order;
/// libtorch's float32 transforms round differently on different thread counts, so an embedding repeats on the same count.
/// Each point's own term, which the interpolation does not give as exactly 1, is taken out of Z as interpolated.
/// </para>
/// </remarks>
internal sealed class FftRepulsion(int rows, ParallelOptions parallel) : IDisposable
{
    /// <summary>Interpolation nodes per box and dimension (FIt-SNE's <c>n_interpolation_points</c>).</summary>
    internal const int NodesPerBox = 3;

    /// <summary>Fewest boxes a side (FIt-SNE's <c>min_num_intervals</c>).</summary>
    internal const int MinBoxes = 50;

    /// <summary>Boxes per unit of the embedding's extent (FIt-SNE's <c>intervals_per_integer</c>).</summary>
    internal const double BoxesPerUnit = 1;

    private const int Charges = 3;

    private readonly int[] _node = new int[2 * rows];
    private readonly double[] _weights = new double[2 * NodesPerBox * rows];
    private readonly double[] _potentials = new double[Charges * rows];
    private readonly double[] _self = new double[rows];
    private float[] _grid = [];
    private float[] _gridPotentials = [];
    private Tensor? _kernel;
    private int _kernelSide;
    private double _kernelSpacing;

    /// <summary>Boxes a side of the last call's grid.</summary>
    internal int Boxes { get; private set; }

    /// <summary>
    /// Writes Σⱼ q(yᵢ − yⱼ)² (yᵢ − yⱼ) into <paramref name="repulsion"/> (row-major [rows × 2]) for the layout
    /// <paramref name="y"/> and returns Z = Σᵢ≠ⱼ q(yᵢ − yⱼ).
    /// </summary>
    internal double Repulse(double[] y, double[] repulsion)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int c = 0; c < 2 * rows; c++)
        {
            lo = Math.Min(lo, y[c]);
            hi = Math.Max(hi, y[c]);
        }
        // A layout narrower than the fewest boxes at one per unit gets narrower boxes (a collapsed one, a grid of positive
        // size); a wider one boxes of exactly a unit, the grid reaching past it to the next good size, so the kernel's
        // samples stay the same from iteration to iteration and its transform is reused (KernelSpectrum).
        double extent = Math.Max(hi - lo, 1e-12);
        bool unitBoxes = extent * BoxesPerUnit >= MinBoxes;
        int boxes = unitBoxes ? SmoothAtLeast((int)Math.Ceiling(extent * BoxesPerUnit)) : MinBoxes;
        Boxes = boxes;
        double boxWidth = unitBoxes ? 1 / BoxesPerUnit : extent / boxes;
        int side = boxes * NodesPerBox;
        double spacing = boxWidth / NodesPerBox;

        // Charges are taken about the grid's centre: the sums are the same (they depend only on differences), but Z's
        // terms, which cancel to a small remainder, stay as small as the layout's extent allows.
        double centre = (lo + hi) / 2;
        Locate(y, lo, boxWidth, boxes);
        var grid = Spread(y, centre, side);
        var potentials = Convolve(grid, side, spacing);
        Gather(potentials, side, spacing);

        double z = 0;
        for (int i = 0; i < rows; i++)
        {
            double x = y[2 * i] - centre, v = y[2 * i + 1] - centre;
            double one = _potentials[Charges * i], byX = _potentials[Charges * i + 1], byY = _potentials[Charges * i + 2];
            repulsion[2 * i] = x * one - byX;
            repulsion[2 * i + 1] = v * one - byY;
            // The sums included the point's own term: not q(0) = 1 but its interpolated value, which its weights give exactly.
            z += (1 + 2 * (x * x + v * v)) * one - 2 * (x * byX + v * byY) - _self[i];
        }
        return z;
    }

    /// <summary>Each point's first node in each dimension and its Lagrange weights on that box's nodes.</summary>
    private void Locate(double[] y, double lo, double boxWidth, int boxes)
    {
        Parallel.For(0, rows, parallel, i =>
        {
            for (int d = 0; d < 2; d++)
            {
                double t = (y[2 * i + d] - lo) / boxWidth;
                int box = Math.Min((int)t, boxes - 1);
                // Position within the box in node spacings; the nodes sit at 0.5, 1.5, 2.5.
                double u = (t - box) * NodesPerBox;
                _node[2 * i + d] = box * NodesPerBox;
                var w = _weights.AsSpan((2 * i + d) * NodesPerBox, NodesPerBox);
                for (int k = 0; k < NodesPerBox; k++)
                {
                    double weight = 1;
                    for (int m = 0; m < NodesPerBox; m++)
                    {
                        if (m != k)
                        {
                            weight *= (u - (m + 0.5)) / (k - m);
                        }
                    }
                    w[k] = weight;
                }
            }
        });
    }

    /// <summary>
    /// The charges 1, x and y (about <paramref name="centre"/>) spread onto the grid: [charge, node x, node y],
    /// row-major, in a buffer reused from call to call.
    /// </summary>
    private float[] Spread(double[] y, double centre, int side)
    {
        int plane = side * side;
        if (_grid.Length < Charges * plane)
        {
            _grid = new float[Charges * plane];
        }
        var grid = _grid.AsSpan(0, Charges * plane);
        grid.Clear();
        for (int i = 0; i < rows; i++)
        {
            double x = y[2 * i] - centre, v = y[2 * i + 1] - centre;
            var wx = _weights.AsSpan(2 * i * NodesPerBox, NodesPerBox);
            var wy = _weights.AsSpan((2 * i + 1) * NodesPerBox, NodesPerBox);
            int nx = _node[2 * i], ny = _node[2 * i + 1];
            for (int a = 0; a < NodesPerBox; a++)
            {
                for (int b = 0; b < NodesPerBox; b++)
                {
                    double w = wx[a] * wy[b];
                    int at = (nx + a) * side + ny + b;
                    grid[at] += (float)w;
                    grid[plane + at] += (float)(w * x);
                    grid[2 * plane + at] += (float)(w * v);
                }
            }
        }
        return _grid;
    }

    /// <summary>
    /// Every node's potential from every node's charges through K = q²: the grid convolved with K sampled at the node
    /// offsets, by FFT over a grid padded to twice the side so the circular convolution equals the linear one. In float32:
    /// twice as fast as float64, and its rounding (1e-7 of the largest potential) is far below the interpolation's error.
    /// </summary>
    private float[] Convolve(float[] grid, int side, double spacing)
    {
        using var scope = torch.NewDisposeScope();
        int padded = 2 * side;
        var charges = torch.tensor(grid.AsSpan(0, Charges * side * side).ToArray(), [Charges, side, side]);
        var spectrum = torch.fft.rfft2(charges, s: [padded, padded]).mul_(KernelSpectrum(side, spacing));
        var potentials = torch.fft.irfft2(spectrum, s: [padded, padded]).narrow(1, 0, side).narrow(2, 0, side).contiguous();
        if (_gridPotentials.Length < Charges * side * side)
        {
            _gridPotentials = new float[Charges * side * side];
        }
        potentials.data<float>().CopyTo(_gridPotentials);
        return _gridPotentials;
    }

    /// <summary>
    /// The transform of K sampled at the node offsets on the padded grid, kept while the grid's side and spacing stay (they
    /// do over many iterations once the boxes are a unit wide).
    /// </summary>
    private Tensor KernelSpectrum(int side, double spacing)
    {
        if (_kernel is not null && _kernelSide == side && _kernelSpacing == spacing)
        {
            return _kernel;
        }
        _kernel?.Dispose();
        using (var scope = torch.NewDisposeScope())
        {
            int padded = 2 * side;
            // Offsets 0, 1, …, side − 1, then −side, …, −1: the kernel in wrap-around order.
            var offsets = torch.arange(padded, dtype: ScalarType.Float32);
            offsets = torch.where(offsets < side, offsets, offsets - padded).mul_(spacing);
            var squared = offsets.mul(offsets);
            var q = (squared.unsqueeze(1) + squared.unsqueeze(0)).add_(1).reciprocal_();
            _kernel = torch.fft.rfft2(q.mul_(q)).DetachFromDisposeScope();
        }
        (_kernelSide, _kernelSpacing) = (side, spacing);
        return _kernel;
    }

    public void Dispose()
    {
        _kernel?.Dispose();
        _kernel = null;
    }

    /// <summary>
    /// Each point's three potentials, interpolated from its box's nodes with its weights, and its own term in the first:
    /// its weights through K between its box's nodes and back.
    /// </summary>
    private void Gather(float[] potentials, int side, double spacing)
    {
        int plane = side * side;
        // K between two nodes of a box, by their offsets in node spacings (−2..2 each way).
        const int Span = 2 * NodesPerBox - 1;
        var near = new double[Span * Span];
        for (int a = 0; a < Span; a++)
        {
            for (int b = 0; b < Span; b++)
            {
                double dx = (a - NodesPerBox + 1) * spacing, dy = (b - NodesPerBox + 1) * spacing;
                double q = 1 / (1 + dx * dx + dy * dy);
                near[a * Span + b] = q * q;
            }
        }
        Parallel.For(0, rows, parallel, i =>
        {
            var wx = _weights.AsSpan(2 * i * NodesPerBox, NodesPerBox);
            var wy = _weights.AsSpan((2 * i + 1) * NodesPerBox, NodesPerBox);
            int nx = _node[2 * i], ny = _node[2 * i + 1];
            double one = 0, byX = 0, byY = 0, self = 0;
            for (int a = 0; a < NodesPerBox; a++)
            {
                for (int b = 0; b < NodesPerBox; b++)
                {
                    double w = wx[a] * wy[b];
                    int at = (nx + a) * side + ny + b;
                    one += w * potentials[at];
                    byX += w * potentials[plane + at];
                    byY += w * potentials[2 * plane + at];
                    for (int c = 0; c < NodesPerBox; c++)
                    {
                        for (int d = 0; d < NodesPerBox; d++)
                        {
                            self += w * wx[c] * wy[d] * near[(a - c + NodesPerBox - 1) * Span + b - d + NodesPerBox - 1];
                        }
                    }
                }
            }
            _potentials[Charges * i] = one;
            _potentials[Charges * i + 1] = byX;
            _potentials[Charges * i + 2] = byY;
            _self[i] = self;
        });
    }

    /// <summary>The least product of 2, 3 and 5 that is at least <paramref name="n"/>.</summary>
    internal static int SmoothAtLeast(int n)
    {
        for (int m = Math.Max(1, n); ; m++)
        {
            int rest = m;
            foreach (int f in (ReadOnlySpan<int>)[2, 3, 5])
            {
                while (rest % f == 0)
                {
                    rest /= f;
                }
            }
            if (rest == 1)
            {
                return m;
            }
        }
    }
}
