namespace Grid.Client.Specs;

/// <summary>The syntax a sweep spec is written in.</summary>
public enum SpecFormat
{
    /// <summary>Decide from the text: JSON when it starts with <c>{</c> or <c>[</c>, YAML otherwise.</summary>
    Auto = 0,

    /// <summary>YAML 1.2 (JSON is a subset, but <see cref="Json"/> gives better messages for it).</summary>
    Yaml = 1,

    /// <summary>JSON, with comments and trailing commas allowed.</summary>
    Json = 2,
}
