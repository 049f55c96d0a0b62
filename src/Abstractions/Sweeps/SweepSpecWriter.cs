using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Core;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// Writes a <see cref="SweepSpec"/> back in the format users write, with every default spelled
/// out and ranges expanded: <see cref="SweepSpecParser.Parse"/> reads it back to an equal spec.
/// Useful to show what a spec means, or to store it beside its results.
/// </summary>
public static class SweepSpecWriter
{
    private static readonly JsonSerializerOptions _indented = new() { WriteIndented = true };

    /// <summary>The spec as a JSON object with snake_case keys.</summary>
    public static JsonObject ToJson(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var root = new JsonObject
        {
            ["name"] = spec.Name,
            ["datasets"] = new JsonArray([.. spec.Datasets.Select(d => (JsonNode)JsonValue.Create(d))]),
        };
        if (spec.Split.Train is not null || spec.Split.Test is not null)
        {
            var split = new JsonObject();
            if (spec.Split.Train is { } train)
            {
                split["train"] = train;
            }
            if (spec.Split.Test is { } test)
            {
                split["test"] = test;
            }
            root["split"] = split;
        }
        root["representations"] = new JsonArray([.. spec.Representations.Select(r => Representation(r, spec.Search))]);
        root["scalers"] = new JsonArray([.. spec.Scalers.Select(s => (JsonNode)JsonValue.Create(SpecNames.Of(s)))]);
        root["k"] = new JsonArray([.. spec.K.Select(k => (JsonNode)JsonValue.Create(k))]);
        root["seeds"] = new JsonArray([.. spec.Seeds.Select(s => (JsonNode)JsonValue.Create(s))]);
        root["kmeans"] = KMeans(spec.KMeans);
        root["strategy"] = spec.Strategy.Kind switch
        {
            StrategyKind.Random => new JsonObject { ["random"] = new JsonObject { ["trials"] = spec.Strategy.Trials, ["seed"] = spec.Strategy.Seed } },
            StrategyKind.Asha => new JsonObject
            {
                ["asha"] = Asha(spec.Strategy),
            },
            StrategyKind.Tpe => new JsonObject
            {
                ["tpe"] = new JsonObject { ["trials"] = spec.Strategy.Trials, ["startup"] = spec.Strategy.Startup, ["seed"] = spec.Strategy.Seed },
            },
            _ => JsonValue.Create(SpecNames.Of(StrategyKind.Grid)),
        };
        if (spec.RefineKneeStep is int step)
        {
            root["refine"] = new JsonObject { ["knee"] = new JsonObject { ["step"] = step } };
        }
        if (spec.Objective is { } objective)
        {
            root["objective"] = new JsonObject { ["metric"] = SpecNames.Of(objective.Metric), ["goal"] = SpecNames.Of(objective.Goal) };
        }
        return root;
    }

    /// <summary>The spec as indented JSON text.</summary>
    public static string ToJsonString(SweepSpec spec) => ToJson(spec).ToJsonString(_indented);

    private static JsonNode Representation(RepresentationSpec representation, IReadOnlyList<SearchAxis>? search)
    {
        if (representation.Kind == RepresentationKind.Raw || representation.Autoencoder is not { } ae)
        {
            return JsonValue.Create(SpecNames.Of(representation.Kind));
        }
        var node = new JsonObject
        {
            ["autoencoder"] = new JsonObject
            {
                ["z_dim"] = ae.ZDim,
                ["loss"] = SpecNames.Of(ae.Loss),
                ["epochs"] = ae.Epochs,
                ["batch_size"] = ae.BatchSize,
                ["learning_rate"] = ae.LearningRate,
                ["reconstructions"] = ae.Reconstructions,
            },
        };
        // The settings drawn from distributions are written as those distributions.
        foreach (var axis in search ?? [])
        {
            string name = axis.Kind switch
            {
                DistributionKind.Uniform => "uniform",
                DistributionKind.LogUniform => "log_uniform",
                DistributionKind.IntUniform => "int_uniform",
                _ => "choice",
            };
            var values = axis.Kind == DistributionKind.Choice ? axis.Values!.Select(v => (JsonNode?)v) : [axis.Low, axis.High];
            if (axis.Kind == DistributionKind.IntUniform || (axis.Kind == DistributionKind.Choice && SearchAxis.IsInteger(axis.Setting)))
            {
                values = values.Select(v => (JsonNode?)(long)v!.GetValue<double>());
            }
            node["autoencoder"]![axis.Setting] = new JsonObject { [name] = new JsonArray([.. values]) };
        }
        return node;
    }

    private static JsonObject Asha(StrategySpec asha)
    {
        var node = new JsonObject
        {
            ["max_epochs"] = asha.MaxEpochs,
            ["min_epochs"] = asha.MinEpochs,
            ["reduction"] = asha.Reduction,
            ["seed"] = asha.Seed,
        };
        if (asha.Sampler is { } sampler)
        {
            node["sampler"] = SpecNames.Of(sampler);
            node["trials"] = asha.Trials;
            node["startup"] = asha.Startup;
        }
        return node;
    }

    private static JsonObject KMeans(KMeansSettings kmeans)
    {
        var node = new JsonObject { ["algorithm"] = SpecNames.Of(kmeans.Algorithm) };
        if (kmeans.BatchSize is { } batch)
        {
            node["batch_size"] = batch;
        }
        node["n_init"] = kmeans.NInit;
        node["max_iter"] = kmeans.MaxIter;
        node["tol"] = kmeans.Tol;
        if (kmeans.MaxNoImprovement is { } patience)
        {
            node["max_no_improvement"] = patience;
        }
        if (kmeans.WarmStart)
        {
            node["warm_start"] = true;
        }
        if (kmeans.Shards is { } shards)
        {
            node["shards"] = shards == KMeansSettings.AutoShards ? "auto" : shards;
        }
        if (kmeans.Method != KMeansMethod.Auto)
        {
            node["method"] = SpecNames.Of(kmeans.Method);
        }
        return node;
    }
}
