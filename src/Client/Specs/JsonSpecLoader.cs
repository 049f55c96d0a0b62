using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.Abstractions.Sweeps;

namespace Grid.Client.Specs;

/// <summary>
/// Loads JSON into the JSON model, allowing comments and trailing commas and rejecting duplicate
/// keys, and records where each key and list item starts with a second, token-level pass.
/// </summary>
internal static partial class JsonSpecLoader
{
    private static readonly JsonDocumentOptions _documentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        AllowDuplicateProperties = false,
        MaxDepth = 64,
    };

    public static SpecDocument Load(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new SpecDocument(null, new Dictionary<string, SourcePosition>(), []);
        }
        try
        {
            // The token pass finds syntax errors and duplicate keys with their positions, which
            // JsonNode.Parse reports without a position for duplicates.
            var positions = Scan(text);
            var root = JsonNode.Parse(text, documentOptions: _documentOptions);
            return new SpecDocument(root, positions, []);
        }
        catch (JsonException e)
        {
            SourcePosition? position = e.LineNumber is { } line
                ? new SourcePosition((int)line + 1, (int)(e.BytePositionInLine ?? 0) + 1)
                : null;
            return Failed(DiagnosticSuffix().Replace(e.Message, "").Trim(), position);
        }
        catch (DuplicateKeyException e)
        {
            return Failed($"duplicate key '{e.Key}'", e.Position);
        }
    }

    private static SpecDocument Failed(string message, SourcePosition? position) =>
        new(null, new Dictionary<string, SourcePosition>(), [new SpecError(SpecPath.Root, $"invalid JSON: {message}", position?.Line, position?.Column)]);

    /// <summary>The position of every key and list item, by <see cref="SpecPath"/>.</summary>
    private static Dictionary<string, SourcePosition> Scan(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }
        SourcePosition At(long offset)
        {
            var line = lineStarts.BinarySearch((int)offset);
            line = line >= 0 ? line : ~line - 1;
            var column = Encoding.UTF8.GetCharCount(bytes, lineStarts[line], (int)offset - lineStarts[line]) + 1;
            return new SourcePosition(line + 1, column);
        }

        var positions = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            AllowTrailingCommas = true,
            CommentHandling = JsonCommentHandling.Skip,
            MaxDepth = _documentOptions.MaxDepth,
        });
        var frames = new Stack<Frame>();
        string? pendingPath = null;
        string ValuePath()
        {
            if (pendingPath is { } property)
            {
                pendingPath = null;
                return property;
            }
            return frames.TryPeek(out var list) ? SpecPath.Index(list.Path, list.NextIndex++) : SpecPath.Root;
        }

        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var frame = frames.Peek();
                    var key = reader.GetString()!;
                    if (!frame.Keys.Add(key))
                    {
                        throw new DuplicateKeyException(key, At(reader.TokenStartIndex));
                    }
                    pendingPath = SpecPath.Property(frame.Path, key);
                    positions.TryAdd(pendingPath, At(reader.TokenStartIndex));
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    var containerPath = ValuePath();
                    positions.TryAdd(containerPath, At(reader.TokenStartIndex));
                    frames.Push(new Frame(containerPath));
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    frames.Pop();
                    break;
                default:
                    positions.TryAdd(ValuePath(), At(reader.TokenStartIndex));
                    break;
            }
        }
        return positions;
    }

    /// <summary>An open object or list: its path, its keys so far, and the index of its next item.</summary>
    private sealed class Frame(string path)
    {
        public string Path { get; } = path;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public int NextIndex { get; set; }
    }

    private sealed class DuplicateKeyException(string key, SourcePosition position) : Exception($"duplicate key '{key}'")
    {
        public string Key { get; } = key;

        public SourcePosition Position { get; } = position;
    }

    /// <summary>System.Text.Json appends " Path: $.x | LineNumber: 0 | BytePositionInLine: 5."; the error carries the position itself.</summary>
    [GeneratedRegex(@"\s*(Path: .*)?\|?\s*LineNumber: \d+ \| BytePositionInLine: \d+\.\s*$")]
    private static partial Regex DiagnosticSuffix();
}
