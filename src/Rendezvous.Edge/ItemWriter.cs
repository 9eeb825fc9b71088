using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Mime;

namespace Rendezvous.Edge;

/// <summary>Writes items in schema order, holding only what the shape asks for and the request version knows.</summary>
public static class ItemWriter
{
    /// <summary>Whether FindItem is writing: it never returns bodies (as Exchange).</summary>
    public static void Write(EwsWriter w, Item item, ItemShape shape, WriteContext context, bool forFind = false)
    {
        var order = ItemSchema.Order(item.Kind);
        HashSet<string>? named = null;
        List<ExtendedPropertyPath>? extended = null;
        Dictionary<string, (PropertyDefinition Container, HashSet<string> Keys)>? indexed = null;
        foreach (var path in shape.Additional)
        {
            switch (path)
            {
                case FieldPath f:
                    (named ??= new HashSet<string>(StringComparer.Ordinal)).Add(f.Uri);
                    break;
                case ExtendedPath x:
                    (extended ??= []).Add(x.Path);
                    break;
                case IndexedPath ix when IndexedField.Find(ix) is { } field:
                    indexed ??= new Dictionary<string, (PropertyDefinition, HashSet<string>)>(StringComparer.Ordinal);
                    if (!indexed.TryGetValue(field.Container.Element, out var entry))
                    {
                        entry = (field.Container, new HashSet<string>(StringComparer.Ordinal));
                        indexed[field.Container.Element] = entry;
                    }

                    entry.Keys.Add(ix.Index);
                    break;
                default:
                    break;
            }
        }

        w.StartT(ItemSchema.ElementName(item.Kind));
        foreach (var def in order)
        {
            if (def is null)
            {
                WriteExtended(w, item, extended);
                continue;
            }

            var wanted = named?.Contains(def.Uri) == true || (shape.IncludeMimeContent && def == ItemSchema.MimeContent) || shape.BaseShape switch
            {
                BaseShape.IdOnly => def == ItemSchema.ItemId,
                BaseShape.Default => def.InDefault,
                _ => !def.OnlyOnRequest || (def.InLegacyAllProperties && !context.Supports(ExchangeVersion.Exchange2010)),
            };
            if (!wanted && indexed is not null && item.Kind == ItemKind.Contact && indexed.TryGetValue(def.Element, out var asked))
            {
                // IndexedFieldURIs name entries of a dictionary: the dictionary holding just those.
                IndexedField.WriteEntries(w, item, asked.Container, asked.Keys);
                continue;
            }

            if (!wanted || !context.Supports(def.Since) || !def.Has(item, context))
            {
                continue;
            }

            if (forFind && (def.NotInFind || def == ItemSchema.MimeContent || def == ItemSchema.Attachments))
            {
                continue;
            }

            if (def == ItemSchema.Body)
            {
                if (forFind)
                {
                    continue;
                }

                WriteBody(w, item.Body!, shape.BodyType, shape.FilterHtmlContent);
                continue;
            }

            def.Write(w, item, context);
        }

        w.End();
    }

    private static void WriteExtended(EwsWriter w, Item item, List<ExtendedPropertyPath>? wanted)
    {
        if (wanted is null)
        {
            return;
        }

        foreach (var path in wanted)
        {
            var property = MapiAliases.Read(item, path);
            if (property is null)
            {
                continue;
            }

            w.StartT("ExtendedProperty");
            WritePath(w, path);
            if (property.Values is { } values)
            {
                w.StartT("Values");
                foreach (var v in values)
                {
                    w.T("Value", v);
                }

                w.End();
            }
            else
            {
                w.T("Value", property.Value ?? "");
            }

            w.End();
        }
    }

    /// <summary>Writes the path as the client asked for it (Exchange echoes the requested form).</summary>
    public static void WritePath(EwsWriter w, ExtendedPropertyPath path)
    {
        w.StartT("ExtendedFieldURI");
        w.Attr("DistinguishedPropertySetId", path.DistinguishedPropertySetId);
        w.Attr("PropertySetId", path.PropertySetId);
        w.Attr("PropertyTag", path.PropertyTag);
        w.Attr("PropertyName", path.PropertyName);
        w.Attr("PropertyId", path.PropertyId is { } id ? Values.Format(id) : null);
        w.Attr("PropertyType", path.PropertyType);
        w.End();
    }

    private static void WriteBody(EwsWriter w, Body body, string? requested, bool filterHtml)
    {
        var type = requested is null or SchemaValues.BodyTypeResponseType.Best ? body.BodyType : requested;
        var text = (type, body.BodyType) switch
        {
            (SchemaValues.BodyTypeType.Text, SchemaValues.BodyTypeType.HTML) => HtmlContent.ToText(body.Text),
            (SchemaValues.BodyTypeType.HTML, SchemaValues.BodyTypeType.Text) => "<html><body>" + System.Net.WebUtility.HtmlEncode(body.Text).Replace("\n", "<br>", StringComparison.Ordinal) + "</body></html>",
            _ => body.Text,
        };
        if (filterHtml && type == SchemaValues.BodyTypeType.HTML)
        {
            text = HtmlContent.Filter(text);
        }

        w.StartT("Body");
        w.Attr("BodyType", type);
        w.Xml.WriteString(text);
        w.End();
    }

    /// <summary>A body's text: as it is, or an HTML body without its markup.</summary>
    public static string AsText(Body body) => body.BodyType == SchemaValues.BodyTypeType.HTML ? HtmlContent.ToText(body.Text) : body.Text;
}
