using System.Diagnostics;
using Grid.Compute.Clustering;
using Grid.Compute.Data;
using Grid.Compute.Evaluation;
using Grid.Core;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace Grid.Client.Commands;

/// <summary>
/// `grid bench kmeans --algorithm full --compare`: the full fit with the chosen method beside Lloyd's exhaustive fit (the
/// result every method must equal: labels and inertia) and ML.NET's <c>KMeansTrainer</c> (the .NET peer) with the same k,
/// threads and iteration limit, on the same scaled rows.
/// </summary>
internal static class FullKMeansBench
{
    /// <summary>The figures of a full fit: how many of Lloyd's n·k distances per iteration its bounds spared.</summary>
    public static void Describe(Dictionary<string, object> report, KMeansFit fit, KMeansOptions options, long rows)
    {
        report["method"] = SpecNames.Of(options.ResolveMethod());
        long everyDistance = rows * options.Clusters;
        double perIteration = (double)fit.DistancesComputed / Math.Max(1, fit.Iterations);
        report["distances_per_iteration"] = Math.Round(perIteration);
        report["distances_avoided"] = Math.Round(1 - perIteration / everyDistance, 4);
    }

    public static void Compare(Dictionary<string, object> report, KMeansFit fit, double fitSeconds, Tensor train, Tensor test, DatasetSplit data,
        KMeansOptions options, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using (var lloyd = KMeans.Fit(train, options with { Method = KMeansMethod.Lloyd }, cancellationToken: cancellationToken))
        {
            double lloydSeconds = watch.Elapsed.TotalSeconds;
            report["lloyd_fit_seconds"] = Math.Round(lloydSeconds, 3);
            report["lloyd_n_iter"] = lloyd.Iterations;
            report["lloyd_inertia"] = lloyd.Inertia;
            report["labels_differing_from_lloyd"] = fit.Labels.Zip(lloyd.Labels).Count(pair => pair.First != pair.Second);
            report["inertia_difference_from_lloyd"] = fit.Inertia - lloyd.Inertia;
            report["time_share_of_lloyd"] = Math.Round(fitSeconds / lloydSeconds, 4);
        }

        var (centers, mlSeconds) = MlNetFit(train, options, cancellationToken);
        using (centers)
        {
            using var noGrad = torch.no_grad();
            var (trainClusters, inertia) = Nearest(train, centers);
            var (testClusters, _) = Nearest(test, centers);
            var labels = data.Train.RequireLabels("grid bench");
            var classifier = ClusterClassifier.Fit(trainClusters, labels, options.Clusters);
            report["mlnet_fit_seconds"] = Math.Round(mlSeconds, 3);
            report["mlnet_inertia"] = inertia;
            report["mlnet_test_error"] = Math.Round(classifier.Evaluate(testClusters, data.Test.RequireLabels("grid bench")).Error, 5);
            report["time_share_of_mlnet"] = Math.Round(fitSeconds / mlSeconds, 4);
        }
    }

    /// <summary>ML.NET's k-means on the rows of <paramref name="train"/>: its centres and the seconds its trainer took.</summary>
    private static (Tensor Centers, double Seconds) MlNetFit(Tensor train, KMeansOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int rows = (int)train.shape[0], features = (int)train.shape[1];
        var values = train.contiguous().data<float>().ToArray();
        var vectors = Enumerable.Range(0, rows).Select(r => new FeatureRow { Features = values.AsSpan(r * features, features).ToArray() }).ToList();
        var ml = new MLContext(seed: (int)options.Seed);
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        var view = ml.Data.LoadFromEnumerable(vectors, schema);
        var trainer = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
        {
            FeatureColumnName = nameof(FeatureRow.Features),
            NumberOfClusters = options.Clusters,
            InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
            MaximumNumberOfIterations = options.MaxIterations,
            NumberOfThreads = options.Threads,
        });
        var watch = Stopwatch.StartNew();
        var model = trainer.Fit(view);
        double seconds = watch.Elapsed.TotalSeconds;
        VBuffer<float>[] centroids = [];
        model.Model.GetClusterCentroids(ref centroids, out int k);
        var flat = new float[k * features];
        for (int j = 0; j < k; j++)
        {
            centroids[j].CopyTo(flat, j * features);
        }
        return (torch.tensor(flat, [k, features]), seconds);
    }

    /// <summary>Each row's nearest centre and the rows' total squared distance to it.</summary>
    private static (long[] Clusters, double Inertia) Nearest(Tensor x, Tensor centers)
    {
        using var scope = torch.NewDisposeScope();
        var labels = new List<long>();
        double inertia = 0;
        const long chunk = 4096;
        for (long start = 0; start < x.shape[0]; start += chunk)
        {
            var rows = x.narrow(0, start, Math.Min(chunk, x.shape[0] - start));
            var (nearest, label) = torch.cdist(rows, centers).pow_(2).min(1);
            labels.AddRange(label.data<long>().ToArray());
            inertia += nearest.sum(ScalarType.Float64).item<double>();
        }
        return ([.. labels], inertia);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
