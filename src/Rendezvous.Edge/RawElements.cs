using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// The elements of an item type the server gives no meaning yet (MimeContent, Attachments, CalendarItem/When,
/// Recurrence, every Contact and Task element, ...): accepted on CreateItem and UpdateItem and returned as they were
/// given, the element's XML kept verbatim in the item's bag under its generated definition. The next issues give them
/// their meaning (recurrence: issue 16).
/// </summary>
public static class RawElements
{
    private static readonly Dictionary<PropertyDefinition, PropertyDef> Defs = [];

    private static readonly Lock Gate = new();

    /// <summary>The property of a raw element (one per definition, shared by every kind that has it).</summary>
    public static PropertyDef For(PropertyDefinition definition)
    {
        lock (Gate)
        {
            if (!Defs.TryGetValue(definition, out var def))
            {
                def = new PropertyDef
                {
                    // An element without a FieldURI is never named by a client; it still needs a key of its own.
                    Uri = definition.FieldUri ?? "raw:" + definition,
                    Element = definition.Element,
                    Since = definition.Since,
                    Has = (i, _) => i.Properties.Contains(definition),
                    Write = (w, i, _) => InScope(XElement.Parse(i.Properties.GetRef<string>(definition)!)).WriteTo(w.Xml),
                    // Note: an empty container (<Attachments/>, <Categories/>, ...) is not kept, so it is never written
                    // back: Exchange writes none, and eM Client breaks on an empty Attachments.
                    Set = (e, i, context) =>
                    {
                        if (IsEmpty(e))
                        {
                            i.Properties.Remove(definition);
                        }
                        else
                        {
                            i.Properties.Set(definition, Verbatim(definition.SchemaType == "xs:dateTime" && !e.HasElements ? InUtc(e, context) : e));
                        }
                    },
                    Delete = i => i.Properties.Remove(definition),
                    // Restrictions and sorts compare the element's value, typed by its schema type.
                    Type = RawValue.KindOf(definition.SchemaType),
                    Value = RawValue.Comparable(definition),
                };
                Defs[definition] = def;
            }

            return def;
        }
    }

    /// <summary>An element with no content and no attribute but namespace declarations: nothing to keep.</summary>
    private static bool IsEmpty(XElement element) =>
        !element.HasElements && element.Value.Length == 0 && !element.Attributes().Any(a => !a.IsNamespaceDeclaration);

    /// <summary>
    /// The element without the namespace declarations it was kept with, so that the response's writer gives it the
    /// prefixes declared on the envelope (t:), as Exchange writes every element, rather than a default namespace
    /// declared again on each kept one.
    /// </summary>
    private static XElement InScope(XElement element)
    {
        foreach (var e in element.DescendantsAndSelf())
        {
            e.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
        }

        return element;
    }

    /// <summary>
    /// An xs:dateTime kept in UTC with seconds precision and a Z, as Exchange answers every time (a value without a
    /// zone is read in the request's TimeZoneContext).
    /// Note: ews-javascript-api appends a Z to what it reads, so an offset kept as sent ("+00:00") reads as no date.
    /// </summary>
    private static XElement InUtc(XElement element, ReadContext context) =>
        new(element.Name, element.Attributes().Where(a => !a.IsNamespaceDeclaration), Values.Format(Values.DateTime(element, context.TimeZone)));

    /// <summary>
    /// The element alone, as the client wrote it (its namespace declared on it, so that it stands on its own).
    /// </summary>
    private static string Verbatim(XElement element) => new XElement(element).ToString(SaveOptions.DisableFormatting);

    /// <summary>
    /// The order of <paramref name="schemaType"/>'s elements with the hand-written properties of <paramref name="modeled"/>
    /// in it (kept in their order, with the ExtendedProperty slot) and a raw property for each element they do not model,
    /// at its place in the schema's sequence.
    /// </summary>
    public static PropertyDef?[] Merge(string schemaType, IReadOnlyList<PropertyDef?> modeled)
    {
        var merged = new List<PropertyDef?>();
        var next = 0;
        foreach (var definition in ItemProperties.ByType[schemaType])
        {
            var at = -1;
            for (var i = next; i < modeled.Count; i++)
            {
                if (definition.Element == "ExtendedProperty" ? modeled[i] is null : modeled[i]?.Element == definition.Element)
                {
                    at = i;
                    break;
                }
            }

            if (at < 0)
            {
                merged.Add(definition.Element == "ExtendedProperty" ? null : For(definition));
                continue;
            }

            for (; next <= at; next++)
            {
                merged.Add(modeled[next]);
            }
        }

        for (; next < modeled.Count; next++)
        {
            merged.Add(modeled[next]);
        }

        return [.. merged];
    }
}
