using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Grid.Abstractions.Sweeps;
using Grid.Client.Specs;
using Grid.Core.Datasets;

namespace Grid.Client.Tests.Fuzzing;

/// <summary>Spec text to read, in which syntax, and how it was made.</summary>
internal sealed record SpecCase(string Origin, string Text, SpecFormat Format)
{
    private static readonly JsonSerializerOptions Literal = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The origin and the text as a C# string literal (JSON's escapes are C#'s), to paste into a regression test.</summary>
    public override string ToString() => $"{Origin} ({Format}): {JsonSerializer.Serialize(Text, Literal)}";
}

/// <summary>
/// Structure-aware spec generators: trees with the spec's own keys (root, split, representations, autoencoder, kmeans,
/// strategy, refine, objective, inline datasets), each value mostly of a plausible kind and sometimes of a wrong type or an
/// edge value (numbers beyond int and long, NaN and infinities, tags, quotes, unicode, empty lists), written as YAML
/// (block and flow styles) or JSON, sometimes with a byte order mark, CRLF line ends, comments, directives or a second
/// document; and YAML alias bombs.
/// </summary>
internal static partial class SpecTrees
{
    private abstract record Node;

    /// <param name="Yaml">The scalar as YAML writes it (plain, quoted or tagged).</param>
    /// <param name="Json">The same value as JSON (a YAML-only value becomes a JSON string, or invalid JSON such as NaN).</param>
    private sealed record Scalar(string Yaml, string Json) : Node;

    private sealed record Sequence(Node[] Items, bool Flow) : Node;

    private sealed record Mapping((string Key, Node Value)[] Entries, bool Flow) : Node;

    private static readonly string[] Words =
    [
        "mnist", "fashion-mnist", "Fashion-MNIST", "cifar", "raw", "pixels", "none", "unit", "l2", "standard", "minmax", "minibatch",
        "full", "bce", "mse", "conv", "mlp", "auto", "knee", "grid", "random", "asha", "tpe", "test_error", "train_error",
        "silhouette", "davies_bouldin", "inertia", "minimize", "maximize", "csv", "npy", "idx", "parquet", "images",
    ];

    private static readonly string[] AutoencoderKeys =
        ["z_dim", "loss", "epochs", "batch_size", "learning_rate", "reconstructions", "architecture", "hidden", "input_scaling"];

    private static readonly string[] KMeansKeys =
        ["algorithm", "batch_size", "n_init", "max_iter", "tol", "max_no_improvement", "shards", "warm_start", "method"];

    private static readonly string[] AshaKeys = ["max_epochs", "min_epochs", "reduction", "seed", "sampler", "trials", "startup"];

    private static readonly string[] Typos = ["kmaens", "Datasets", "z-dim", "", " k", "k ", "ключ", "__proto__"];

    private static readonly char[] JunkChars =
        [.. "az09 _-.:,#&*!|>'\"\\[]{}%@`?=~/\u00e9\u4e2d\u0000\u0001\u007f\t\r\n\u2028\uFEFF", '\uD83D', '\uDE00'];

    private static Scalar Both(string text) => new(text, text);

    private static readonly Gen<Node> Integer = Gen.Frequency(
        (3, Gen.Choose(-3, 300).Select(i => (Node)Both(i.ToString(CultureInfo.InvariantCulture)))),
        (1, Gen.Elements<Node>(
            Both("0"), Both("1"), Both("2"), Both("-1"), Both("2147483647"), Both("2147483648"), Both("-2147483649"),
            Both("9223372036854775807"), Both("9223372036854775808"), Both("99999999999999999999"), Both("100000"), Both("60001"),
            Both("1e3"), Both("10.0"), Both("2.5"), Both("-0"), new Scalar("0x10", "16"), new Scalar("0o17", "15"))));

    private static readonly Gen<Node> Real = Gen.Elements<Node>(
        Both("0.5"), Both("5.0e-4"), Both("1.0e-4"), Both("0"), Both("-1.5"), Both("1e308"), Both("1e400"), Both("-1e400"),
        Both("4.9e-324"), Both("1e-400"), Both("3"), new Scalar(".nan", "NaN"), new Scalar(".inf", "Infinity"),
        new Scalar("-.inf", "-Infinity"), new Scalar(".5", "0.5"), new Scalar("+1", "1"), new Scalar("1_000", "\"1_000\""));

