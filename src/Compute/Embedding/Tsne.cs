using Grid.Compute.Clustering;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Embedding;

/// <summary>
/// Barnes–Hut t-SNE (van der Maaten 2014), following scikit-learn 1.2's <c>TSNE(method="barnes_hut")</c>:
/// exact input similarities over each point's ⌊3·perplexity + 1⌋ nearest neighbours (blocked brute force),
/// a bandwidth per point found by binary search on the perplexity, symmetrised sparse P; Student-t output
/// similarities whose repulsive forces come from a quadtree or, with <see cref="TsneMethod.Fft"/>, from interpolation
/// on a grid and FFT convolution (<see cref="FftRepulsion"/>); gradient descent with momentum (0.5 during
/// early exaggeration, then 0.8) and per-parameter gains. Deterministic for a given seed: every per-point
/// result is written to its own slot and summed in a fixed order, so <see cref="TsneOptions.Threads"/> does
/// not change a Barnes–Hut embedding (an FFT one repeats on the same number of libtorch threads).
/// </summary>
public static class Tsne
{
    /// <summary>Gradient factor 2(α + 1)/α for α = 1 degree of freedom (scikit-learn's <c>c</c> in <c>_kl_divergence_bh</c>).</summary>
    private const double GradientFactor = 4;

    /// <summary>Gain increase where the step keeps its direction, and decay where it turns (scikit-learn's <c>_gradient_descent</c>, after Jacobs 1988).</summary>
    private const double GainIncrease = 0.2;

    /// <inheritdoc cref="GainIncrease"/>
    private const double GainDecay = 0.8;

    /// <summary>Floor of p and q inside the KL logarithm (scikit-learn's <c>FLOAT32_TINY</c>, the smallest normal float32).</summary>
    private const double KlFloor = 1.1754943508222875e-38;

    /// <summary>
    /// Embeds the rows of <paramref name="data"/> in <see cref="TsneOptions.Dimensions"/> dimensions.
    /// </summary>
    /// <param name="data">Row-major [rows × features] input, finite values.</param>
    /// <param name="rows">Number of points; more than ⌊3·perplexity + 1⌋.</param>
    /// <param name="features">Columns of <paramref name="data"/>.</param>
    /// <param name="options">Settings; validated first.</param>
    /// <param name="progress">Receives a report after every iteration, on the calling thread.</param>
    /// <param name="cancellationToken">Checked during the neighbour search and between iterations.</param>
    /// <returns>Row-major [rows × Dimensions] coordinates.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the exception names it).</exception>
    /// <exception cref="ArgumentException">The data has the wrong length, non-finite values, or too few rows for the perplexity.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static float[] Embed(
        float[] data, int rows, int features, TsneOptions options,
        IProgress<TsneProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Fit(data, rows, features, options, progress, cancellationToken).Embedding;

    /// <summary>As <see cref="Embed"/>, also returning the final KL divergence, the iterations run and the learning rate.</summary>
    /// <inheritdoc cref="Embed" path="/param"/>
    public static TsneResult Fit(
        float[] data, int rows, int features, TsneOptions options,
        IProgress<TsneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        EmbeddingChecks.Matrix(data, rows, features, nameof(data), nameof(rows), nameof(features));
        int k = options.Neighbours;
        if (rows - 1 < k)
        {
            throw new ArgumentException(
                $"{nameof(rows)} = {rows} is too few for {nameof(TsneOptions.Perplexity)} = {options.Perplexity}: " +
                $"the similarities use ⌊3·perplexity + 1⌋ = {k} neighbours, so at least {k + 1} rows are needed", nameof(rows));
        }
        if (options.Initialization == TsneInitialization.Pca && features < options.Dimensions)
        {
            throw new ArgumentException(
                $"{nameof(features)} = {features}: PCA initialisation needs at least {nameof(TsneOptions.Dimensions)} = {options.Dimensions} features; " +
                $"use {nameof(TsneInitialization)}.{nameof(TsneInitialization.Random)}", nameof(features));
        }

        var parallel = EmbeddingChecks.Parallel(options.Threads, cancellationToken);
        var (neighbours, distances) = rows >= TsneOptions.FftFromRows
            ? PairwiseBlocks.NearestNeighboursByTopK(data, rows, features, k, parallel, options.Threads, cancellationToken)
            : PairwiseBlocks.NearestNeighbours(data, rows, features, k, parallel, options.Threads, cancellationToken);
        var p = Affinities.Compute(neighbours, distances, rows, k, options.Perplexity, parallel);
        double[] y = Initialize(data, rows, features, options);
        using var objective = new Objective(p, rows, options.Theta, options.ResolveMethod(rows) == TsneMethod.Fft, parallel);
        // The FFT method's transforms run in libtorch.
        using var limit = new ThreadLimit(options.Threads);
        return Optimize(objective, y, rows, options, progress, cancellationToken);
    }

