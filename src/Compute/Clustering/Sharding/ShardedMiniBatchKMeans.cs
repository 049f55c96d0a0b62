using System.Diagnostics;
using Grid.Compute.Evaluation;
using Grid.Compute.Scaling;
using Grid.Core;
using Grid.Core.Sharding;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Compute.Clustering.Sharding;

/// <summary>
/// The coordinator of a sharded mini-batch k-means fit with scikit-learn 1.2's semantics (as
/// <see cref="MiniBatchKMeans"/>): each shard holds a range of rows; the coordinator draws every random
/// choice (batch rows, init samples, k-means++ draws) over all rows, batches exactly as the single-process
/// fit draws them, and tells each shard which of its rows are involved; shards return per-centre sums, counts and inertia; the coordinator merges them with
/// the per-centre learning rate, reassigns near-empty centres and applies the same early stopping. The final
/// inertia and the cluster-classifier tallies are computed by the shards and added up. The coordinator does
/// managed arithmetic on k·d numbers only; all row work happens on the shards, except the label-free quality
/// measures, which the coordinator computes on the same seeded sample of test rows as the single-process stage
/// (<see cref="ClusterQuality"/>), gathered from the shards.
/// </summary>
public static class ShardedMiniBatchKMeans
{
    /// <summary>Fits mini-batch k-means over <paramref name="shards"/> after scaling their rows with <paramref name="scaler"/>.</summary>
    /// <param name="shards">One channel per shard, in row order.</param>
    /// <param name="options">The mini-batch settings (as for the single-process fit); <see cref="MiniBatchKMeansOptions.Threads"/> is ignored here.</param>
    /// <param name="scaler">The scaler, fitted from the shards' merged moments.</param>
    /// <param name="traffic">What the channels measured, read to report bytes per round; may be null.</param>
    /// <param name="progress">Receives a report after every initialisation, every step and at the end.</param>
    /// <param name="initialCenters">Centres [k·d] in the scaled space to start from instead of seeding (scikit-learn's <c>init=ndarray</c>); null seeds with k-means++.</param>
    /// <param name="cancellationToken">Checked between rounds.</param>
    /// <param name="qualityRows">Test rows the quality measures are computed on at most (<see cref="ClusterQuality.Compute"/>'s limit).</param>
    public static async Task<ShardedKMeansFit> FitAsync(
        IReadOnlyList<IKMeansShardChannel> shards,
        MiniBatchKMeansOptions options,
        ScalerKind scaler,
        ShardTraffic? traffic = null,
        IProgress<ClusteringProgress>? progress = null,
        float[]? initialCenters = null,
        CancellationToken cancellationToken = default,
        int qualityRows = ClusterQuality.MaxRows)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (shards.Count == 0)
        {
            throw new ArgumentException("a sharded fit needs at least one shard", nameof(shards));
        }
        if (options.Init != KMeansInit.KMeansPlusPlus)
        {
            throw new ArgumentException("a sharded fit seeds with k-means++ only", nameof(options));
        }
        var total = Stopwatch.StartNew();
        ArgumentOutOfRangeException.ThrowIfLessThan(qualityRows, 1);
        var fit = new Coordinator(shards, options, traffic, progress, qualityRows, cancellationToken);
        await fit.PrepareAsync(scaler);
        var setupSeconds = total.Elapsed.TotalSeconds;
        // One generator, seeded and called exactly as the single-process fit's: initialisation draws first,
        // then batches and reassignments. Host-side draws only (no tensor outlives a call), so any thread
        // may make them; libtorch's sequences are fixed by their seeds, unlike System.Random's.
        using var generator = new torch.Generator(unchecked((ulong)options.Seed));
        if (initialCenters is null)
        {
            await fit.InitializeAsync(generator);
        }
        else
        {
            fit.StartFrom(initialCenters);
        }
        var initSeconds = total.Elapsed.TotalSeconds - setupSeconds;
        var rounds = await fit.IterateAsync(generator);
        return await fit.EvaluateAsync(rounds, setupSeconds, initSeconds, total);
    }

    /// <summary>The state of one fit; not thread-safe except where seedings run side by side.</summary>
    private sealed class Coordinator(
        IReadOnlyList<IKMeansShardChannel> shards,
        MiniBatchKMeansOptions options,
        ShardTraffic? traffic,
        IProgress<ClusteringProgress>? progress,
        int qualityRows,
        CancellationToken cancellationToken)
    {
        private readonly int _clusters = options.Clusters;
        private long[] _rowStarts = [];
        private long[] _testStarts = [];
        private long _rows;
        private int _features;
        private int _classes;
        private double _tolerance;
        private double[] _centers = [];

        public async Task PrepareAsync(ScalerKind scaler)
        {
            var descriptions = await Task.WhenAll(shards.Select(s => s.DescribeAsync(cancellationToken)));
            _features = descriptions[0].Features;
            if (descriptions.Any(d => d.Features != _features))
            {
                throw new InvalidOperationException($"shards disagree on the number of features: {string.Join(", ", descriptions.Select(d => d.Features))}");
            }
            _classes = descriptions.Max(d => d.Classes);
            _rowStarts = new long[shards.Count + 1];
            _testStarts = new long[shards.Count + 1];
            for (int s = 0; s < shards.Count; s++)
            {
                _rowStarts[s + 1] = _rowStarts[s] + descriptions[s].TrainRows;
                _testStarts[s + 1] = _testStarts[s] + descriptions[s].TestRows;
            }
            _rows = _rowStarts[^1];
            if (_rows < _clusters)
            {
                throw new ArgumentException($"the shards hold {_rows} rows, fewer than Clusters = {_clusters}");
            }

            var raw = descriptions.Select(d => d.Raw).Aggregate((a, b) => a.Merge(b));
            var scaling = scaler == ScalerKind.Standard
                ? new ShardScaling(scaler, raw.Mean.Select(m => (float)m).ToArray(), raw.Variances().Select(v => (float)FittedScaler.ScaleOf(Math.Sqrt(v))).ToArray())
                : new ShardScaling(scaler, null, null);
            var scaled = (await Task.WhenAll(shards.Select(s => s.ScaleAsync(scaling, cancellationToken)))).Aggregate((a, b) => a.Merge(b));
            // scikit-learn's _tolerance: tol times the mean per-feature variance of the data fitted.
            _tolerance = options.Tolerance == 0 ? 0 : scaled.Variances().Average() * options.Tolerance;
        }

        /// <summary>
        /// scikit-learn's initialisation, with the single-process fit's draws in its order: a validation sample,
        /// then for each of the n_init runs its own sample (all rows when init_size reaches n), the first centre
        /// and every k-means++ draw. The draws are made up front so that the runs can go side by side; the best
        /// run by validation inertia wins.
        /// </summary>
        public async Task InitializeAsync(torch.Generator generator)
        {
            var initSize = options.ResolveInitSize(_rows);
            var trials = options.LocalTrials ?? KMeansSeeding.DefaultLocalTrials(_clusters);
            var validation = Partition(DrawBatch(generator, _rows, initSize));
            var plans = new SeedingPlan[options.Inits];
            for (int run = 0; run < plans.Length; run++)
            {
                var sample = initSize < _rows ? DrawBatch(generator, _rows, initSize) : Enumerable.Range(0, initSize).Select(i => (long)i).ToArray();
                var first = DrawBatch(generator, initSize, 1)[0];
                var uniforms = Enumerable.Range(1, _clusters - 1).Select(_ => Uniform(generator, trials)).ToArray();
                plans[run] = new SeedingPlan(sample, first, uniforms);
            }

            var candidates = await Task.WhenAll(Enumerable.Range(0, options.Inits).Select(async run =>
            {
                var centers = await SeedAsync(run, plans[run]);
                var parts = await Task.WhenAll(shards.Select((s, i) => s.SampleInertiaAsync(validation[i], centers, cancellationToken)));
                var inertia = parts.Sum();
                progress?.Report(new ClusteringProgress(ClusteringPhase.Initialization, run + 1, options.Inits, 0, 0, inertia));
                return (Centers: centers, Inertia: inertia);
            }));
            // The first run with the lowest inertia, as the single-process fit keeps it.
            var best = candidates[0];
            foreach (var candidate in candidates.Skip(1))
            {
                if (candidate.Inertia < best.Inertia)
                {
                    best = candidate;
                }
            }
            _centers = best.Centers.Select(v => (double)v).ToArray();
        }

        public void StartFrom(float[] centers)
        {
            if (centers.Length != _clusters * _features)
            {
                throw new ArgumentException($"expected {_clusters}×{_features} initial centre values, got {centers.Length}", nameof(centers));
            }
            _centers = centers.Select(v => (double)v).ToArray();
        }

        /// <summary>
        /// Greedy k-means++ on one run's sample, as <c>KMeansSeeding</c> does on one machine: the coordinator keeps
        /// each sample row's squared distance to its nearest chosen centre (a number per sample row, in draw
        /// order), draws candidates from their running sum, fetches the candidate rows from the shards that
        /// hold them, and gets every shard's distances to the candidates. Two round trips per centre.
        /// </summary>
        private async Task<float[]> SeedAsync(int seeding, SeedingPlan plan)
        {
            var owners = new (int Shard, int Position)[plan.Sample.Length];
            var parts = Enumerable.Range(0, shards.Count).Select(_ => new List<long>()).ToArray();
            for (int p = 0; p < plan.Sample.Length; p++)
            {
                var s = ShardOf(plan.Sample[p]);
                owners[p] = (s, parts[s].Count);
                parts[s].Add(plan.Sample[p] - _rowStarts[s]);
            }
            var centers = new float[_clusters * _features];
            await Task.WhenAll(shards.Select((s, i) => s.BeginSeedingAsync(seeding, parts[i].ToArray(), cancellationToken)));
            try
            {
                var first = await FetchRowsAsync(seeding, [plan.First], owners);
                first.CopyTo(centers, 0);
                var closest = (await DistancesAsync(seeding, first, 1, owners)).Select(d => d[0]).ToArray();
                var cumulative = new double[closest.Length];
                for (int c = 1; c < _clusters; c++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    double running = 0;
                    for (int p = 0; p < closest.Length; p++)
                    {
                        running += closest[p];
                        cumulative[p] = running;
                    }
                    var uniforms = plan.Uniforms[c - 1];
                    var picks = uniforms.Select(u => SearchSorted(cumulative, u * running)).ToArray();
                    var rows = await FetchRowsAsync(seeding, picks, owners);
                    var distances = await DistancesAsync(seeding, rows, picks.Length, owners);

                    // Each candidate's potential: the sample's summed distance to its nearest centre with the candidate added.
                    var potentials = new double[picks.Length];
                    for (int p = 0; p < closest.Length; p++)
                    {
                        for (int t = 0; t < picks.Length; t++)
                        {
                            potentials[t] += Math.Min(distances[p][t], closest[p]);
                        }
                    }
                    int best = 0;
                    for (int t = 1; t < potentials.Length; t++)
                    {
                        if (potentials[t] < potentials[best])
                        {
                            best = t;
                        }
                    }
                    Array.Copy(rows, best * _features, centers, c * _features, _features);
                    for (int p = 0; p < closest.Length; p++)
                    {
                        closest[p] = Math.Min(distances[p][best], closest[p]);
                    }
                }
                return centers;
            }
            finally
            {
                await Task.WhenAll(shards.Select(s => s.EndSeedingAsync(seeding, CancellationToken.None)));
            }
        }

        /// <summary>The sample rows at the given draw positions, in that order, from the shards that hold them.</summary>
        private async Task<float[]> FetchRowsAsync(int seeding, long[] positions, (int Shard, int Position)[] owners)
        {
            var rows = new float[positions.Length * _features];
            await Task.WhenAll(Enumerable.Range(0, shards.Count).Select(async s =>
            {
                var mine = Enumerable.Range(0, positions.Length).Where(t => owners[positions[t]].Shard == s).ToArray();
                if (mine.Length == 0)
                {
                    return;
                }
                var found = await shards[s].SeedRowsAsync(seeding, mine.Select(t => owners[positions[t]].Position).ToArray(), cancellationToken);
                for (int m = 0; m < mine.Length; m++)
                {
                    Array.Copy(found, m * _features, rows, mine[m] * _features, _features);
                }
            }));
            return rows;
        }

        /// <summary>Every sample row's distances to the <paramref name="count"/> candidates, in draw order.</summary>
        private async Task<float[][]> DistancesAsync(int seeding, float[] candidates, int count, (int Shard, int Position)[] owners)
        {
            var blocks = await Task.WhenAll(shards.Select(s => s.SeedDistancesAsync(seeding, candidates, cancellationToken)));
            var distances = new float[owners.Length][];
            for (int p = 0; p < owners.Length; p++)
            {
                var (s, position) = owners[p];
                distances[p] = blocks[s].AsSpan(position * count, count).ToArray();
            }
            return distances;
        }

        public async Task<RoundStatistics> IterateAsync(torch.Generator generator)
        {
            var batchSize = options.ResolveBatchSize(_rows);
            var counts = new double[_clusters];
            var convergence = new MiniBatchConvergence(options, _tolerance, _rows, batchSize);
            var maxSteps = (int)Math.Min(int.MaxValue, (long)options.MaxIterations * _rows / batchSize);
            long sinceReassignment = 0;
            float[]? sent = null;
            var stats = new RoundStatistics();
            var sentBefore = traffic?.BytesSent ?? 0;
            var receivedBefore = traffic?.BytesReceived ?? 0;
            for (int i = 0; i < maxSteps; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // scikit-learn's _random_reassign, decided before the step on the counts after the previous one.
                sinceReassignment += batchSize;
                var reassign = false;
                if (Array.IndexOf(counts, 0d) >= 0 || sinceReassignment >= (long)MiniBatchKMeansOptions.ReassignmentIntervalPerCluster * _clusters)
                {
                    sinceReassignment = 0;
                    reassign = true;
                }

                // The batch is drawn over all rows at once, so each shard's share follows its size.
                var batch = DrawBatch(generator, _rows, batchSize);
                var parts = new List<long>[shards.Count];
                var owners = new (int Shard, int Position)[batchSize];
                for (int s = 0; s < shards.Count; s++)
                {
                    parts[s] = [];
                }
                for (int b = 0; b < batchSize; b++)
                {
                    var s = ShardOf(batch[b]);
                    owners[b] = (s, parts[s].Count);
                    parts[s].Add(batch[b] - _rowStarts[s]);
                }

                // Each shard keeps the previous step's centres, so a step sends only those that changed.
                var centers = ToFloats(_centers);
                var update = CenterUpdate.Between(sent, centers, _features, i);
                sent = centers;
                var round = Stopwatch.StartNew();
                var replies = await Task.WhenAll(shards.Select((s, j) => s.StepAsync(update, parts[j].ToArray(), cancellationToken)));
                var roundSeconds = round.Elapsed.TotalSeconds;
                var merge = Stopwatch.StartNew();
                var (next, batchInertia) = Merge(replies, counts);
                if (reassign && options.ReassignmentRatio > 0)
                {
                    await ReassignAsync(next, counts, owners, generator);
                }
                var squaredChange = _tolerance > 0 ? SquaredDifference(next, _centers) : 0;
                _centers = next;
                var stop = convergence.ShouldStop(i, batchInertia, squaredChange);
                var compute = replies.Max(r => r.ComputeSeconds);
                stats.Add(roundSeconds, compute, merge.Elapsed.TotalSeconds);
                progress?.Report(new ClusteringProgress(ClusteringPhase.Iteration, 1, 1, i + 1, maxSteps, convergence.EstimatedInertia));
                if (stop)
                {
                    break;
                }
            }
            stats.BytesSent = (traffic?.BytesSent ?? 0) - sentBefore;
            stats.BytesReceived = (traffic?.BytesReceived ?? 0) - receivedBefore;
            stats.BatchSize = batchSize;
            return stats;
        }

        /// <summary>Adds up the shards' sums and counts and moves each centre to the running mean of its rows.</summary>
        private (double[] Next, double Inertia) Merge(ShardStepResult[] replies, double[] counts)
        {
            var sums = new double[_clusters * _features];
            var batchCounts = new long[_clusters];
            double inertia = 0;
            foreach (var reply in replies)
            {
                inertia += reply.Inertia;
                for (int t = 0; t < reply.Centers.Length; t++)
                {
                    var j = reply.Centers[t];
                    batchCounts[j] += reply.Counts[t];
                    var offset = j * _features;
                    for (int f = 0; f < _features; f++)
                    {
                        sums[offset + f] += reply.Sums[t * _features + f];
                    }
                }
            }
            var next = (double[])_centers.Clone();
            for (int j = 0; j < _clusters; j++)
            {
                if (batchCounts[j] == 0)
                {
                    continue;
                }
                // scikit-learn's _minibatch_update_dense: c ← (c·N + S) / (N + m).
                counts[j] += batchCounts[j];
                var offset = j * _features;
                for (int f = 0; f < _features; f++)
                {
                    next[offset + f] += (sums[offset + f] - next[offset + f] * batchCounts[j]) / counts[j];
                }
            }
            return (next, inertia);
        }

        /// <summary>Moves near-empty centres to random rows of this batch, fetched from the shards that drew them.</summary>
        private async Task ReassignAsync(double[] next, double[] counts, (int Shard, int Position)[] owners, torch.Generator generator)
        {
            var (targets, kept) = MiniBatchKMeans.SelectReassigned(counts.Select(c => (float)c).ToArray(), options.ReassignmentRatio, owners.Length);
            if (targets.Length == 0)
            {
                return;
            }
            var positions = Permutation(generator, owners.Length, targets.Length);
            var rows = new float[targets.Length][];
            await Task.WhenAll(Enumerable.Range(0, shards.Count).Select(async s =>
            {
                var mine = Enumerable.Range(0, targets.Length).Where(t => owners[(int)positions[t]].Shard == s).ToArray();
                if (mine.Length == 0)
                {
                    return;
                }
                var found = await shards[s].BatchRowsAsync(mine.Select(t => owners[(int)positions[t]].Position).ToArray(), cancellationToken);
                for (int m = 0; m < mine.Length; m++)
                {
                    rows[mine[m]] = found.AsSpan(m * _features, _features).ToArray();
                }
            }));
            for (int t = 0; t < targets.Length; t++)
            {
                var j = (int)targets[t];
                for (int f = 0; f < _features; f++)
                {
                    next[j * _features + f] = rows[t][f];
                }
                counts[j] = kept;
            }
        }

        public async Task<ShardedKMeansFit> EvaluateAsync(RoundStatistics rounds, double setupSeconds, double initSeconds, Stopwatch total)
        {
            var centers = ToFloats(_centers);
            var parts = await Task.WhenAll(shards.Select(s => s.EvaluateAsync(centers, _classes, cancellationToken)));
            var trainTable = Table(parts.Select(p => p.TrainTable));
            var testTable = Table(parts.Select(p => p.TestTable));
            var inertia = parts.Sum(p => p.TrainInertia);
            var classifier = ClusterClassifier.FromTable(trainTable);
            // The fit's time ends here, before the quality measures, as in the single-process stage.
            double totalSeconds = total.Elapsed.TotalSeconds;
            var quality = await QualityAsync(centers);
            var iterations = (int)Math.Ceiling((double)rounds.Rounds * rounds.BatchSize / _rows);
            progress?.Report(new ClusteringProgress(ClusteringPhase.RunCompleted, 1, 1, rounds.Rounds, rounds.Rounds, inertia));
            return new ShardedKMeansFit(
                centers,
                _clusters,
                _features,
                inertia,
                iterations,
                rounds.Rounds,
                classifier,
                classifier.Evaluate(trainTable),
                classifier.Evaluate(testTable),
                rounds,
                setupSeconds,
                initSeconds,
                totalSeconds,
                quality);
        }

        /// <summary>
        /// The label-free quality measures of the test rows, as <see cref="ClusterQuality.Compute"/> takes them in the
        /// single-process stage: the same seeded sample (at most <see cref="ClusterQuality.MaxRows"/> rows, in row
        /// order), fetched from the shards that hold them k rows at a time (so no reply is larger than the centres
        /// every round sends), each row assigned to its nearest final centre.
        /// </summary>
        private async Task<ClusterQualityScores> QualityAsync(float[] centers)
        {
            long testRows = _testStarts[^1];
            var sample = ClusterQuality.Sample(testRows, options.Seed, qualityRows) ?? Enumerable.Range(0, (int)testRows).Select(i => (long)i).ToArray();
            // The sample is in row order and the shards hold consecutive ranges: their parts, in shard order, are the sample.
            var parts = Partition(_testStarts, sample);
            var offsets = new int[shards.Count + 1];
            for (int s = 0; s < shards.Count; s++)
            {
                offsets[s + 1] = offsets[s] + parts[s].Length;
            }
            var rows = new float[sample.Length * _features];
            int pageRows = _clusters;
            await Task.WhenAll(Enumerable.Range(0, shards.Count).Select(async s =>
            {
                for (int start = 0; start < parts[s].Length; start += pageRows)
                {
                    var page = parts[s].AsSpan(start, Math.Min(pageRows, parts[s].Length - start)).ToArray();
                    var found = await shards[s].TestRowsAsync(page, cancellationToken);
                    found.CopyTo(rows, (offsets[s] + start) * _features);
                }
            }));
            return Measure(rows, sample.Length, centers);
        }

        private ClusterQualityScores Measure(float[] rows, int count, float[] centers)
        {
            if (count == 0)
            {
                return new ClusterQualityScores(null, null, null, 0);
            }
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var x = torch.tensor(rows, [count, _features]);
            var (labels, _) = Distances.Assign(x, null, torch.tensor(centers, [_clusters, _features]));
            return ClusterQuality.Measure(x, Distances.ToArray(labels));
        }

        private long[,] Table(IEnumerable<long[]> parts)
        {
            var table = new long[_clusters, _classes];
            foreach (var part in parts)
            {
                for (int j = 0; j < _clusters; j++)
                {
                    for (int y = 0; y < _classes; y++)
                    {
                        table[j, y] += part[j * _classes + y];
                    }
                }
            }
            return table;
        }

        private int ShardOf(long row) => ShardOf(_rowStarts, row);

        /// <summary>The shard of <paramref name="row"/> given each shard's first row (<paramref name="starts"/>, sorted, with the total last).</summary>
        private static int ShardOf(long[] starts, long row)
        {
            // The shard is the last start ≤ row.
            var s = Array.BinarySearch(starts, row);
            s = s >= 0 ? s : ~s - 1;
            // Empty shards share their start with the next one: skip to the one that holds rows.
            while (starts[s + 1] <= row)
            {
                s++;
            }
            return s;
        }

        /// <summary>Train rows grouped by shard and made local (for sums over them, where order does not matter).</summary>
        private long[][] Partition(long[] rows) => Partition(_rowStarts, rows);

        /// <summary>Rows grouped by the shard that holds them (by <paramref name="starts"/>) and made local, in their order.</summary>
        private long[][] Partition(long[] starts, long[] rows)
        {
            var parts = Enumerable.Range(0, shards.Count).Select(_ => new List<long>()).ToArray();
            foreach (var row in rows)
            {
                var s = ShardOf(starts, row);
                parts[s].Add(row - starts[s]);
            }
            return parts.Select(p => p.ToArray()).ToArray();
        }
    }

    /// <summary>One initialisation run's draws, made up front in the single-process fit's order.</summary>
    private sealed record SeedingPlan(long[] Sample, long First, double[][] Uniforms);

    /// <summary>torch.searchsorted (left): the first index whose running sum reaches <paramref name="value"/>, at most the last.</summary>
    private static long SearchSorted(double[] cumulative, double value)
    {
        int lo = 0, hi = cumulative.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return Math.Min(lo, cumulative.Length - 1);
    }

    /// <summary>Uniform draws in [0, 1), as k-means++ draws its candidates.</summary>
    private static double[] Uniform(torch.Generator generator, int count)
    {
        using var draws = torch.rand([count], dtype: ScalarType.Float64, generator: generator);
        return draws.data<double>().ToArray();
    }

    /// <summary>Rows drawn with replacement, as <see cref="MiniBatchKMeans"/> draws them.</summary>
    private static long[] DrawBatch(torch.Generator generator, long rows, int count)
    {
        using var draws = torch.randint(rows, [count], dtype: ScalarType.Int64, generator: generator);
        return draws.data<long>().ToArray();
    }

    /// <summary>The first <paramref name="count"/> entries of a random permutation of 0 … n − 1, as <see cref="MiniBatchKMeans"/> picks reassigned rows.</summary>
    private static long[] Permutation(torch.Generator generator, int n, int count)
    {
        using var permutation = torch.randperm(n, dtype: ScalarType.Int64, generator: generator);
        return permutation.data<long>().ToArray()[..count];
    }

    private static float[] ToFloats(double[] values)
    {
        var floats = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            floats[i] = (float)values[i];
        }
        return floats;
    }

    private static double SquaredDifference(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}

