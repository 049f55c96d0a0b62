using Grid.Abstractions.Sweeps;

namespace Grid.Abstractions.Runs;

/// <summary>One rung of an arm: its trials' best objective value there, once they have all ended.</summary>
/// <param name="Epochs">The rung: the epochs the arm's autoencoder is trained for.</param>
/// <param name="Score">The best objective value over the arm's trials at this rung; null while they run, or when none has one.</param>
/// <param name="Complete">Whether every trial of the arm at this rung has ended.</param>
public sealed record AshaRung(int Epochs, double? Score, bool Complete);

/// <summary>What became of an arm: it trains on, reached the last rung, or was pruned.</summary>
public enum AshaArmState
{
    /// <summary>Its trials at its highest rung run, or it waits for the next rung's decision.</summary>
    Open,

    /// <summary>It reached the last rung.</summary>
    Finished,

    /// <summary>Not promoted from its highest rung, and no arm can still reach that rung: it trains no further.</summary>
    Pruned,
}

/// <summary>
/// An arm of successive halving: one autoencoder configuration on one dataset (every setting but epochs), whose trials at a
/// rung are every scaler × k × seed of the sweep on its codes after that rung's epochs.
/// </summary>
/// <param name="Label">The configuration's name at the last rung, e.g. <c>ae-z16-bce-e9-lr0.001</c>.</param>
public sealed record AshaArm(string Dataset, string Label, IReadOnlyList<AshaRung> Rungs, AshaArmState State);

/// <summary>
/// What successive halving decides now: the trials of arms promoted to their next rung, and the trials of arms pruned.
/// Derived from the sweep's trials alone, so a sweep that restarts decides the same again and loses nothing.
/// </summary>
public sealed record AshaDecisions(IReadOnlyList<AshaArm> Arms, IReadOnlyList<TrialSpec> Promote, IReadOnlyList<string> Prune);

