using System.Globalization;
using System.Text.RegularExpressions;

namespace Grid.Silo.Hosting;

/// <summary>Sizes as people write them in settings: <c>1500M</c>, <c>6G</c>, <c>6Gi</c>, <c>512MiB</c>, or plain bytes.</summary>
public static partial class MemorySize
{
    /// <summary>Bytes in <paramref name="text"/>; K, M, G and T are powers of 1024 whether or not an <c>i</c> or <c>B</c> follows.</summary>
    /// <exception cref="FormatException">It is not a size.</exception>
    public static long Parse(string text)
    {
        var match = SizePattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not a size: write a number with an optional unit, e.g. 1500M, 6G or 6GiB");
        }
        double number = double.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture);
        int power = match.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "" => 0,
            "K" => 1,
            "M" => 2,
            "G" => 3,
            _ => 4,
        };
        double bytes = number * Math.Pow(1024, power);
        if (bytes < 1 || bytes > long.MaxValue / 2)
        {
            throw new FormatException($"'{text}' is out of range: a size is at least 1 byte");
        }
        return (long)bytes;
    }

    /// <summary>A size for messages: 1.5 GiB, 300 MiB.</summary>
    public static string Format(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.##} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MiB");

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?)\s*(?:(?<unit>[KMGT])i?)?B?$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();
}