    private static readonly Gen<Node> Other = Gen.Elements<Node>(
        Both("true"), Both("false"), new Scalar("True", "true"), new Scalar("yes", "\"yes\""), Both("null"), new Scalar("~", "null"),
        new Scalar("!!int 12", "12"), new Scalar("!!int twelve", "\"twelve\""), new Scalar("!!float 1", "1.0"),
        new Scalar("!!float x", "\"x\""), new Scalar("!!bool yes", "\"yes\""), new Scalar("!!null x", "null"),
        new Scalar("!!str 16", "\"16\""), new Scalar("!!binary AAAA", "\"AAAA\""), new Scalar("!custom 3", "3"),
        new Scalar("! 5", "\"5\""), new Scalar("|\n  block\n", "\"block\\n\""));

    private static readonly Gen<string> Junk =
        from length in Gen.Choose(0, 12)
        from chars in Gen.ArrayOf(Gen.Elements(JunkChars), length)
        select new string(chars);

    private static Gen<Node> Text(Gen<string> texts) =>
        from text in texts
        from style in Gen.Choose(0, 2)
        select (Node)new Scalar(style == 0 && PlainSafe().IsMatch(text) ? text : style == 1 ? SingleQuoted(text) : DoubleQuoted(text), JsonSerializer.Serialize(text));

    private static Gen<Node> Text(params string[] texts) => Text(Gen.Elements(texts));

    private static readonly Gen<Node> Word = Text(Gen.Frequency((5, Gen.Elements(Words)), (1, Junk)));

    private static readonly Gen<Node> AnyScalar = Gen.Frequency((3, Integer), (2, Real), (2, Other), (3, Word));

    // Generators are built once per key and depth: building them is most of the cost of drawing a tree.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Gen<Node>> AnyCache = new();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, int), Gen<Node>> ValueCache = new();

    /// <summary>Any tree: scalars, lists and mappings of any keys, to <paramref name="depth"/> levels.</summary>
    private static Gen<Node> Any(int depth) => AnyCache.GetOrAdd(depth, AnyUncached);

    private static Gen<Node> AnyUncached(int depth) => depth <= 0
        ? AnyScalar
        : Gen.Frequency(
            (4, AnyScalar),
            (1, List(Gen.Constant(0).SelectMany(_ => Any(depth - 1)))),
            (1, Gen.Elements(SweepSpecParser.RootKeys.Concat(AutoencoderKeys).Concat(KMeansKeys).Concat(Typos).ToArray())
                .SelectMany(key => Map([key], depth - 1, percent: 100))));

    private static Gen<Node> List(Gen<Node> items, int most = 5) =>
        from count in Gen.Frequency((12, Gen.Choose(0, most)), (1, Gen.Choose(most, 20)))
        from nodes in Gen.ArrayOf(items, count)
        from flow in Gen.Elements(false, true)
        select (Node)new Sequence(nodes, flow);

    private static Gen<Node> ListOrOne(Gen<Node> items) => Gen.Frequency((3, List(items)), (1, items));

    /// <summary>A mapping of some of <paramref name="keys"/> (each with <paramref name="percent"/> % chance), now and then a typo or a repeated key.</summary>
    private static Gen<Node> Map(string[] keys, int depth, int percent = 50) =>
        from picked in Gen.CollectToArray(keys, key => Gen.Choose(1, 100).Select(roll => roll <= percent ? key : null))
        from extra in Gen.Frequency(
            (20, Gen.Constant(Array.Empty<string>())),
            (1, Gen.Elements(Typos).Select(typo => new[] { typo })),
            (1, Gen.Elements(keys).Select(repeat => new[] { repeat })))
        let chosen = picked.OfType<string>().Concat(extra).ToArray()
        from values in Gen.CollectToArray(chosen, key => Value(key, depth))
        from flow in Gen.Elements(false, false, true)
        select (Node)new Mapping([.. chosen.Zip(values)], flow);

