// TEMPORARY STAND-IN (branch `plots` only): the real Barnes–Hut t-SNE lands on main from the t-SNE work of
// issue #6 with this same API. Delete this file when merging it. This is a plain exact t-SNE (O(n²) memory
// and time), good enough for the few thousand points the plots ask for while the real one is written.
namespace Grid.Compute.Embedding;

/// <summary>Settings of a t-SNE embedding (stand-in: the real record lands with the t-SNE work).</summary>
public sealed record TsneOptions
{
    /// <summary>Output dimensions.</summary>
    public int Dimensions { get; init; } = 2;

    /// <summary>Effective number of neighbours.</summary>
    public double Perplexity { get; init; } = 30;

    /// <summary>Gradient steps.</summary>
    public int Iterations { get; init; } = 500;

    /// <summary>Factor on the affinities during the first steps.</summary>
    public double EarlyExaggeration { get; init; } = 12;

    /// <summary>Steps with exaggeration.</summary>
    public int ExaggerationIterations { get; init; } = 125;

    /// <summary>Step size.</summary>
    public double LearningRate { get; init; } = 200;

    /// <summary>Seed of the initial layout.</summary>
    public int Seed { get; init; }
}

/// <summary>Progress of an embedding.</summary>
/// <param name="Iteration">Steps done.</param>
/// <param name="Iterations">Steps in all.</param>
public sealed record TsneProgress(int Iteration, int Iterations);

/// <summary>t-SNE (stand-in: exact, O(n²)).</summary>
public static class Tsne
{
    /// <summary>Embeds <paramref name="rows"/> × <paramref name="features"/> row-major data; returns rows × Dimensions, row-major.</summary>
    public static float[] Embed(float[] data, int rows, int features, TsneOptions options, IProgress<TsneProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if ((long)rows * features != data.LongLength)
        {
            throw new ArgumentException($"{data.Length} values are not {rows}×{features}", nameof(data));
        }
        int n = rows, d = options.Dimensions;
        var p = Affinities(data, n, features, Math.Min(options.Perplexity, Math.Max(1, (n - 1) / 3.0)));
        var random = new Random(options.Seed);
        var y = new double[n * d];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = 1e-4 * Gaussian(random);
        }
        var update = new double[n * d];
        var gains = Enumerable.Repeat(1.0, n * d).ToArray();
        var gradient = new double[n * d];
        var kernel = new double[n * (long)n];
        var rowSums = new double[n];
        for (int iteration = 0; iteration < options.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double exaggeration = iteration < options.ExaggerationIterations ? options.EarlyExaggeration : 1;
            double momentum = iteration < options.ExaggerationIterations ? 0.5 : 0.8;
            Parallel.For(0, n, i =>
            {
                double row = 0;
                for (int j = 0; j < n; j++)
                {
                    if (i == j)
                    {
                        continue;
                    }
                    double dist = 0;
                    for (int c = 0; c < d; c++)
                    {
                        double diff = y[i * d + c] - y[j * d + c];
                        dist += diff * diff;
                    }
                    kernel[(long)i * n + j] = 1 / (1 + dist);
                    row += kernel[(long)i * n + j];
                }
                rowSums[i] = row;
            });
            double sum = rowSums.Sum();
            Array.Clear(gradient);
            Parallel.For(0, n, i =>
            {
                for (int j = 0; j < n; j++)
                {
                    double k = kernel[(long)i * n + j];
                    double force = (exaggeration * p[(long)i * n + j] - k / sum) * k;
                    for (int c = 0; c < d; c++)
                    {
                        gradient[i * d + c] += 4 * force * (y[i * d + c] - y[j * d + c]);
                    }
                }
            });
            for (int i = 0; i < y.Length; i++)
            {
                gains[i] = Math.Sign(gradient[i]) != Math.Sign(update[i]) ? gains[i] + 0.2 : Math.Max(gains[i] * 0.8, 0.01);
                update[i] = momentum * update[i] - options.LearningRate * gains[i] * gradient[i];
                y[i] += update[i];
            }
            progress?.Report(new TsneProgress(iteration + 1, options.Iterations));
        }
        return y.Select(v => (float)v).ToArray();
    }

    private static double[] Affinities(float[] data, int n, int features, double perplexity)
    {
        var distances = new double[n * (long)n];
        Parallel.For(0, n, i =>
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int f = 0; f < features; f++)
                {
                    double diff = data[(long)i * features + f] - data[(long)j * features + f];
                    s += diff * diff;
                }
                distances[(long)i * n + j] = s;
            }
        });
        var p = new double[n * (long)n];
        double target = Math.Log(perplexity);
        Parallel.For(0, n, i =>
        {
            double beta = 1, lo = double.NegativeInfinity, hi = double.PositiveInfinity;
            for (int step = 0; step < 64; step++)
            {
                double sum = 0, weighted = 0;
                for (int j = 0; j < n; j++)
                {
                    if (j == i)
                    {
                        continue;
                    }
                    double w = Math.Exp(-beta * distances[(long)i * n + j]);
                    sum += w;
                    weighted += w * distances[(long)i * n + j];
                }
                double entropy = sum <= 0 ? 0 : Math.Log(sum) + beta * weighted / sum;
                if (Math.Abs(entropy - target) < 1e-5)
                {
                    break;
                }
                if (entropy > target)
                {
                    lo = beta;
                    beta = double.IsPositiveInfinity(hi) ? beta * 2 : (beta + hi) / 2;
                }
                else
                {
                    hi = beta;
                    beta = double.IsNegativeInfinity(lo) ? beta / 2 : (beta + lo) / 2;
                }
            }
            double total = 0;
            for (int j = 0; j < n; j++)
            {
                double w = j == i ? 0 : Math.Exp(-beta * distances[(long)i * n + j]);
                p[(long)i * n + j] = w;
                total += w;
            }
            for (int j = 0; j < n; j++)
            {
                p[(long)i * n + j] = total > 0 ? p[(long)i * n + j] / total : 0;
            }
        });
        // Symmetrise in place (the distances are no longer needed).
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                double v = Math.Max((p[(long)i * n + j] + p[(long)j * n + i]) / (2.0 * n), 1e-12);
                p[(long)i * n + j] = v;
                p[(long)j * n + i] = v;
            }
        }
        return p;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
