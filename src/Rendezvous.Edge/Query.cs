using System.Globalization;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>Reads a FindItem Restriction element into the domain's <see cref="Restriction"/>, resolving each path through the property table.</summary>
public static class RestrictionReader
{
    /// <summary>Compiles the single search expression inside a Restriction element.</summary>
    public static Restriction Parse(XElement restriction, string? zone)
    {
        var expression = restriction.Elements().SingleOrDefault()
            ?? throw SoapRequest.Schema(restriction, "A Restriction holds exactly one search expression.");
        return Restriction.Of(Compile(expression, zone));
    }

    private static Func<Item, bool> Compile(XElement e, string? zone)
    {
        switch (e.Name.LocalName)
        {
            case "And":
                return Restriction.And([.. e.Elements().Select(c => Compile(c, zone))]);
            case "Or":
                return Restriction.Or([.. e.Elements().Select(c => Compile(c, zone))]);
            case "Not":
                return Restriction.Not(Compile(e.Elements().SingleOrDefault() ?? throw SoapRequest.Schema(e, "Not holds one expression."), zone));
            case "Exists":
                return Restriction.Exists(Accessor(Path(e)));
            case "IsEqualTo" or "IsNotEqualTo" or "IsGreaterThan" or "IsGreaterThanOrEqualTo" or "IsLessThan" or "IsLessThanOrEqualTo":
                return CompileComparison(e, zone);
            case "Contains":
                return CompileContains(e);
            case "Excludes":
                return CompileExcludes(e);
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

    /// <summary>Whether a known FieldURI can be compared or ordered (Exchange refuses complex and computed values).</summary>
    internal static bool Searchable(string uri) => uri != "item:ResponseObjects" && !ItemTypes.Unsearchable.Contains(uri);

    /// <summary>A function that gives the comparable value of a path on an item, and the type its constants convert to.</summary>
    private static Func<Item, object?> Accessor(PropertyPath path) => Accessor(path, out _);

    /// <summary>The typed value of an extended property (Integer as a number, SystemTime as a date), for sorting.</summary>
    internal static Func<Item, object?> ExtendedAccessor(ExtendedPath path) => Accessor(path, out _);

    private static Func<Item, object?> Accessor(PropertyPath path, out ValueKind type)
    {
        switch (path)
        {
            // Note: Exchange refuses a few paths in restrictions (exchangelib's suite records them); so does this server.
            case FieldPath f when ItemSchema.AllByUri.TryGetValue(f.Uri, out var def) && Searchable(f.Uri):
                type = def.Type;
                var uri = f.Uri;
                return i => ItemSchema.FindByUri(i.Kind, uri)?.Value(i);
            case IndexedPath ix when IndexedField.Find(ix) is not null:
                type = ValueKind.String;
                return IndexedAccessor(ix);
            case ExtendedPath x:
                var extended = x.Path;
                type = x.Path.PropertyType switch
                {
                    SchemaValues.MapiPropertyTypeType.Integer or SchemaValues.MapiPropertyTypeType.Long or SchemaValues.MapiPropertyTypeType.Short
                        or SchemaValues.MapiPropertyTypeType.IntegerArray or SchemaValues.MapiPropertyTypeType.LongArray or SchemaValues.MapiPropertyTypeType.ShortArray => ValueKind.Integer,
                    SchemaValues.MapiPropertyTypeType.Boolean => ValueKind.Boolean,
                    SchemaValues.MapiPropertyTypeType.SystemTime or SchemaValues.MapiPropertyTypeType.SystemTimeArray => ValueKind.DateTime,
                    _ => ValueKind.String,
                };
                var t = type;
                return i =>
                {
                    var p = MapiAliases.Read(i, extended);
                    return p is null ? null : p.Values is { } vs ? vs.Select(v => Restriction.Convert(v, t)).ToArray() : Restriction.Convert(p.Value, t);
                };
            default:
                throw new EwsException(ResponseCodes.ErrorUnsupportedPathForQuery, $"The property path '{path.Describe()}' cannot be used in a restriction.");
        }
    }

    /// <summary>The value of a contact's dictionary entry (or its sub-field) an IndexedFieldURI names.</summary>
    internal static Func<Item, object?> IndexedAccessor(IndexedPath path)
    {
        var field = IndexedField.Resolve(path);
        var key = path.Index;
        return i => field.AppliesTo(i) ? field.Read(i, key) : null;
    }

    private static Func<Item, bool> CompileComparison(XElement e, string? zone)
    {
        var get = Accessor(Path(e), out var type);
        var operand = e.Element(Ews.T + "FieldURIOrConstant") ?? throw SoapRequest.Schema(e, $"'{Values.Excerpt(e.Name.LocalName)}' needs a FieldURIOrConstant.");
        Func<Item, object?> other;
        var constant = operand.Element(Ews.T + "Constant");
        if (constant is not null)
        {
            var text = ItemReader.RequiredAttribute(constant, "Value");
            object? value = type switch
            {
                ValueKind.DateTime => Values.DateTime(constant, text, zone),
                ValueKind.Boolean => Values.Bool(constant, text),
                ValueKind.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
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
        return Restriction.Comparison(get, other, test, notEqual: e.Name.LocalName == "IsNotEqualTo");
    }

    /// <summary>
    /// Excludes: the integer value has none of the Bitmask's bits set (MAPI's BMR_EQZ). An item without the property
    /// does not match, as a MAPI bitmask restriction on a missing property is false; an array matches when every value does.
    /// </summary>
    private static Func<Item, bool> CompileExcludes(XElement e)
    {
        var get = Accessor(Path(e), out _);
        var bitmask = e.Element(Ews.T + "Bitmask") ?? throw SoapRequest.Schema(e, "Excludes needs a Bitmask.");
        var text = ItemReader.RequiredAttribute(bitmask, "Value").Trim();
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (!long.TryParse(hex ? text[2..] : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.Integer, CultureInfo.InvariantCulture, out var mask))
        {
            throw new EwsException(ResponseCodes.ErrorInvalidRequest, $"The Bitmask '{Values.Excerpt(text)}' is not an integer (decimal, or hexadecimal with 0x).");
        }

        static bool Clear(object? value, long mask) => value switch
        {
            long n => (n & mask) == 0,
            int n => (n & mask) == 0,
            short n => (n & mask) == 0,
            bool b => ((b ? 1 : 0) & mask) == 0,
            object[] values => values.Length > 0 && values.All(v => Clear(v, mask)),
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => (n & mask) == 0,
            _ => false,
        };
        return i => Clear(get(i), mask);
    }

    private static Func<Item, bool> CompileContains(XElement e)
    {
        var get = Accessor(Path(e));
        var constant = e.Element(Ews.T + "Constant") ?? throw SoapRequest.Schema(e, "Contains needs a Constant.");
        var text = ItemReader.RequiredAttribute(constant, "Value");
        var mode = (string?)e.Attribute("ContainmentMode") ?? SchemaValues.ContainmentModeType.Substring;
        var comparison = (string?)e.Attribute("ContainmentComparison") ?? SchemaValues.ContainmentComparisonType.IgnoreCase;
        var how = comparison is SchemaValues.ContainmentComparisonType.Exact or SchemaValues.ContainmentComparisonType.IgnoreNonSpacingCharacters ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        Func<string, bool> test = mode switch
        {
            SchemaValues.ContainmentModeType.FullString => s => string.Equals(s, text, how),
            SchemaValues.ContainmentModeType.Prefixed => s => s.StartsWith(text, how),
            SchemaValues.ContainmentModeType.Substring => s => s.Contains(text, how),
            SchemaValues.ContainmentModeType.PrefixOnWords => s => s.StartsWith(text, how) || s.Split(' ', '\t', '\n').Any(w => w.StartsWith(text, how)),
            SchemaValues.ContainmentModeType.ExactPhrase => s => s.Contains(text, how),
            _ => throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(mode)}' is not a valid ContainmentModeType."),
        };
        return Restriction.Contains(get, test);
    }
}

/// <summary>Reads SortOrder's FieldOrder elements into the domain's <see cref="SortOrder"/>.</summary>
public static class SortOrderReader
{
    public static SortOrder? Parse(XElement? sortOrder)
    {
        if (sortOrder is null)
        {
            return null;
        }

        var result = new SortOrder();
        foreach (var field in sortOrder.Elements(Ews.T + "FieldOrder"))
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
                // What a restriction cannot compare, a sort cannot order either (complex values such as a recurrence).
                FieldPath f when ItemSchema.AllByUri.ContainsKey(f.Uri) && RestrictionReader.Searchable(f.Uri) => i => ItemSchema.FindByUri(i.Kind, f.Uri)?.Value(i),
                ExtendedPath x => RestrictionReader.ExtendedAccessor(x),
                IndexedPath ix when IndexedField.Find(ix) is not null => RestrictionReader.IndexedAccessor(ix),
                _ => throw new EwsException(ResponseCodes.ErrorUnsupportedPathForSortGroup, $"Sorting by '{path.Describe()}' is not supported."),
            };
            result.Then(get, order == SchemaValues.SortDirectionType.Descending);
        }

        return result;
    }
}
