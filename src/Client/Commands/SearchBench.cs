using System.Diagnostics;
using System.Globalization;
using Grid.Abstractions.Runs;
using Grid.Abstractions.Sweeps;
using Grid.Client.Specs;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Client.Commands;

/// <summary>
/// <c>grid bench search</c>: the search strategies side by side on one machine, each sweep on a fresh in-process cluster with
/// its own artifacts (so neither reuses the other's autoencoders). <c>--compare asha</c>: successive halving against the grid
/// it prunes (epochs trained, wall time, best objective); <c>--compare tpe</c>: TPE against random sampling over a search space,
/// at several strategy seeds.
/// </summary>
internal static class SearchBench
{
    /// <summary>The nine autoencoder configurations of issue #16's acceptance: z_dim × learning_rate, scaler l2, k 50 and 100.</summary>
    private static string AshaStudy(int train, int test, string strategy, int epochs) => string.Create(CultureInfo.InvariantCulture, $$"""
        name: bench-search
        datasets: [mnist]
        split: { train: {{train}}, test: {{test}} }
        representations: [{ autoencoder: { z_dim: [8, 16, 32], learning_rate: [3.0e-4, 1.0e-3, 3.0e-3], epochs: {{epochs}} } }]
        scalers: [l2]
        k: [50, 100]
        seeds: [0]
        strategy: {{strategy}}
        """);

    /// <summary>The search space of issue #16's TPE acceptance: learning_rate log-uniform and z_dim int-uniform.</summary>
    private static string SearchStudy(int train, int test, string strategy, int epochs) => string.Create(CultureInfo.InvariantCulture, $$"""
        name: bench-search
        datasets: [mnist]
        split: { train: {{train}}, test: {{test}} }
        representations: [{ autoencoder: { z_dim: { int_uniform: [2, 64] }, learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }, epochs: {{epochs}} } }]
        scalers: [l2]
        k: [50, 100]
        seeds: [0]
        strategy: {{strategy}}
        """);

    public static async Task<Dictionary<string, object>> RunAsync(string compare, int train, int test, int maxEpochs, int trials, IReadOnlyList<int> seeds,
        string dataDir, Action<string> note, CancellationToken cancellationToken)
    {
        if (compare == "asha")
        {
            SweepRun grid, asha, longer;
            await using (var cluster = await StartAsync(dataDir, note, cancellationToken))
            {
                grid = await RunSweepAsync(cluster, AshaStudy(train, test, "grid", maxEpochs), note, cancellationToken);
            }
            await using (var cluster = await StartAsync(dataDir, note, cancellationToken))
            {
                asha = await RunSweepAsync(cluster, AshaStudy(train, test, $"{{ asha: {{ max_epochs: {maxEpochs}, min_epochs: 1, reduction: 3 }} }}", maxEpochs), note, cancellationToken);
                // Cross-sweep reuse: the winner again, for twice the epochs, on the same silo's artifacts.
                var winner = asha.Winner ?? throw new InvalidOperationException("the ASHA sweep finished no arm");
                longer = await RunSweepAsync(cluster, WinnerStudy(train, test, winner, 2 * maxEpochs), note, cancellationToken);
            }
            return new Dictionary<string, object>
            {
                ["compare"] = "asha vs grid",
                ["train_rows"] = train,
                ["test_rows"] = test,
                ["max_epochs"] = maxEpochs,
                ["grid"] = grid.Report(),
                ["asha"] = asha.Report(),
                ["grid_epochs_trained"] = grid.EpochsTrained,
                ["asha_epochs_trained"] = asha.EpochsTrained,
                ["epochs_share"] = (double)asha.EpochsTrained / grid.EpochsTrained,
                ["grid_seconds"] = grid.Seconds,
                ["asha_seconds"] = asha.Seconds,
                ["time_share"] = asha.Seconds / grid.Seconds,
                ["grid_best_test_error"] = grid.Best ?? double.NaN,
                ["asha_best_test_error"] = asha.Best ?? double.NaN,
                ["best_difference"] = (asha.Best ?? double.NaN) - (grid.Best ?? double.NaN),
                ["asha_pruned_trials"] = asha.Pruned,
                ["winner"] = asha.Winner!.Label,
                ["winner_longer_epochs"] = 2 * maxEpochs,
                ["winner_longer_epochs_trained"] = longer.EpochsTrained,
                ["winner_longer_best_test_error"] = longer.Best ?? double.NaN,
            };
        }
        var tpe = new List<SweepRun>();
        var random = new List<SweepRun>();
        foreach (int seed in seeds)
        {
            // Each on a fresh silo: a configuration both draw must not be memoized for the second.
            await using (var cluster = await StartAsync(dataDir, note, cancellationToken))
            {
                tpe.Add(await RunSweepAsync(cluster, SearchStudy(train, test, $"{{ tpe: {{ trials: {trials}, startup: 10, seed: {seed} }} }}", maxEpochs), note, cancellationToken));
            }
            await using (var cluster = await StartAsync(dataDir, note, cancellationToken))
            {
                random.Add(await RunSweepAsync(cluster, SearchStudy(train, test, $"{{ random: {{ trials: {trials}, seed: {seed} }} }}", maxEpochs), note, cancellationToken));
            }
        }
        double Mean(List<SweepRun> runs) => runs.Average(r => r.Best ?? double.NaN);
        return new Dictionary<string, object>
        {
            ["compare"] = "tpe vs random",
            ["train_rows"] = train,
            ["test_rows"] = test,
            ["epochs"] = maxEpochs,
            ["trials"] = trials,
            ["seeds"] = string.Join(",", seeds),
            ["tpe_best_test_errors"] = tpe.Select(r => r.Best ?? double.NaN).ToArray(),
            ["random_best_test_errors"] = random.Select(r => r.Best ?? double.NaN).ToArray(),
            ["tpe_mean_best_test_error"] = Mean(tpe),
            ["random_mean_best_test_error"] = Mean(random),
            ["tpe_seconds"] = tpe.Sum(r => r.Seconds),
            ["random_seconds"] = random.Sum(r => r.Seconds),
        };
    }

