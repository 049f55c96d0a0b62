namespace Grid.Silo;

/// <summary>Marker for the silo host assembly.</summary>
public static class SiloAssembly
{
}
