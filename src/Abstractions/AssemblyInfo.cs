namespace Grid.Abstractions;

/// <summary>Marker for the contracts assembly; grain interfaces and wire records live beside it.</summary>
public static class ContractsAssembly
{
}
