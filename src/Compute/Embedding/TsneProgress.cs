namespace Grid.Compute.Embedding;

/// <summary>A progress report of <see cref="Tsne"/>, sent after every gradient-descent iteration.</summary>
/// <param name="Iteration">Iterations done so far (1-based).</param>
/// <param name="Iterations">Iterations planned (<see cref="TsneOptions.Iterations"/>); a phase may stop earlier on convergence.</param>
/// <param name="KlDivergence">
/// The KL divergence of the (un-exaggerated) input similarities from the embedding's, computed every
/// <see cref="TsneOptions.CheckInterval"/> iterations and at the end (with the Barnes–Hut normalisation); null in between.
/// </param>
public sealed record TsneProgress(int Iteration, int Iterations, double? KlDivergence);

/// <summary>The outcome of <see cref="Tsne.Fit"/>.</summary>
/// <param name="Embedding">Row-major [rows × <see cref="TsneOptions.Dimensions"/>] coordinates.</param>
/// <param name="KlDivergence">KL divergence of the input similarities from those of the returned embedding (Barnes–Hut estimate).</param>
/// <param name="Iterations">Gradient-descent iterations run (fewer than planned when a phase converged).</param>
/// <param name="LearningRate">The learning rate used.</param>
public sealed record TsneResult(float[] Embedding, double KlDivergence, int Iterations, double LearningRate);
