using Grid.Compute.Embedding;

namespace Grid.Compute.Plots;

/// <summary>Points of a latent space in two dimensions, with the class of each.</summary>
/// <param name="XY">Row-major (x, y) per point.</param>
/// <param name="Labels">Class of each point.</param>
/// <param name="Rows">Indices of the points among the codes they were drawn from, increasing.</param>
/// <param name="TotalRows">How many codes there were (the points may be a sample).</param>
/// <param name="Embedded">True when the points are a t-SNE embedding; false when they are the 2-D codes themselves.</param>
public sealed record LatentPoints(float[] XY, byte[] Labels, int[] Rows, int TotalRows, bool Embedded);

/// <summary>
/// Takes latent codes to the plane: z_dim 2 codes as they are, larger codes through t-SNE (FFT-accelerated from
/// <see cref="FftFromPoints"/>). Both on a seeded sample
/// of at most the given number of rows, so a figure costs the same whatever the dataset's size.
/// </summary>
public static class LatentProjection
{
    /// <summary>Points from which a figure's t-SNE uses <see cref="TsneMethod.Fft"/>.</summary>
    public const int FftFromPoints = 10_000;

    /// <summary>Projects <paramref name="rows"/> codes of <paramref name="dimensions"/> values each (row-major).</summary>
    /// <param name="maxPoints">Largest number of points drawn (a seeded uniform sample when there are more rows).</param>
    /// <param name="seed">Seeds the sample and the t-SNE initialisation.</param>
    public static LatentPoints Project(float[] codes, int rows, int dimensions, IReadOnlyList<byte> labels, int maxPoints, int seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        if ((long)rows * dimensions != codes.LongLength || labels.Count < rows)
        {
            throw new ArgumentException($"{codes.Length} values and {labels.Count} labels do not make {rows} codes of {dimensions} values");
        }
        int[] sample = Sample(rows, maxPoints, seed);
        var chosen = new float[sample.Length * dimensions];
        for (int i = 0; i < sample.Length; i++)
        {
            Array.Copy(codes, (long)sample[i] * dimensions, chosen, (long)i * dimensions, dimensions);
        }
        byte[] sampleLabels = sample.Select(r => labels[r]).ToArray();
        if (dimensions == 2)
        {
            return new LatentPoints(chosen, sampleLabels, sample, rows, Embedded: false);
        }
        if (sample.Length < 4)
        {
            throw new ArgumentException($"t-SNE needs at least 4 points, got {sample.Length}");
        }
        var options = new TsneOptions
        {
            Dimensions = 2,
            // t-SNE takes ⌊3·perplexity + 1⌋ neighbours of each point, so that must stay below the number of points.
            Perplexity = Math.Min(new TsneOptions().Perplexity, (sample.Length - 2) / 3.0),
            Seed = seed,
            // FFT repulsion from 10,000 points, where it is as trustworthy as Barnes–Hut and faster (README's t-SNE bench), so
            // a figure can show every test code; below, Barnes–Hut, whose cost falls with n while the FFT grid's does not.
            Method = sample.Length >= FftFromPoints ? TsneMethod.Fft : TsneMethod.BarnesHut,
        };
        float[] xy = Tsne.Embed(chosen, sample.Length, dimensions, options, null, cancellationToken);
        return new LatentPoints(xy, sampleLabels, sample, rows, Embedded: true);
    }

    /// <summary>At most <paramref name="count"/> distinct indices below <paramref name="rows"/>, seeded, increasing.</summary>
    public static int[] Sample(int rows, int count, int seed)
    {
        if (rows <= count)
        {
            return Enumerable.Range(0, rows).ToArray();
        }
        var indices = Enumerable.Range(0, rows).ToArray();
        var random = new Random(seed);
        // Partial Fisher–Yates: the first `count` slots become a uniform sample.
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, rows);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        var sample = indices[..count];
        Array.Sort(sample);
        return sample;
    }
}