    /// <summary>The value of <paramref name="key"/>: mostly of the kind the spec expects there, sometimes anything.</summary>
    private static Gen<Node> Value(string key, int depth) =>
        depth <= 0 ? AnyScalar : ValueCache.GetOrAdd((key, depth), k => Gen.Frequency((5, Plausible(k.Item1, k.Item2 - 1)), (1, Any(Math.Min(k.Item2 - 1, 2)))));

    private static Gen<Node> Axis(int depth) =>
        ListOrOne(Gen.Frequency((5, Integer), (1, Map(["from", "to", "step"], depth, percent: 80))));

    private static Gen<Node> Distribution(int depth) =>
        Gen.Elements("uniform", "log_uniform", "int_uniform", "choice")
            .SelectMany(kind => Map([kind], depth, percent: 100));

    private static Gen<Node> Plausible(string key, int depth) => key switch
    {
        "name" => Text(Gen.Frequency((3, Gen.Elements("study", "seed-study", "a b", "ünï", "x/../y", "<script>", new string('n', 80))), (1, Junk))),
        "datasets" => ListOrOne(Gen.Frequency(
            (6, Text("mnist", "fashion-mnist", "MNIST", "cifar", "digits")),
            (1, Map([.. SpecDatasets.Keys], depth)))),
        "split" => Map(["train", "test"], depth, percent: 70),
        "representations" => ListOrOne(Gen.Frequency(
            (2, Text("raw", "pixels", "autoencoder")),
            (4, Map(["autoencoder"], depth, percent: 100)),
            (1, Map(["raw", "pixels"], depth)))),
        "autoencoder" => Map(AutoencoderKeys, depth, percent: 40),
        "z_dim" or "epochs" or "batch_size" when depth > 0 => Gen.Frequency((4, Axis(depth)), (1, Distribution(depth))),
        "learning_rate" => Gen.Frequency((4, ListOrOne(Real)), (1, Distribution(depth))),
        "loss" => Gen.Frequency((4, ListOrOne(Text("bce", "mse", "l1"))), (1, Distribution(depth))),
        "k" or "seeds" => Axis(depth),
        "uniform" or "log_uniform" or "int_uniform" => List(Gen.Frequency((2, Real), (2, Integer), (1, AnyScalar)), most: 3),
        "choice" => List(AnyScalar),
        "hidden" or "size" => List(Integer, most: 3),
        "scalers" => ListOrOne(Text("none", "unit", "l2", "standard", "minmax", "L2")),
        "kmeans" => Map(KMeansKeys, depth, percent: 40),
        "algorithm" => Text("minibatch", "full", "lloyd"),
        "tol" or "test_fraction" => Real,
        "shards" => Gen.Frequency((3, Integer), (1, Text("auto", "all"))),
        "warm_start" or "reconstructions" => Gen.Frequency((3, Gen.Elements<Node>(Both("true"), Both("false"))), (1, AnyScalar)),
        "strategy" => Gen.Frequency(
            (1, Text("grid", "random", "asha", "tpe", "bayes")),
            (3, Gen.Elements("grid", "random", "asha", "tpe").SelectMany(kind => Map([kind], depth, percent: 100)))),
        "random" => Map(["trials", "seed"], depth, percent: 80),
        "tpe" => Map(["trials", "startup", "seed"], depth, percent: 70),
        "asha" => Map(AshaKeys, depth, percent: 50),
        "grid" => Gen.Frequency((3, Gen.Constant<Node>(Both("null"))), (1, AnyScalar)),
        "sampler" => Text("random", "tpe", "grid"),
        "refine" => Gen.Frequency((1, Text("knee", "elbow")), (2, Map(["knee"], depth, percent: 100))),
        "knee" => Map(["step"], depth, percent: 70),
        "objective" => Gen.Frequency((1, Text("test_error", "silhouette", "inertia", "davies_bouldin")), (2, Map(["metric", "goal"], depth, percent: 70))),
        "metric" => Text("test_error", "train_error", "silhouette", "calinski_harabasz", "inertia", "accuracy"),
        "goal" => Text("minimize", "maximize", "max"),
        "architecture" => Text("conv", "mlp", "resnet"),
        "input_scaling" => Text("unit", "standard", "none", "minmax"),
        "format" => Text("csv", "npy", "idx", "parquet", "images", "xlsx"),
        _ when key.EndsWith("train", StringComparison.Ordinal) || key.EndsWith("test", StringComparison.Ordinal)
            || key.EndsWith("labels", StringComparison.Ordinal) || key == "label" => Gen.Frequency((3, Integer), (2, Word)),
        _ => Gen.Frequency((2, Integer), (1, AnyScalar)),
    };

