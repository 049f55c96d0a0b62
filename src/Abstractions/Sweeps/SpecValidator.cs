using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.Core;
using Grid.Core.Datasets;

namespace Grid.Abstractions.Sweeps;

/// <summary>
/// The work behind <see cref="SweepSpecParser"/>: one instance per parse, collecting errors as it
/// walks the document. Every reader reports its own problems and returns what it could read, so
/// one bad value never hides another.
/// </summary>
internal sealed partial class SpecValidator(IDatasetRegistry registry)
{
    public static readonly IReadOnlyList<string> RootKeys =
        ["name", "datasets", "split", "representations", "scalers", "k", "seeds", "kmeans", "strategy", "refine", "objective"];

    private static readonly IReadOnlyList<string> _splitKeys = ["train", "test"];
    private static readonly IReadOnlyList<string> _representationKeys = ["raw", "pixels", "autoencoder"];
    private static readonly IReadOnlyList<string> _autoencoderKeys =
        ["z_dim", "loss", "epochs", "batch_size", "learning_rate", "reconstructions", "architecture", "hidden", "input_scaling"];
    private static readonly IReadOnlyList<string> _rangeKeys = ["from", "to", "step"];
    private static readonly IReadOnlyList<string> _kMeansKeys =
        ["algorithm", "batch_size", "n_init", "max_iter", "tol", "max_no_improvement", "shards", "warm_start", "method"];
    private static readonly IReadOnlyList<string> _strategyKeys = ["grid", "random", "asha", "tpe"];
    private static readonly IReadOnlyList<string> _tpeKeys = ["trials", "startup", "seed"];
    private static readonly IReadOnlyList<string> _ashaKeys = ["max_epochs", "min_epochs", "reduction", "seed", "sampler", "trials", "startup"];
    private static readonly IReadOnlyList<string> _randomKeys = ["trials", "seed"];

    private const int MaxNameLength = 100;
    private const string Root = SpecPath.Root;

    private readonly List<SpecError> _errors = [];

    /// <summary>The autoencoder settings given as distributions, with their paths: the sweep's search space.</summary>
    private readonly List<(SearchAxis Axis, string Path)> _search = [];

    /// <summary>Whether the spec gives any setting as a distribution, read or not (a wrong one is reported where it stands, once).</summary>
    private bool _distributionGiven;

    /// <summary>The epochs the autoencoders of the spec state, with their paths: with ASHA they must equal max_epochs.</summary>
    private readonly List<(int Value, string Path)> _explicitEpochs = [];

    public IReadOnlyList<SpecError> Errors => _errors;

    public SweepSpec? Read(JsonNode? root, string? defaultName)
    {
        if (root is null)
        {
            Error(Root, "the spec is empty; it needs at least datasets, representations, scalers and k");
            return null;
        }
        if (root is not JsonObject spec)
        {
            Error(Root, $"a sweep spec is a mapping with the keys {string.Join(", ", RootKeys)}; got {Describe(root)}");
            return null;
        }
        CheckKeys(spec, Root, RootKeys);

        var name = ReadName(spec, defaultName);
        var datasets = ReadDatasets(spec);
        var split = ReadSplit(spec);
        if (datasets is not null && split is not null)
        {
            CheckSplitFitsData(datasets, split);
        }
        var representations = ReadRepresentations(spec);
        var scalers = ReadScalers(spec);
        var k = ReadK(spec, datasets, split);
        var seeds = ReadSeeds(spec);
        var kmeans = ReadKMeans(spec);
        var strategy = ReadStrategy(spec);
        var refine = ReadRefine(spec);
        var objective = datasets is null ? null : ReadObjective(spec, datasets);

        if (datasets is not null && representations is not null)
        {
            CheckNetworksFitData(datasets, representations);
        }
        if (datasets is null || representations is null || scalers is null || k is null || seeds is null)
        {
            return null;
        }
        IReadOnlyList<RepresentationSpec> chosen = representations.Select(r => r.Value).ToArray();
        if (strategy is not null)
        {
            CheckSearch(strategy, chosen);
        }
        if (strategy is { Kind: StrategyKind.Asha })
        {
            chosen = ApplyAsha(strategy, chosen);
            if (refine is not null)
            {
                Error(SpecPath.Property(Root, "refine"), "refine and strategy asha cannot be combined yet: refine the knee in a sweep of the winning autoencoder");
            }
        }
        var candidate = new SweepSpec(
            name,
            datasets.Select(d => d.Value.Name).ToArray(),
            split ?? SplitSpec.All,
            chosen,
            scalers.Select(s => s.Value).ToArray(),
            k.Select(v => v.Value).ToArray(),
            seeds.Select(s => s.Value).ToArray(),
            kmeans ?? KMeansSettings.MiniBatchDefaults,
            strategy ?? StrategySpec.Grid,
            refine,
            objective,
            _search.Count == 0 ? null : _search.Select(s => s.Axis).ToArray());
        CheckTrialCount(candidate);
        return _errors.Count == 0 && split is not null && kmeans is not null && strategy is not null ? candidate : null;
    }

    // ---- sections ----------------------------------------------------------------------------

    private string ReadName(JsonObject spec, string? defaultName)
    {
        var path = SpecPath.Property(Root, "name");
        var node = Get(spec, "name");
        if (node is null)
        {
            return SafeName(defaultName);
        }
        var name = ReadString(node, path, "a string");
        if (name is null)
        {
            return SweepSpecParser.FallbackName;
        }
        if (!NamePattern().IsMatch(name))
        {
            Error(path, $"name must be 1 to {MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit; got '{name}'");
        }
        return name;
    }

    private List<(DatasetDescriptor Value, string Path)>? ReadDatasets(JsonObject spec)
    {
        var items = AxisItems(spec, Root, "datasets", required: true, example: "[mnist]", rangesAllowed: false);
        if (items is null)
        {
            return null;
        }
        var datasets = new List<(DatasetDescriptor, string)>();
        foreach (var (node, path) in items)
        {
            var text = ReadString(node, path, "a dataset name");
            if (text is null)
            {
                continue;
            }
            if (registry.TryGet(text, out var dataset))
            {
                datasets.Add((dataset, path));
            }
            else
            {
                UnknownName(path, "dataset", text, registry.All.Select(d => d.Name).ToList());
            }
        }
        ReportDuplicates(datasets, d => d.Name, "dataset");
        return datasets;
    }

    private SplitSpec? ReadSplit(JsonObject spec)
    {
        var path = SpecPath.Property(Root, "split");
        var node = Get(spec, "split");
        if (node is null)
        {
            return SplitSpec.All;
        }
        if (node is not JsonObject split)
        {
            Error(path, $"split is a mapping such as {{ train: 6000, test: 1000 }}; got {Describe(node)}");
            return null;
        }
        var before = _errors.Count;
        CheckKeys(split, path, _splitKeys);
        var train = ReadOptionalInt(split, path, "train", 1, int.MaxValue, null);
        var test = ReadOptionalInt(split, path, "test", 1, int.MaxValue, null);
        return _errors.Count == before ? new SplitSpec(train, test) : null;
    }