    private static TsneResult Optimize(
        Objective objective, double[] y, int rows, TsneOptions options, IProgress<TsneProgress>? progress, CancellationToken cancellationToken)
    {
        double learningRate = options.EffectiveLearningRate(rows);
        var gradient = new double[y.Length];
        var update = new double[y.Length];
        var gains = new double[y.Length];
        int done = 0;

        // Two calls of scikit-learn's _gradient_descent: each phase starts with fresh updates and gains.
        void Phase(int end, double exaggeration, double momentum, int withoutProgress)
        {
            Array.Clear(update);
            Array.Fill(gains, 1.0);
            double best = double.PositiveInfinity;
            int bestIteration = done;
            while (done < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool check = (done + 1) % options.CheckInterval == 0;
                double kl = objective.Gradient(y, gradient, exaggeration, check);
                double normSq = 0;
                for (int c = 0; c < y.Length; c++)
                {
                    double g = gradient[c];
                    double gain = update[c] * g < 0 ? gains[c] + GainIncrease : gains[c] * GainDecay;
                    gain = Math.Max(gain, options.MinGain);
                    gains[c] = gain;
                    g *= gain;
                    normSq += g * g;
                    update[c] = momentum * update[c] - learningRate * g;
                    y[c] += update[c];
                }
                done++;
                progress?.Report(new TsneProgress(done, options.Iterations, check ? kl : null));
                if (!check)
                {
                    continue;
                }
                if (kl < best)
                {
                    best = kl;
                    bestIteration = done;
                }
                else if (done - bestIteration > withoutProgress)
                {
                    return;
                }
                if (Math.Sqrt(normSq) <= options.MinGradientNorm)
                {
                    return;
                }
            }
        }

        Phase(options.EarlyExaggerationIterations, options.EarlyExaggeration, options.EarlyMomentum, options.EarlyExaggerationIterations);
        int early = done;
        done = Math.Max(done, options.EarlyExaggerationIterations);
        Phase(options.Iterations, 1, options.FinalMomentum, options.IterationsWithoutProgress);
        int ran = early + (done - options.EarlyExaggerationIterations);

        cancellationToken.ThrowIfCancellationRequested();
        double final = objective.Gradient(y, gradient, 1, computeError: true);
        progress?.Report(new TsneProgress(done, options.Iterations, final));
        var embedding = new float[y.Length];
        for (int c = 0; c < y.Length; c++)
        {
            embedding[c] = (float)y[c];
        }
        return new TsneResult(embedding, final, ran, learningRate);
    }

