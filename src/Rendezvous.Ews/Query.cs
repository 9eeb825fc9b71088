using System.Globalization;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Ews;

/// <summary>A compiled FindItem restriction: a predicate over items.</summary>
public sealed class Restriction
{
    private readonly Func<Item, bool> predicate;

    private Restriction(Func<Item, bool> predicate) => this.predicate = predicate;

    public bool Matches(Item item) => predicate(item);

    /// <summary>Compiles the single search expression inside a Restriction element.</summary>
    public static Restriction Parse(XElement restriction, string? zone)
    {
        var expression = restriction.Elements().SingleOrDefault()
            ?? throw SoapRequest.Schema(restriction, "A Restriction holds exactly one search expression.");
        return new Restriction(Compile(expression, zone));
    }

    private static Func<Item, bool> Compile(XElement e, string? zone)
    {
        switch (e.Name.LocalName)
        {
            case "And":
            {
                var parts = e.Elements().Select(c => Compile(c, zone)).ToArray();
                return i => parts.All(p => p(i));
            }

            case "Or":
            {
                var parts = e.Elements().Select(c => Compile(c, zone)).ToArray();
                return i => parts.Any(p => p(i));
            }

            case "Not":
            {
                var inner = Compile(e.Elements().SingleOrDefault() ?? throw SoapRequest.Schema(e, "Not holds one expression."), zone);
                return i => !inner(i);
            }

            case "Exists":
            {
                var get = Accessor(Path(e));
                return i => get(i) is not null;
            }

            case "IsEqualTo" or "IsNotEqualTo" or "IsGreaterThan" or "IsGreaterThanOrEqualTo" or "IsLessThan" or "IsLessThanOrEqualTo":
                return CompileComparison(e, zone);
            case "Contains":
                return CompileContains(e);
            case "Excludes":
                throw new EwsException(ResponseCodes.ErrorUnsupportedQueryFilter, "The Excludes filter is not supported.");
            default:
                throw ItemReader.Unexpected(e);
        }
    }

    private static PropertyPath Path(XElement e)
    {
        var path = e.Elements().FirstOrDefault(c => c.Name.LocalName is "FieldURI" or "IndexedFieldURI" or "ExtendedFieldURI")
            ?? throw SoapRequest.Schema(e, $"'{Values.Excerpt(e.Name.LocalName)}' needs a property path.");
        return ItemReader.ReadPath(path);
    }

    /// <summary>A function that gives the comparable value of a path on an item, and the type its constants convert to.</summary>
    private static Func<Item, object?> Accessor(PropertyPath path) => Accessor(path, out _);

    /// <summary>The typed value of an extended property (Integer as a number, SystemTime as a date), for sorting.</summary>
    internal static Func<Item, object?> ExtendedAccessor(ExtendedPath path) => Accessor(path, out _);

    private static Func<Item, object?> Accessor(PropertyPath path, out ValueType type)
    {
        switch (path)
        {
            case FieldPath f when ItemSchema.AllByUri.TryGetValue(f.Uri, out var def) && f.Uri != "item:ResponseObjects":
                type = def.Type;
                var uri = f.Uri;
                return i => ItemSchema.FindByUri(i.Kind, uri)?.Value(i);
            case ExtendedPath x:
                var extended = x.Path;
                type = x.Path.PropertyType switch
                {
                    "Integer" or "Long" or "Short" or "IntegerArray" or "LongArray" or "ShortArray" => ValueType.Integer,
                    "Boolean" => ValueType.Boolean,
                    "SystemTime" or "SystemTimeArray" => ValueType.DateTime,
                    _ => ValueType.String,
                };
                var t = type;
                return i =>
                {
                    var p = MapiAliases.Read(i, extended);
                    return p is null ? null : p.Values is { } vs ? vs.Select(v => Convert(v, t)).ToArray() : Convert(p.Value, t);
                };
            default:
                throw new EwsException(ResponseCodes.ErrorUnsupportedPathForQuery, $"The property path '{Describe(path)}' cannot be used in a restriction.");
        }
    }

    public static string Describe(PropertyPath path) => path switch
    {
        FieldPath f => f.Uri,
        IndexedPath ix => ix.Uri + ":" + ix.Index,
        ExtendedPath x => x.Path.Key,
        _ => "?",
    };

    private static object? Convert(string? text, ValueType type)
    {
        if (text is null)
        {
            return null;
        }

        return type switch
        {
            ValueType.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : text,
            ValueType.Boolean => text.Trim() is "true" or "1" ? true : text.Trim() is "false" or "0" ? false : text,
            ValueType.DateTime => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d.UtcDateTime : text,
            _ => text,
        };
    }

