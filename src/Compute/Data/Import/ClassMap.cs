using System.Globalization;
using System.Runtime.CompilerServices;

namespace Grid.Compute.Data.Import;

/// <summary>
/// One part's labels as read: whole numbers (an integer labels file) or texts (names in a labels file, a label column,
/// class folders).
/// </summary>
public sealed class LabelColumn
{
    private readonly long[]? _numbers;
    private readonly string[]? _texts;

    private LabelColumn(long[]? numbers, string[]? texts)
    {
        _numbers = numbers;
        _texts = texts;
    }

    public static LabelColumn Of(long[] numbers) => new(numbers ?? throw new ArgumentNullException(nameof(numbers)), null);

    public static LabelColumn Of(string[] texts) => new(null, texts ?? throw new ArgumentNullException(nameof(texts)));

    public int Count => _numbers?.Length ?? _texts!.Length;

    /// <summary>The labels when they are whole numbers; null when they are texts.</summary>
    public long[]? Numbers => _numbers;

    /// <summary>Label <paramref name="row"/> as text (a number in its canonical form).</summary>
    public string Text(int row) => _texts?[row] ?? _numbers![row].ToString(CultureInfo.InvariantCulture);

    /// <summary>Every label as text.</summary>
    public IEnumerable<string> Texts() => _texts ?? _numbers!.Select(n => n.ToString(CultureInfo.InvariantCulture));
}

/// <summary>
/// Class labels as the importer stores them: every distinct label becomes a class index 0..C−1. When every label is an
/// integer (a number, or text written without leading zeros or a plus sign), classes are the integers in numeric order,
/// and the dataset has class names only when they are not exactly 0..C−1; otherwise classes are the texts in ordinal
/// order, which are then the class names. At most 256 classes (a stored label is one byte).
/// </summary>
/// <remarks>
/// The loops over every row here and in the readers are compiled optimized from their first call
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): an import runs each of them once per process, all of it in
/// tier-0 code otherwise.
/// </remarks>
public sealed class ClassMap
{
    /// <summary>The most classes a dataset can have: labels are stored as one byte per row.</summary>
    public const int MaxClasses = byte.MaxValue + 1;

    /// <summary>Label numbers spanning fewer values than this are looked up in a table.</summary>
    private const long SmallRange = 1 << 16;

    private readonly Dictionary<string, byte>? _byText;
    private readonly Dictionary<long, byte>? _byNumber;

    private ClassMap(IReadOnlyList<string> labels, IReadOnlyList<string>? names, IReadOnlyList<long>? numbers)
    {
        Labels = labels;
        Names = names;
        if (numbers is null)
        {
            _byText = new Dictionary<string, byte>(StringComparer.Ordinal);
            for (int i = 0; i < labels.Count; i++)
            {
                _byText[labels[i]] = (byte)i;
            }
        }
        else
        {
            _byNumber = [];
            for (int i = 0; i < numbers.Count; i++)
            {
                _byNumber[numbers[i]] = (byte)i;
            }
        }
    }

    /// <summary>The label text of each class, by class index.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The class names a descriptor keeps: null when the labels were exactly the numbers 0..C−1.</summary>
    public IReadOnlyList<string>? Names { get; }

    public int Count => Labels.Count;

