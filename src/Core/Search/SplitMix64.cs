namespace Grid.Core.Search;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a small generator whose output is fixed by its definition, unlike
/// <see cref="Random"/>, whose algorithm may change between .NET versions. Proposals drawn from it are the same on every
/// machine and every run, so a restarted sweep proposes what it proposed before.
/// </summary>
public sealed class SplitMix64
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>A generator whose sequence is fixed by <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>
    /// An independent-looking generator for one numbered draw of a seeded process (for example proposal 7 of sweep seed 0):
    /// the same (seed, stream) always gives the same sequence, without replaying the streams before it.
    /// </summary>
    public static SplitMix64 ForStream(long seed, long stream) =>
        // Mixing twice keeps neighbouring seeds and neighbouring streams from giving shifted copies of one sequence.
        new(Mix(Mix(unchecked((ulong)seed)) ^ unchecked((ulong)stream * Gamma)));

    /// <summary>The next 64 random bits.</summary>
    public ulong Next() => Mix(_state = unchecked(_state + Gamma));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public long NextBelow(long bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var n = (ulong)bound;
        // Values below 2^64 mod n would make the low residues more likely: redraw them.
        var threshold = unchecked(0UL - n) % n;
        while (true)
        {
            var r = Next();
            if (r >= threshold)
            {
                return (long)(r % n);
            }
        }
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