    private List<(RepresentationSpec Value, string Path)>? ReadRepresentations(JsonObject spec)
    {
        var items = AxisItems(
            spec, Root, "representations", required: true, example: "[raw, { autoencoder: { z_dim: 16 } }]", rangesAllowed: true);
        if (items is null)
        {
            return null;
        }
        var representations = new List<(RepresentationSpec, string)>();
        foreach (var (node, path) in items)
        {
            representations.AddRange(ReadRepresentation(node, path));
        }
        ReportDuplicates(representations, r => r.Label, "representation");
        return representations;
    }

    private IEnumerable<(RepresentationSpec, string)> ReadRepresentation(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonValue value when ScalarOf(value).Kind == ScalarKind.Text:
                var text = ScalarOf(value).Text!;
                if (!SpecNames.TryParse<RepresentationKind>(text, out var kind))
                {
                    UnknownName(path, "representation", text, _representationKeys);
                    return [];
                }
                if (kind == RepresentationKind.Autoencoder)
                {
                    Error(path, "autoencoder needs its settings, e.g. { autoencoder: { z_dim: 16 } }");
                    return [];
                }
                return [(RepresentationSpec.Raw, path)];

            case JsonObject mapping:
                if (mapping.Count != 1)
                {
                    Error(path, mapping.Count == 0
                        ? "a representation is raw (pixels) or { autoencoder: { ... } }; got an empty mapping"
                        : $"a representation has one key, raw (pixels) or autoencoder; got {mapping.Count}: {string.Join(", ", mapping.Select(p => p.Key))}");
                }
                CheckKeys(mapping, path, _representationKeys);
                var result = new List<(RepresentationSpec, string)>();
                string rawKey = mapping.ContainsKey("raw") ? "raw" : "pixels";
                if (mapping.TryGetPropertyValue(rawKey, out var raw))
                {
                    if (raw is not null && raw is not JsonObject { Count: 0 })
                    {
                        Error(SpecPath.Property(path, rawKey), $"{rawKey} takes no settings; got {Describe(raw)}");
                    }
                    else
                    {
                        result.Add((RepresentationSpec.Raw, path));
                    }
                }
                if (mapping.TryGetPropertyValue("autoencoder", out var autoencoder))
                {
                    result.AddRange(ReadAutoencoder(autoencoder, SpecPath.Property(path, "autoencoder")));
                }
                return mapping.Count == 1 ? result : [];

            default:
                Error(path, $"a representation is raw or {{ autoencoder: {{ z_dim: ... }} }}; got {Describe(node)}");
                return [];
        }
    }

    private IEnumerable<(RepresentationSpec, string)> ReadAutoencoder(JsonNode? node, string path)
    {
        if (node is not JsonObject settings)
        {
            Error(path, node is null
                ? "autoencoder needs its settings, e.g. { z_dim: 16 }"
                : $"autoencoder settings are a mapping such as {{ z_dim: 16, epochs: 40 }}; got {Describe(node)}");
            return [];
        }
        var before = _errors.Count;
        CheckKeys(settings, path, _autoencoderKeys);
        settings = WithoutDistributions(settings, path);
        var zDims = ReadIntAxis(
            settings, path, "z_dim", "z_dim", required: true, example: "16 or [2, 16, 25]",
            v => Between("z_dim", v, SweepLimits.MinZDim, SweepLimits.MaxZDim));
        // Every training setting is an axis like z_dim: a value or a list, and the autoencoders are their combinations.
        var losses = ReadAxis(settings, path, "loss", "bce or [bce, mse]", ReconstructionLoss.Bce,
            (node, itemPath) => ReadName<ReconstructionLoss>(node, itemPath, "loss"), SpecNames.Of);
        var epochs = ReadAxis(settings, path, "epochs", "40 or [10, 40]", AutoencoderSpec.DefaultEpochs,
            (node, itemPath) => ReadInt(node, itemPath, "epochs", SweepLimits.MinEpochs, SweepLimits.MaxEpochs), Invariant);
        if (epochs is not null && Get(settings, "epochs") is not null)
        {
            _explicitEpochs.AddRange(epochs);
        }
        var batchSizes = ReadAxis(settings, path, "batch_size", "128 or [64, 128, 256]", AutoencoderSpec.DefaultBatchSize,
            (node, itemPath) => ReadInt(node, itemPath, "batch_size", 1, int.MaxValue), Invariant);
        var learningRates = ReadAxis(settings, path, "learning_rate", "5.0e-4 or [3.0e-4, 1.0e-3]", AutoencoderSpec.DefaultLearningRate,
            (node, itemPath) => node is null ? null : ReadReal(node, itemPath, "learning_rate", positive: true), Format);
        var reconstructions = ReadOptionalBool(settings, path, "reconstructions", false);
        // Absent network settings stay null: their defaults depend on the dataset (AutoencoderSpec.NetworkFor).
        NetworkArchitecture? architecture = settings.ContainsKey("architecture")
            ? ReadOptionalName(settings, path, "architecture", "architecture", NetworkArchitecture.Conv)
            : null;
        InputScaling? inputScaling = settings.ContainsKey("input_scaling")
            ? ReadOptionalName(settings, path, "input_scaling", "input_scaling", InputScaling.Unit)
            : null;
        var hidden = ReadHidden(settings, path);
        if (hidden is not null && architecture != NetworkArchitecture.Mlp)
        {
            Error(SpecPath.Property(path, "hidden"), "hidden sets the layer sizes of the mlp network: add architecture: mlp");
        }
        if (losses?.Any(l => l.Value == ReconstructionLoss.Bce) == true && inputScaling is InputScaling.Standard or InputScaling.None)
        {
            Error(SpecPath.Property(path, "loss"), $"the bce loss needs inputs in 0..1 (input_scaling: unit); with input_scaling: {SpecNames.Of(inputScaling.Value)} use loss: mse");
        }
        if (_errors.Count != before || zDims is null || losses is null || epochs is null || batchSizes is null || learningRates is null)
        {
            return [];
        }
        // z_dim varies slowest and epochs fastest, so a sweep lists the trainings of one autoencoder side by side.
        return
            from z in zDims
            from loss in losses
            from learningRate in learningRates
            from batchSize in batchSizes
            from epoch in epochs
            select (RepresentationSpec.Of(new AutoencoderSpec(z.Value, loss.Value, epoch.Value, batchSize.Value, learningRate.Value, reconstructions!.Value, architecture, hidden, inputScaling)),
                z.Path);
    }

    private static readonly IReadOnlyList<string> _distributionKeys = ["uniform", "log_uniform", "int_uniform", "choice"];

    /// <summary>
    /// Reads the settings given as distributions (<c>learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }</c>) into the sweep's search
    /// space, and returns the settings with each of them replaced by one value it can take, so that the autoencoder reads as a
    /// template the sampler fills in.
    /// </summary>
    private JsonObject WithoutDistributions(JsonObject settings, string path)
    {
        var template = new JsonObject(settings.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        foreach (string setting in SearchAxis.Settings)
        {
            // A mapping is a distribution, except z_dim's { from, to, step } range.
            if (Get(settings, setting) is not JsonObject node || (setting == "z_dim" && node.Any(p => _rangeKeys.Contains(p.Key))))
            {
                continue;
            }
            var axisPath = SpecPath.Property(path, setting);
            _distributionGiven = true;
            if (ReadDistribution(node, axisPath, setting) is not { } axis)
            {
                // Reported already: the template takes the default, or for the required z_dim a value that raises nothing more.
                template.Remove(setting);
                if (setting == "z_dim")
                {
                    template[setting] = SweepLimits.MinZDim;
                }
                continue;
            }
            _search.Add((axis, axisPath));
            template[setting] = axis.Kind == DistributionKind.Choice ? axis.Values![0] : axis.Low;
        }
        return template;
    }

    private SearchAxis? ReadDistribution(JsonObject node, string path, string setting)
    {
        bool integer = SearchAxis.IsInteger(setting);
        string example = integer ? "{ int_uniform: [2, 64] } or { choice: [64, 128, 256] }" : "{ log_uniform: [1.0e-4, 1.0e-2] }";
        if (node.Count != 1)
        {
            Error(path, $"a distribution has one key, {string.Join(", ", _distributionKeys)}, e.g. {setting}: {example}; got {string.Join(", ", node.Select(p => p.Key))}");
            return null;
        }
        var (name, values) = node.First();
        var kindPath = SpecPath.Property(path, name);
        if (!_distributionKeys.Contains(name))
        {
            Error(kindPath, $"unknown distribution '{name}'; known: {string.Join(", ", _distributionKeys)}");
            return null;
        }
        var kind = name switch
        {
            "uniform" => DistributionKind.Uniform,
            "log_uniform" => DistributionKind.LogUniform,
            "int_uniform" => DistributionKind.IntUniform,
            _ => DistributionKind.Choice,
        };
        if (integer != (kind is DistributionKind.IntUniform or DistributionKind.Choice) && kind != DistributionKind.Choice)
        {
            Error(kindPath, integer
                ? $"{setting} is a whole number: draw it with int_uniform or choice, e.g. {setting}: {example}"
                : $"{setting} is a real number: draw it with uniform, log_uniform or choice, e.g. {setting}: {example}");
            return null;
        }
        if (values is not JsonArray list || list.Count == 0 || (kind != DistributionKind.Choice && list.Count != 2))
        {
            Error(kindPath, kind == DistributionKind.Choice
                ? $"choice takes a list of values, e.g. {setting}: {example}; got {Describe(values)}"
                : $"{name} takes [low, high], e.g. {setting}: {example}; got {Describe(values)}");
            return null;
        }
        int before = _errors.Count;
        var numbers = list.Select((item, i) => integer
            ? ReadInteger(item, SpecPath.Index(kindPath, i), setting) is long whole && Between(setting, whole) is var problem
                ? problem is null ? whole : Report(SpecPath.Index(kindPath, i), problem)
                : (double?)null
            : ReadReal(item, SpecPath.Index(kindPath, i), setting) is double real
                ? real > 0 ? real : Report(SpecPath.Index(kindPath, i), $"{setting} must be positive; got {Format(real)}")
                : null).ToArray();
        if (_errors.Count != before || numbers.Any(n => n is null))
        {
            return null;
        }
        var axis = kind == DistributionKind.Choice
            ? new SearchAxis(setting, kind, Values: numbers.Select(n => n!.Value).ToArray())
            : new SearchAxis(setting, kind, numbers[0]!.Value, numbers[1]!.Value);
        if (axis.Distribution.Validate() is { } invalid)
        {
            Error(kindPath, invalid);
            return null;
        }
        return axis;
    }

    /// <summary>Why <paramref name="value"/> is out of range for the whole-number <paramref name="setting"/>, or null.</summary>
    private static string? Between(string setting, long value) => setting switch
    {
        "z_dim" => Between("z_dim", value, SweepLimits.MinZDim, SweepLimits.MaxZDim),
        "epochs" => Between("epochs", value, SweepLimits.MinEpochs, SweepLimits.MaxEpochs),
        _ => Between(setting, value, 1, int.MaxValue),
    };

    /// <summary>Reports <paramref name="message"/> at <paramref name="path"/>; returns null, the value a wrong item reads as.</summary>
    private double? Report(string path, string message)
    {
        Error(path, message);
        return null;
    }

    /// <summary>
    /// An autoencoder setting as an axis: absent (its default), one value or a list of them, each read by <paramref name="read"/>;
    /// duplicates are errors. Null when any item is wrong (each reported with its path).
    /// </summary>
    private List<(T Value, string Path)>? ReadAxis<T>(JsonObject settings, string path, string key, string example, T fallback,
        Func<JsonNode?, string, T?> read, Func<T, string> name)
        where T : struct
    {
        if (Get(settings, key) is null)
        {
            return [(fallback, SpecPath.Property(path, key))];
        }
        var items = AxisItems(settings, path, key, required: false, example, rangesAllowed: false);
        if (items is null)
        {
            return null;
        }
        int before = _errors.Count;
        var values = new List<(T Value, string Path)>();
        foreach (var (node, itemPath) in items)
        {
            if (read(node, itemPath) is { } value)
            {
                values.Add((value, itemPath));
            }
        }
        ReportDuplicates(values, name, key);
        return _errors.Count == before ? values : null;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Each autoencoder's network, resolved for each dataset, must be one that can be built for its rows.</summary>
    private void CheckNetworksFitData(List<(DatasetDescriptor Value, string Path)> datasets, List<(RepresentationSpec Value, string Path)> representations)
    {
        foreach (var (representation, path) in representations)
        {
            if (representation.Autoencoder is not { } ae)
            {
                continue;
            }
            foreach (var (dataset, _) in datasets)
            {
                var network = ae.NetworkFor(dataset);
                if (network.Architecture == NetworkArchitecture.Conv && !(dataset.IsImage && dataset.Shape[1] >= NetworkShapes.MinConvSide && dataset.Shape[2] >= NetworkShapes.MinConvSide))
                {
                    Error(path, $"the conv network needs images of at least {NetworkShapes.MinConvSide}×{NetworkShapes.MinConvSide}; dataset '{dataset.Name}' has rows of shape [{string.Join(", ", dataset.Shape)}]: use architecture: mlp");
                }
                if (ae.Loss == ReconstructionLoss.Bce && network.InputScaling != InputScaling.Unit)
                {
                    Error(path, $"the bce loss needs inputs in 0..1, and dataset '{dataset.Name}' is scaled {SpecNames.Of(network.InputScaling)} for training: use loss: mse, or input_scaling: unit");
                }
            }
        }
    }

    private int[]? ReadHidden(JsonObject settings, string path)
    {
        if (!settings.TryGetPropertyValue("hidden", out var node))
        {
            return null;
        }
        string at = SpecPath.Property(path, "hidden");
        if (node is not JsonArray { Count: >= 1 and <= NetworkShapes.MaxHiddenLayers } items
            || items.Any(item => item is not JsonValue value || ScalarOf(value) is not { Kind: ScalarKind.Integer, Integer: >= 1 and <= NetworkShapes.MaxHiddenWidth }))
        {
            Error(at, $"hidden is a list of 1 to {NetworkShapes.MaxHiddenLayers} layer sizes between 1 and {NetworkShapes.MaxHiddenWidth}, e.g. [256, 128]; got {Describe(node)}");
            return null;
        }
        return items.Select(item => (int)ScalarOf((JsonValue)item!).Integer).ToArray();
    }

    private List<(ScalerKind Value, string Path)>? ReadScalers(JsonObject spec)
    {
        var items = AxisItems(spec, Root, "scalers", required: true, example: "[none, l2]", rangesAllowed: false);
        if (items is null)
        {
            return null;
        }
        var scalers = new List<(ScalerKind, string)>();
        foreach (var (node, path) in items)
        {
            if (ReadName<ScalerKind>(node, path, "scaler") is { } scaler)
            {
                scalers.Add((scaler, path));
            }
        }
        ReportDuplicates(scalers, s => SpecNames.Of(s), "scaler");
        return scalers;
    }

    /// <summary>A split asks for at most the rows each dataset has: keeping "all of them" silently would make the sweep not the one asked for.</summary>
    private void CheckSplitFitsData(List<(DatasetDescriptor Value, string Path)> datasets, SplitSpec split)
    {
        foreach (var (dataset, _) in datasets)
        {
            Check("train", split.Train, dataset.TrainCount, dataset.Name);
            Check("test", split.Test, dataset.TestCount, dataset.Name);
        }

        void Check(string part, int? asked, int has, string name)
        {
            if (asked > has)
            {
                Error(SpecPath.Property(SpecPath.Property(Root, "split"), part),
                    $"split.{part} {asked} exceeds the {has} {part} rows of {name}; ask for at most {has}, or leave split.{part} out to use them all");
            }
        }
    }

    private List<(int Value, string Path)>? ReadK(JsonObject spec, List<(DatasetDescriptor Value, string Path)>? named, SplitSpec? split)
    {
        // k may not exceed the training rows of any dataset in the sweep.
        (int Rows, string Why)? limit = null;
        foreach (var (dataset, _) in named ?? [])
        {
            var rows = Math.Min(split?.Train ?? dataset.TrainCount, dataset.TrainCount);
            if (limit is null || rows < limit.Value.Rows)
            {
                var why = rows < dataset.TrainCount
                    ? $"the {rows} training rows that split.train keeps"
                    : $"the {rows} training rows of {dataset.Name}";
                limit = (rows, why);
            }
        }
        return ReadIntAxis(
            spec, Root, "k", "k", required: true, example: "[10, 25, 225] or { from: 10, to: 250, step: 10 }",
            v =>
            {
                if (v < SweepLimits.MinK)
                {
                    return $"k must be at least {SweepLimits.MinK}; got {v}";
                }
                if (limit is { } l && v > l.Rows)
                {
                    return $"k {v} exceeds {l.Why}";
                }
                return v > int.MaxValue ? $"k must be at most {int.MaxValue}; got {v}" : null;
            });
    }

    private List<(int Value, string Path)>? ReadSeeds(JsonObject spec)
    {
        if (Get(spec, "seeds") is null)
        {
            return [(0, SpecPath.Property(Root, "seeds"))];
        }
        return ReadIntAxis(
            spec, Root, "seeds", "seed", required: true, example: "[0, 1]",
            v => Between("seed", v, 0, int.MaxValue));
    }

    private KMeansSettings? ReadKMeans(JsonObject spec)
    {
        var path = SpecPath.Property(Root, "kmeans");
        var node = Get(spec, "kmeans");
        if (node is null)
        {
            return KMeansSettings.MiniBatchDefaults;
        }
        if (node is not JsonObject settings)
        {
            Error(path, $"kmeans is a mapping such as {{ algorithm: minibatch, batch_size: 200 }}; got {Describe(node)}");
            return null;
        }
        var before = _errors.Count;
        CheckKeys(settings, path, _kMeansKeys);
        var algorithm = ReadOptionalName(settings, path, "algorithm", "algorithm", KMeansAlgorithm.MiniBatch);
        var defaults = KMeansSettings.DefaultsFor(algorithm ?? KMeansAlgorithm.MiniBatch);
        int? MiniBatchOnly(string key, int? fallback)
        {
            if (algorithm == KMeansAlgorithm.Full && Get(settings, key) is not null)
            {
                Error(SpecPath.Property(path, key), $"{key} applies only to algorithm {SpecNames.Of(KMeansAlgorithm.MiniBatch)}");
                return null;
            }
            return ReadOptionalInt(settings, path, key, 1, int.MaxValue, fallback);
        }
        var batchSize = MiniBatchOnly("batch_size", defaults.BatchSize);
        var nInit = ReadOptionalInt(settings, path, "n_init", 1, int.MaxValue, defaults.NInit);
        var maxIter = ReadOptionalInt(settings, path, "max_iter", 1, int.MaxValue, defaults.MaxIter);
        var tol = ReadOptionalReal(settings, path, "tol", positive: false, defaults.Tol);
        var maxNoImprovement = MiniBatchOnly("max_no_improvement", defaults.MaxNoImprovement);
        var shards = ReadShards(settings, path, algorithm);
        var warmStart = ReadWarmStart(settings, path, algorithm, shards);
        var method = ReadOptionalName(settings, path, "method", "method", KMeansMethod.Auto);
        if (algorithm == KMeansAlgorithm.MiniBatch && Get(settings, "method") is not null)
        {
            Error(SpecPath.Property(path, "method"), $"method applies only to algorithm {SpecNames.Of(KMeansAlgorithm.Full)} (mini-batch steps assign a batch, not every row)");
        }
        if (_errors.Count != before)
        {
            return null;
        }
        return new KMeansSettings(algorithm!.Value, batchSize, nInit!.Value, maxIter!.Value, tol!.Value, maxNoImprovement, shards, warmStart, method!.Value);
    }

    /// <summary><c>warm_start: true</c>: each k of a curve starts from the k before it; mini-batch, one process.</summary>
    private bool ReadWarmStart(JsonObject settings, string path, KMeansAlgorithm? algorithm, int? shards)
    {
        var node = Get(settings, "warm_start");
        var at = SpecPath.Property(path, "warm_start");
        if (node is null)
        {
            return false;
        }
        if (node is not JsonValue value || !value.TryGetValue<bool>(out var warm))
        {
            Error(at, $"warm_start is true or false; got {Describe(node)}");
            return false;
        }
        if (warm && algorithm == KMeansAlgorithm.Full)
        {
            Error(at, $"warm_start applies only to algorithm {SpecNames.Of(KMeansAlgorithm.MiniBatch)}");
        }
        else if (warm && shards is not null)
        {
            Error(at, "warm_start and shards cannot be combined yet: a warm-started curve runs each k in one process");
        }
        return warm;
    }

    /// <summary><c>shards: N</c> (1 = one process, the default) or <c>shards: auto</c>; mini-batch only.</summary>
    private int? ReadShards(JsonObject settings, string path, KMeansAlgorithm? algorithm)
    {
        var node = Get(settings, "shards");
        var at = SpecPath.Property(path, "shards");
        if (node is null)
        {
            return null;
        }
        if (algorithm == KMeansAlgorithm.Full)
        {
            Error(at, $"shards applies only to algorithm {SpecNames.Of(KMeansAlgorithm.MiniBatch)}");
            return null;
        }
        if (node is JsonValue text && text.TryGetValue<string>(out var word))
        {
            if (string.Equals(word, "auto", StringComparison.OrdinalIgnoreCase))
            {
                return KMeansSettings.AutoShards;
            }
            Error(at, $"shards is a whole number ≥ 1 or auto; got '{word}'");
            return null;
        }
        var count = ReadOptionalInt(settings, path, "shards", 1, 1024, null);
        return count is null or 1 ? null : count;
    }

    /// <summary>
    /// <c>refine: knee</c> (to within k ± 1) or <c>refine: { knee: { step: N } }</c>: after the coarse
    /// pass, k values are added around each curve's knee until its neighbours are within N.
    /// </summary>
    private int? ReadRefine(JsonObject spec)
    {
        var path = SpecPath.Property(Root, "refine");
        var node = Get(spec, "refine");
        const string Shape = "refine is knee or { knee: { step: N } }";
        switch (node)
        {
            case null:
                return null;
            case JsonValue value when value.TryGetValue<string>(out var text):
                if (!string.Equals(text, "knee", StringComparison.OrdinalIgnoreCase))
                {
                    Error(path, $"{Shape}; got '{text}'");
                }
                return 1;
            case JsonObject mapping:
                CheckKeys(mapping, path, ["knee"]);
                var kneePath = SpecPath.Property(path, "knee");
                if (Get(mapping, "knee") is not JsonObject knee)
                {
                    Error(kneePath, $"{Shape}; knee needs {{ step: N }}");
                    return null;
                }
                CheckKeys(knee, kneePath, ["step"]);
                return ReadOptionalInt(knee, kneePath, "step", 1, int.MaxValue, 1);
            default:
                Error(path, $"{Shape}; got {Describe(node)}");
                return null;
        }
    }

    /// <summary>
    /// <c>objective: { metric: M, goal: G }</c> (or just <c>objective: M</c>); without it, the test error when every
    /// dataset has labels, else the silhouette. The goal may be stated but is always the metric's own direction.
    /// </summary>
    private ObjectiveSpec? ReadObjective(JsonObject spec, List<(DatasetDescriptor Value, string Path)> datasets)
    {
        var path = SpecPath.Property(Root, "objective");
        var node = Get(spec, "objective");
        if (node is null)
        {
            return ObjectiveSpec.Default(datasets.All(d => d.Value.Labelled));
        }
        const string Shape = "objective is a metric or { metric: test_error, goal: minimize }";
        var (metricNode, metricPath, goalNode) = node switch
        {
            JsonObject mapping => (Get(mapping, "metric"), SpecPath.Property(path, "metric"), Get(mapping, "goal")),
            _ => (node, path, null),
        };
        if (node is JsonObject keys)
        {
            CheckKeys(keys, path, ["metric", "goal"]);
            if (metricNode is null)
            {
                Error(metricPath, $"{Shape}; metric is required");
                return null;
            }
        }
        if (ReadString(metricNode, metricPath, "a metric name") is not { } metricName)
        {
            return null;
        }
        if (string.Equals(metricName.Trim(), "inertia", StringComparison.OrdinalIgnoreCase))
        {
            Error(metricPath, "inertia cannot be an objective: it always falls as k grows, so the largest k would always win; " +
                $"use one of {string.Join(", ", SpecNames.All<ObjectiveMetric>())}");
            return null;
        }
        if (!SpecNames.TryParse<ObjectiveMetric>(metricName, out var metric))
        {
            UnknownName(metricPath, "objective metric", metricName, SpecNames.All<ObjectiveMetric>());
            return null;
        }
        if (metric.NeedsLabels() && datasets.FirstOrDefault(d => !d.Value.Labelled) is { Value: { } unlabelled })
        {
            Error(metricPath, $"{SpecNames.Of(metric)} needs class labels, and {unlabelled.Name} has none; " +
                $"use a label-free measure ({string.Join(", ", QualityMeasures.All.Select(SpecNames.Of))})");
            return null;
        }
        if (goalNode is not null)
        {
            var goalPath = SpecPath.Property(path, "goal");
            if (ReadString(goalNode, goalPath, "minimize or maximize") is not { } goalName)
            {
                return null;
            }
            if (!SpecNames.TryParse<ObjectiveGoal>(goalName, out var goal))
            {
                UnknownName(goalPath, "goal", goalName, SpecNames.All<ObjectiveGoal>());
                return null;
            }
            if (goal != metric.Goal())
            {
                Error(goalPath, $"{SpecNames.Of(metric)} is better when {(metric.Goal() == ObjectiveGoal.Minimize ? "lower" : "higher")}: its goal is {SpecNames.Of(metric.Goal())}; got {SpecNames.Of(goal)}");
                return null;
            }
        }
        return ObjectiveSpec.Of(metric);
    }

    private StrategySpec? ReadStrategy(JsonObject spec)
    {
        var path = SpecPath.Property(Root, "strategy");
        var node = Get(spec, "strategy");
        switch (node)
        {
            case null:
                return StrategySpec.Grid;

            case JsonValue value when ScalarOf(value).Kind == ScalarKind.Text:
                var text = ScalarOf(value).Text!;
                if (!SpecNames.TryParse<StrategyKind>(text, out var kind))
                {
                    UnknownName(path, "strategy", text, SpecNames.All<StrategyKind>());
                    return null;
                }
                if (kind == StrategyKind.Random)
                {
                    Error(path, "random needs its settings, e.g. { random: { trials: 50, seed: 0 } }");
                    return null;
                }
                if (kind == StrategyKind.Tpe)
                {
                    Error(path, "tpe needs its settings, e.g. { tpe: { trials: 30, startup: 10, seed: 0 } }");
                    return null;
                }
                if (kind == StrategyKind.Asha)
                {
                    Error(path, "asha needs its settings, e.g. { asha: { max_epochs: 27, min_epochs: 1, reduction: 3 } }");
                    return null;
                }
                return StrategySpec.Grid;

            case JsonObject mapping:
                var before = _errors.Count;
                if (mapping.Count != 1)
                {
                    Error(path, $"strategy has one key, grid, random, asha or tpe; got {(mapping.Count == 0 ? "none" : string.Join(", ", mapping.Select(p => p.Key)))}");
                }
                CheckKeys(mapping, path, _strategyKeys);
                StrategySpec? strategy = null;
                if (mapping.TryGetPropertyValue("grid", out var grid))
                {
                    if (grid is not null && grid is not JsonObject { Count: 0 })
                    {
                        Error(SpecPath.Property(path, "grid"), $"grid takes no settings; got {Describe(grid)}");
                    }
                    strategy = StrategySpec.Grid;
                }
                if (mapping.TryGetPropertyValue("random", out var random))
                {
                    strategy = ReadRandom(random, SpecPath.Property(path, "random"));
                }
                if (mapping.TryGetPropertyValue("asha", out var asha))
                {
                    strategy = ReadAsha(asha, SpecPath.Property(path, "asha"));
                }
                if (mapping.TryGetPropertyValue("tpe", out var tpe))
                {
                    strategy = ReadTpe(tpe, SpecPath.Property(path, "tpe"));
                }
                return _errors.Count == before ? strategy : null;

            default:
                Error(path, $"strategy is grid, {{ random: {{ trials: 50, seed: 0 }} }}, {{ asha: {{ max_epochs: 27 }} }} or {{ tpe: {{ trials: 30 }} }}; got {Describe(node)}");
                return null;
        }
    }

    private StrategySpec? ReadRandom(JsonNode? node, string path)
    {
        if (node is not JsonObject settings)
        {
            Error(path, $"random needs its settings, e.g. {{ trials: 50, seed: 0 }}; got {Describe(node)}");
            return null;
        }
        var before = _errors.Count;
        CheckKeys(settings, path, _randomKeys);
        var trials = ReadRequiredInt(settings, path, "trials", 1, int.MaxValue, "how many combinations to sample");
        var seed = ReadOptionalInt(settings, path, "seed", 0, int.MaxValue, 0);
        return _errors.Count == before ? StrategySpec.Random(trials!.Value, seed!.Value) : null;
    }

    private StrategySpec? ReadTpe(JsonNode? node, string path)
    {
        if (node is not JsonObject settings)
        {
            Error(path, $"tpe needs its settings, e.g. {{ trials: 30, startup: 10, seed: 0 }}; got {Describe(node)}");
            return null;
        }
        var before = _errors.Count;
        CheckKeys(settings, path, _tpeKeys);
        var trials = ReadRequiredInt(settings, path, "trials", 1, SweepLimits.MaxTrials, "how many autoencoder configurations to try");
        var startup = ReadOptionalInt(settings, path, "startup", 1, SweepLimits.MaxTrials, 10);
        var seed = ReadOptionalInt(settings, path, "seed", 0, int.MaxValue, 0);
        return _errors.Count == before ? StrategySpec.Tpe(trials!.Value, startup!.Value, seed!.Value) : null;
    }

    private StrategySpec? ReadAsha(JsonNode? node, string path)
    {
        if (node is not JsonObject settings)
        {
            Error(path, $"asha needs its settings, e.g. {{ max_epochs: 27, min_epochs: 1, reduction: 3 }}; got {Describe(node)}");
            return null;
        }
        var before = _errors.Count;
        CheckKeys(settings, path, _ashaKeys);
        var max = ReadRequiredInt(settings, path, "max_epochs", SweepLimits.MinEpochs, SweepLimits.MaxEpochs, "the epochs the best autoencoders are trained for");
        var min = ReadOptionalInt(settings, path, "min_epochs", SweepLimits.MinEpochs, SweepLimits.MaxEpochs, 1);
        var reduction = ReadOptionalInt(settings, path, "reduction", 2, 100, 3);
        var seed = ReadOptionalInt(settings, path, "seed", 0, int.MaxValue, 0);
        if (min > max)
        {
            Error(SpecPath.Property(path, "min_epochs"), $"min_epochs ({min}) must not be greater than max_epochs ({max})");
        }
        // Over distributions, a sampler draws the arms: `trials` of them, TPE's first `startup` at random.
        StrategyKind? sampler = null;
        int? trials = 0, startup = 0;
        if (Get(settings, "sampler") is { } samplerNode)
        {
            var samplerPath = SpecPath.Property(path, "sampler");
            sampler = ReadName<StrategyKind>(samplerNode, samplerPath, "sampler");
            if (sampler is not null and not (StrategyKind.Random or StrategyKind.Tpe))
            {
                Error(samplerPath, $"asha's sampler is random or tpe; got {SpecNames.Of(sampler.Value)}");
            }
            trials = ReadRequiredInt(settings, path, "trials", 1, SweepLimits.MaxTrials, "how many arms (autoencoder configurations) the sampler draws");
            startup = ReadOptionalInt(settings, path, "startup", 1, SweepLimits.MaxTrials, 10);
        }
        else
        {
            foreach (string key in new[] { "trials", "startup" }.Where(settings.ContainsKey))
            {
                Error(SpecPath.Property(path, key), $"{key} counts the arms a sampler draws: add sampler: tpe (or random), and give the autoencoder's settings as distributions");
            }
        }
        return _errors.Count == before ? StrategySpec.Asha(max!.Value, min!.Value, reduction!.Value, seed!.Value) with { Trials = trials!.Value, Startup = startup!.Value, Sampler = sampler } : null;
    }

    /// <summary>
    /// With ASHA, every autoencoder trains up to max_epochs (its rungs decide how far): an explicit epochs must say so, and a
    /// sweep without an autoencoder has nothing to halve. Returns the representations with their epochs set to max_epochs.
    /// </summary>
    private IReadOnlyList<RepresentationSpec> ApplyAsha(StrategySpec asha, IReadOnlyList<RepresentationSpec> representations)
    {
        foreach (var (epochs, path) in _explicitEpochs.Where(e => e.Value != asha.MaxEpochs))
        {
            Error(path, $"with strategy asha the autoencoders train up to max_epochs ({asha.MaxEpochs}) and the rungs decide how far; leave epochs out or set it to {asha.MaxEpochs}; got {epochs}");
        }
        if (!representations.Any(r => r.Autoencoder is not null))
        {
            Error(SpecPath.Property(SpecPath.Property(Root, "strategy"), "asha"), "asha stops autoencoder trainings early, and the sweep has no autoencoder: add one to representations, or use strategy grid");
        }
        return representations
            .Select(r => r.Autoencoder is { } ae ? RepresentationSpec.Of(ae with { Epochs = asha.MaxEpochs }) : r)
            .Distinct()
            .ToArray();
    }

    /// <summary>
    /// Distributions need a strategy that draws from them (random or tpe) and one autoencoder to fill in; tpe needs distributions.
    /// </summary>
    private void CheckSearch(StrategySpec strategy, IReadOnlyList<RepresentationSpec> representations)
    {
        var strategyPath = SpecPath.Property(Root, "strategy");
        if (_search.Count == 0)
        {
            if (_distributionGiven)
            {
                return;
            }
            if (strategy.Kind == StrategyKind.Tpe)
            {
                Error(SpecPath.Property(strategyPath, "tpe"), "tpe proposes autoencoder settings drawn from distributions, and the sweep has none: give one as a distribution, e.g. learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }");
            }
            if (strategy is { Kind: StrategyKind.Asha, Sampler: not null })
            {
                Error(SpecPath.Property(SpecPath.Property(strategyPath, "asha"), "sampler"), "a sampler draws autoencoder settings from distributions, and the sweep has none: give one as a distribution, e.g. learning_rate: { log_uniform: [1.0e-4, 1.0e-2] }");
            }
            return;
        }
        var (_, first) = _search[0];
        if (strategy.Draws is null)
        {
            Error(first, strategy.Kind == StrategyKind.Asha
                ? "asha draws its arms from distributions with a sampler: add sampler: tpe (or random) and trials: N to asha, or give a list of values instead"
                : $"a distribution is drawn from by strategy random or tpe, and this sweep's strategy is {SpecNames.Of(strategy.Kind)}: " +
                  "use { random: { trials: 20 } } or { tpe: { trials: 20 } }, or give a list of values instead");
        }
        if (representations.Count(r => r.Autoencoder is not null) != 1)
        {
            Error(first, "with distributions the sweep has one autoencoder whose other settings take one value each (a list makes several): give a varying setting as a distribution too, e.g. { choice: [64, 128] }");
        }
    }

    private void CheckTrialCount(SweepSpec candidate)
    {
        var count = SweepExpansion.Count(candidate);
        if (count <= SweepLimits.MaxTrials)
        {
            return;
        }
        var breakdown = string.Create(
            CultureInfo.InvariantCulture,
            $"datasets {candidate.Datasets.Count} × representations {candidate.Representations.Count} × seeds {candidate.Seeds.Count} × scalers {candidate.Scalers.Count} × k {candidate.K.Count}");
        var total = count == long.MaxValue ? "more than 9 quintillion" : count.ToString("N0", CultureInfo.InvariantCulture);
        Error(Root, string.Create(
            CultureInfo.InvariantCulture,
            $"the sweep expands to {total} trials ({breakdown}); at most {SweepLimits.MaxTrials:N0} are allowed: narrow an axis, or sample with strategy {{ random: {{ trials: N }} }}"));
    }

    // ---- axes --------------------------------------------------------------------------------

    /// <summary>The items of an axis with their paths; a single value stands for a list of one.</summary>
    private List<(JsonNode? Node, string Path)>? AxisItems(
        JsonObject parent, string parentPath, string key, bool required, string example, bool rangesAllowed)
    {
        var path = SpecPath.Property(parentPath, key);
        var node = Get(parent, key);
        switch (node)
        {
            case null:
                if (required)
                {
                    Error(path, $"{key} is required, e.g. {key}: {example}");
                }
                return null;
            case JsonArray { Count: 0 }:
                Error(path, $"{key} must not be empty, e.g. {key}: {example}");
                return null;
            case JsonArray list:
                return [.. list.Select((item, i) => (item, SpecPath.Index(path, i)))];
            case JsonObject when !rangesAllowed:
                Error(path, $"{key} is a list such as {example}; got {Describe(node)}");
                return null;
            default:
                return [(node, path)];
        }
    }

    /// <summary>An axis of integers: single values, lists, ranges, or lists mixing values and ranges.</summary>
    private List<(int Value, string Path)>? ReadIntAxis(
        JsonObject parent, string parentPath, string key, string what, bool required, string example, Func<long, string?> check)
    {
        var items = AxisItems(parent, parentPath, key, required, example, rangesAllowed: true);
        if (items is null)
        {
            return null;
        }
        var values = new List<(int Value, string Path)>();
        foreach (var (node, path) in items)
        {
            if (node is JsonObject range)
            {
                values.AddRange(ReadRange(range, path, what, check));
                continue;
            }
            if (ReadInteger(node, path, what) is not { } value)
            {
                continue;
            }
            if (check(value) is { } problem)
            {
                Error(path, problem);
                continue;
            }
            values.Add(((int)value, path));
        }
        ReportDuplicates(values, v => v.ToString(CultureInfo.InvariantCulture), what);
        return values;
    }

    private List<(int Value, string Path)> ReadRange(JsonObject range, string path, string what, Func<long, string?> check)
    {
        var before = _errors.Count;
        CheckKeys(range, path, _rangeKeys);
        var fromPath = SpecPath.Property(path, "from");
        var toPath = SpecPath.Property(path, "to");
        var stepPath = SpecPath.Property(path, "step");
        long? from = null;
        long? to = null;
        long? step = 1;
        if (Get(range, "from") is { } fromNode)
        {
            from = ReadInteger(fromNode, fromPath, "from");
        }
        else
        {
            Error(fromPath, "a range needs from, e.g. { from: 10, to: 250, step: 10 }");
        }
        if (Get(range, "to") is { } toNode)
        {
            to = ReadInteger(toNode, toPath, "to");
        }
        else
        {
            Error(toPath, "a range needs to, e.g. { from: 10, to: 250, step: 10 }");
        }
        if (Get(range, "step") is { } stepNode)
        {
            step = ReadInteger(stepNode, stepPath, "step");
            if (step <= 0)
            {
                Error(stepPath, $"step must be positive; got {step}");
            }
        }
        if (from > to)
        {
            Error(path, $"from ({from}) must not be greater than to ({to})");
        }
        if (_errors.Count != before)
        {
            return [];
        }
        var count = ((Int128)to!.Value - from!.Value) / step!.Value + 1;
        if (count > SweepLimits.MaxRangeValues)
        {
            Error(path, $"the range expands to {count} values; at most {SweepLimits.MaxRangeValues} are allowed");
            return [];
        }
        var last = (long)(from.Value + (count - 1) * step.Value);
        // Every check is a bound, so checking both ends checks every value in between.
        if (check(from.Value) is { } low)
        {
            Error(fromPath, low);
        }
        if (last != from.Value && check(last) is { } high)
        {
            Error(toPath, high);
        }
        if (_errors.Count != before)
        {
            return [];
        }
        var values = new List<(int, string)>((int)count);
        for (var value = from.Value; value <= last; value += step.Value)
        {
            values.Add(((int)value, path));
        }
        return values;
    }

    private void ReportDuplicates<T>(List<(T Value, string Path)> items, Func<T, string> key, string what)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (value, path) in items)
        {
            var name = key(value);
            if (!first.TryAdd(name, path) && reported.Add(path))
            {
                Error(path, first[name] == path
                    ? $"duplicate {what} {name}"
                    : $"duplicate {what} {name} (already at {first[name]})");
            }
        }
    }

    // ---- scalars -----------------------------------------------------------------------------

    /// <summary>A whole number the settings must give: "KEY is required: <paramref name="why"/>" when they do not.</summary>
    private int? ReadRequiredInt(JsonObject parent, string parentPath, string key, int min, int max, string why)
    {
        if (Get(parent, key) is { } node)
        {
            return ReadInt(node, SpecPath.Property(parentPath, key), key, min, max);
        }
        Error(SpecPath.Property(parentPath, key), $"{key} is required: {why}");
        return null;
    }

    private int? ReadOptionalInt(JsonObject parent, string parentPath, string key, int min, int max, int? fallback) =>
        Get(parent, key) is { } node ? ReadInt(node, SpecPath.Property(parentPath, key), key, min, max) : fallback;

    private double? ReadOptionalReal(JsonObject parent, string parentPath, string key, bool positive, double fallback) =>
        Get(parent, key) is { } node ? ReadReal(node, SpecPath.Property(parentPath, key), key, positive) : fallback;

    /// <summary>A real that must be positive (<paramref name="positive"/>) or else not negative.</summary>
    private double? ReadReal(JsonNode node, string path, string key, bool positive)
    {
        if (ReadReal(node, path, key) is not { } value)
        {
            return null;
        }
        if (positive && value <= 0)
        {
            Error(path, $"{key} must be positive; got {Format(value)}");
            return null;
        }
        if (!positive && value < 0)
        {
            Error(path, $"{key} must not be negative; got {Format(value)}");
            return null;
        }
        return value;
    }

    private bool? ReadOptionalBool(JsonObject parent, string parentPath, string key, bool fallback)
    {
        if (Get(parent, key) is not { } node)
        {
            return fallback;
        }
        if (node is JsonValue value && ScalarOf(value) is { Kind: ScalarKind.Boolean } scalar)
        {
            return scalar.Boolean;
        }
        Error(SpecPath.Property(parentPath, key), $"{key} must be true or false; got {Describe(node)}");
        return null;
    }

    private TEnum? ReadOptionalName<TEnum>(JsonObject parent, string parentPath, string key, string what, TEnum fallback)
        where TEnum : struct, Enum =>
        Get(parent, key) is { } node ? ReadName<TEnum>(node, SpecPath.Property(parentPath, key), what) : fallback;

    private TEnum? ReadName<TEnum>(JsonNode? node, string path, string what)
        where TEnum : struct, Enum
    {
        var text = ReadString(node, path, $"a {what} name");
        if (text is null)
        {
            return null;
        }
        if (SpecNames.TryParse<TEnum>(text, out var value))
        {
            return value;
        }
        UnknownName(path, what, text, SpecNames.All<TEnum>());
        return null;
    }

    private int? ReadInt(JsonNode? node, string path, string what, int min, int max)
    {
        if (ReadInteger(node, path, what) is not { } value)
        {
            return null;
        }
        if (Between(what, value, min, max) is { } problem)
        {
            Error(path, problem);
            return null;
        }
        return (int)value;
    }

    private long? ReadInteger(JsonNode? node, string path, string what)
    {
        var scalar = node is JsonValue value ? ScalarOf(value) : default;
        switch (scalar.Kind)
        {
            case ScalarKind.Integer:
                return scalar.Integer;
            case ScalarKind.Real when !double.IsFinite(scalar.Real):
                Error(path, $"{what} must be a finite number; got {Describe(node)}");
                return null;
            case ScalarKind.Real when Math.Floor(scalar.Real) == scalar.Real && Math.Abs(scalar.Real) < 9e18:
                return (long)scalar.Real;
            default:
                Error(path, $"{what} must be an integer; got {Describe(node)}");
                return null;
        }
    }

    private double? ReadReal(JsonNode? node, string path, string what)
    {
        var scalar = node is JsonValue value ? ScalarOf(value) : default;
        switch (scalar.Kind)
        {
            case ScalarKind.Integer:
                return scalar.Integer;
            case ScalarKind.Real when double.IsFinite(scalar.Real):
                return scalar.Real;
            case ScalarKind.Real:
                Error(path, $"{what} must be a finite number; got {Describe(node)}");
                return null;
            default:
                Error(path, $"{what} must be a number; got {Describe(node)}");
                return null;
        }
    }

    private string? ReadString(JsonNode? node, string path, string what)
    {
        if (node is JsonValue value && ScalarOf(value) is { Kind: ScalarKind.Text } scalar)
        {
            return scalar.Text;
        }
        Error(path, $"expected {what}; got {Describe(node)}");
        return null;
    }

    private static string? Between(string what, long value, long min, long max)
    {
        if (value >= min && value <= max)
        {
            return null;
        }
        return max == int.MaxValue
            ? $"{what} must be at least {min}; got {value}"
            : $"{what} must be between {min} and {max}; got {value}";
    }

    // ---- keys, names, errors -----------------------------------------------------------------

    private void CheckKeys(JsonObject mapping, string path, IReadOnlyList<string> known)
    {
        foreach (var (key, _) in mapping)
        {
            if (known.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }
            var hint = Suggestions.Closest(key, known) is { } closest
                ? $"did you mean '{closest}'?"
                : $"known keys: {string.Join(", ", known)}";
            Error(SpecPath.Property(path, key), $"unknown key '{key}'; {hint}");
        }
    }

    private void UnknownName(string path, string what, string text, IReadOnlyList<string> known)
    {
        var hint = Suggestions.Closest(text, known) is { } closest ? $" did you mean '{closest}'?" : "";
        Error(path, $"unknown {what} '{text}';{hint} known: {string.Join(", ", known)}");
    }

    private void Error(string path, string message) => _errors.Add(new SpecError(path, message));

    private static JsonNode? Get(JsonObject mapping, string key) =>
        mapping.TryGetPropertyValue(key, out var node) ? node : null;

    private static string SafeName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return SweepSpecParser.FallbackName;
        }
        var safe = UnsafeNameCharacters().Replace(name.Trim(), "-").Trim('-', '.', '_');
        if (safe.Length > MaxNameLength)
        {
            safe = safe[..MaxNameLength];
        }
        return safe.Length == 0 ? SweepSpecParser.FallbackName : safe;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex UnsafeNameCharacters();

    // ---- the JSON model ----------------------------------------------------------------------

    private enum ScalarKind
    {
        None,
        Integer,
        Real,
        Text,
        Boolean,
    }

    private readonly record struct Scalar(ScalarKind Kind, long Integer = 0, double Real = 0, string? Text = null, bool Boolean = false);

    /// <summary>
    /// What a value holds, whichever way it was built: parsed JSON keeps a <see cref="JsonElement"/>,
    /// while the YAML reader and code create values from CLR primitives (a YAML <c>.nan</c> is a
    /// <see cref="double"/> NaN, which JSON text cannot express).
    /// </summary>
    private static Scalar ScalarOf(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            return element.ValueKind switch
            {
                JsonValueKind.Number when element.TryGetInt64(out var integer) => new(ScalarKind.Integer, Integer: integer),
                JsonValueKind.Number when element.TryGetDouble(out var real) => new(ScalarKind.Real, Real: real),
                JsonValueKind.Number => new(ScalarKind.Real, Real: element.GetRawText().StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity),
                JsonValueKind.String => new(ScalarKind.Text, Text: element.GetString()),
                JsonValueKind.True => new(ScalarKind.Boolean, Boolean: true),
                JsonValueKind.False => new(ScalarKind.Boolean, Boolean: false),
                _ => default,
            };
        }
        if (value.TryGetValue<long>(out var l))
        {
            return new(ScalarKind.Integer, Integer: l);
        }
        if (value.TryGetValue<int>(out var i))
        {
            return new(ScalarKind.Integer, Integer: i);
        }
        if (value.TryGetValue<double>(out var d))
        {
            return new(ScalarKind.Real, Real: d);
        }
        if (value.TryGetValue<float>(out var f))
        {
            return new(ScalarKind.Real, Real: f);
        }
        if (value.TryGetValue<decimal>(out var m))
        {
            return decimal.IsInteger(m) && m >= long.MinValue && m <= long.MaxValue
                ? new(ScalarKind.Integer, Integer: (long)m)
                : new(ScalarKind.Real, Real: (double)m);
        }
        if (value.TryGetValue<short>(out var s))
        {
            return new(ScalarKind.Integer, Integer: s);
        }
        if (value.TryGetValue<uint>(out var u))
        {
            return new(ScalarKind.Integer, Integer: u);
        }
        if (value.TryGetValue<bool>(out var b))
        {
            return new(ScalarKind.Boolean, Boolean: b);
        }
        if (value.TryGetValue<string>(out var text))
        {
            return new(ScalarKind.Text, Text: text);
        }
        return default;
    }

    private static string Describe(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "null";
            case JsonObject:
                return "a mapping";
            case JsonArray:
                return "a list";
            case JsonValue value:
                var scalar = ScalarOf(value);
                return scalar.Kind switch
                {
                    ScalarKind.Integer => scalar.Integer.ToString(CultureInfo.InvariantCulture),
                    ScalarKind.Real => Format(scalar.Real),
                    ScalarKind.Text => $"the string '{scalar.Text}'",
                    ScalarKind.Boolean => scalar.Boolean ? "true" : "false",
                    _ => value.ToJsonString(),
                };
            default:
                return node.ToJsonString();
        }
    }

    private static string Format(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "infinity",
        double.NegativeInfinity => "-infinity",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
