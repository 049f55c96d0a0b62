namespace Grid.Client.Specs;

/// <summary>A place in a spec's text.</summary>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column, in characters.</param>
public readonly record struct SourcePosition(int Line, int Column);