    /// <summary>The starting layout, row-major [rows × 2], with standard deviation <see cref="TsneOptions.InitialScale"/>.</summary>
    private static double[] Initialize(float[] data, int rows, int features, TsneOptions options)
    {
        using var limit = new ThreadLimit(options.Threads);
        using var scope = torch.NewDisposeScope();
        Tensor layout;
        if (options.Initialization == TsneInitialization.Random)
        {
            using var generator = new Generator(unchecked((ulong)options.Seed));
            layout = torch.randn([rows, options.Dimensions], dtype: ScalarType.Float64, generator: generator).mul_(TsneOptions.InitialScale);
        }
        else
        {
            layout = PrincipalComponents.Scores(data, rows, features, options.Dimensions);
            // scikit-learn: X_embedded / std(X_embedded[:, 0]) · 1e-4 (a constant first component stays at 0).
            double spread = layout.select(1, 0).std(unbiased: false).item<double>();
            layout.mul_(spread > 0 ? TsneOptions.InitialScale / spread : 0);
        }
        return layout.contiguous().data<double>().ToArray();
    }

    /// <summary>
    /// The KL objective's gradient (scikit-learn's <c>_kl_divergence_bh</c>), its repulsion by Barnes–Hut or, with
    /// <paramref name="fft"/>, by <see cref="FftRepulsion"/>.
    /// </summary>
    private sealed class Objective(Affinities p, int rows, double theta, bool fft, ParallelOptions parallel) : IDisposable
    {
        private readonly QuadTree _tree = new();
        private readonly FftRepulsion? _fft = fft ? new FftRepulsion(rows, parallel) : null;
        private readonly double[] _repulsion = new double[2 * rows];
        private readonly double[] _sumQ = new double[rows];
        private readonly double[] _kl = new double[rows];
        private readonly double _thetaSq = theta * theta;

        /// <summary>
        /// Writes ∂KL/∂y into <paramref name="gradient"/> with the input similarities multiplied by
        /// <paramref name="exaggeration"/>; returns the KL divergence of the un-exaggerated P when
        /// <paramref name="computeError"/>, else NaN.
        /// </summary>
        internal double Gradient(double[] y, double[] gradient, double exaggeration, bool computeError)
        {
            double sumQ = _fft?.Repulse(y, _repulsion) ?? BarnesHut(y);
            double inverseSumQ = 1 / Math.Max(sumQ, double.Epsilon);
            var starts = p.RowStarts;
            var columns = p.Columns;
            var values = p.Values;
            Parallel.For(0, rows, parallel, i =>
            {
                double xi = y[2 * i], yi = y[2 * i + 1];
                double ax = 0, ay = 0, kl = 0;
                for (int e = starts[i]; e < starts[i + 1]; e++)
                {
                    int j = columns[e];
                    double dx = xi - y[2 * j];
                    double dy = yi - y[2 * j + 1];
                    double q = 1 / (1 + dx * dx + dy * dy);
                    double pq = values[e] * exaggeration * q;
                    ax += pq * dx;
                    ay += pq * dy;
                    if (computeError)
                    {
                        double pij = values[e];
                        kl += pij * Math.Log(Math.Max(pij, KlFloor) / Math.Max(q * inverseSumQ, KlFloor));
                    }
                }
                gradient[2 * i] = GradientFactor * (ax - _repulsion[2 * i] * inverseSumQ);
                gradient[2 * i + 1] = GradientFactor * (ay - _repulsion[2 * i + 1] * inverseSumQ);
                _kl[i] = kl;
            });
            if (!computeError)
            {
                return double.NaN;
            }
            double total = 0;
            for (int i = 0; i < rows; i++)
            {
                total += _kl[i];
            }
            return total;
        }

        public void Dispose() => _fft?.Dispose();

        /// <summary>Barnes–Hut repulsion into the repulsion buffer; returns Z.</summary>
        private double BarnesHut(double[] y)
        {
            _tree.Build(y, rows);
            Parallel.For(0, rows, parallel, i =>
            {
                _sumQ[i] = _tree.Repulse(y[2 * i], y[2 * i + 1], _thetaSq, out _repulsion[2 * i], out _repulsion[2 * i + 1]);
            });
            double sumQ = 0;
            for (int i = 0; i < rows; i++)
            {
                sumQ += _sumQ[i];
            }
            return sumQ;
        }
    }
}
