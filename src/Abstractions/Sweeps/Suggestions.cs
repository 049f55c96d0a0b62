namespace Grid.Abstractions.Sweeps;

/// <summary>"Did you mean" hints for misspelt keys and names.</summary>
internal static class Suggestions
{
    /// <summary>The known word closest to <paramref name="word"/> within <see cref="SweepLimits.SuggestionDistance"/> edits, if any.</summary>
    public static string? Closest(string word, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return bestDistance <= SweepLimits.SuggestionDistance ? best : null;
    }

    /// <summary>
    /// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
    /// of neighbours each count one, so <c>epcohs</c> is one edit from <c>epochs</c>.
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
