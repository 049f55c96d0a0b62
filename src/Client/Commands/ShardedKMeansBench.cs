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
using Grid.Silo.Hosting;
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
        int shards, int silos, bool compare, bool tls, bool json, CancellationToken cancellationToken)
    {
        var console = json ? SweepSubmission.ErrorConsole() : AnsiConsole.Console;
        if (!tls)
        {
            var report = await FitAsync(data, dataDir, scaler, kmeans, shards, silos, null, console, cancellationToken);
            if (compare)
            {
                SingleProcess(report, data, scaler, kmeans, cancellationToken);
            }
            return report;
        }
        // Side by side, alternating (plain, TLS, plain, TLS, …) so that a machine that slows down or speeds up during the
        // run weighs on both alike; each fit on a fresh cluster, after one untimed fit that warms up the process (JIT,
        // pools), which would otherwise weigh on the first fit only.
        var certificates = Path.Combine(Path.GetTempPath(), "grid-bench-tls-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var authority = CertificateAuthority.Create(certificates);
            var identity = authority.Issue("silo");
            await FitAsync(data, dataDir, scaler, kmeans, shards, silos, null, console, cancellationToken);
            var plain = new List<Dictionary<string, object>>();
            var secured = new List<Dictionary<string, object>>();
            for (int repeat = 0; repeat < TlsRepeats; repeat++)
            {
                plain.Add(await FitAsync(data, dataDir, scaler, kmeans, shards, silos, null, console, cancellationToken));
                secured.Add(await FitAsync(data, dataDir, scaler, kmeans, shards, silos, identity, console, cancellationToken));
            }
            double Mean(List<Dictionary<string, object>> runs, string key) => runs.Average(r => Convert.ToDouble(r[key], CultureInfo.InvariantCulture));
            double plainRound = Mean(plain, "round_ms"), tlsRound = Mean(secured, "round_ms");
            var report = new Dictionary<string, object>
            {
                ["dataset"] = data.Name,
                ["shards"] = shards,
                ["silos"] = silos,
                ["k"] = kmeans.Clusters,
                ["repeats"] = TlsRepeats,
                ["plain_round_ms"] = Math.Round(plainRound, 3),
                ["tls_round_ms"] = Math.Round(tlsRound, 3),
                ["tls_round_time_growth"] = Math.Round(tlsRound / plainRound - 1, 4),
                ["plain_communication_ms_per_round"] = Math.Round(Mean(plain, "communication_ms_per_round"), 3),
                ["tls_communication_ms_per_round"] = Math.Round(Mean(secured, "communication_ms_per_round"), 3),
                ["plain_fit_seconds"] = Math.Round(Mean(plain, "fit_seconds"), 3),
                ["tls_fit_seconds"] = Math.Round(Mean(secured, "fit_seconds"), 3),
                ["plain_round_ms_runs"] = plain.Select(r => r["round_ms"]).ToArray(),
                ["tls_round_ms_runs"] = secured.Select(r => r["round_ms"]).ToArray(),
            };
            return report;
        }
        finally
        {
            Directory.Delete(certificates, recursive: true);
        }
    }

    /// <summary>How many times <c>--tls</c> runs each of the two fits.</summary>
    private const int TlsRepeats = 3;

    /// <summary>One sharded fit on a fresh in-process cluster of <paramref name="silos"/> silos (linked by mutual TLS with <paramref name="tls"/>).</summary>
    private static async Task<Dictionary<string, object>> FitAsync(DatasetSplit data, string dataDir, ScalerKind scaler, MiniBatchKMeansOptions kmeans,
        int shards, int silos, TlsFiles? tls, IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.MarkupLine(CultureInfo.InvariantCulture, $"[grey]starting {silos} in-process silo(s){(tls is null ? "" : " with mutual TLS")} for {shards} shard(s)…[/]");
        var startup = Stopwatch.StartNew();
        await using var cluster = await InProcessCluster.StartAsync(silos, dataDir, cancellationToken, tls);
        double startupSeconds = startup.Elapsed.TotalSeconds;
        var runner = cluster.Services.GetRequiredService<ShardedKMeansRunner>();
        var source = new KMeansShardSource(data.Name, data.Train.Count, data.Test.Count, null, 0, 1);

        ShardedRun? run = null;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask(tls is null ? "sharded fit" : "sharded fit, TLS", maxValue: 1);
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
        report["tls"] = tls is not null;
        return report;
    }

    /// <summary>The single-process fit with the same settings, into <paramref name="report"/>.</summary>
    private static void SingleProcess(Dictionary<string, object> report, DatasetSplit data, ScalerKind scaler, MiniBatchKMeansOptions kmeans, CancellationToken cancellationToken)
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
}