/// <summary>Time and traffic of the mini-batch rounds of a sharded fit.</summary>
public sealed class RoundStatistics
{
    /// <summary>Rounds run: one per mini-batch step.</summary>
    public int Rounds { get; private set; }

    /// <summary>Rows per mini-batch.</summary>
    public int BatchSize { get; internal set; }

    /// <summary>Wall time from sending the centres to the last shard's reply, summed over rounds.</summary>
    public double RoundSeconds { get; private set; }

    /// <summary>The slowest shard's compute time in each round, summed: the critical path of computation.</summary>
    public double ComputeSeconds { get; private set; }

    /// <summary>Round time not spent computing on the slowest shard: messaging, serialization, scheduling.</summary>
    public double CommunicationSeconds => Math.Max(0, RoundSeconds - ComputeSeconds);

    /// <summary>The coordinator's merging and reassignment time, summed.</summary>
    public double MergeSeconds { get; private set; }

    /// <summary>Bytes sent to shards during the rounds (as the channels measured them).</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Bytes received from shards during the rounds.</summary>
    public long BytesReceived { get; internal set; }

    /// <summary>Bytes in both directions per round.</summary>
    public double BytesPerRound => Rounds == 0 ? 0 : (double)(BytesSent + BytesReceived) / Rounds;

    internal void Add(double round, double compute, double merge)
    {
        Rounds++;
        RoundSeconds += round;
        ComputeSeconds += compute;
        MergeSeconds += merge;
    }
}

/// <summary>The result of a sharded fit: centres, inertia, the cluster classifier evaluated on train and test, and the label-free quality of the test rows.</summary>
public sealed record ShardedKMeansFit(
    float[] Centers,
    int Clusters,
    int Features,
    double Inertia,
    int Iterations,
    int Steps,
    ClusterClassifier Classifier,
    ClassificationReport Train,
    ClassificationReport Test,
    RoundStatistics Rounds,
    double SetupSeconds,
    double InitSeconds,
    double TotalSeconds,
    ClusterQualityScores Quality);
