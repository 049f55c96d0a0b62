namespace Grid.Compute.Clustering;

/// <summary>What a <see cref="ClusteringProgress"/> report describes.</summary>
public enum ClusteringPhase
{
    /// <summary>
    /// Mini-batch k-means finished initialisation <see cref="ClusteringProgress.Run"/>;
    /// the inertia is on the validation subset.
    /// </summary>
    Initialization,

    /// <summary>One Lloyd iteration or one mini-batch step finished.</summary>
    Iteration,

    /// <summary>A run finished; the inertia is its final inertia on all the data it was fitted on.</summary>
    RunCompleted,
}

/// <summary>
/// A progress report of a k-means fit, small enough to send to a console bar on every step.
/// </summary>
/// <param name="Phase">What the report describes.</param>
/// <param name="Run">1-based index of the current run (k-means <c>n_init</c>; mini-batch initialisation), 1 for mini-batch steps.</param>
/// <param name="Runs">Number of runs (1 for mini-batch steps).</param>
/// <param name="Step">1-based iteration (Lloyd) or step (mini-batch) within the run; 0 outside iterations.</param>
/// <param name="MaxSteps">Upper bound of <paramref name="Step"/> (max_iter, or max_iter · n / batch_size steps).</param>
/// <param name="Inertia">
/// The current inertia: for a Lloyd iteration, that of the assignment made in it; for a mini-batch step,
/// the smoothed batch inertia per sample times n (an estimate of the full inertia).
/// </param>
public sealed record ClusteringProgress(ClusteringPhase Phase, int Run, int Runs, int Step, int MaxSteps, double Inertia);
