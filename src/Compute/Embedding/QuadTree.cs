namespace Grid.Compute.Embedding;

/// <summary>
/// A point-region quadtree over a 2-D embedding, rebuilt every iteration, for the Barnes–Hut estimate of
/// t-SNE's repulsive forces (van der Maaten 2014). Cells are square and split into four when a second
/// distinct point arrives; points at identical positions, or in cells <see cref="MaxDepth"/> halvings
/// below the root, share a leaf. Storage is reused across builds.
/// </summary>
internal sealed class QuadTree
{
    /// <summary>
    /// Levels below the root after which a leaf stops splitting and holds several points (their
    /// centre of mass stands for them): cells are then 2⁻⁴⁸ of the embedding's extent, far below any
    /// distance that changes a force.
    /// </summary>
    internal const int MaxDepth = 48;

    /// <summary>Children per cell.</summary>
    private const int Quadrants = 4;

    /// <summary>Traversal stack: each visited cell replaces itself by at most four children.</summary>
    private const int StackSize = (Quadrants - 1) * (MaxDepth + 1) + Quadrants;

    // What the traversal reads, packed: two cells per cache line. The build-only geometry is kept apart.
    private Cell[] _cells = [];
    private double[] _centerX = [];
    private double[] _centerY = [];
    private double[] _halfWidth = [];
    private int[] _depth = [];
    private double[] _pointX = [];
    private double[] _pointY = [];
    private int _used;

    private struct Cell
    {
        /// <summary>Sum of the positions while building; the centre of mass afterwards.</summary>
        public double MassX;
        public double MassY;

        /// <summary>Squared width of the cell (for the opening criterion w/d &lt; θ).</summary>
        public double WidthSq;
        public int Count;

        /// <summary>Index of the first of four consecutive children, or −1 for a leaf.</summary>
        public int FirstChild;
    }

    /// <summary>Cells in use after the last <see cref="Build"/>.</summary>
    internal int Cells => _used;

    /// <summary>Builds the tree over the <paramref name="rows"/> points of the row-major [rows × 2] array <paramref name="y"/>.</summary>
    internal void Build(double[] y, int rows)
    {
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity;
        double maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (int i = 0; i < rows; i++)
        {
            minX = Math.Min(minX, y[2 * i]);
            maxX = Math.Max(maxX, y[2 * i]);
            minY = Math.Min(minY, y[2 * i + 1]);
            maxY = Math.Max(maxY, y[2 * i + 1]);
        }
        double half = Math.Max(maxX - minX, maxY - minY) / 2;
        if (!(half > 0))
        {
            // Every point at one position (or a single point): any cell holds them.
            half = 1;
        }
        // About 2·rows cells are typical; Split grows the arrays when more are needed, and they are kept for the next build.
        Ensure(Math.Max(_cells.Length, 2 * rows + 1));
        _used = 1;
        Reset(0, (minX + maxX) / 2, (minY + maxY) / 2, half, 0);
        for (int i = 0; i < rows; i++)
        {
            Insert(y[2 * i], y[2 * i + 1]);
        }
        for (int c = 0; c < _used; c++)
        {
            ref var cell = ref _cells[c];
            if (cell.Count > 0)
            {
                cell.MassX /= cell.Count;
                cell.MassY /= cell.Count;
            }
        }
    }