/// <summary>
/// Asynchronous successive halving (ASHA, Li et al. 2020) over autoencoder epochs. An arm whose trials at rung r have all
/// ended is promoted to the next rung as soon as it is among the top ⌊n / η⌋ of the n arms (of its dataset) that completed r,
/// without waiting for the rest of the rung; it continues from its checkpoint (epoch-prefix reuse). Once no arm can still
/// enter a rung, the arms waiting there are pruned, and if none of them went on (fewer than η arms reached the rung), the
/// best goes on first. Raw-feature trials are not arms: they run once, as in a grid.
/// </summary>
public static class Asha
{
    /// <summary>The decisions for <paramref name="trials"/> under an ASHA <paramref name="strategy"/>, ranking arms by <paramref name="objective"/>.</summary>
    /// <param name="moreArms">Whether a sampler may still add arms at the first rung: then no rung is closed yet.</param>
    public static AshaDecisions Decide(StrategySpec strategy, IReadOnlyList<TrialStatus> trials, ObjectiveSpec objective, bool moreArms = false)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(trials);
        var rungs = strategy.Rungs;
        if (rungs.Count == 0)
        {
            return new AshaDecisions([], [], []);
        }
        var arms = ArmsOf(trials, rungs, objective);
        // The arms that completed a rung with a score, best first (ties: the arm that started first).
        List<Arm> Ranked(IEnumerable<Arm> group, int rung) => group
            .Where(a => a.Complete(rung) && a.Scores[rung] is not null)
            .OrderBy(a => a.Scores[rung]!.Value, Comparer<double>.Create(objective.Compare))
            .ThenBy(a => a.Order)
            .ToList();
        var promote = new List<TrialSpec>();
        var promotedInto = new HashSet<(Arm, int)>();
        foreach (var dataset in arms.GroupBy(a => a.Dataset))
        {
            for (int i = 0; i < rungs.Count - 1; i++)
            {
                var finished = Ranked(dataset, i);
                foreach (var arm in finished.Take(finished.Count / strategy.Reduction).Where(a => !a.Present(i + 1)))
                {
                    promotedInto.Add((arm, i + 1));
                    promote.AddRange(arm.Trials[i].Select(t => AtRung(t.Spec, rungs, i + 1)));
                }
            }
        }
        var prune = new List<string>();
        var pruned = new HashSet<Arm>();
        foreach (var dataset in arms.GroupBy(a => a.Dataset))
        {
            for (int i = 0; i < rungs.Count - 1; i++)
            {
                // Rung i is closed when no arm runs at or below it and none was just promoted into it: no arm can join it any more.
                bool open = moreArms || dataset.Any(a => Enumerable.Range(0, i + 1).Any(j => (a.Present(j) && !a.Complete(j)) || promotedInto.Contains((a, j))));
                if (open)
                {
                    break;
                }
                // Fewer arms completed the rung than the reduction factor (⌊n / η⌋ = 0): its best goes on all the same, so the
                // search always ends with an arm at max_epochs.
                if (!dataset.Any(a => a.Present(i + 1) || promotedInto.Contains((a, i + 1))) && Ranked(dataset, i).FirstOrDefault() is { } best)
                {
                    promotedInto.Add((best, i + 1));
                    promote.AddRange(best.Trials[i].Select(t => AtRung(t.Spec, rungs, i + 1)));
                }
                foreach (var arm in dataset.Where(a => a.Highest == i && !promotedInto.Contains((a, i + 1))))
                {
                    pruned.Add(arm);
                    prune.AddRange(arm.Trials[i].Where(t => t.State == TrialState.Succeeded).Select(t => t.TrialId));
                }
            }
        }
        var views = arms.Select(a => new AshaArm(
            a.Dataset,
            a.Label,
            Enumerable.Range(0, rungs.Count).Where(a.Present).Select(i => new AshaRung(rungs[i], a.Scores[i], a.Complete(i))).ToArray(),
            a.Highest == rungs.Count - 1 && a.Complete(rungs.Count - 1) ? AshaArmState.Finished
                : pruned.Contains(a) || a.Trials[a.Highest].Any(t => t.State == TrialState.Pruned) ? AshaArmState.Pruned
                : AshaArmState.Open)).ToArray();
        return new AshaDecisions(views, promote, prune);
    }

    /// <summary>The arm an autoencoder configuration belongs to: its settings with the last rung's epochs.</summary>
    public static AutoencoderSpec ArmOf(AutoencoderSpec autoencoder, IReadOnlyList<int> rungs)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        return autoencoder with { Epochs = rungs[^1], Reconstructions = false };
    }

    /// <summary>The sweep's arms as they stand: each arm's trials, scores and state by rung (empty for other strategies).</summary>
    public static IReadOnlyList<AshaArm> Arms(StrategySpec strategy, IReadOnlyList<TrialStatus> trials, ObjectiveSpec objective) =>
        Decide(strategy, trials, objective).Arms;

    /// <summary>
    /// <paramref name="trial"/> at rung <paramref name="rung"/>: its autoencoder trained for that rung's epochs, continuing the
    /// rungs below (<see cref="TrialSpec.PrefixEpochs"/>).
    /// </summary>
    public static TrialSpec AtRung(TrialSpec trial, IReadOnlyList<int> rungs, int rung)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var ae = trial.Representation.Autoencoder ?? throw new ArgumentException("only autoencoder trials have rungs", nameof(trial));
        return trial with
        {
            Representation = RepresentationSpec.Of(ae with { Epochs = rungs[rung] }),
            PrefixEpochs = rung == 0 ? null : rungs.Take(rung).ToArray(),
        };
    }

    private static List<Arm> ArmsOf(IReadOnlyList<TrialStatus> trials, IReadOnlyList<int> rungs, ObjectiveSpec objective)
    {
        var arms = new Dictionary<(string, AutoencoderSpec), Arm>();
        foreach (var trial in trials)
        {
            if (trial.Spec.Representation.Autoencoder is not { } ae || RungOf(rungs, ae.Epochs) is var rung && rung < 0)
            {
                continue;
            }
            var configuration = ArmOf(ae, rungs);
            if (!arms.TryGetValue((trial.Spec.Dataset, configuration), out var arm))
            {
                arm = new Arm(trial.Spec.Dataset, RepresentationSpec.Of(configuration).Label, arms.Count, rungs.Count);
                arms[(trial.Spec.Dataset, configuration)] = arm;
            }
            arm.Trials[rung].Add(trial);
        }
        foreach (var arm in arms.Values)
        {
            for (int i = 0; i < rungs.Count; i++)
            {
                arm.Scores[i] = arm.Complete(i) ? objective.BestOf(arm.Trials[i].Where(t => t.State.HasResult()).Select(t => t.Result).OfType<ClusteringResult>()) : null;
            }
        }
        return [.. arms.Values];
    }

    /// <summary>The index of the rung of <paramref name="epochs"/>, or −1 when no rung has that many.</summary>
    private static int RungOf(IReadOnlyList<int> rungs, int epochs)
    {
        for (int i = 0; i < rungs.Count; i++)
        {
            if (rungs[i] == epochs)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>An arm being decided on: its trials by rung (in sweep order) and its scores.</summary>
    private sealed class Arm(string dataset, string label, int order, int rungs)
    {
        public string Dataset { get; } = dataset;

        public string Label { get; } = label;

        /// <summary>The order arms first appear in the sweep: ties between equal scores go to the earlier arm.</summary>
        public int Order { get; } = order;

        public List<TrialStatus>[] Trials { get; } = Enumerable.Range(0, rungs).Select(_ => new List<TrialStatus>()).ToArray();

        public double?[] Scores { get; } = new double?[rungs];

        public bool Present(int rung) => Trials[rung].Count > 0;

        public bool Complete(int rung) => Present(rung) && Trials[rung].All(t => t.State.IsEnded());

        /// <summary>The highest rung the arm has trials at.</summary>
        public int Highest => Enumerable.Range(0, Trials.Length).Last(Present);
    }
}