    /// <summary>One autoencoder configuration of the study, trained for <paramref name="epochs"/> on its own.</summary>
    private static string WinnerStudy(int train, int test, AutoencoderSpec winner, int epochs) => string.Create(CultureInfo.InvariantCulture, $$"""
        name: bench-search-winner
        datasets: [mnist]
        split: { train: {{train}}, test: {{test}} }
        representations: [{ autoencoder: { z_dim: {{winner.ZDim}}, learning_rate: {{winner.LearningRate:R}}, epochs: {{epochs}} } }]
        scalers: [l2]
        k: [50, 100]
        seeds: [0]
        """);

    /// <summary>One finished sweep's figures; <paramref name="Winner"/>: the autoencoder of its best trial.</summary>
    private sealed record SweepRun(string Strategy, int EpochsTrained, int AutoencoderStages, double Seconds, double? Best, int Trials, int Pruned, AutoencoderSpec? Winner)
    {
        public Dictionary<string, object> Report() => new()
        {
            ["strategy"] = Strategy,
            ["epochs_trained"] = EpochsTrained,
            ["autoencoder_stages"] = AutoencoderStages,
            ["seconds"] = Seconds,
            ["best_test_error"] = Best ?? double.NaN,
            ["trials"] = Trials,
            ["pruned"] = Pruned,
        };
    }

    /// <summary>A fresh in-process silo with artifacts of its own: nothing memoized from another run.</summary>
    private static Task<InProcessCluster> StartAsync(string dataDir, Action<string> note, CancellationToken cancellationToken)
    {
        note("starting a silo with fresh artifacts…");
        return InProcessCluster.StartAsync(1, dataDir, cancellationToken);
    }

    /// <summary>Runs one sweep to its end on <paramref name="cluster"/>.</summary>
    private static async Task<SweepRun> RunSweepAsync(InProcessCluster cluster, string yaml, Action<string> note, CancellationToken cancellationToken)
    {
        var parsed = SweepSpecReader.Read(yaml, SpecFormat.Yaml, "bench-search");
        var spec = parsed.Spec ?? throw new InvalidOperationException("the bench's own spec is invalid: " + string.Join("; ", parsed.Errors));
        string strategy = SweepSpecWriter.ToJson(spec)["strategy"]!.ToJsonString();
        var sweep = cluster.Services.GetRequiredService<IGrainFactory>().GetGrain<ISweepGrain>($"bench-{Guid.NewGuid():N}");
        var watch = Stopwatch.StartNew();
        await sweep.SubmitAsync(spec);
        SweepSnapshot? last = null;
        int ended = 0;
        await foreach (var snapshot in sweep.WatchAsync(cancellationToken).WithCancellation(cancellationToken))
        {
            last = snapshot;
            int now = snapshot.Trials.Count(t => t.State.IsEnded());
            if (now != ended)
            {
                ended = now;
                note(string.Create(CultureInfo.InvariantCulture,
                    $"{strategy}: {ended} of {snapshot.Total} trials ended after {watch.Elapsed.TotalSeconds:F0} s, epochs trained so far {AutoencoderTraining.Totals(AutoencoderTraining.Of(snapshot.Trials)).Trained}"));
            }
        }
        double seconds = watch.Elapsed.TotalSeconds;
        if (last is not { IsFinished: true })
        {
            throw new InvalidOperationException("the sweep's watch ended before the sweep did");
        }
        var stages = AutoencoderTraining.Of(last.Trials);
        var bestTrial = last.Trials.FirstOrDefault(t => t.TrialId == last.BestTrialId);
        var best = bestTrial?.Result is { } result ? last.RankedBy.ValueOf(result) : null;
        // ASHA's winner is the arm that reached the last rung; elsewhere the best trial's autoencoder.
        var winner = last.Arms.FirstOrDefault(a => a.State == AshaArmState.Finished) is { } finished
            ? last.Trials.Select(t => t.Spec.Representation.Autoencoder).OfType<AutoencoderSpec>().FirstOrDefault(ae => RepresentationSpec.Of(ae).Label == finished.Label)
            : bestTrial?.Spec.Representation.Autoencoder;
        var run = new SweepRun(strategy, AutoencoderTraining.Totals(stages).Trained, stages.Count, seconds, best, last.Total, last.Count(TrialState.Pruned), winner);
        note(string.Create(CultureInfo.InvariantCulture,
            $"{strategy}: done in {seconds:F0} s, {run.EpochsTrained} epochs trained, best test error {best:F4} ({bestTrial?.Spec.Key})"));
        return run;
    }
}
