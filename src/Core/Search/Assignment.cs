using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Grid.Core.Search;

/// <summary>
/// A point of a <see cref="SearchSpace"/>: one value per named dimension, in the space's order (whole numbers and
/// choices held as doubles). Two assignments are equal when they name the same dimensions in the same order with the
/// same values.
/// </summary>
public sealed class Assignment : IReadOnlyDictionary<string, double>, IEquatable<Assignment>
{
    private readonly KeyValuePair<string, double>[] _values;

    /// <summary>The assignment of <paramref name="values"/>, in the order given; names must be unique.</summary>
    public Assignment(IEnumerable<KeyValuePair<string, double>> values)
    {
        _values = values.ToArray();
        if (_values.Select(v => v.Key).Distinct(StringComparer.Ordinal).Count() != _values.Length)
        {
            throw new ArgumentException("an assignment names each dimension once", nameof(values));
        }
    }

    /// <summary>The assignment of the given (name, value) pairs, in order.</summary>
    public Assignment(params (string Name, double Value)[] values)
        : this(values.Select(v => KeyValuePair.Create(v.Name, v.Value)))
    {
    }

    public double this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"the assignment has no dimension {key}");

    public IEnumerable<string> Keys => _values.Select(v => v.Key);

    public IEnumerable<double> Values => _values.Select(v => v.Value);

    public int Count => _values.Length;

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out double value)
    {
        // A handful of dimensions: a scan beats hashing.
        foreach (var (name, v) in _values)
        {
            if (name == key)
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }

    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, double>>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(Assignment? other) => other is not null && _values.SequenceEqual(other._values);

    public override bool Equals(object? obj) => Equals(obj as Assignment);

    public override int GetHashCode() => _values.Aggregate(0, (hash, v) => HashCode.Combine(hash, v.Key, v.Value));

    /// <summary><c>learning_rate=0.001, z_dim=16</c>.</summary>
    public override string ToString() =>
        string.Join(", ", _values.Select(v => $"{v.Key}={v.Value.ToString("R", CultureInfo.InvariantCulture)}"));
}