    /// <summary>A spec's root: the required keys nine times in ten, the optional ones one time in three.</summary>
    private static readonly Gen<Node> Root =
        from required in Map(["datasets", "representations", "scalers", "k"], 4, percent: 92)
        from optional in Map(["name", "split", "seeds", "kmeans", "strategy", "refine", "objective"], 4, percent: 30)
        from flow in Gen.Elements(false, false, false, true)
        from shuffled in Gen.Shuffle(((Mapping)required).Entries.Concat(((Mapping)optional).Entries).ToArray())
        select (Node)new Mapping(shuffled, flow);

    // ---- Valid specs, then a few faults ----

    /// <summary>A word: plain in YAML, a string in JSON.</summary>
    private static Node Name(string word) => new Scalar(word, JsonSerializer.Serialize(word));

    private static Gen<Node> Ints(int low, int high, int most) =>
        from count in Gen.Choose(1, most)
        from values in Gen.ArrayOf(Gen.Choose(low, high), count)
        from flow in Gen.Elements(true, false)
        select (Node)new Sequence([.. values.Distinct().Select(v => Both(v.ToString(CultureInfo.InvariantCulture)))], flow);

    private static Gen<Node> Range(int low, int high) =>
        from start in Gen.Choose(low, high)
        from span in Gen.Choose(0, 60)
        from step in Gen.Choose(1, 10)
        select (Node)new Mapping([("from", Both($"{start}")), ("to", Both($"{start + span}")), ("step", Both($"{step}"))], Flow: true);

    private static Gen<Node> Entries(params (string Key, Gen<Node> Value, int Percent)[] entries) =>
        from picked in Gen.CollectToArray(entries, e => Gen.Choose(1, 100).SelectMany(roll => roll <= e.Percent ? e.Value.Select(v => ((string, Node)?)(e.Key, v)) : Gen.Constant<(string, Node)?>(null)))
        from flow in Gen.Elements(false, false, true)
        select (Node)new Mapping([.. picked.OfType<(string, Node)>()], flow);

    private static Gen<Node> WordLists(params string[][] choices) =>
        Gen.Elements(choices).Select(words => (Node)new Sequence([.. words.Select(Name)], Flow: true));

    private static readonly Gen<Node> ValidAutoencoder = Entries(
        ("autoencoder", Entries(
            ("z_dim", Gen.Frequency((2, Ints(1, 256, 3)), (1, Gen.Choose(1, 64).Select(z => (Node)Both($"{z}")))), 100),
            ("epochs", Gen.Choose(1, 60).Select(e => (Node)Both($"{e}")), 40),
            ("loss", Gen.Constant<Node>(Name("bce")), 20),
            ("batch_size", Gen.Elements<Node>(Both("64"), Both("128")), 20),
            ("learning_rate", Gen.Elements<Node>(Both("5.0e-4"), Both("1.0e-3")), 20)), 100));

