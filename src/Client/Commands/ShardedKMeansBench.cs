using System.Diagnostics;
using System.Globalization;
using Grid.Abstractions.Shards;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Compute.Evaluation;
using Grid.Compute.Scaling;
using Grid.Core;
using Grid.Silo.Compute.Sharding;
using Grid.Grains.Shards;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using TorchSharp;

namespace Grid.Client.Commands;

/// <summary>
/// `grid bench kmeans --shards N --silos S`: a sharded mini-batch k-means fit on an in-process cluster of S
/// silos, each loading its shards' rows from the data directory, with the per-round figures that model how
/// the fit scales (compute on the slowest shard, communication, bytes).
/// </summary>
internal static class ShardedKMeansBench
{
    public static async Task<Dictionary<string, object>> RunAsync(DatasetSplit data, string dataDir, ScalerKind scaler, MiniBatchKMeansOptions kmeans,
        int shards, int silos, bool compare, bool json, CancellationToken cancellationToken)
    {
        var console = json ? SweepSubmission.ErrorConsole() : AnsiConsole.Console;
        console.MarkupLine(CultureInfo.InvariantCulture, $"[grey]starting {silos} in-process silo(s) for {shards} shard(s)…[/]");
        var startup = Stopwatch.StartNew();
        await using var cluster = await InProcessCluster.StartAsync(silos, dataDir, cancellationToken);
        double startupSeconds = startup.Elapsed.TotalSeconds;
        var runner = cluster.Services.GetRequiredService<ShardedKMeansRunner>();
        var source = new KMeansShardSource(data.Name, data.Train.Count, data.Test.Count, null, 0, 1);

        ShardedRun? run = null;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("sharded fit", maxValue: 1);
                var progress = new ActionProgress<ClusteringProgress>(p =>
                {
                    bar.MaxValue = Math.Max(1, p.MaxSteps);
                    bar.Value = p.Step;
                    bar.Description = p.Phase == ClusteringPhase.Initialization
                        ? $"init {p.Run}/{p.Runs}"
                        : string.Create(CultureInfo.InvariantCulture, $"round {p.Step} · inertia {p.Inertia:G4}");
                });
                run = await runner.FitAsync($"bench-{Guid.NewGuid():N}", source, shards, data.Train.Features, kmeans, scaler, progress, cancellationToken);
                bar.Value = bar.MaxValue;
            });
        var fit = run!.Fit;
        var rounds = fit.Rounds;
        int features = fit.Features;
        double perRound(double total) => rounds.Rounds == 0 ? 0 : total / rounds.Rounds;
        var report = new Dictionary<string, object>
        {
            ["dataset"] = data.Name,
            ["train_rows"] = data.Train.Count,
            ["test_rows"] = data.Test.Count,
            ["algorithm"] = SpecNames.Of(KMeansAlgorithm.MiniBatch),
            ["scaler"] = SpecNames.Of(scaler),
            ["k"] = kmeans.Clusters,
            ["batch_size"] = kmeans.BatchSize,
            ["n_init"] = kmeans.Inits,
            ["seed"] = kmeans.Seed,
            ["shards"] = run.Shards,
            ["silos"] = silos,
            ["startup_seconds"] = Math.Round(startupSeconds, 2),
            ["fit_seconds"] = Math.Round(fit.TotalSeconds, 3),
            ["load_seconds"] = Math.Round(fit.SetupSeconds, 3),
            ["init_seconds"] = Math.Round(fit.InitSeconds, 3),
            ["train_error"] = Math.Round(fit.Train.Error, 5),
            ["test_error"] = Math.Round(fit.Test.Error, 5),
            ["inertia"] = fit.Inertia,
            ["n_iter"] = fit.Iterations,
            ["rounds"] = rounds.Rounds,
            ["bytes_sent"] = Math.Round(perRound(rounds.BytesSent)),
            ["bytes_received"] = Math.Round(perRound(rounds.BytesReceived)),
            ["bytes_per_round"] = Math.Round(rounds.BytesPerRound),
            ["bytes_bound"] = 2L * run.Shards * kmeans.Clusters * features * sizeof(float),
            ["largest_message_bytes"] = run.Traffic.LargestMessage,
            ["round_ms"] = Math.Round(perRound(rounds.RoundSeconds) * 1000, 3),
            ["compute_ms_per_round"] = Math.Round(perRound(rounds.ComputeSeconds) * 1000, 3),
            ["communication_ms_per_round"] = Math.Round(perRound(rounds.CommunicationSeconds) * 1000, 3),
            ["merge_ms_per_round"] = Math.Round(perRound(rounds.MergeSeconds) * 1000, 3),
        };
        if (compare)
        {
            using var scope = torch.NewDisposeScope();
            var (train, test) = FittedScaler.FitTransform(scaler, data.Train.ToFeatureTensor(), data.Test.ToFeatureTensor());
            var watch = Stopwatch.StartNew();
            using var single = MiniBatchKMeans.Fit(train, kmeans, cancellationToken: cancellationToken);
            double seconds = watch.Elapsed.TotalSeconds;
            var classifier = ClusterClassifier.Fit(single.Labels, data.Train.RequireLabels("grid bench"), kmeans.Clusters);
            report["single_fit_seconds"] = Math.Round(seconds, 3);
            report["single_test_error"] = Math.Round(classifier.Evaluate(single.Predict(test), data.Test.RequireLabels("grid bench")).Error, 5);
            report["single_inertia"] = single.Inertia;
            report["single_steps"] = single.Steps;
        }
        return report;
    }
}