    private static Func<Item, bool> CompileComparison(XElement e, string? zone)
    {
        var get = Accessor(Path(e), out var type);
        var operand = e.Element(Protocol.Ews.T + "FieldURIOrConstant") ?? throw SoapRequest.Schema(e, $"'{Values.Excerpt(e.Name.LocalName)}' needs a FieldURIOrConstant.");
        Func<Item, object?> other;
        var constant = operand.Element(Protocol.Ews.T + "Constant");
        if (constant is not null)
        {
            var text = ItemReader.RequiredAttribute(constant, "Value");
            object? value = type switch
            {
                ValueType.DateTime => Values.DateTime(constant, text, zone),
                ValueType.Boolean => Values.Bool(constant, text),
                ValueType.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
                    : throw new EwsException(ResponseCodes.ErrorInvalidRequest, $"'{Values.Excerpt(text)}' is not a number."),
                _ => text,
            };
            other = _ => value;
        }
        else
        {
            other = Accessor(ItemReader.ReadPath(operand.Elements().SingleOrDefault() ?? throw SoapRequest.Schema(operand, "FieldURIOrConstant needs a value.")));
        }

        Func<int, bool> test = e.Name.LocalName switch
        {
            "IsEqualTo" => c => c == 0,
            "IsNotEqualTo" => c => c != 0,
            "IsGreaterThan" => c => c > 0,
            "IsGreaterThanOrEqualTo" => c => c >= 0,
            "IsLessThan" => c => c < 0,
            _ => c => c <= 0,
        };
        var notEqual = e.Name.LocalName == "IsNotEqualTo";
        return i =>
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
    }

    public static int Compare(object left, object right) => (left, right) switch
    {
        (string a, string b) => string.Compare(a, b, StringComparison.OrdinalIgnoreCase),
        (DateTime a, DateTime b) => a.CompareTo(b),
        (bool a, bool b) => a.CompareTo(b),
        (int a, long b) => ((long)a).CompareTo(b),
        (long a, long b) => a.CompareTo(b),
        (int a, int b) => a.CompareTo(b),
        _ => string.Compare(System.Convert.ToString(left, CultureInfo.InvariantCulture), System.Convert.ToString(right, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase),
    };

    private static Func<Item, bool> CompileContains(XElement e)
    {
        var get = Accessor(Path(e));
        var constant = e.Element(Protocol.Ews.T + "Constant") ?? throw SoapRequest.Schema(e, "Contains needs a Constant.");
        var text = ItemReader.RequiredAttribute(constant, "Value");
        var mode = (string?)e.Attribute("ContainmentMode") ?? "Substring";
        var comparison = (string?)e.Attribute("ContainmentComparison") ?? "IgnoreCase";
        var how = comparison is "Exact" or "IgnoreNonSpacingCharacters" ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        Func<string, bool> test = mode switch
        {
            "FullString" => s => string.Equals(s, text, how),
            "Prefixed" => s => s.StartsWith(text, how),
            "Substring" => s => s.Contains(text, how),
            "PrefixOnWords" => s => s.StartsWith(text, how) || s.Split(' ', '\t', '\n').Any(w => w.StartsWith(text, how)),
            "ExactPhrase" => s => s.Contains(text, how),
            _ => throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(mode)}' is not a valid ContainmentModeType."),
        };
        return i => get(i) switch
        {
            string s => test(s),
            object[] many => many.OfType<string>().Any(test),
            _ => false,
        };
    }
}

/// <summary>SortOrder: FieldOrder elements, applied in order.</summary>
public sealed class SortOrder
{
    private readonly List<(Func<Item, object?> Get, bool Descending)> keys = [];

    public static SortOrder? Parse(XElement? sortOrder)
    {
        if (sortOrder is null)
        {
            return null;
        }

        var result = new SortOrder();
        foreach (var field in sortOrder.Elements(Protocol.Ews.T + "FieldOrder"))
        {
            var order = ItemReader.RequiredAttribute(field, "Order");
            if (order is not (SchemaValues.SortDirectionType.Ascending or SchemaValues.SortDirectionType.Descending))
            {
                throw SoapRequest.Schema(field, $"The value '{Values.Excerpt(order)}' is not a valid SortDirectionType.");
            }

            var pathElement = field.Elements().SingleOrDefault() ?? throw SoapRequest.Schema(field, "FieldOrder needs a property path.");
            var path = ItemReader.ReadPath(pathElement);
            Func<Item, object?> get = path switch
            {
                FieldPath f when ItemSchema.AllByUri.ContainsKey(f.Uri) => i => ItemSchema.FindByUri(i.Kind, f.Uri)?.Value(i),
                ExtendedPath x => Restriction.ExtendedAccessor(x),
                _ => throw new EwsException(ResponseCodes.ErrorUnsupportedPathForSortGroup, $"Sorting by '{Restriction.Describe(path)}' is not supported."),
            };
            result.keys.Add((get, order == SchemaValues.SortDirectionType.Descending));
        }

        return result;
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