    /// <summary>A spec the validator accepts (mostly: a k above a split's rows, say, still fails).</summary>
    private static readonly Gen<Node> ValidRoot = Entries(
        ("name", Gen.Elements<Node>(Name("study"), Name("seed-study"), new Scalar("\"a b\"", "\"a b\"")), 40),
        ("datasets", WordLists(["mnist"], ["fashion-mnist"], ["mnist", "fashion-mnist"]), 100),
        ("split", Entries(("train", Gen.Choose(300, 60000).Select(n => (Node)Both($"{n}")), 70), ("test", Gen.Choose(100, 10000).Select(n => (Node)Both($"{n}")), 70)), 30),
        ("representations", Gen.Frequency(
            (2, WordLists(["raw"], ["pixels"])),
            (2, ValidAutoencoder.Select(ae => (Node)new Sequence([ae], Flow: false))),
            (1, ValidAutoencoder.Select(ae => (Node)new Sequence([Both("raw"), ae], Flow: false)))), 100),
        ("scalers", WordLists(["none"], ["l2"], ["none", "l2", "standard"], ["unit"]), 100),
        ("k", Gen.Frequency((3, Ints(2, 250, 4)), (1, Range(2, 40))), 100),
        ("seeds", Gen.Frequency((2, Ints(0, 5, 2)), (1, Range(0, 3))), 30),
        ("kmeans", Entries(
            ("algorithm", Gen.Elements<Node>(Name("minibatch"), Name("full")), 30),
            ("n_init", Gen.Choose(1, 5).Select(n => (Node)Both($"{n}")), 40),
            ("tol", Gen.Elements<Node>(Both("1.0e-4"), Both("0")), 30),
            ("method", Gen.Elements<Node>(Name("auto"), Name("yinyang"), Name("elkan")), 15)), 30),
        ("strategy", Gen.Frequency((2, Gen.Constant<Node>(Name("grid"))), (1, Entries(("random", Entries(("trials", Gen.Choose(1, 40).Select(n => (Node)Both($"{n}")), 100), ("seed", Gen.Constant<Node>(Both("3")), 50)), 100)))), 25),
        ("refine", Gen.Elements<Node>(Name("knee"), new Mapping([("knee", new Mapping([("step", Both("2"))], Flow: true))], Flow: false)), 20),
        ("objective", Gen.Elements<Node>(Name("test_error"), new Mapping([("metric", Name("silhouette")), ("goal", Name("maximize"))], Flow: true)), 20));

    /// <summary>Counts the nodes of a tree (itself included), for picking one to change.</summary>
    private static int Size(Node node) => 1 + node switch
    {
        Sequence sequence => sequence.Items.Sum(Size),
        Mapping mapping => mapping.Entries.Sum(e => Size(e.Value)),
        _ => 0,
    };

    /// <summary>The tree with node <paramref name="index"/> (in pre-order) replaced by <paramref name="replace"/>'s result.</summary>
    private static Node Replace(Node node, int index, Func<Node, Node> replace)
    {
        if (index == 0)
        {
            return replace(node);
        }
        index--;
        switch (node)
        {
            case Sequence sequence:
                var items = sequence.Items.ToArray();
                for (int i = 0; i < items.Length; i++)
                {
                    int size = Size(items[i]);
                    if (index < size)
                    {
                        items[i] = Replace(items[i], index, replace);
                        return sequence with { Items = items };
                    }
                    index -= size;
                }
                return node;
            case Mapping mapping:
                var entries = mapping.Entries.ToArray();
                for (int i = 0; i < entries.Length; i++)
                {
                    int size = Size(entries[i].Value);
                    if (index < size)
                    {
                        entries[i] = (entries[i].Key, Replace(entries[i].Value, index, replace));
                        return mapping with { Entries = entries };
                    }
                    index -= size;
                }
                return node;
            default:
                return node;
        }
    }

    /// <summary>One fault at a node: another value of any kind, an edge value, a lost, repeated or misspelt key.</summary>
    private static Gen<Func<Node, Node>> Fault =>
        from kind in Gen.Choose(0, 4)
        from other in Any(2)
        from edge in Gen.OneOf(Integer, Real, Other)
        from typo in Gen.Elements(Typos)
        from which in Gen.Choose(0, 15)
        select kind switch
        {
            0 => (Func<Node, Node>)(_ => other),
            1 => _ => edge,
            2 => n => n is Mapping { Entries.Length: > 0 } m ? m with { Entries = [.. m.Entries.Where((_, i) => i != which % m.Entries.Length)] } : edge,
            3 => n => n is Mapping { Entries.Length: > 0 } m ? m with { Entries = [.. m.Entries, m.Entries[which % m.Entries.Length]] } : other,
            _ => n => n is Mapping m ? m with { Entries = [.. m.Entries, (typo, m.Entries.Length > 0 ? m.Entries[which % m.Entries.Length].Value : edge)] } : edge,
        };

