using System.Runtime.CompilerServices;
namespace Grid.Compute.Data.Import;

/// <summary>
/// The seeded split of one file's rows into train and test rows when no test file is given. The rule, exactly (so that
/// it can be reproduced elsewhere):
/// <list type="number">
/// <item>Classes are taken in class-index order (unlabeled rows are one class). A class of m rows gives
/// t = min(round(m × fraction), m − 1) test rows (round half away from zero), so every class keeps a training row.</item>
/// <item>One SplitMix64 generator, seeded with the seed as an unsigned 64-bit number, runs through all classes. For each
/// class, the positions 0..m−1 of its rows (in file order) are shuffled by Fisher–Yates: for i from m−1 down to 1,
/// j = next() mod (i + 1), swap positions i and j. The rows at the first t shuffled positions are test rows.</item>
/// <item>Both parts keep the file's row order.</item>
/// </list>
/// </summary>
public static class StratifiedSplit
{
    /// <summary>Which rows are test rows: for each of <paramref name="count"/> rows, true when it goes to the test part.</summary>
    /// <param name="classes">Each row's class index; null for unlabeled rows (a plain seeded split).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool[] TestRows(byte[]? classes, int count, double fraction, int seed)
    {
        if (classes is not null && classes.Length != count)
        {
            throw new ArgumentException($"{classes.Length} classes for {count} rows", nameof(classes));
        }
        var members = new List<int>[classes is null ? 1 : ClassMap.MaxClasses];
        for (int row = 0; row < count; row++)
        {
            (members[classes?[row] ?? 0] ??= []).Add(row);
        }
        var test = new bool[count];
        var random = new SplitMix64(unchecked((ulong)seed));
        foreach (var rows in members.Where(m => m is not null))
        {
            int m = rows.Count;
            int take = Math.Min((int)Math.Round(m * fraction, MidpointRounding.AwayFromZero), m - 1);
            var positions = Enumerable.Range(0, m).ToArray();
            for (int i = m - 1; i >= 1; i--)
            {
                int j = (int)(random.Next() % (ulong)(i + 1));
                (positions[i], positions[j]) = (positions[j], positions[i]);
            }
            for (int p = 0; p < take; p++)
            {
                test[rows[positions[p]]] = true;
            }
        }
        return test;
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood 2014; as in java.util.SplittableRandom): small, fast and written down everywhere.</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
