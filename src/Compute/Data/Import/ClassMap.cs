using System.Globalization;

namespace Grid.Compute.Data.Import;

/// <summary>
/// Class labels as the importer stores them: every distinct label text becomes a class index 0..C−1. When every label is
/// an integer (written without leading zeros or a plus sign), classes are the integers in numeric order, and the dataset
/// has class names only when they are not exactly 0..C−1; otherwise classes are the texts in ordinal order, which are
/// then the class names. At most 256 classes (a stored label is one byte).
/// </summary>
public sealed class ClassMap
{
    /// <summary>The most classes a dataset can have: labels are stored as one byte per row.</summary>
    public const int MaxClasses = byte.MaxValue + 1;

    private readonly Dictionary<string, byte> _index;

    private ClassMap(IReadOnlyList<string> labels, IReadOnlyList<string>? names)
    {
        Labels = labels;
        Names = names;
        _index = new Dictionary<string, byte>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++)
        {
            _index[labels[i]] = (byte)i;
        }
    }

    /// <summary>The label text of each class, by class index.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The class names a descriptor keeps: null when the labels were exactly the numbers 0..C−1.</summary>
    public IReadOnlyList<string>? Names { get; }

    public int Count => Labels.Count;

    /// <summary>The classes of <paramref name="labels"/> (all parts' labels together); <paramref name="source"/> names the files for errors.</summary>
    public static ClassMap From(IEnumerable<string> labels, string source)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var distinct = new HashSet<string>(labels, StringComparer.Ordinal);
        if (distinct.Count > MaxClasses)
        {
            throw new DatasetException($"{source}: {distinct.Count} distinct labels; at most {MaxClasses} classes are supported (the first: {string.Join(", ", distinct.Order(StringComparer.Ordinal).Take(5))}, …)");
        }
        var integers = new List<(long Value, string Text)>();
        foreach (string label in distinct)
        {
            if (!IsInteger(label, out long value))
            {
                var texts = distinct.Order(StringComparer.Ordinal).ToArray();
                return new ClassMap(texts, texts);
            }
            integers.Add((value, label));
        }
        var ordered = integers.OrderBy(i => i.Value).ToArray();
        bool zeroToC = ordered.Select((label, index) => label.Value == index).All(same => same);
        var byNumber = ordered.Select(i => i.Text).ToArray();
        return new ClassMap(byNumber, zeroToC ? null : byNumber);
    }

    /// <summary>The class index of a label text this map was made from.</summary>
    public byte IndexOf(string label) => _index[label];

    /// <summary>Class indices of <paramref name="labels"/>, one byte each.</summary>
    public byte[] Indices(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var indices = new byte[labels.Count];
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = _index[labels[i]];
        }
        return indices;
    }

    /// <summary>A label stored as a number, as text: a whole number as an integer; a fraction is not a class label.</summary>
    public static string NumberLabel(double value, Func<string> place)
    {
        ArgumentNullException.ThrowIfNull(place);
        return double.IsFinite(value) && Math.Abs(value) < 1e15 && value == Math.Floor(value)
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : throw new DatasetException($"{place()}: label {value.ToString(CultureInfo.InvariantCulture)} is not a whole number; labels are integers or text");
    }

    /// <summary>True for the canonical text of an integer: "7", "-3"; not "07", "+7", "7.0" or " 7".</summary>
    private static bool IsInteger(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        && value.ToString(CultureInfo.InvariantCulture) == text;
}
