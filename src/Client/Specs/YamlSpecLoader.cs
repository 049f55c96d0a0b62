using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.Abstractions.Sweeps;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Grid.Client.Specs;

/// <summary>
/// Loads YAML into the JSON model with YamlDotNet's representation model. Plain scalars are
/// typed as YAML 1.2's core schema types them (null, true/false, integers in decimal, 0x and 0o,
/// floats including .inf, -.inf and .nan); quoted and block scalars stay strings; the standard
/// tags (<c>!!str</c>, <c>!!int</c>, <c>!!float</c>, <c>!!bool</c>, <c>!!null</c>) force a type.
/// </summary>
internal static partial class YamlSpecLoader
{
    /// <summary>Deeper nesting than any spec needs; also stops recursive aliases.</summary>
    private const int MaxDepth = 64;

    /// <summary>
    /// How many more nodes than its text has characters a document may expand to. Without aliases a text cannot write
    /// out more nodes than characters; a spec repeats an anchor a few times, an alias bomb nests them to billions.
    /// </summary>
    private const int MaxAliasedNodes = 10_000;

    private const string TagPrefix = "tag:yaml.org,2002:";

    public static SpecDocument Load(string text)
    {
        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException e)
        {
            var start = new SourcePosition((int)e.Start.Line, (int)e.Start.Column);
            if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && TabAfter(text, start) is { } tab)
            {
                return Failed($"{Clean(e)} YAML indents with spaces, never tabs.", tab);
            }
            return Failed(Clean(e), start);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // YamlDotNet's scanner throws plain exceptions on some malformed input (an unclosed
            // flow list, for one); a spec error must still say where, never show a stack trace.
            var at = scanner.CurrentPosition;
            return Failed(
                "invalid YAML: the text cannot be parsed here (is a bracket, brace or quote left open?)",
                new SourcePosition((int)at.Line, (int)at.Column));
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            return Failed("a spec file holds one YAML document; found another", new SourcePosition((int)second.Line, (int)second.Column));
        }
        if (stream.Documents.Count == 0)
        {
            return new SpecDocument(null, new Dictionary<string, SourcePosition>(), []);
        }

        var converter = new Converter(text.Length + MaxAliasedNodes);
        try
        {
            var rootNode = stream.Documents[0].RootNode;
            converter.Positions[SpecPath.Root] = PositionOf(rootNode);
            var root = converter.Convert(rootNode, SpecPath.Root, 0);
            return new SpecDocument(root, converter.Positions, []);
        }
        catch (YamlConversionException e)
        {
            return Failed(e.Message, e.Position);
        }
    }

    /// <summary>
    /// Where the offending tab is. YamlDotNet reports a tab in indentation at the start of the mapping or
    /// scalar it was scanning (line 1, column 1 for a top-level mapping): the first tab from there that
    /// indents a line, else the first tab from there.
    /// </summary>
    private static SourcePosition? TabAfter(string text, SourcePosition from)
    {
        string[] lines = text.Split('\n');
        SourcePosition? any = null;
        for (int line = Math.Max(from.Line, 1); line <= lines.Length; line++)
        {
            string content = lines[line - 1];
            for (int column = line == from.Line ? Math.Max(from.Column, 1) : 1; column <= content.Length; column++)
            {
                if (content[column - 1] != '\t')
                {
                    continue;
                }
                if (content[..(column - 1)].All(c => c is ' ' or '\t'))
                {
                    return new SourcePosition(line, column);
                }
                any ??= new SourcePosition(line, column);
            }
        }
        return any;
    }

    private static SpecDocument Failed(string message, SourcePosition? position) =>
        new(null, new Dictionary<string, SourcePosition>(), [new SpecError(SpecPath.Root, message, position?.Line, position?.Column)]);

    private static string Clean(YamlException e)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; the error carries the position itself.
        var message = PositionPrefix().Replace(e.Message, "").Trim();
        return $"invalid YAML: {(message.Length == 0 ? e.GetType().Name : message)}";
    }

    private static SourcePosition PositionOf(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex("^0o[0-7]+$")]
    private static partial Regex OctalInteger();

    [GeneratedRegex("^0x[0-9a-fA-F]+$")]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    private sealed class YamlConversionException(string message, SourcePosition position) : Exception(message)
    {
        public SourcePosition Position { get; } = position;
    }

    private sealed class Converter(long maxNodes)
    {
        private long _nodes;

        public Dictionary<string, SourcePosition> Positions { get; } = new(StringComparer.Ordinal);

        public JsonNode? Convert(YamlNode node, string path, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new YamlConversionException($"the YAML nests deeper than {MaxDepth} levels", PositionOf(node));
            }
            if (++_nodes > maxNodes)
            {
                throw new YamlConversionException(
                    $"the YAML expands to more than {maxNodes} nodes: its aliases repeat anchors more often than a spec needs", PositionOf(node));
            }
            switch (node)
            {
                case YamlScalarNode scalar:
                    return Scalar(scalar);

                case YamlSequenceNode sequence:
                    var list = new JsonArray();
                    foreach (var item in sequence.Children)
                    {
                        var itemPath = SpecPath.Index(path, list.Count);
                        Positions.TryAdd(itemPath, PositionOf(item));
                        list.Add(Convert(item, itemPath, depth + 1));
                    }
                    return list;

                case YamlMappingNode mapping:
                    var map = new JsonObject();
                    foreach (var (keyNode, valueNode) in mapping.Children)
                    {
                        if (keyNode is not YamlScalarNode { Value: { } key })
                        {
                            throw new YamlConversionException("keys must be plain names, not lists or mappings", PositionOf(keyNode));
                        }
                        if (map.ContainsKey(key))
                        {
                            throw new YamlConversionException($"invalid YAML: duplicate key '{key}'", PositionOf(keyNode));
                        }
                        var valuePath = SpecPath.Property(path, key);
                        Positions.TryAdd(valuePath, PositionOf(keyNode));
                        map[key] = Convert(valueNode, valuePath, depth + 1);
                    }
                    return map;

                default:
                    throw new YamlConversionException($"unsupported YAML node {node.NodeType}", PositionOf(node));
            }
        }

        private static JsonNode? Scalar(YamlScalarNode scalar)
        {
            var text = scalar.Value ?? "";
            var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
            if (tag is not null && tag.StartsWith(TagPrefix, StringComparison.Ordinal))
            {
                var type = tag[TagPrefix.Length..];
                var typed = type switch
                {
                    "str" => JsonValue.Create(text),
                    "null" => null,
                    "bool" => Bool(text) ?? Invalid(scalar, "a boolean"),
                    "int" => Integer(text) ?? Invalid(scalar, "an integer"),
                    "float" => Real(text) ?? Integer(text) ?? Invalid(scalar, "a float"),
                    _ => Infer(text),
                };
                return typed;
            }
            if (scalar.Style != ScalarStyle.Plain || tag == "!")
            {
                return JsonValue.Create(text);
            }
            return Infer(text);
        }

        private static JsonNode? Infer(string text)
        {
            if (text is "" or "~" or "null" or "Null" or "NULL")
            {
                return null;
            }
            return Bool(text) ?? Integer(text) ?? Real(text) ?? JsonValue.Create(text);
        }

        private static JsonValue Invalid(YamlScalarNode scalar, string what) =>
            throw new YamlConversionException($"'{scalar.Value}' is tagged {scalar.Tag.Value} but is not {what}", PositionOf(scalar));

        private static JsonValue? Bool(string text) => text switch
        {
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ => null,
        };

        private static JsonValue? Integer(string text)
        {
            long value;
            if (DecimalInteger().IsMatch(text))
            {
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
                {
                    // Beyond 64 bits: keep the magnitude as a float rather than fail here;
                    // the parser then reports it as out of range.
                    return JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture));
                }
            }
            else if (OctalInteger().IsMatch(text))
            {
                try
                {
                    value = System.Convert.ToInt64(text[2..], 8);
                }
                catch (OverflowException)
                {
                    return null;
                }
            }
            else if (HexInteger().IsMatch(text))
            {
                if (!long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
                {
                    return null;
                }
            }
            else
            {
                return null;
            }
            return value is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)value) : JsonValue.Create(value);
        }

        private static JsonValue? Real(string text)
        {
            switch (text)
            {
                case ".nan" or ".NaN" or ".NAN":
                    return JsonValue.Create(double.NaN);
                case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                    return JsonValue.Create(double.PositiveInfinity);
                case "-.inf" or "-.Inf" or "-.INF":
                    return JsonValue.Create(double.NegativeInfinity);
            }
            return Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? JsonValue.Create(value)
                : null;
        }
    }
}
