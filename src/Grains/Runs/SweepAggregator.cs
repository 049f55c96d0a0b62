using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Core;

namespace Grid.Grains.Runs;

/// <summary>Builds a sweep's aggregates (elbow curves, knees, best trial, stage counts) from its trials.</summary>
public static class SweepAggregator
{
    /// <summary>One curve per (dataset, representation, scaler, seed) over the succeeded trials, points sorted by k.</summary>
    public static IReadOnlyList<ElbowCurve> Curves(IEnumerable<TrialStatus> trials) =>
        trials
            .Where(t => t.State.HasResult() && t.Result is not null)
            .GroupBy(t => (t.Spec.Dataset, Representation: t.Spec.Representation.Label, Scaler: SpecNames.Of(t.Spec.Scaler), t.Spec.Seed))
            .OrderBy(g => g.Key.Dataset, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Representation, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Scaler, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Seed)
            .Select(g =>
            {
                var points = g
                    .OrderBy(t => t.Spec.K)
                    .Select(t => new ElbowPoint(t.Spec.K, t.Result!.Inertia, t.Result.TrainError, t.Result.TestError,
                        t.Result.Silhouette, t.Result.DaviesBouldin, t.Result.CalinskiHarabasz))
                    .ToList();
                double? knee = Kneedle.Knee(points.Select(p => (double)p.K).ToList(), points.Select(p => p.Inertia).ToList());
                return new ElbowCurve(g.Key.Dataset, g.Key.Representation, g.Key.Scaler, g.Key.Seed, points, knee is double k ? (int)k : null);
            })
            .ToList();

    /// <summary>
    /// The k values to add around the knee of one curve's trials: the midpoints between the knee and
    /// each neighbour that is more than <paramref name="step"/> away. Empty when the knee is located
    /// to within the step, or the curve has no knee.
    /// </summary>
    public static IReadOnlyList<int> KneeRefinement(IEnumerable<TrialStatus> curveTrials, int step)
    {
        var points = curveTrials
            .Where(t => t.State.HasResult() && t.Result is not null)
            .OrderBy(t => t.Spec.K)
            .ToList();
        double? knee = Kneedle.Knee(points.Select(p => (double)p.Spec.K).ToList(), points.Select(p => p.Result!.Inertia).ToList());
        if (knee is not double kneeValue)
        {
            return [];
        }
        int kneeK = (int)kneeValue;
        int at = points.FindIndex(p => p.Spec.K == kneeK);
        var added = new List<int>();
        if (at > 0 && kneeK - points[at - 1].Spec.K > step)
        {
            added.Add((points[at - 1].Spec.K + kneeK) / 2);
        }
        if (at < points.Count - 1 && points[at + 1].Spec.K - kneeK > step)
        {
            added.Add((kneeK + points[at + 1].Spec.K + 1) / 2);
        }
        return added;
    }

    /// <summary>The id of the best succeeded trial by <paramref name="objective"/> (<see cref="BestTrial"/>), or null.</summary>
    public static string? Best(IEnumerable<TrialStatus> trials, ObjectiveSpec objective) => BestTrial(trials, objective)?.TrialId;

    /// <summary>
    /// The best succeeded trial, by the one rule every "best" in Grid follows: the best value of the sweep's
    /// <paramref name="objective"/> (trials without a value, such as an error on unlabelled data or a measure undefined
    /// for them, are not ranked). Ties go to fewer clusters, then to the earlier trial. Null while no trial qualifies.
    /// </summary>
    public static TrialStatus? BestTrial(IEnumerable<TrialStatus> trials, ObjectiveSpec objective)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(objective);
        TrialStatus? best = null;
        double bestValue = 0;
        foreach (var trial in trials)
        {
            if (trial is not { Result: { } result } || !trial.State.HasResult() || objective.ValueOf(result) is not double value)
            {
                continue;
            }
            int order = best is null ? -1 : objective.Compare(value, bestValue);
            if (order < 0 || (order == 0 && trial.Spec.K < best!.Spec.K))
            {
                (best, bestValue) = (trial, value);
            }
        }
        return best;
    }

    /// <summary>Stage computations and reuses summed over the trials.</summary>
    public static StageCounts Stages(IEnumerable<TrialStatus> trials)
    {
        int computed = 0, reused = 0;
        foreach (var trial in trials)
        {
            computed += trial.StagesComputed;
            reused += trial.StagesReused;
        }
        return new StageCounts(computed, reused);
    }
}
