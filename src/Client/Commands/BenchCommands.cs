using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Grid.Client.Rendering;
using Grid.Compute.Autoencoder;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Compute.Embedding;
using Grid.Compute.Evaluation;
using Grid.Compute.Scaling;
using Grid.Core;
using Spectre.Console;
using TorchSharp;

namespace Grid.Client.Commands;

/// <summary>
/// <c>grid bench kmeans|elbow|ae|tsne|data|search</c>: the compute core on real data, timed (sharded k-means on in-process silos),
/// the cost of importing datasets, and the search strategies side by side. These commands produce the figures the issues ask for.
/// </summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmark on real data: k-means (single-process, or sharded on in-process silos), a whole elbow scan, the autoencoder, t-SNE, dataset import, search strategies");
        command.Subcommands.Add(KMeansBench());
        command.Subcommands.Add(AutoencoderBench());
        command.Subcommands.Add(ElbowBench());
        command.Subcommands.Add(TsneBench());
        command.Subcommands.Add(DataBench());
        command.Subcommands.Add(SearchBenchCommand());
        return command;
    }

    private static Command SearchBenchCommand()
    {
        var compare = new Option<string>("--compare")
        {
            Description = "asha: successive halving (max_epochs --epochs, reduction 3) beside the grid at --epochs, over 9 autoencoders (z_dim 8,16,32 × learning_rate 3e-4,1e-3,3e-3), then ASHA's winner for 2 × --epochs on ASHA's artifacts (cross-sweep reuse); " +
                "tpe: TPE beside random sampling, --trials configurations each, over z_dim int_uniform [2, 64] × learning_rate log_uniform [1e-4, 1e-2], at every --seeds",
            DefaultValueFactory = _ => "asha",
            HelpName = "asha|tpe",
        };
        compare.AcceptOnlyFromAmong("asha", "tpe");
        var train = new Option<int>("--train") { Description = "MNIST training rows", DefaultValueFactory = _ => 12_000, HelpName = "N" };
        var test = new Option<int>("--test") { Description = "MNIST test rows", DefaultValueFactory = _ => 2_000, HelpName = "N" };
        var epochs = new Option<int>("--epochs") { Description = "asha: max_epochs, and the grid's epochs; tpe: every configuration's epochs", DefaultValueFactory = _ => 9, HelpName = "N" };
        var trials = new Option<int>("--trials") { Description = "tpe: configurations per sweep (the first 10 of TPE's are random)", DefaultValueFactory = _ => 20, HelpName = "N" };
        var seeds = new Option<string>("--seeds") { Description = "tpe: the strategy seeds, a list", DefaultValueFactory = _ => "0,1,2", HelpName = "0,1,2" };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("search",
            "Search strategies side by side, each sweep on a fresh in-process silo with its own artifacts: autoencoder epochs trained, wall time and best test error " +
            "(k 50 and 100, scaler l2, on the first --train/--test rows of MNIST)")
        {
            compare, train, test, epochs, trials, seeds, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            if (parse.GetValue(train) < 100 || parse.GetValue(test) < 10 || parse.GetValue(epochs) is < 1 or > 1000 || parse.GetValue(trials) is < 1 or > 1000)
            {
                throw new UserInputException("--train must be at least 100, --test at least 10, --epochs 1..1000 and --trials 1..1000");
            }
            IReadOnlyList<int> seedList;
            try
            {
                seedList = parse.GetValue(seeds)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (FormatException)
            {
                throw new UserInputException($"--seeds '{parse.GetValue(seeds)}': expected a list of whole numbers such as 0,1,2");
            }
            var report = await SearchBench.RunAsync(parse.GetValue(compare)!, parse.GetValue(train), parse.GetValue(test), parse.GetValue(epochs), parse.GetValue(trials),
                seedList, parse.GetValue(dataDir)!, line => to.Console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), ct);
            Print(report, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command DataBench()
    {
        var repeat = new Option<int>("--repeat") { Description = "Timed runs of each measurement, after one untimed warm-up; the report gives the median and the best", DefaultValueFactory = _ => 5, HelpName = "N" };
        var rows = new Option<int>("--rows") { Description = "Rows of the generated CSV", DefaultValueFactory = _ => 100_000, HelpName = "N" };
        var columns = new Option<int>("--columns") { Description = "Number columns of the generated CSV (a label column is added)", DefaultValueFactory = _ => 50, HelpName = "N" };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("data",
            "Import cost: Fashion-MNIST as .npy imported by `grid data add`'s importer beside File.Copy of the same files (times and ratio), " +
            "and a generated CSV (--rows × --columns numbers and a label) read by the CSV reader beside File.ReadAllBytes (rows/s, MB/s)")
        {
            repeat, rows, columns, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            if (parse.GetValue(repeat) is < 1 or > 100 || parse.GetValue(rows) < 1 || parse.GetValue(columns) is < 1 or > 10_000)
            {
                throw new UserInputException("--repeat must be 1..100, --rows at least 1 and --columns 1..10000");
            }
            var report = await DataImportBench.RunAsync(parse.GetValue(dataDir)!, parse.GetValue(repeat), parse.GetValue(rows), parse.GetValue(columns),
                line => to.Console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"), ct);
            Print(report, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Parses <c>A..B</c>, <c>A..B:STEP</c> or <c>K1,K2,…</c>.</summary>
    public static IReadOnlyList<int> ParseKs(string text)
    {
        try
        {
            if (text.Contains(".."))
            {
                string[] rangeAndStep = text.Split(':', 2);
                string[] bounds = rangeAndStep[0].Split("..", 2);
                int from = int.Parse(bounds[0], CultureInfo.InvariantCulture);
                int to = int.Parse(bounds[1], CultureInfo.InvariantCulture);
                int step = rangeAndStep.Length == 2 ? int.Parse(rangeAndStep[1], CultureInfo.InvariantCulture) : 1;
                if (step < 1 || from < 2 || to < from)
                {
                    throw new FormatException();
                }
                return Enumerable.Range(0, (to - from) / step + 1).Select(i => from + i * step).ToList();
            }
            var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList();
            if (list.Count == 0 || list.Any(k => k < 2))
            {
                throw new FormatException();
            }
            return list;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or IndexOutOfRangeException)
        {
            throw new UserInputException($"--k '{text}': expected FROM..TO, FROM..TO:STEP or a list like 10,25,50, with every k ≥ 2");
        }
    }

    private static Command ElbowBench()
    {
        var dataset = CommonOptions.DatasetOption();
        var scaler = CommonOptions.Named("--scaler", "How rows are scaled before clustering", ScalerKind.None);
        var ks = new Option<string>("--k") { Description = "The k values: FROM..TO[:STEP] or a list", DefaultValueFactory = _ => "2..250", HelpName = "2..250" };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 200 };
        var nInit = new Option<int>("--n-init") { Description = "Initialisations of the first (cold) fit", DefaultValueFactory = _ => 1 };
        var seed = new Option<long>("--seed") { Description = "Random state", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for each fit", DefaultValueFactory = _ => 1 };
        var independent = new Option<bool>("--independent") { Description = "Fit every k from scratch (the baseline the warm-started scan is compared with; full k-means always does)" };
        var algorithm = CommonOptions.Named("--algorithm", "minibatch (MiniBatchKMeans, warm-started across k) or full (Lloyd's KMeans, every k from scratch, as sweeps allow)", KMeansAlgorithm.MiniBatch);
        var method = FullMethod();
        var limit = Limit();
        var dataDir = CommonOptions.DataDir();
        var command = new Command("elbow",
            "K-means for every k of a range on one representation: mini-batch reusing work across k (warm starts), or full with distance bounds; " +
            "reports total seconds and the curve (inertia, train and test error per k) with its knee")
        {
            dataset, scaler, ks, batchSize, nInit, algorithm, method, seed, threads, independent, limit, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            var kValues = ParseKs(parse.GetValue(ks)!);
            int? trainLimit = parse.GetValue(limit);
            var data = await DataCommands.LoadOrFetchAsync(parse.GetValue(dataDir)!, parse.GetValue(dataset)!, trainLimit, trainLimit / 6, ct);
            if (kValues.Max() > data.Train.Count)
            {
                throw new UserInputException($"--k: {kValues.Max()} clusters is more than the {data.Train.Count} training rows");
            }
            var kind = scaler.ValueIn(parse);
            bool full = algorithm.ValueIn(parse) == KMeansAlgorithm.Full;
            if (!full && parse.GetResult(method) is { Implicit: false })
            {
                throw new UserInputException("--method: only full k-means assigns every row each iteration; add --algorithm full");
            }
            using var scope = torch.NewDisposeScope();
            var (train, test) = FittedScaler.FitTransform(kind, data.Train.ToFeatureTensor(), data.Test.ToFeatureTensor());
            var options = new ElbowScanOptions(new MiniBatchKMeansOptions(2)
            {
                BatchSize = parse.GetValue(batchSize),
                Inits = parse.GetValue(nInit),
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
            })
            {
                Independent = parse.GetValue(independent),
            };
            var errors = new Dictionary<int, (double Train, double Test)>();
            var distancesAvoided = new Dictionary<int, double>();
            var watch = Stopwatch.StartNew();
            IReadOnlyList<ElbowScanPoint> points = [];
            await to.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask("elbow", maxValue: kValues.Count);
                    var progress = new ActionProgress<ElbowScanProgress>(p =>
                    {
                        bar.Value = p.Done;
                        bar.Description = string.Create(CultureInfo.InvariantCulture, $"k={p.K} inertia {p.Inertia:G4}");
                    });
                    void Evaluate(int k, KMeansFit fit)
                    {
                        var classifier = ClusterClassifier.Fit(fit.Labels, data.Train.RequireLabels("grid bench"), k);
                        errors[k] = (classifier.Evaluate(fit.Labels, data.Train.RequireLabels("grid bench")).Error, classifier.Evaluate(fit.Predict(test), data.Test.RequireLabels("grid bench")).Error);
                    }
                    points = full
                        ? await Task.Run(() => FullElbow(train, kValues, options.Template, method.ValueIn(parse), Evaluate, distancesAvoided, progress, ct), ct)
                        : await Task.Run(() => ElbowScan.Run(train, kValues, options, Evaluate, progress, ct), ct);
                });
            double total = watch.Elapsed.TotalSeconds;
            double? knee = Kneedle.Knee(points.Select(p => (double)p.K).ToList(), points.Select(p => p.Inertia).ToList());
            var report = new Dictionary<string, object>
            {
                ["dataset"] = data.Name,
                ["train_rows"] = data.Train.Count,
                ["scaler"] = SpecNames.Of(kind),
                ["algorithm"] = SpecNames.Of(full ? KMeansAlgorithm.Full : KMeansAlgorithm.MiniBatch),
                ["mode"] = full || options.Independent ? "independent" : "warm-start",
                ["k_values"] = kValues.Count,
                ["total_seconds"] = Math.Round(total, 2),
                ["fit_seconds"] = Math.Round(points.Sum(p => p.Seconds), 2),
                ["steps"] = points.Sum(p => p.Steps),
                ["knee_k"] = knee is double kk ? (int)kk : "none",
                ["curve"] = points.Select(p =>
                {
                    var point = new Dictionary<string, object>
                    {
                        ["k"] = p.K,
                        ["inertia"] = p.Inertia,
                        ["train_error"] = Math.Round(errors[p.K].Train, 5),
                        ["test_error"] = Math.Round(errors[p.K].Test, 5),
                        ["steps"] = p.Steps,
                        ["seconds"] = Math.Round(p.Seconds, 3),
                    };
                    // Full k-means only: the share of Lloyd's distances its bounds ruled out.
                    if (distancesAvoided.TryGetValue(p.K, out double avoided))
                    {
                        point["distances_avoided"] = Math.Round(avoided, 4);
                    }
                    return point;
                }).ToList(),
            };
            if (full)
            {
                report["method"] = SpecNames.Of(method.ValueIn(parse));
                report["n_init"] = options.Template.Inits;
            }
            if (!to.Print)
            {
                var table = new Table().AddColumns("k", "inertia", "train error", "test error", "steps", "seconds");
                foreach (var p in points)
                {
                    table.AddRow(p.K == knee ? $"[yellow]{p.K} ← knee[/]" : p.K.ToString(CultureInfo.InvariantCulture),
                        p.Inertia.ToString("G6", CultureInfo.InvariantCulture),
                        errors[p.K].Train.ToString("F4", CultureInfo.InvariantCulture),
                        errors[p.K].Test.ToString("F4", CultureInfo.InvariantCulture),
                        p.Steps.ToString(CultureInfo.InvariantCulture),
                        p.Seconds.ToString("F2", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
            }
            Print(report, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Full k-means for every k, each from scratch (sweeps warm-start only mini-batch curves: a warm start would not be
    /// Lloyd's fit of that k) with the seed rule of <see cref="ElbowScan"/> (the template's seed plus k), recording the
    /// share of Lloyd's n·k distances per iteration each fit's bounds ruled out.
    /// </summary>
    private static IReadOnlyList<ElbowScanPoint> FullElbow(torch.Tensor train, IReadOnlyList<int> kValues, MiniBatchKMeansOptions template, KMeansMethod method,
        Action<int, KMeansFit> evaluate, Dictionary<int, double> distancesAvoided, IProgress<ElbowScanProgress> progress, CancellationToken ct)
    {
        var points = new List<ElbowScanPoint>();
        foreach (int k in kValues)
        {
            var watch = Stopwatch.StartNew();
            using var fit = KMeans.Fit(train, new KMeansOptions(k) { Inits = template.Inits, Seed = template.Seed + k, Threads = template.Threads, Method = method },
                cancellationToken: ct);
            double seconds = watch.Elapsed.TotalSeconds;
            distancesAvoided[k] = 1 - (double)fit.DistancesComputed / Math.Max(1, fit.Iterations) / ((double)train.shape[0] * k);
            evaluate(k, fit);
            points.Add(new ElbowScanPoint(k, fit.Inertia, fit.Steps, seconds, WarmStarted: false));
            progress.Report(new ElbowScanProgress(points.Count, kValues.Count, k, fit.Inertia));
        }
        return points;
    }

    /// <summary>The names of the t-SNE methods on the command line.</summary>
    private static readonly Dictionary<string, TsneMethod> TsneMethodNames = new()
    {
        ["auto"] = TsneMethod.Auto,
        ["barnes-hut"] = TsneMethod.BarnesHut,
        ["fft"] = TsneMethod.Fft,
    };

    /// <summary>Rows of the seeded sample trustworthiness is computed on when more points are embedded (it is O(n²)).</summary>
    private const int TrustSampleRows = 10_000;

    private static Command TsneBench()
    {
        var dataset = CommonOptions.DatasetOption();
        var n = new Option<int>("--n")
        {
            Description = "Points to embed: the first N training rows, then test rows when N is larger (70000: all of MNIST)",
            DefaultValueFactory = _ => 15000,
            HelpName = "N",
        };
        var source = new Option<string>("--source")
        {
            Description = "codes: latent codes of the seed autoencoder trained on the training rows | pixels: the rows scaled to 0..1",
            DefaultValueFactory = _ => "codes",
        }.AcceptOnlyFromAmong("codes", "pixels");
        var zDim = new Option<int>("--z-dim") { Description = "Latent size of the codes", DefaultValueFactory = _ => 16 };
        var epochs = new Option<int>("--epochs") { Description = "Autoencoder epochs before encoding (codes only)", DefaultValueFactory = _ => 3 };
        var pca = new Option<int?>("--pca")
        {
            Description = "Project the points on their first D principal components before t-SNE (FIt-SNE's guide uses 50); default: none",
            HelpName = "D",
        };
        var perplexity = new Option<double>("--perplexity") { Description = "t-SNE perplexity", DefaultValueFactory = _ => new TsneOptions().Perplexity };
        var method = new Option<string>("--method")
        {
            Description = $"Repulsive forces: barnes-hut (quadtree), fft (interpolation and FFT, FIt-SNE) or auto (fft from {TsneOptions.FftFromRows:N0} points)",
            DefaultValueFactory = _ => "auto",
        }.AcceptOnlyFromAmong([.. TsneMethodNames.Keys]);
        var compare = new Option<bool>("--compare") { Description = "Embed the same points with barnes-hut and with fft and report both (--method is then ignored)" };
        var seed = new Option<long>("--seed") { Description = "Seed of the autoencoder, of t-SNE and of the trustworthiness sample", DefaultValueFactory = _ => 0 };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("tsne",
            "t-SNE of N rows (autoencoder codes or pixels) to 2-D, Barnes–Hut or FFT-accelerated; reports the t-SNE seconds (autoencoder training and PCA " +
            $"timed apart), trustworthiness (k = 10, on a seeded sample of {TrustSampleRows:N0} points when there are more) and the KL divergence")
        {
            dataset, n, source, zDim, epochs, pca, perplexity, method, compare, seed, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            int rows = parse.GetValue(n);
            bool codes = parse.GetValue(source) == "codes";
            var options = new TsneOptions { Perplexity = parse.GetValue(perplexity), Seed = parse.GetValue(seed) };
            var autoencoder = new AutoencoderOptions { ZDim = parse.GetValue(zDim), Epochs = parse.GetValue(epochs), Seed = parse.GetValue(seed) };
            try
            {
                options.Validate();
                autoencoder.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException(ex.Message);
            }
            if (rows <= options.Neighbours)
            {
                throw new UserInputException($"--n {rows}: t-SNE with perplexity {options.Perplexity} needs more than {options.Neighbours} points");
            }
            var data = await DataCommands.LoadOrFetchAsync(parse.GetValue(dataDir)!, parse.GetValue(dataset)!, rows, rows, ct);
            if (data.Train.Count + data.Test.Count < rows)
            {
                throw new UserInputException($"--n {rows}: {data.Name} has only {data.Train.Count + data.Test.Count} rows ({data.Train.Count} training, {data.Test.Count} test)");
            }
            int? components = parse.GetValue(pca);
            int inputWidth = codes ? autoencoder.ZDim : data.Train.Features;
            if (components is { } d && (d < options.Dimensions || d > inputWidth))
            {
                throw new UserInputException($"--pca {d}: must be between {options.Dimensions} and the {inputWidth} features of the {(codes ? "codes" : "pixels")}");
            }
            TsneMethod[] methods = parse.GetValue(compare)
                ? [TsneMethod.BarnesHut, TsneMethod.Fft]
                : [TsneMethodNames[parse.GetValue(method)!]];
            torch.set_num_threads(Environment.ProcessorCount);
            int trainRows = Math.Min(rows, data.Train.Count);
            var report = new Dictionary<string, object>
            {
                ["dataset"] = data.Name,
                ["source"] = codes ? "codes" : "pixels",
                ["n"] = rows,
                ["train_rows"] = trainRows,
                ["test_rows"] = rows - trainRows,
            };
            float[] features = [];
            int width = 0;
            var runs = new List<(TsneMethod Method, TsneResult Result, double Seconds)>();
            await to.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    if (codes)
                    {
                        var bar = context.AddTask("autoencoder", maxValue: (double)autoencoder.Epochs * data.Train.Count);
                        var progress = new ActionProgress<AutoencoderProgress>(p =>
                        {
                            bar.Value = (double)(p.Epoch - 1) * data.Train.Count + Math.Min(p.SamplesDone, data.Train.Count);
                            bar.Description = string.Create(CultureInfo.InvariantCulture, $"autoencoder epoch {p.Epoch}/{p.Epochs} · loss {p.RunningLoss:F4}");
                        });
                        var watch = Stopwatch.StartNew();
                        (features, double testLoss) = await Task.Run(() =>
                        {
                            using var trainer = new AutoencoderTrainer(autoencoder);
                            trainer.Train(data.Train, null, null, progress, ct);
                            using var train = trainer.Encode(data.Train);
                            using var test = trainer.Encode(data.Test);
                            return (Concatenated(train.data<float>().ToArray(), test.data<float>().ToArray(), rows * autoencoder.ZDim), trainer.Evaluate(data.Test));
                        }, ct);
                        bar.Value = bar.MaxValue;
                        width = autoencoder.ZDim;
                        report["autoencoder_epochs"] = autoencoder.Epochs;
                        report["autoencoder_seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 2);
                        report["autoencoder_test_loss"] = Math.Round(testLoss, 5);
                    }
                    else
                    {
                        using var train = data.Train.ToFeatureTensor();
                        using var test = data.Test.ToFeatureTensor();
                        using var unitTrain = train.div(byte.MaxValue);
                        using var unitTest = test.div(byte.MaxValue);
                        features = Concatenated(unitTrain.data<float>().ToArray(), unitTest.data<float>().ToArray(), rows * data.Train.Features);
                        width = data.Train.Features;
                    }
                    if (components is { } d)
                    {
                        var watch = Stopwatch.StartNew();
                        features = await Task.Run(() => PrincipalComponents.Project(features, rows, width, d), ct);
                        width = d;
                        report["pca_components"] = d;
                        report["pca_seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 2);
                    }
                    foreach (var chosen in methods)
                    {
                        var run = options with { Method = chosen };
                        string name = Describe(run.ResolveMethod(rows));
                        var tsneBar = context.AddTask($"t-SNE ({name})", maxValue: run.Iterations);
                        var tsneProgress = new ActionProgress<TsneProgress>(p =>
                        {
                            tsneBar.Value = p.Iteration;
                            if (p.KlDivergence is double kl)
                            {
                                tsneBar.Description = string.Create(CultureInfo.InvariantCulture, $"t-SNE ({name}) · KL {kl:F3}");
                            }
                        });
                        var tsneWatch = Stopwatch.StartNew();
                        var result = await Task.Run(() => Tsne.Fit(features, rows, width, run, tsneProgress, ct), ct);
                        runs.Add((run.ResolveMethod(rows), result, tsneWatch.Elapsed.TotalSeconds));
                        tsneBar.Value = tsneBar.MaxValue;
                    }
                });
            // Trustworthiness is O(n²): above the sample size, every run is scored on the same seeded sample of points.
            int[] sample = Enumerable.Range(0, rows).ToArray();
            if (rows > TrustSampleRows)
            {
                new Random(unchecked((int)options.Seed)).Shuffle(sample);
                sample = sample[..TrustSampleRows];
                Array.Sort(sample);
            }
            report["features"] = width;
            report["perplexity"] = options.Perplexity;
            report["seed"] = options.Seed;
            report["threads"] = Environment.ProcessorCount;
            report["trustworthiness_k"] = Trustworthiness.DefaultNeighbours;
            report["trustworthiness_rows"] = sample.Length;
            var high = Rows(features, width, sample);
            foreach (var (chosen, result, seconds) in runs)
            {
                var trustWatch = Stopwatch.StartNew();
                double trust = Trustworthiness.Compute(high, width, Rows(result.Embedding, options.Dimensions, sample), options.Dimensions, sample.Length, Trustworthiness.DefaultNeighbours);
                string prefix = runs.Count == 1 ? "" : Describe(chosen).Replace('-', '_') + "_";
                report[prefix + "method"] = Describe(chosen);
                report[prefix + "iterations"] = result.Iterations;
                report[prefix + "learning_rate"] = Math.Round(result.LearningRate, 3);
                report[prefix + "seconds"] = Math.Round(seconds, 2);
                report[prefix + "kl_divergence"] = Math.Round(result.KlDivergence, 4);
                report[prefix + "trustworthiness"] = Math.Round(trust, 4);
                report[prefix + "trustworthiness_seconds"] = Math.Round(trustWatch.Elapsed.TotalSeconds, 2);
            }
            Print(report, to);
            return ExitCodes.Ok;
        });
        return command;

        static string Describe(TsneMethod method) => TsneMethodNames.Single(entry => entry.Value == method).Key;

        // The first `length` values of train then test: the points are the training rows, then test rows.
        static float[] Concatenated(float[] train, float[] test, int length)
        {
            var all = new float[length];
            int fromTrain = Math.Min(train.Length, length);
            train.AsSpan(0, fromTrain).CopyTo(all);
            test.AsSpan(0, length - fromTrain).CopyTo(all.AsSpan(fromTrain));
            return all;
        }

        static float[] Rows(float[] values, int width, int[] rows)
        {
            var picked = new float[rows.Length * width];
            for (int r = 0; r < rows.Length; r++)
            {
                values.AsSpan(rows[r] * width, width).CopyTo(picked.AsSpan(r * width));
            }
            return picked;
        }
    }

    private static NamedOption<KMeansMethod> FullMethod() => CommonOptions.Named("--method",
        "With --algorithm full: how each iteration assigns rows: auto (yinyang from k = 20, else elkan), lloyd (every distance), elkan or yinyang; all give Lloyd's result",
        KMeansMethod.Auto);

    private static Option<int?> Limit() => new("--limit")
    {
        Description = "Use only the first N training rows (and N/6 test rows); default: all",
        HelpName = "N",
    };

    private static Command KMeansBench()
    {
        var dataset = CommonOptions.DatasetOption();
        var scaler = CommonOptions.Named("--scaler", "How rows are scaled before clustering", ScalerKind.None);
        var k = new Option<int>("--k") { Description = "Number of clusters", DefaultValueFactory = _ => 225 };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size (minibatch only)", DefaultValueFactory = _ => 200 };
        var nInit = new Option<int>("--n-init") { Description = "Initialisations; the lowest inertia wins", DefaultValueFactory = _ => 3 };
        var algorithm = CommonOptions.Named("--algorithm", "minibatch (MiniBatchKMeans) or full (Lloyd's KMeans)", KMeansAlgorithm.MiniBatch);
        var maxIter = new Option<int?>("--max-iter") { Description = "Iterations (full) or epochs (minibatch); default scikit-learn's (300 / 100)" };
        var tol = new Option<double?>("--tol") { Description = "Convergence tolerance; default scikit-learn's (1e-4 full, 0 minibatch)" };
        var seed = new Option<long>("--seed") { Description = "Random state", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads")
        {
            Description = "Intra-op threads for the fit (default 1: one core's figure, whatever else the machine runs)",
            DefaultValueFactory = _ => 1,
        };
        var shards = new Option<int?>("--shards")
        {
            Description = "Sharded mini-batch k-means: spread the rows over N shard grains on an in-process cluster and report rounds, bytes and compute vs communication time",
            HelpName = "N",
        };
        var silos = new Option<int?>("--silos") { Description = "Silos of the in-process cluster for --shards (default: one per shard)", HelpName = "S" };
        var compare = new Option<bool>("--compare")
        {
            Description = "With --shards: also run the single-process fit with the same settings and report both. With --algorithm full: also run " +
                "Lloyd's exhaustive fit (whose labels and inertia every method must equal) and ML.NET's KMeansTrainer, and report all three",
        };
        var method = FullMethod();
        var tls = new Option<bool>("--tls")
        {
            Description = "With --shards: the sharded fit without and with mutual TLS between the silos (a throwaway CA), three times each, alternating, " +
                "each on a fresh cluster after one untimed warm-up fit; reports both mean round times and the growth",
        };
        var limit = Limit();
        var dataDir = CommonOptions.DataDir();
        var command = new Command("kmeans",
            "Fit k-means on the training rows, label each cluster by its majority class, and report fit time, train and test error, inertia, iterations and the test rows' silhouette, Davies–Bouldin and Calinski–Harabasz (timed apart)")
        {
            dataset, scaler, k, batchSize, nInit, algorithm, method, maxIter, tol, seed, threads, shards, silos, compare, tls, limit, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            int? trainLimit = parse.GetValue(limit);
            var data = await DataCommands.LoadOrFetchAsync(parse.GetValue(dataDir)!, parse.GetValue(dataset)!, trainLimit, trainLimit / 6, ct);
            var kind = scaler.ValueIn(parse);
            int clusters = parse.GetValue(k);
            if (clusters < 2 || clusters > data.Train.Count)
            {
                throw new UserInputException($"--k {clusters}: must be between 2 and the {data.Train.Count} training rows");
            }
            bool full = algorithm.ValueIn(parse) == KMeansAlgorithm.Full;
            if (!full && parse.GetResult(method) is { Implicit: false })
            {
                throw new UserInputException("--method: only full k-means assigns every row each iteration; add --algorithm full");
            }
            if (parse.GetValue(shards) is int shardCount)
            {
                if (full)
                {
                    throw new UserInputException("--shards: only mini-batch k-means is sharded; drop --algorithm full");
                }
                int siloCount = parse.GetValue(silos) ?? shardCount;
                if (shardCount < 1 || shardCount > 64 || siloCount < 1 || siloCount > 16)
                {
                    throw new UserInputException($"--shards {shardCount} --silos {siloCount}: expected 1..64 shards on 1..16 silos");
                }
                var kmeans = new MiniBatchKMeansOptions(clusters)
                {
                    BatchSize = parse.GetValue(batchSize),
                    Inits = parse.GetValue(nInit),
                    MaxIterations = parse.GetValue(maxIter) ?? new MiniBatchKMeansOptions(clusters).MaxIterations,
                    Tolerance = parse.GetValue(tol) ?? new MiniBatchKMeansOptions(clusters).Tolerance,
                    Seed = parse.GetValue(seed),
                    Threads = parse.GetValue(threads),
                };
                if (parse.GetValue(tls) && parse.GetValue(compare))
                {
                    throw new UserInputException("--tls and --compare: one comparison at a time");
                }
                var report = await ShardedKMeansBench.RunAsync(data, parse.GetValue(dataDir)!, kind, kmeans, shardCount, siloCount, parse.GetValue(compare), parse.GetValue(tls), to.Print, ct);
                Print(report, to);
                return ExitCodes.Ok;
            }
            if (parse.GetValue(silos) is not null || (parse.GetValue(compare) && !full) || parse.GetValue(tls))
            {
                throw new UserInputException("--silos and --tls go with --shards N; --compare with --shards N or --algorithm full");
            }
            torch.set_num_threads(Environment.ProcessorCount);
            using var scope = torch.NewDisposeScope();
            var (train, test) = FittedScaler.FitTransform(kind, data.Train.ToFeatureTensor(), data.Test.ToFeatureTensor());

            var fullOptions = new KMeansOptions(clusters)
            {
                Inits = parse.GetValue(nInit),
                MaxIterations = parse.GetValue(maxIter) ?? new KMeansOptions(clusters).MaxIterations,
                Tolerance = parse.GetValue(tol) ?? new KMeansOptions(clusters).Tolerance,
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
                Method = method.ValueIn(parse),
            };
            var watch = Stopwatch.StartNew();
            using var fit = full
                ? KMeans.Fit(train, fullOptions, cancellationToken: ct)
                : MiniBatchKMeans.Fit(train, new MiniBatchKMeansOptions(clusters)
                {
                    BatchSize = parse.GetValue(batchSize),
                    Inits = parse.GetValue(nInit),
                    MaxIterations = parse.GetValue(maxIter) ?? new MiniBatchKMeansOptions(clusters).MaxIterations,
                    Tolerance = parse.GetValue(tol) ?? new MiniBatchKMeansOptions(clusters).Tolerance,
                    Seed = parse.GetValue(seed),
                    Threads = parse.GetValue(threads),
                }, cancellationToken: ct);
            double fitSeconds = watch.Elapsed.TotalSeconds;

            var classifier = ClusterClassifier.Fit(fit.Labels, data.Train.RequireLabels("grid bench"), clusters);
            var trainReport = classifier.Evaluate(fit.Labels, data.Train.RequireLabels("grid bench"));
            var testClusters = fit.Predict(test);
            var testReport = classifier.Evaluate(testClusters, data.Test.RequireLabels("grid bench"));
            // As a clustering stage measures its test rows (StagePipeline.Cluster), timed apart from the fit.
            watch.Restart();
            var quality = ClusterQuality.Compute(test, testClusters, parse.GetValue(seed));
            double qualitySeconds = watch.Elapsed.TotalSeconds;
            var result = new Dictionary<string, object>
            {
                ["dataset"] = data.Name,
                ["train_rows"] = data.Train.Count,
                ["test_rows"] = data.Test.Count,
                ["algorithm"] = SpecNames.Of(algorithm.ValueIn(parse)),
                ["scaler"] = SpecNames.Of(kind),
                ["k"] = clusters,
                ["n_init"] = parse.GetValue(nInit),
                ["threads"] = parse.GetValue(threads),
                ["seed"] = parse.GetValue(seed),
                ["fit_seconds"] = Math.Round(fitSeconds, 3),
                ["train_error"] = Math.Round(trainReport.Error, 5),
                ["test_error"] = Math.Round(testReport.Error, 5),
                ["inertia"] = fit.Inertia,
                ["n_iter"] = fit.Iterations,
                ["flagged_clusters"] = trainReport.FlaggedClusters.Count,
            };
            // A measure left undefined (the test rows fell in one cluster) is left out.
            foreach (var measure in QualityMeasures.All)
            {
                if (quality.Of(measure) is double value)
                {
                    result[SpecNames.Of(measure)] = value;
                }
            }
            result["quality_rows"] = quality.Rows;
            result["quality_seconds"] = Math.Round(qualitySeconds, 3);
            if (full)
            {
                FullKMeansBench.Describe(result, fit, fullOptions, data.Train.Count);
                if (parse.GetValue(compare))
                {
                    FullKMeansBench.Compare(result, fit, fitSeconds, train, test, data, fullOptions, ct);
                }
            }
            Print(result, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command AutoencoderBench()
    {
        var dataset = CommonOptions.DatasetOption();
        var zDim = new Option<int>("--z-dim") { Description = "Latent size (1..256)", DefaultValueFactory = _ => 16 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train", DefaultValueFactory = _ => 1 };
        var batchSize = new Option<int>("--batch-size") { Description = "Adam mini-batch size", DefaultValueFactory = _ => new AutoencoderOptions().BatchSize };
        var loss = CommonOptions.Named("--loss", "Reconstruction loss", ReconstructionLoss.Bce);
        var seed = new Option<long>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var limit = Limit();
        var dataDir = CommonOptions.DataDir();
        var command = new Command("ae",
            "Train the seed convolutional autoencoder (Adam lr 5e-4) and report throughput and train/test reconstruction loss per epoch")
        {
            dataset, zDim, epochs, batchSize, loss, seed, limit, dataDir,
        };
        var output = CommonOptions.Output(command);
        command.SetAction(async (parse, ct) =>
        {
            var to = output.Read(parse);
            int? trainLimit = parse.GetValue(limit);
            var data = await DataCommands.LoadOrFetchAsync(parse.GetValue(dataDir)!, parse.GetValue(dataset)!, trainLimit, trainLimit / 6, ct);
            var options = new AutoencoderOptions
            {
                ZDim = parse.GetValue(zDim),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                Loss = loss.ValueIn(parse),
                Seed = parse.GetValue(seed),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException(ex.Message);
            }
            torch.set_num_threads(Environment.ProcessorCount);
            using var trainer = new AutoencoderTrainer(options);
            AutoencoderTrainingResult? result = null;
            await to.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask("training", maxValue: (double)options.Epochs * data.Train.Count);
                    var progress = new ActionProgress<AutoencoderProgress>(p =>
                    {
                        bar.Value = (double)(p.Epoch - 1) * data.Train.Count + Math.Min(p.SamplesDone, data.Train.Count);
                        bar.Description = string.Create(CultureInfo.InvariantCulture,
                            $"epoch {p.Epoch}/{p.Epochs} · loss {p.RunningLoss:F4} · {p.SamplesPerSecond:F0} samples/s");
                    });
                    // Training is synchronous TorchSharp work: run it off the console's thread so the bar redraws.
                    result = await Task.Run(() => trainer.Train(data.Train, data.Test, null, progress, ct), ct);
                });
            var final = result!;
            var report = new Dictionary<string, object>
            {
                ["dataset"] = data.Name,
                ["train_rows"] = data.Train.Count,
                ["test_rows"] = data.Test.Count,
                ["z_dim"] = options.ZDim,
                ["loss"] = SpecNames.Of(options.Loss),
                ["epochs"] = final.CompletedEpochs,
                ["batch_size"] = options.BatchSize,
                ["device"] = AutoencoderDevice.Default.type.ToString().ToLowerInvariant(),
                ["threads"] = torch.get_num_threads(),
                ["samples_per_second"] = Math.Round(final.SamplesPerSecond, 1),
                ["train_loss"] = Math.Round(final.TrainLoss, 5),
                ["test_loss"] = Math.Round(final.TestLoss, 5),
                ["history"] = final.History.Select(e => new Dictionary<string, object?>
                {
                    ["epoch"] = e.Epoch,
                    ["train_loss"] = Math.Round(e.TrainLoss, 5),
                    ["test_loss"] = e.TestLoss is double t ? Math.Round(t, 5) : null,
                    ["samples_per_second"] = Math.Round(e.SamplesPerSecond, 1),
                }).ToList(),
            };
            Print(report, to);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A bench's figures: a metric/value table of its scalar entries, and the whole object as <paramref name="output"/> asks.</summary>
    internal static void Print(Dictionary<string, object> result, JsonDestination output)
    {
        if (!output.Print)
        {
            WriteTable(result);
        }
        JsonOutput.Write(result, output);
    }

    private static void WriteTable(Dictionary<string, object> result)
    {
        var table = new Table().AddColumns("metric", "value");
        foreach (var (name, value) in result)
        {
            if (value is System.Collections.IEnumerable and not string)
            {
                continue;
            }
            string text = value switch
            {
                double d => d.ToString("G6", CultureInfo.InvariantCulture),
                _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
            };
            table.AddRow(name, Markup.Escape(text));
        }
        AnsiConsole.Write(table);
    }
}
