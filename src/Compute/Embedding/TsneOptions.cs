namespace Grid.Compute.Embedding;

/// <summary>How <see cref="Tsne"/> places the points before the first gradient step.</summary>
public enum TsneInitialization
{
    /// <summary>
    /// The first principal components of the data, scaled so that the first has standard deviation
    /// 1e-4 (scikit-learn ≥ 1.2's default <c>init="pca"</c>, and openTSNE's). Deterministic: the seed does not change it.
    /// </summary>
    Pca,

    /// <summary>
    /// Independent normal draws with standard deviation 1e-4 from a libtorch generator seeded with
    /// <see cref="TsneOptions.Seed"/> (scikit-learn's <c>init="random"</c>).
    /// </summary>
    Random,
}

/// <summary>How <see cref="Tsne"/> computes the repulsive forces.</summary>
public enum TsneMethod
{
    /// <summary><see cref="Fft"/> from <see cref="TsneOptions.FftFromRows"/> points, else <see cref="BarnesHut"/>.</summary>
    Auto,

    /// <summary>A quadtree with angle <see cref="TsneOptions.Theta"/> (van der Maaten 2014; scikit-learn's <c>method="barnes_hut"</c>): O(n log n) per iteration.</summary>
    BarnesHut,

    /// <summary>Interpolation on a grid and FFT convolution (Linderman et al. 2019, FIt-SNE): O(n) per iteration.</summary>
    Fft,
}

/// <summary>
/// Settings of a t-SNE embedding, Barnes–Hut (van der Maaten 2014) or FFT-accelerated (<see cref="TsneMethod"/>). The defaults are scikit-learn 1.2's
/// <c>sklearn.manifold.TSNE(method="barnes_hut")</c> defaults, which openTSNE shares; each property names
/// the parameter it mirrors.
/// </summary>
public sealed record TsneOptions
{
    /// <summary>Initial standard deviation of the embedding, for both initialisations (scikit-learn: 1e-4).</summary>
    public const double InitialScale = 1e-4;

    /// <summary>Neighbours per unit of perplexity whose similarities are computed exactly (scikit-learn: ⌊3·perplexity + 1⌋ neighbours).</summary>
    public const double NeighboursPerPerplexity = 3;

    /// <summary>The automatic learning rate is max(n / early exaggeration / this, <see cref="MinimumAutoLearningRate"/>) (scikit-learn 1.2, after Belkina et al. 2019).</summary>
    public const double AutoLearningRateDivisor = 4;

    /// <summary>Lower bound of the automatic learning rate (scikit-learn 1.2).</summary>
    public const double MinimumAutoLearningRate = 50;

    /// <summary>Points from which <see cref="TsneMethod.Auto"/> chooses <see cref="TsneMethod.Fft"/>.</summary>
    public const int FftFromRows = 20_000;

    /// <summary>How the repulsive forces are computed (not a scikit-learn parameter; scikit-learn has only Barnes–Hut and exact).</summary>
    public TsneMethod Method { get; init; } = TsneMethod.Auto;

    /// <summary>The method used for <paramref name="rows"/> points: <see cref="Method"/>, or the automatic choice.</summary>
    public TsneMethod ResolveMethod(int rows) => Method switch
    {
        TsneMethod.Auto => rows >= FftFromRows ? TsneMethod.Fft : TsneMethod.BarnesHut,
        var chosen => chosen,
    };

    /// <summary>Output dimensions (<c>n_components</c>, default 2). The Barnes–Hut tree here is a quadtree, so it must be 2.</summary>
    public int Dimensions { get; init; } = 2;

    /// <summary>
    /// Perplexity of each point's Gaussian over its neighbours, roughly the number of effective
    /// neighbours (<c>perplexity</c>, default 30). The data needs more than ⌊3·perplexity + 1⌋ rows.
    /// </summary>
    public double Perplexity { get; init; } = 30;

    /// <summary>Factor on the input similarities during the first iterations (<c>early_exaggeration</c>, default 12).</summary>
    public double EarlyExaggeration { get; init; } = 12;

    /// <summary>Iterations with exaggerated similarities and <see cref="EarlyMomentum"/> (scikit-learn's <c>_EXPLORATION_N_ITER</c>, 250).</summary>
    public int EarlyExaggerationIterations { get; init; } = 250;

    /// <summary>Total gradient-descent iterations, the early-exaggeration phase included (<c>n_iter</c>, default 1000).</summary>
    public int Iterations { get; init; } = 1000;

    /// <summary>
    /// Step size (<c>learning_rate</c>); <see langword="null"/> is scikit-learn 1.2's <c>"auto"</c>:
    /// max(n / <see cref="EarlyExaggeration"/> / 4, 50).
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>
    /// Barnes–Hut angle (<c>angle</c>, default 0.5): a cell of width w at distance d from a point is summarised
    /// by its centre of mass when w / d &lt; θ. 0 computes every pair exactly (slow).
    /// </summary>
    public double Theta { get; init; } = 0.5;

