namespace Grid.Compute.Embedding;

/// <summary>Argument checks shared by the embedding entry points; messages name the argument.</summary>
internal static class EmbeddingChecks
{
    /// <summary>
    /// <paramref name="data"/> must hold exactly <paramref name="rows"/> × <paramref name="features"/> finite values.
    /// </summary>
    internal static void Matrix(float[] data, int rows, int features, string name, string rowsName, string featuresName)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (rows < 1)
        {
            throw new ArgumentOutOfRangeException(rowsName, rows, $"{rowsName} must be ≥ 1");
        }
        if (features < 1)
        {
            throw new ArgumentOutOfRangeException(featuresName, features, $"{featuresName} must be ≥ 1");
        }
        if (data.LongLength != (long)rows * features)
        {
            throw new ArgumentException(
                $"{name} has {data.LongLength} values, expected {rowsName} × {featuresName} = {rows} × {features} = {(long)rows * features}", name);
        }
        for (long e = 0; e < data.LongLength; e++)
        {
            if (!float.IsFinite(data[e]))
            {
                throw new ArgumentException($"{name} has a non-finite value ({data[e]}) at row {e / features}, column {e % features}", name);
            }
        }
    }

    internal static ParallelOptions Parallel(int? threads, CancellationToken cancellationToken) => new()
    {
        MaxDegreeOfParallelism = threads ?? -1,
        CancellationToken = cancellationToken,
    };
}