    /// <summary>The classes of <paramref name="columns"/> (every part's labels together); <paramref name="source"/> names the files for errors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ClassMap From(IReadOnlyList<LabelColumn> columns, string source)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.All(c => c.Numbers is not null))
        {
            var ordered = DistinctNumbers(columns.Select(c => c.Numbers!));
            TooMany(ordered.Length, () => ordered.Select(n => n.ToString(CultureInfo.InvariantCulture)), source);
            return Numbered(ordered, ordered.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray());
        }
        var distinct = new HashSet<string>(columns.SelectMany(c => c.Texts()), StringComparer.Ordinal);
        TooMany(distinct.Count, () => distinct.Order(StringComparer.Ordinal), source);
        var integers = new List<(long Value, string Text)>();
        foreach (string label in distinct)
        {
            if (!IsInteger(label, out long value))
            {
                var texts = distinct.Order(StringComparer.Ordinal).ToArray();
                return new ClassMap(texts, texts, null);
            }
            integers.Add((value, label));
        }
        var byNumber = integers.OrderBy(i => i.Value).ToArray();
        return new ClassMap(byNumber.Select(i => i.Text).ToArray(), ZeroToC(byNumber.Select(i => i.Value)) ? null : byNumber.Select(i => i.Text).ToArray(), null);
    }

    /// <summary>Class indices of <paramref name="labels"/>, one byte a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte[] Indices(LabelColumn labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var indices = new byte[labels.Count];
        if (_byNumber is not null && labels.Numbers is { } numbers)
        {
            long low = _byNumber.Keys.Min(), high = _byNumber.Keys.Max();
            if (high - low < SmallRange)
            {
                // Labels in a small range (class numbers nearly always are): a table instead of a hash per row.
                var table = new byte[high - low + 1];
                foreach (var (number, index) in _byNumber)
                {
                    table[number - low] = index;
                }
                for (int i = 0; i < indices.Length; i++)
                {
                    indices[i] = table[numbers[i] - low];
                }
                return indices;
            }
            for (int i = 0; i < indices.Length; i++)
            {
                indices[i] = _byNumber[numbers[i]];
            }
            return indices;
        }
        var byText = _byText ?? Labels.Select((label, index) => (label, index)).ToDictionary(l => l.label, l => (byte)l.index, StringComparer.Ordinal);
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = byText[labels.Text(i)];
        }
        return indices;
    }

    /// <summary>A label stored as a floating-point number, as the whole number it must be; element <paramref name="index"/> of an array file.</summary>
    public static long WholeNumber(double value, string path, long index) =>
        TryWhole(value, out long whole) ? whole : throw NotWhole(value, $"{path}: [{index}]");

    /// <summary>True when a label stored as a floating-point number is a whole number (as class labels are).</summary>
    public static bool TryWhole(double value, out long whole)
    {
        bool ok = double.IsFinite(value) && Math.Abs(value) < 1e15 && value == Math.Floor(value);
        whole = ok ? (long)value : 0;
        return ok;
    }

    /// <summary>The error for a fractional label at <paramref name="place"/>.</summary>
    public static DatasetException NotWhole(double value, string place) =>
        new($"{place}: label {value.ToString(CultureInfo.InvariantCulture)} is not a whole number; labels are integers or text");

    /// <summary>The distinct numbers of every column, ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long[] DistinctNumbers(IEnumerable<long[]> columns)
    {
        var all = columns.ToArray();
        long low = long.MaxValue, high = long.MinValue;
        foreach (var column in all)
        {
            foreach (long number in column)
            {
                low = Math.Min(low, number);
                high = Math.Max(high, number);
            }
        }
        if (low > high)
        {
            return [];
        }
        if (high - low >= SmallRange)
        {
            return all.SelectMany(c => c).Distinct().Order().ToArray();
        }
        var seen = new bool[high - low + 1];
        foreach (var column in all)
        {
            foreach (long number in column)
            {
                seen[number - low] = true;
            }
        }
        return Enumerable.Range(0, seen.Length).Where(i => seen[i]).Select(i => low + i).ToArray();
    }

    private static ClassMap Numbered(long[] ordered, string[] texts) => new(texts, ZeroToC(ordered) ? null : texts, ordered);

    private static bool ZeroToC(IEnumerable<long> ordered) => ordered.Select((value, index) => value == index).All(same => same);

    private static void TooMany(int count, Func<IEnumerable<string>> labels, string source)
    {
        if (count > MaxClasses)
        {
            throw new DatasetException($"{source}: {count} distinct labels; at most {MaxClasses} classes are supported (the first: {string.Join(", ", labels().Take(5))}, …)");
        }
    }

    /// <summary>True for the canonical text of an integer: "7", "-3"; not "07", "+7", "7.0" or " 7".</summary>
    private static bool IsInteger(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        && value.ToString(CultureInfo.InvariantCulture) == text;
}