    /// <summary>
    /// Seed of the random initialisation (<c>random_state</c>); the same seed gives the same embedding, whatever
    /// <see cref="Threads"/> with Barnes–Hut, and on the same number of libtorch threads with <see cref="TsneMethod.Fft"/>
    /// (libtorch's float32 transforms round differently on different thread counts).
    /// </summary>
    public long Seed { get; init; }

    /// <summary>
    /// Threads for the per-point loops and for libtorch during the neighbour search (not a scikit-learn
    /// parameter); <see langword="null"/> leaves libtorch's setting alone and lets the loops use every core.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Initial layout (<c>init</c>); scikit-learn 1.2 and openTSNE default to PCA.</summary>
    public TsneInitialization Initialization { get; init; } = TsneInitialization.Pca;

    /// <summary>Momentum during early exaggeration (scikit-learn: 0.5).</summary>
    public double EarlyMomentum { get; init; } = 0.5;

    /// <summary>Momentum after early exaggeration (scikit-learn: 0.8).</summary>
    public double FinalMomentum { get; init; } = 0.8;

    /// <summary>Lower bound of the per-parameter gains (<c>min_gain</c> of scikit-learn's <c>_gradient_descent</c>, 0.01).</summary>
    public double MinGain { get; init; } = 0.01;

    /// <summary>A phase stops early when the gradient norm falls to this (<c>min_grad_norm</c>, default 1e-7).</summary>
    public double MinGradientNorm { get; init; } = 1e-7;

    /// <summary>
    /// The final phase stops when the KL divergence has not improved for this many iterations
    /// (<c>n_iter_without_progress</c>, default 300; the early phase uses its own length, as scikit-learn does).
    /// </summary>
    public int IterationsWithoutProgress { get; init; } = 300;

    /// <summary>Every this many iterations the KL divergence is computed, reported and checked (scikit-learn's <c>_N_ITER_CHECK</c>, 50).</summary>
    public int CheckInterval { get; init; } = 50;

    /// <summary>The learning rate used for <paramref name="rows"/> points: <see cref="LearningRate"/>, or the automatic one.</summary>
    public double EffectiveLearningRate(int rows) =>
        LearningRate ?? Math.Max(rows / EarlyExaggeration / AutoLearningRateDivisor, MinimumAutoLearningRate);

    /// <summary>Neighbours of each point whose input similarities are computed: ⌊3·perplexity + 1⌋.</summary>
    public int Neighbours => (int)Math.Floor(NeighboursPerPerplexity * Perplexity + 1);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Dimensions != 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Dimensions), Dimensions, $"{nameof(Dimensions)} must be 2: the Barnes–Hut tree is a quadtree and the FFT grid is square");
        }
        Positive(Perplexity, nameof(Perplexity));
        if (!(EarlyExaggeration >= 1) || double.IsInfinity(EarlyExaggeration))
        {
            throw new ArgumentOutOfRangeException(nameof(EarlyExaggeration), EarlyExaggeration, $"{nameof(EarlyExaggeration)} must be a finite number ≥ 1");
        }
        if (Iterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, $"{nameof(Iterations)} must be ≥ 1");
        }
        if (EarlyExaggerationIterations < 0 || EarlyExaggerationIterations > Iterations)
        {
            throw new ArgumentOutOfRangeException(nameof(EarlyExaggerationIterations), EarlyExaggerationIterations,
                $"{nameof(EarlyExaggerationIterations)} must be between 0 and {nameof(Iterations)} = {Iterations}");
        }
        if (LearningRate is { } rate)
        {
            Positive(rate, nameof(LearningRate));
        }
        if (!(Theta >= 0 && Theta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Theta), Theta, $"{nameof(Theta)} must be between 0 (exact) and 1");
        }
        if (Threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"{nameof(Threads)} must be ≥ 1, or null to leave it alone");
        }
        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentOutOfRangeException(nameof(Method), Method, $"{nameof(Method)} must be Auto, BarnesHut or Fft");
        }
        if (!Enum.IsDefined(Initialization))
        {
            throw new ArgumentOutOfRangeException(nameof(Initialization), Initialization, $"{nameof(Initialization)} must be Pca or Random");
        }
        Fraction(EarlyMomentum, nameof(EarlyMomentum));
        Fraction(FinalMomentum, nameof(FinalMomentum));
        if (!(MinGain >= 0 && MinGain < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinGain), MinGain, $"{nameof(MinGain)} must be in [0, 1)");
        }
        if (!(MinGradientNorm >= 0) || double.IsInfinity(MinGradientNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(MinGradientNorm), MinGradientNorm, $"{nameof(MinGradientNorm)} must be a finite number ≥ 0");
        }
        if (IterationsWithoutProgress < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(IterationsWithoutProgress), IterationsWithoutProgress, $"{nameof(IterationsWithoutProgress)} must be ≥ 1");
        }
        if (CheckInterval < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckInterval), CheckInterval, $"{nameof(CheckInterval)} must be ≥ 1");
        }
    }

    private static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0");
        }
    }

    private static void Fraction(double value, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1)");
        }
    }
}
