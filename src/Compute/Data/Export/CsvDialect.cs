using System.Globalization;
using nietras.SeparatedValues;

namespace Grid.Compute.Data.Export;

/// <summary>The one CSV dialect Grid writes (datasets, sweep tables).</summary>
public static class CsvDialect
{
    /// <summary>Comma-separated, fields with a comma, quote or line break quoted (RFC 4180), invariant culture.</summary>
    public static SepWriterOptions Writer { get; } = Sep.New(',').Writer(o => o with { Escape = true, CultureInfo = CultureInfo.InvariantCulture });
}
