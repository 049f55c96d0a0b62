using Grid.Abstractions.Runs;
using Grid.Compute.Evaluation;
using Grid.Core;
using Grid.Grains.Runs;

namespace Grid.Silo.Pages;

/// <summary>Why a trial is among a sweep's best configurations.</summary>
public enum BestKind
{
    /// <summary>The sweep's best trial by its objective (<see cref="SweepAggregator.BestTrial"/>).</summary>
    Overall,

    /// <summary>The best trial of one elbow curve, by the same rule.</summary>
    Curve,

    /// <summary>The trial at a curve's knee.</summary>
    Knee,
}

/// <summary>One of a sweep's best configurations.</summary>
/// <param name="Kind">Why it is listed.</param>
/// <param name="What">The reason in words, e.g. "best of mnist · raw · l2 · seed 0".</param>
/// <param name="Curve">The curve it is the best or the knee of; null for <see cref="BestKind.Overall"/>.</param>
/// <param name="Number">The trial's position in the sweep, 1-based (as in the results table).</param>
/// <param name="Trial">The trial.</param>
/// <param name="Result">Its result.</param>
public sealed record BestConfiguration(BestKind Kind, string What, ElbowCurve? Curve, int Number, TrialStatus Trial, ClusteringResult Result);

/// <summary>A sweep's best configurations: the best trial overall, and per curve its best trial and its knee.</summary>
public static class BestConfigurations
{
    /// <summary>The best configurations of a sweep so far; empty while no trial has succeeded.</summary>
    public static IReadOnlyList<BestConfiguration> Of(SweepSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var numbered = snapshot.Trials
            .Select((trial, i) => (Trial: trial, Number: ResultFigures.TrialNumber(i)))
            .Where(t => t.Trial is { Result: not null } && t.Trial.State.HasResult())
            .ToList();
        var best = new List<BestConfiguration>();
        var objective = snapshot.RankedBy;
        if (numbered.FirstOrDefault(t => t.Trial.TrialId == snapshot.BestTrialId) is { Trial: not null } overall)
        {
            best.Add(new BestConfiguration(BestKind.Overall, $"best {objective.Metric.Title()} overall", null, overall.Number, overall.Trial, overall.Trial.Result!));
        }
        foreach (var curve in snapshot.Curves)
        {
            var onCurve = numbered.Where(t => ResultFigures.OnCurve(t.Trial.Spec, curve)).ToList();
            if (onCurve.Count == 0)
            {
                continue;
            }
            string label = ResultFigures.CurveLabel(curve);
            var bestTrial = SweepAggregator.BestTrial(onCurve.Select(t => t.Trial), objective);
            if (onCurve.FirstOrDefault(t => ReferenceEquals(t.Trial, bestTrial)) is { Trial: not null } bestOnCurve)
            {
                best.Add(new BestConfiguration(BestKind.Curve, "best of " + label, curve, bestOnCurve.Number, bestOnCurve.Trial, bestOnCurve.Trial.Result!));
            }
            if (Kneedle.Shown(curve.KneeK, curve.Points.Count) is int knee && onCurve.FirstOrDefault(t => t.Trial.Spec.K == knee) is { Trial: not null } atKnee)
            {
                best.Add(new BestConfiguration(BestKind.Knee, "knee of " + label, curve, atKnee.Number, atKnee.Trial, atKnee.Trial.Result!));
            }
        }
        return best;
    }
}
