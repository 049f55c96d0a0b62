using System.Text.Json.Nodes;
using Grid.Abstractions.Sweeps;

namespace Grid.Client.Specs;

/// <summary>
/// A spec's text loaded into the JSON model the parser reads, with the source position of every
/// key and list item so that errors can point at a line; or the syntax errors that stopped it.
/// </summary>
public sealed class SpecDocument
{
    private readonly IReadOnlyDictionary<string, SourcePosition> _positions;

    internal SpecDocument(JsonNode? root, IReadOnlyDictionary<string, SourcePosition> positions, IReadOnlyList<SpecError> errors)
    {
        Root = root;
        _positions = positions;
        Errors = errors;
    }

    /// <summary>The root of the document; <see langword="null"/> for an empty one or when it failed to load.</summary>
    public JsonNode? Root { get; }

    /// <summary>Syntax errors, each with its line and column; empty when the text loaded.</summary>
    public IReadOnlyList<SpecError> Errors { get; }

    /// <summary>Whether the text loaded (it may still be an invalid spec).</summary>
    public bool Loaded => Errors.Count == 0;

    /// <summary>Where the value at <paramref name="path"/> (a <see cref="SpecPath"/>) starts, if known.</summary>
    public SourcePosition? PositionOf(string path) =>
        _positions.TryGetValue(path, out var position) ? position : null;

    /// <summary>
    /// <paramref name="error"/> with the line and column of its path, or of the nearest enclosing
    /// key that exists (a missing key is reported where its parent is). Errors about the whole
    /// spec (<c>$</c>) keep no position.
    /// </summary>
    public SpecError Locate(SpecError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Line is not null)
        {
            return error;
        }
        var path = error.Path;
        while (path.Length > SpecPath.Root.Length)
        {
            if (_positions.TryGetValue(path, out var position))
            {
                return error with { Line = position.Line, Column = position.Column };
            }
            var cut = path.LastIndexOfAny(['.', '[']);
            if (cut <= 0)
            {
                break;
            }
            path = path[..cut];
        }
        return error;
    }
}
