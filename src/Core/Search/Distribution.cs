using System.Globalization;

namespace Grid.Core.Search;

/// <summary>
/// One axis of a search space given as a distribution rather than a list of values (<c>learning_rate: { log_uniform:
/// [1.0e-4, 1.0e-2] }</c>). Values are doubles whatever the kind: integers and choices are whole numbers or listed
/// values held as doubles.
/// </summary>
public abstract record Distribution
{
    private protected Distribution()
    {
    }

    /// <summary>The kind's name in spec syntax (<c>log_uniform</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>Why this distribution cannot be sampled (one line, e.g. "low 0.01 must be below high 0.001"), or null when it can.</summary>
    public abstract string? Validate();

    /// <summary>A value drawn uniformly over the distribution's support (uniform in log space for <see cref="LogUniform"/>).</summary>
    public abstract double Sample(SplitMix64 random);

    /// <summary>Whether <paramref name="value"/> lies in the distribution's support.</summary>
    public abstract bool Contains(double value);

    /// <summary>The distribution in spec syntax, e.g. <c>log_uniform(0.0001, 0.01)</c>.</summary>
    public abstract string Describe();

    /// <summary>A number as specs write it: the shortest text that reads back as the same double.</summary>
    private protected static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The bounds check shared by the ranges: finite, and low strictly below high.</summary>
    private protected static string? ValidateRange(string kind, double low, double high) =>
        !double.IsFinite(low) || !double.IsFinite(high) ? $"{kind} needs finite bounds; got {Format(low)} and {Format(high)}"
        : low >= high ? $"low {Format(low)} must be below high {Format(high)}"
        : null;
}

/// <summary>A real number uniform in [<paramref name="Low"/>, <paramref name="High"/>].</summary>
public sealed record Uniform(double Low, double High) : Distribution
{
    public override string Kind => "uniform";

    public override string? Validate() => ValidateRange(Kind, Low, High);

    public override double Sample(SplitMix64 random) => Math.Min(High, Low + (High - Low) * random.NextDouble());

    public override bool Contains(double value) => value >= Low && value <= High;

    public override string Describe() => $"{Kind}({Format(Low)}, {Format(High)})";
}

/// <summary>
/// A positive real number whose logarithm is uniform over [log <paramref name="Low"/>, log <paramref name="High"/>]:
/// each decade is as likely as the next (learning rates, regularisation strengths).
/// </summary>
public sealed record LogUniform(double Low, double High) : Distribution
{
    public override string Kind => "log_uniform";

    public override string? Validate() =>
        Low <= 0 || double.IsNaN(Low) ? $"{Kind} needs low > 0; got {Format(Low)}" : ValidateRange(Kind, Low, High);

    public override double Sample(SplitMix64 random)
    {
        var (logLow, logHigh) = (Math.Log(Low), Math.Log(High));
        // exp(log(x)) may miss x by an ulp: keep the draw inside the stated bounds.
        return Math.Clamp(Math.Exp(logLow + (logHigh - logLow) * random.NextDouble()), Low, High);
    }

    public override bool Contains(double value) => value >= Low && value <= High;

    public override string Describe() => $"{Kind}({Format(Low)}, {Format(High)})";
}

/// <summary>A whole number uniform over <paramref name="Low"/>, <paramref name="Low"/> + 1, …, <paramref name="High"/> (both included).</summary>
public sealed record IntUniform(int Low, int High) : Distribution
{
    public override string Kind => "int_uniform";

    public override string? Validate() => ValidateRange(Kind, Low, High);

    public override double Sample(SplitMix64 random) => Low + random.NextBelow((long)High - Low + 1);

    public override bool Contains(double value) => value >= Low && value <= High && Math.Floor(value) == value;

    public override string Describe() => $"{Kind}({Low}, {High})";
}

/// <summary>
/// One of a list of values, each equally likely, with no order between them (categorical): <c>batch_size: { choice:
/// [64, 128, 256] }</c>. Equal when the lists are equal, value by value.
/// </summary>
public sealed record Choice(IReadOnlyList<double> Values) : Distribution
{
    /// <summary>The values, in the order given (copied: the caller's list may change later).</summary>
    public IReadOnlyList<double> Values { get; init; } = [.. Values];

    public override string Kind => "choice";

    public override string? Validate()
    {
        if (Values.Count == 0)
        {
            return $"{Kind} needs at least one value";
        }
        foreach (var value in Values.Where(v => !double.IsFinite(v)))
        {
            return $"{Kind} needs finite values; got {Format(value)}";
        }
        var repeated = Values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        return repeated is null ? null : $"{Kind} lists {Format(repeated.Key)} more than once";
    }

    public override double Sample(SplitMix64 random) => Values[(int)random.NextBelow(Values.Count)];

    public override bool Contains(double value) => IndexOf(value) >= 0;

    /// <summary>The position of <paramref name="value"/> in <see cref="Values"/>, or -1.</summary>
    public int IndexOf(double value)
    {
        for (var i = 0; i < Values.Count; i++)
        {
            if (Values[i].Equals(value))
            {
                return i;
            }
        }
        return -1;
    }

    public override string Describe() => $"{Kind}({string.Join(", ", Values.Select(Format))})";

    public bool Equals(Choice? other) => other is not null && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => Values.Aggregate(Kind.GetHashCode(), HashCode.Combine);
}