    private static readonly Gen<Node> FaultyRoot =
        from root in ValidRoot
        from count in Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Choose(2, 3)))
        from faults in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, int.MaxValue - 1), Fault), count)
        select faults.Aggregate(root, (tree, fault) => Replace(tree, fault.Item1 % Size(tree), fault.Item2));

    /// <summary>A spec: valid with a few faults, or of the spec's keys with values of every kind; now and then a root of another kind.</summary>
    private static readonly Gen<Node> Document = Gen.Frequency((15, FaultyRoot), (15, Root), (1, Any(2)));

    private static readonly Gen<(string Name, Func<string, string> Apply)> YamlDecorations = Gen.Frequency(
        (24, Gen.Constant<(string, Func<string, string>)>(("", text => text))),
        (1, Gen.Constant<(string, Func<string, string>)>((", with a byte order mark", text => "\uFEFF" + text))),
        (1, Gen.Constant<(string, Func<string, string>)>((", CRLF", text => text.Replace("\n", "\r\n", StringComparison.Ordinal)))),
        (1, Gen.Constant<(string, Func<string, string>)>((", commented", text => "# a comment: with [brackets]\n" + text + "# the end\n"))),
        (1, Gen.Constant<(string, Func<string, string>)>((", with directives", text => "%YAML 1.2\n---\n" + text + "...\n"))),
        (1, Gen.Constant<(string, Func<string, string>)>((", two documents", text => text + "---\nk: [10]\n"))),
        (1, Gen.Constant<(string, Func<string, string>)>((", a tab", text => text.Replace("\n  ", "\n\t", StringComparison.Ordinal)))));

    private static readonly Gen<(string Name, Func<string, string> Apply)> JsonDecorations = Gen.Frequency(
        (24, Gen.Constant<(string, Func<string, string>)>(("", text => text))),
        (1, Gen.Constant<(string, Func<string, string>)>((", with a byte order mark", text => "\uFEFF" + text))),
        (1, Gen.Constant<(string, Func<string, string>)>((", CRLF", text => text.Replace("\n", "\r\n", StringComparison.Ordinal)))),
        (1, Gen.Constant<(string, Func<string, string>)>((", commented", text => "// a comment\n/* and { another */" + text))),
        (1, Gen.Constant<(string, Func<string, string>)>((", trailing text", text => text + "\n}"))),
        (1, Gen.Constant<(string, Func<string, string>)>((", cut short", text => text[..(text.Length / 2)]))));

    /// <summary>
    /// A YAML alias bomb: each level a list of <c>width</c> aliases of the level below, so that <c>levels</c> levels stand
    /// for width^levels scalars in a few hundred bytes.
    /// </summary>
    private static readonly Gen<SpecCase> AliasBomb =
        from levels in Gen.Choose(2, 12)
        from width in Gen.Choose(2, 10)
        from key in Gen.Elements("k", "datasets", "representations", "scalers")
        select new SpecCase($"alias bomb of {levels} levels of {width}", Bomb(levels, width, key), SpecFormat.Yaml);

    private static string Bomb(int levels, int width, string key)
    {
        var text = new StringBuilder($"a0: &a0 [{string.Join(", ", Enumerable.Repeat("10", width))}]\n");
        for (int level = 1; level < levels; level++)
        {
            text.Append(CultureInfo.InvariantCulture, $"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", width))}]\n");
        }
        foreach (var (name, value) in new[] { ("datasets", "[mnist]"), ("representations", "[raw]"), ("scalers", "[none]"), ("k", "[10]") })
        {
            text.Append(name).Append(": ").Append(name == key ? $"*a{levels - 1}" : value).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Generated YAML specs, alias bombs among them.</summary>
    public static readonly Gen<SpecCase> Yaml = Gen.Frequency(
        (100, from document in Document
             from decoration in YamlDecorations
             select new SpecCase($"generated YAML{decoration.Name}", decoration.Apply(ToYaml(document)), SpecFormat.Yaml)),
        (1, AliasBomb));

    /// <summary>Generated JSON specs, indented or on one line.</summary>
    public static readonly Gen<SpecCase> Json =
        from document in Document
        from indented in Gen.Elements(true, false)
        from decoration in JsonDecorations
        select new SpecCase($"generated JSON{decoration.Name}", decoration.Apply(ToJson(document, indented) + "\n"), SpecFormat.Json);

    private static string ToYaml(Node root)
    {
        var text = new StringBuilder();
        if (root is Scalar || IsInline(root))
        {
            return Inline(root) + "\n";
        }
        Block(text, root, 0);
        return text.ToString();
    }

    private static bool IsInline(Node node) => node switch
    {
        Scalar => true,
        Sequence s => s.Flow || s.Items.Length == 0,
        Mapping m => m.Flow || m.Entries.Length == 0,
        _ => true,
    };

    private static void Block(StringBuilder text, Node node, int indent)
    {
        string pad = new(' ', indent);
        if (node is Mapping mapping)
        {
            foreach (var (key, value) in mapping.Entries)
            {
                text.Append(pad).Append(Key(key)).Append(':');
                Nested(text, value, indent);
            }
        }
        else if (node is Sequence sequence)
        {
            foreach (var item in sequence.Items)
            {
                text.Append(pad).Append('-');
                Nested(text, item, indent);
            }
        }
    }

    private static void Nested(StringBuilder text, Node value, int indent)
    {
        if (IsInline(value))
        {
            string inline = Inline(value);
            // A block scalar ("|") starts its own lines.
            text.Append(' ').Append(inline.StartsWith('|') ? inline.Replace("\n  ", "\n" + new string(' ', indent + 2), StringComparison.Ordinal) : inline + "\n");
        }
        else
        {
            text.Append('\n');
            Block(text, value, indent + 2);
        }
    }

    private static string Inline(Node node) => node switch
    {
        Scalar scalar => scalar.Yaml,
        Sequence sequence => $"[{string.Join(", ", sequence.Items.Select(FlowItem))}]",
        Mapping mapping => $"{{{string.Join(", ", mapping.Entries.Select(e => $"{Key(e.Key)}: {FlowItem(e.Value)}"))}}}",
        _ => "",
    };

    /// <summary>Inside flow collections a block scalar cannot stand: it becomes its JSON form (a double-quoted string is YAML too).</summary>
    private static string FlowItem(Node node) => node is Scalar { Yaml: var yaml } scalar && yaml.StartsWith('|') ? scalar.Json : Inline(node);

    private static string Key(string key) => PlainSafe().IsMatch(key) ? key : DoubleQuoted(key);

    private static string ToJson(Node node, bool indented, int indent = 0) => node switch
    {
        Scalar scalar => scalar.Json,
        Sequence sequence => Join("[", "]", sequence.Items.Select(item => ToJson(item, indented, indent + 2)), indented, indent),
        Mapping mapping => Join("{", "}", mapping.Entries.Select(e => $"{JsonSerializer.Serialize(e.Key)}: {ToJson(e.Value, indented, indent + 2)}"), indented, indent),
        _ => "null",
    };

    private static string Join(string open, string close, IEnumerable<string> items, bool indented, int indent)
    {
        string[] all = items.ToArray();
        if (!indented || all.Length == 0)
        {
            return open + string.Join(", ", all) + close;
        }
        string pad = new(' ', indent + 2);
        return $"{open}\n{pad}{string.Join($",\n{pad}", all)}\n{new string(' ', indent)}{close}";
    }

    private static string SingleQuoted(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string DoubleQuoted(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or '\u007f' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>Words YAML reads as plain strings: a letter first, then letters, digits, '_', '-' and '.'; not a boolean or null.</summary>
    [GeneratedRegex(@"^(?!(true|false|null|True|False|Null|TRUE|FALSE|NULL|y|n|yes|no|on|off)$)[A-Za-z][A-Za-z0-9_.-]*$")]
    private static partial Regex PlainSafe();
}
