using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Grid.Testing.Fuzzing;

/// <summary>Bytes to feed a reader, and how they were made (the seed and each mutation, or the generator's choices).</summary>
public sealed record FuzzInput(string Origin, byte[] Bytes)
{
    /// <summary>The origin and the bytes in base64: what a regression test needs to replay the input.</summary>
    public override string ToString() => $"{Origin} ({Bytes.Length} bytes, base64 {Convert.ToBase64String(Bytes)})";
}

/// <summary>
/// Byte-level mutations of valid seed inputs as FsCheck generators: bit flips, bytes set to boundary values, truncations,
/// insertions of random bytes or of tokens that trip parsers (numbers too large for any type, NaN, quotes, brackets, a
/// byte order mark), duplicated and deleted chunks. A mutant applies one to four of them and says which.
/// </summary>
public static class Mutations
{
    /// <summary>Bytes on the boundaries of the types and syntaxes the readers parse.</summary>
    private static readonly byte[] Boundaries =
        [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, (byte)'\n', (byte)'\r', (byte)'\t', (byte)'"', (byte)'\'', (byte)',', (byte)'-', (byte)'9', (byte)':', (byte)'[', (byte)'{', (byte)'&', (byte)'*', (byte)'#'];

    /// <summary>Text that trips number and structure parsers.</summary>
    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "-1", "0", "2147483648", "4294967296", "9223372036854775808", "99999999999999999999999", "1e400", "-1e309", "1e39",
            "NaN", "inf", ".nan", "-.inf", "0x", "1L", "\"", "'", "\"\"", "\r\n", "\r", "{", "}", "[", "]", "(", ")", ": ", "- ", ",,", "&a ", "*a",
            "!!int ", "!!binary ", "null", "~", "True", "\uFEFF", "\u00e9", "\u4e2d", "\\u0000", "%YAML 1.1\n", "---\n", "...\n",
        }.Select(Encoding.UTF8.GetBytes),
        [0x00], [0xFF, 0xFE], [0xEF, 0xBB, 0xBF], [0xC3], [0x1F, 0x8B], [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'],
    ];

    private enum Kind
    {
        FlipBit,
        SetByte,
        Truncate,
        Insert,
        InsertToken,
        Duplicate,
        Delete,
    }

    /// <param name="Where">Where it applies: an offset, taken modulo the length of the bytes it is applied to.</param>
    /// <param name="Length">How many bytes a duplicate or delete spans.</param>
    /// <param name="Value">Which bit, boundary byte or token; for a duplicate, where the copy goes.</param>
    /// <param name="Bytes">What an insert inserts.</param>
    private sealed record Mutation(Kind Kind, int Where, int Length, int Value, byte[] Bytes);

    private static readonly Gen<Mutation> AnyMutation =
        from kind in Gen.Elements(Enum.GetValues<Kind>())
        // Headers are at the start: a third of the mutations land in the first 64 bytes.
        from at in Gen.Frequency((1, Gen.Choose(0, 63)), (2, Gen.Choose(0, int.MaxValue - 1)))
        from length in Gen.Frequency((3, Gen.Choose(1, 8)), (1, Gen.Choose(9, 256)))
        from value in Gen.Choose(0, int.MaxValue - 1)
        from count in Gen.Choose(1, 16)
        from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), count)
        select new Mutation(kind, at, length, value, bytes);

    /// <summary>One to four mutations of one of <paramref name="seeds"/> (valid inputs of the reader under test).</summary>
    public static Gen<FuzzInput> Of(IReadOnlyList<FuzzInput> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        return from seed in Gen.Elements(seeds.ToArray())
               from count in Gen.Choose(1, 4)
               from mutations in Gen.ArrayOf(AnyMutation, count)
               select Apply(seed, mutations);
    }

    private static FuzzInput Apply(FuzzInput seed, Mutation[] mutations)
    {
        var bytes = seed.Bytes.ToList();
        var steps = new List<string>();
        foreach (var m in mutations)
        {
            int at = m.Where % (bytes.Count + 1);
            int inside = bytes.Count == 0 ? 0 : m.Where % bytes.Count;
            switch (bytes.Count == 0 && m.Kind is not (Kind.Insert or Kind.InsertToken) ? Kind.Insert : m.Kind)
            {
                case Kind.FlipBit:
                    bytes[inside] ^= (byte)(1 << (m.Value % 8));
                    steps.Add($"flip bit {m.Value % 8} of byte {inside}");
                    break;
                case Kind.SetByte:
                    bytes[inside] = Boundaries[m.Value % Boundaries.Length];
                    steps.Add($"byte {inside} := 0x{bytes[inside]:x2}");
                    break;
                case Kind.Truncate:
                    bytes.RemoveRange(at, bytes.Count - at);
                    steps.Add($"truncate to {at}");
                    break;
                case Kind.Insert:
                    bytes.InsertRange(at, m.Bytes);
                    steps.Add($"insert {m.Bytes.Length} random bytes at {at}");
                    break;
                case Kind.InsertToken:
                    var token = Tokens[m.Value % Tokens.Length];
                    bytes.InsertRange(at, token);
                    steps.Add($"insert {Convert.ToHexString(token)} at {at}");
                    break;
                case Kind.Duplicate:
                    int length = Math.Min(m.Length, bytes.Count - inside);
                    int to = m.Value % (bytes.Count + 1);
                    bytes.InsertRange(to, bytes.GetRange(inside, length));
                    steps.Add($"copy {length} bytes from {inside} to {to}");
                    break;
                case Kind.Delete:
                    int count = Math.Min(m.Length, bytes.Count - inside);
                    bytes.RemoveRange(inside, count);
                    steps.Add($"delete {count} bytes at {inside}");
                    break;
            }
        }
        return new FuzzInput($"{seed.Origin}, mutated: {string.Join(", ", steps)}", [.. bytes]);
    }
}