    /// <summary>
    /// The repulsive part of the gradient at point (<paramref name="x"/>, <paramref name="y"/>):
    /// Σ_j q_ij²·(y_i − y_j) into (<paramref name="forceX"/>, <paramref name="forceY"/>) with
    /// q_ij = 1 / (1 + ‖y_i − y_j‖²), and returns Σ_j q_ij, each cell that passes the opening criterion
    /// standing for all its points. The point itself (at distance 0) contributes neither.
    /// </summary>
    internal double Repulse(double x, double y, double thetaSq, out double forceX, out double forceY)
    {
        Span<int> stack = stackalloc int[StackSize];
        int top = 0;
        stack[top++] = 0;
        double sumQ = 0, fx = 0, fy = 0;
        var cells = _cells;
        while (top > 0)
        {
            ref readonly var cell = ref cells[stack[--top]];
            double dx = x - cell.MassX;
            double dy = y - cell.MassY;
            double d2 = dx * dx + dy * dy;
            if (cell.FirstChild < 0 || cell.WidthSq < thetaSq * d2)
            {
                if (d2 == 0)
                {
                    // The point's own leaf: its duplicates add q = 1 each and no force.
                    sumQ += cell.Count - 1;
                    continue;
                }
                double q = 1 / (1 + d2);
                double nq = cell.Count * q;
                sumQ += nq;
                double nqq = nq * q;
                fx += nqq * dx;
                fy += nqq * dy;
                continue;
            }
            int first = cell.FirstChild;
            for (int c = first; c < first + Quadrants; c++)
            {
                if (cells[c].Count > 0)
                {
                    stack[top++] = c;
                }
            }
        }
        forceX = fx;
        forceY = fy;
        return sumQ;
    }

    private void Insert(double x, double y)
    {
        int node = 0;
        while (true)
        {
            if (_cells[node].FirstChild < 0)
            {
                ref var leaf = ref _cells[node];
                if (leaf.Count == 0)
                {
                    _pointX[node] = x;
                    _pointY[node] = y;
                }
                if (leaf.Count == 0 || _depth[node] >= MaxDepth || (_pointX[node] == x && _pointY[node] == y))
                {
                    leaf.Count++;
                    leaf.MassX += x;
                    leaf.MassY += y;
                    return;
                }
                Split(node);
            }
            ref var cell = ref _cells[node];
            cell.Count++;
            cell.MassX += x;
            cell.MassY += y;
            node = cell.FirstChild + Quadrant(node, x, y);
        }
    }

    /// <summary>Turns an occupied leaf into a cell with four children, moving its points (all at one position) to one of them.</summary>
    private void Split(int node)
    {
        Ensure(_used + Quadrants);
        int first = _used;
        _used += Quadrants;
        double quarter = _halfWidth[node] / 2;
        for (int q = 0; q < Quadrants; q++)
        {
            Reset(first + q,
                _centerX[node] + ((q & 1) != 0 ? quarter : -quarter),
                _centerY[node] + ((q & 2) != 0 ? quarter : -quarter),
                quarter,
                _depth[node] + 1);
        }
        ref var cell = ref _cells[node];
        int target = first + Quadrant(node, _pointX[node], _pointY[node]);
        ref var child = ref _cells[target];
        child.Count = cell.Count;
        child.MassX = cell.MassX;
        child.MassY = cell.MassY;
        _pointX[target] = _pointX[node];
        _pointY[target] = _pointY[node];
        cell.FirstChild = first;
    }

    private int Quadrant(int node, double x, double y) =>
        (x >= _centerX[node] ? 1 : 0) | (y >= _centerY[node] ? 2 : 0);

    private void Reset(int node, double centerX, double centerY, double halfWidth, int depth)
    {
        _cells[node] = new Cell { WidthSq = 4 * halfWidth * halfWidth, FirstChild = -1 };
        _centerX[node] = centerX;
        _centerY[node] = centerY;
        _halfWidth[node] = halfWidth;
        _depth[node] = depth;
    }

    private void Ensure(int capacity)
    {
        if (capacity <= _cells.Length)
        {
            return;
        }
        int size = Math.Max(capacity, 2 * _cells.Length);
        Array.Resize(ref _cells, size);
        Array.Resize(ref _centerX, size);
        Array.Resize(ref _centerY, size);
        Array.Resize(ref _halfWidth, size);
        Array.Resize(ref _depth, size);
        Array.Resize(ref _pointX, size);
        Array.Resize(ref _pointY, size);
    }
}
