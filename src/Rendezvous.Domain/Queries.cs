using System.Globalization;
using Rendezvous.Protocol;

namespace Rendezvous.Domain;

/// <summary>A property path as FieldURI, IndexedFieldURI or ExtendedFieldURI name it.</summary>
public abstract record PropertyPath
{
    /// <summary>The path as error messages and per-field change tracking name it.</summary>
    public abstract string Describe();
}

public sealed record FieldPath(string Uri) : PropertyPath
{
    public override string Describe() => Uri;
}

public sealed record IndexedPath(string Uri, string Index) : PropertyPath
{
    public override string Describe() => Uri + ":" + Index;
}

public sealed record ExtendedPath(ExtendedPropertyPath Path) : PropertyPath
{
    public override string Describe() => Path.Key;
}

/// <summary>A folder reference: an opaque id, or a distinguished name optionally in another user's mailbox.</summary>
public sealed record FolderRef(string? Id, string? DistinguishedName, string? MailboxAddress);

/// <summary>
/// An item reference as a request gives it: an ItemId (a stored item's, or an occurrence's own), an OccurrenceItemId
/// (<paramref name="Id"/> the master's, <paramref name="InstanceIndex"/> 1-based) or a RecurringMasterItemId
/// (<paramref name="Id"/> an occurrence's or exception's, <paramref name="ToMaster"/> set).
/// </summary>
public sealed record ItemRef(string Id, string? ChangeKey, int? InstanceIndex = null, bool ToMaster = false);

/// <summary>How a property's value compares in restrictions and sorts.</summary>
public enum ValueKind
{
    String,
    Boolean,
    Integer,
    DateTime,
}

/// <summary>
/// A compiled restriction: a predicate over items, built from the combinators below over value accessors that the
/// property table (at the edge, where property paths are resolved) supplies.
/// </summary>
public sealed class Restriction
{
    private readonly Func<Item, bool> predicate;

    private Restriction(Func<Item, bool> predicate) => this.predicate = predicate;

    public bool Matches(Item item) => predicate(item);

    public static Restriction Of(Func<Item, bool> predicate) => new(predicate);

    public static Func<Item, bool> And(IReadOnlyList<Func<Item, bool>> parts) => i => parts.All(p => p(i));

    public static Func<Item, bool> Or(IReadOnlyList<Func<Item, bool>> parts) => i => parts.Any(p => p(i));

    public static Func<Item, bool> Not(Func<Item, bool> inner) => i => !inner(i);

    public static Func<Item, bool> Exists(Func<Item, object?> get) => i => get(i) is not null;

    /// <summary>A comparison of two values; <paramref name="test"/> reads the sign of <see cref="Compare"/>.</summary>
    public static Func<Item, bool> Comparison(Func<Item, object?> get, Func<Item, object?> other, Func<int, bool> test, bool notEqual) => i =>
    {
        var left = get(i);
        var right = other(i);
        if (left is null || right is null)
        {
            return notEqual && (left is not null || right is not null);
        }

        // A multi-valued property matches when any of its values does.
        return left is object[] many ? many.Any(v => v is not null && test(Compare(v, right))) : test(Compare(left, right));
    };

    /// <summary>A string test on a value, or on any of a multi-valued property's strings.</summary>
    public static Func<Item, bool> Contains(Func<Item, object?> get, Func<string, bool> test) => i => get(i) switch
    {
        string s => test(s),
        object[] many => many.OfType<string>().Any(test),
        _ => false,
    };

    /// <summary>A stored text as the comparable value of its kind (text that does not convert stays text).</summary>
    public static object? Convert(string? text, ValueKind type)
    {
        if (text is null)
        {
            return null;
        }

        return type switch
        {
            ValueKind.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : text,
            ValueKind.Boolean => text.Trim() is "true" or "1" ? true : text.Trim() is "false" or "0" ? false : text,
            ValueKind.DateTime => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d.UtcDateTime : text,
            _ => text,
        };
    }

    public static int Compare(object left, object right) => (left, right) switch
    {
        (string a, string b) => string.Compare(a, b, StringComparison.OrdinalIgnoreCase),
        (DateTime a, DateTime b) => a.CompareTo(b),
        (bool a, bool b) => a.CompareTo(b),
        (int a, long b) => ((long)a).CompareTo(b),
        (long a, long b) => a.CompareTo(b),
        (int a, int b) => a.CompareTo(b),
        // Multi-valued properties sort by their values in order.
        (object?[] a, object?[] b) => string.Compare(string.Join(";", a), string.Join(";", b), StringComparison.OrdinalIgnoreCase),
        _ => string.Compare(System.Convert.ToString(left, CultureInfo.InvariantCulture), System.Convert.ToString(right, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase),
    };
}

/// <summary>A sort order: keys (value accessors the property table supplies), applied in order.</summary>
public sealed class SortOrder
{
    private readonly List<(Func<Item, object?> Get, bool Descending)> keys = [];

    public SortOrder Then(Func<Item, object?> get, bool descending)
    {
        keys.Add((get, descending));
        return this;
    }

    public IEnumerable<Item> Apply(IEnumerable<Item> items)
    {
        IOrderedEnumerable<Item>? sorted = null;
        foreach (var (get, descending) in keys)
        {
            var comparer = Comparer<object?>.Create(CompareNullable);
            sorted = sorted is null
                ? descending ? items.OrderByDescending(get, comparer) : items.OrderBy(get, comparer)
                : descending ? sorted.ThenByDescending(get, comparer) : sorted.ThenBy(get, comparer);
        }

        return sorted ?? items;
    }

    private static int CompareNullable(object? a, object? b) =>
        a is null ? (b is null ? 0 : -1) : b is null ? 1 : Restriction.Compare(a, b);
}
