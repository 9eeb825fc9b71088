using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

public enum BaseShape
{
    IdOnly,
    Default,
    AllProperties,
}

public sealed record ItemShape(BaseShape BaseShape, string? BodyType, IReadOnlyList<PropertyPath> Additional)
{
    /// <summary>IncludeMimeContent: each item's MimeContent is written, whatever the base shape.</summary>
    public bool IncludeMimeContent { get; init; }

    /// <summary>Whether items written with this shape carry their MimeContent (IncludeMimeContent, or its FieldURI named).</summary>
    /// <summary>FilterHtmlContent: HTML bodies are answered with unsafe content removed.</summary>
    public bool FilterHtmlContent { get; init; }

    public bool WritesMimeContent => IncludeMimeContent || Additional.Any(static p => p is FieldPath { Uri: "item:MimeContent" });
}

/// <summary>Maps request XML onto the model; anything that cannot be mapped is an ErrorSchemaValidation fault.</summary>
public static class ItemReader
{
    public static EmailAddress ReadMailbox(XElement mailbox)
    {
        string? name = null, address = null, routing = null, type = null;
        foreach (var e in mailbox.Elements())
        {
            switch (e.Name.LocalName)
            {
                case "Name": name = e.Value; break;
                case "EmailAddress": address = e.Value.Trim(); break;
                case "RoutingType": routing = e.Value; break;
                case "MailboxType": type = Values.Enum(e, Values.MailboxTypes, "MailboxTypeType"); break;
                case "ItemId" or "OriginalDisplayName": break;
                default: throw Unexpected(e);
            }
        }

        if (string.IsNullOrEmpty(address))
        {
            throw SoapRequest.Schema(mailbox, "A Mailbox must have an EmailAddress.");
        }

        // Every address a client names is checked here, once: it is delivered to, stored and written into other mailboxes.
        return new EmailAddress(name, AddressRules.Require(address, routing), routing ?? "SMTP", type ?? SchemaValues.MailboxTypeType.Mailbox);
    }

    public static Attendee ReadAttendee(XElement attendee)
    {
        var mailbox = attendee.Element(Ews.T + "Mailbox") ?? throw SoapRequest.Schema(attendee, "An Attendee must have a Mailbox.");
        foreach (var e in attendee.Elements())
        {
            if (e.Name.LocalName is not ("Mailbox" or "ResponseType" or "LastResponseTime" or "ProposedStart" or "ProposedEnd"))
            {
                throw Unexpected(e);
            }
        }

        // Note: exchangelib sends <ResponseType>Accept</ResponseType> on every new attendee; only the server tracks responses.
        return new Attendee(ReadMailbox(mailbox));
    }

    public static Body ReadBody(XElement body)
    {
        var type = (string?)body.Attribute("BodyType") ?? throw SoapRequest.Schema(body, "The required attribute 'BodyType' is missing.");
        return new Body(Values.Enum(body, type, Values.BodyTypes, "BodyTypeType"), body.Value);
    }

    /// <summary>
    /// A StartTimeZone/EndTimeZone: by its Id when this server knows it (a full definition sent back, as the EWS Managed
    /// API does, keeps that Id); otherwise, when it carries Periods, the known zone that follows its current rule, as
    /// Exchange maps a custom definition; else ErrorTimeZone.
    /// </summary>
    public static TimeZoneRef ReadTimeZone(XElement zone)
    {
        var id = (string?)zone.Attribute("Id");
        if (!string.IsNullOrEmpty(id) && TimeZones.WindowsId(id) is { } windowsId)
        {
            return new TimeZoneRef(windowsId, (string?)zone.Attribute("Name") ?? TimeZones.DisplayName(windowsId));
        }

        if (TimeZoneDefinitionReader.HasPeriods(zone))
        {
            var matched = TimeZones.Match(TimeZoneDefinitionReader.Rule(zone))
                ?? throw new EwsException(ResponseCodes.ErrorTimeZone, $"No time zone known to this server follows the rules of the time zone definition '{Values.Excerpt(id ?? "")}'.");
            return new TimeZoneRef(matched, TimeZones.DisplayName(matched));
        }

        if (string.IsNullOrEmpty(id))
        {
            throw SoapRequest.Schema(zone, $"'{zone.Name.LocalName}' needs an Id.");
        }

        throw new EwsException(ResponseCodes.ErrorTimeZone, $"The time zone '{Values.Excerpt(id)}' is not known to this server.");
    }

    /// <summary>Reads an item element of CreateItem (Message, CalendarItem, Item, Contact, DistributionList, Task, PostItem) into a new item.</summary>
    public static Item ReadNewItem(XElement element, ReadContext context)
    {
        var kind = element.Name.LocalName switch
        {
            "Message" => ItemKind.Message,
            "CalendarItem" => ItemKind.CalendarItem,
            "Item" => ItemKind.Item,
            "Contact" => ItemKind.Contact,
            "DistributionList" => ItemKind.DistributionList,
            "Task" => ItemKind.Task,
            "PostItem" => ItemKind.PostItem,
            _ => throw SoapRequest.Schema(element, $"Creating a '{element.Name.LocalName}' is not supported."),
        };
        var item = new Item
        {
            Kind = kind,
            ItemClass = kind switch
            {
                ItemKind.CalendarItem => "IPM.Appointment",
                ItemKind.Contact => "IPM.Contact",
                ItemKind.DistributionList => "IPM.DistList",
                ItemKind.Task => "IPM.Task",
                ItemKind.PostItem => "IPM.Post",
                _ => "IPM.Note",
            },
        };
        if (kind == ItemKind.CalendarItem)
        {
            // Start comes before StartTimeZone in the schema's sequence, yet is read in it: look ahead first.
            context = context.For(element.Elements());
        }

        // MimeContent first (the schema's place for it too): every field beside it in the request wins over its content.
        foreach (var child in element.Elements().OrderBy(c => c.Name.LocalName == "MimeContent" ? 0 : 1))
        {
            if (child.Name.Namespace != Ews.T)
            {
                throw Unexpected(child);
            }

            if (child.Name.LocalName == "ExtendedProperty")
            {
                SetExtended(item, ReadExtendedProperty(child));
                continue;
            }

            var def = ItemSchema.FindByElement(kind, child.Name.LocalName) ?? throw Unexpected(child);
            if (def.Set is null)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"The property '{def.Uri}' is read-only and cannot be set.");
            }

            def.Set(child, item, context);
        }

        ItemTypes.Created(item, context);
        return item;
    }

    public static void SetExtended(Item item, ExtendedProperty property)
    {
        if (MapiAliases.Find(property.Path) is { } alias)
        {
            // The element's own value: item:Subject and PropertyTag 0x0037 are one property.
            if (alias.IsReadOnly)
            {
                throw new EwsException(ResponseCodes.ErrorInvalidPropertySet, $"The property '{alias.Uri}' is read-only and cannot be set.");
            }

            alias.Set!(item, property.Value ?? throw new EwsException(ResponseCodes.ErrorInvalidExtendedPropertyValue, $"'{alias.Uri}' takes a single Value."));
            return;
        }

        var key = property.Path.Key;
        item.ExtendedProperties.RemoveAll(p => p.Path.Key == key);
        item.ExtendedProperties.Add(property);
    }

    /// <summary>DeleteItemField of an ExtendedFieldURI: the element's value when the path is one, else the extended property.</summary>
    public static void DeleteExtended(Item item, ExtendedPropertyPath path)
    {
        if (MapiAliases.Find(path) is { } alias)
        {
            (alias.Delete ?? throw new EwsException(ResponseCodes.ErrorInvalidPropertyDelete, $"The property '{alias.Uri}' is read-only and cannot be deleted."))(item);
            return;
        }

        var key = path.Key;
        item.ExtendedProperties.RemoveAll(p => p.Path.Key == key);
    }

    public static ExtendedProperty ReadExtendedProperty(XElement element)
    {
        var uri = element.Element(Ews.T + "ExtendedFieldURI") ?? throw SoapRequest.Schema(element, "ExtendedProperty needs an ExtendedFieldURI.");
        var path = ReadExtendedPath(uri);
        var value = element.Element(Ews.T + "Value");
        var values = element.Element(Ews.T + "Values");
        if ((value is null) == (values is null))
        {
            throw SoapRequest.Schema(element, "ExtendedProperty needs exactly one of Value or Values.");
        }

        var isArray = path.PropertyType.EndsWith("Array", StringComparison.Ordinal);
        if (isArray != (values is not null))
        {
            throw new EwsException(ResponseCodes.ErrorInvalidExtendedPropertyValue, $"A property of type {path.PropertyType} takes {(isArray ? "Values" : "a Value")}.");
        }

        return values is not null
            ? new ExtendedProperty(path, null, [.. values.Elements(Ews.T + "Value").Select(v => v.Value)])
            : new ExtendedProperty(path, value!.Value, null);
    }

    public static ExtendedPropertyPath ReadExtendedPath(XElement uri)
    {
        var tag = (string?)uri.Attribute("PropertyTag");
        var setName = (string?)uri.Attribute("DistinguishedPropertySetId");
        var setId = (string?)uri.Attribute("PropertySetId");
        var name = (string?)uri.Attribute("PropertyName");
        var idText = (string?)uri.Attribute("PropertyId");
        var type = (string?)uri.Attribute("PropertyType") ?? throw SoapRequest.Schema(uri, "ExtendedFieldURI needs a PropertyType.");
        if (!SchemaNames.MapiPropertyTypes.Contains(type))
        {
            throw SoapRequest.Schema(uri, $"The value '{Values.Excerpt(type)}' is not a valid MapiPropertyTypeType.");
        }

        if (setName is not null && !SchemaNames.DistinguishedPropertySets.Contains(setName))
        {
            throw SoapRequest.Schema(uri, $"The value '{Values.Excerpt(setName)}' is not a valid DistinguishedPropertySetType.");
        }

        int? id = idText is null ? null : Values.Int(uri, idText);
        var valid = tag is not null
            ? setName is null && setId is null && name is null && id is null && TryTag(tag)
            : (setName is null) != (setId is null) && (name is null) != (id is null) && (setId is null || Guid.TryParse(setId, out _));
        if (!valid)
        {
            throw new EwsException(ResponseCodes.ErrorInvalidPropertyRequest,
                "ExtendedFieldURI must name a PropertyTag, or a property set (DistinguishedPropertySetId or PropertySetId) with a PropertyName or PropertyId.");
        }

        return new ExtendedPropertyPath(tag, setName, setId, name, id, type);

        static bool TryTag(string tag)
        {
            try
            {
                var v = ExtendedPropertyPath.ParseTag(tag);
                return v is >= 0 and <= 0xFFFF;
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                return false;
            }
        }
    }

    public static PropertyPath ReadPath(XElement e)
    {
        switch (e.Name.LocalName)
        {
            case "FieldURI":
                var uri = (string?)e.Attribute("FieldURI") ?? "";
                if (!SchemaNames.UnindexedFieldUris.Contains(uri))
                {
                    throw SoapRequest.Schema(e, $"The 'FieldURI' attribute is invalid - The value '{Values.Excerpt(uri)}' is invalid according to its datatype 'UnindexedFieldURIType'.");
                }

                return new FieldPath(uri);
            case "IndexedFieldURI":
                var iuri = (string?)e.Attribute("FieldURI") ?? "";
                if (!SchemaNames.DictionaryUris.Contains(iuri))
                {
                    throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(iuri)}' is invalid according to its datatype 'DictionaryURIType'.");
                }

                return new IndexedPath(iuri, (string?)e.Attribute("FieldIndex") ?? "");
            case "ExtendedFieldURI":
                return new ExtendedPath(ReadExtendedPath(e));
            default:
                throw Unexpected(e);
        }
    }

    public static ItemShape ReadShape(XElement shape)
    {
        var baseShape = shape.Element(Ews.T + "BaseShape") ?? throw SoapRequest.Schema(shape, "The shape needs a BaseShape.");
        var bs = baseShape.Value.Trim() switch
        {
            SchemaValues.DefaultShapeNamesType.IdOnly => BaseShape.IdOnly,
            SchemaValues.DefaultShapeNamesType.Default => BaseShape.Default,
            SchemaValues.DefaultShapeNamesType.AllProperties => BaseShape.AllProperties,
            // Note: PcxPeopleSearch (a people-search shape of Exchange 2013+) is answered as Default.
            SchemaValues.DefaultShapeNamesType.PcxPeopleSearch => BaseShape.Default,
            _ => throw SoapRequest.Schema(baseShape, $"The value '{Values.Excerpt(baseShape.Value)}' is not a valid DefaultShapeNamesType."),
        };
        string? bodyType = null;
        var includeMime = false;
        var filterHtml = false;
        var additional = new List<PropertyPath>();
        foreach (var e in shape.Elements())
        {
            switch (e.Name.LocalName)
            {
                case "BaseShape":
                    break;
                case "BodyType":
                    bodyType = e.Value.Trim() is SchemaValues.BodyTypeResponseType.Best or SchemaValues.BodyTypeType.HTML or SchemaValues.BodyTypeType.Text ? e.Value.Trim() : throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(e.Value)}' is not a valid BodyTypeResponseType.");
                    break;
                case "AdditionalProperties":
                    additional.AddRange(e.Elements().Select(ReadPath));
                    break;
                case "IncludeMimeContent":
                    includeMime = Values.Bool(e);
                    break;
                case "FilterHtmlContent":
                    filterHtml = Values.Bool(e);
                    break;
                case "ConvertHtmlCodePageToUTF8" or "InlineImageUrlTemplate"
                    or "BlockExternalImages" or "AddBlankTargetToLinks" or "MaximumBodySize" or "UniqueBodyType" or "NormalizedBodyType":
                    break;
                default:
                    throw Unexpected(e);
            }
        }

        return new ItemShape(bs, bodyType, additional) { IncludeMimeContent = includeMime, FilterHtmlContent = filterHtml };
    }

    public static FolderRef ReadFolderRef(XElement e)
    {
        switch (e.Name.LocalName)
        {
            case "FolderId":
                var id = (string?)e.Attribute("Id") ?? throw SoapRequest.Schema(e, "FolderId needs an Id.");
                return new FolderRef(id, null, null);
            case "DistinguishedFolderId":
                var name = (string?)e.Attribute("Id") ?? "";
                if (!SchemaNames.DistinguishedFolderNames.Contains(name))
                {
                    throw SoapRequest.Schema(e, $"The 'Id' attribute is invalid - The value '{Values.Excerpt(name)}' is invalid according to its datatype 'DistinguishedFolderIdNameType'.");
                }

                var mailbox = e.Element(Ews.T + "Mailbox")?.Element(Ews.T + "EmailAddress")?.Value.Trim();
                return new FolderRef(null, name, mailbox);
            default:
                throw Unexpected(e);
        }
    }

    public static ItemRef ReadItemRef(XElement e)
    {
        switch (e.Name.LocalName)
        {
            case "ItemId" or "ReferenceItemId" or "AssociatedCalendarItemId":
                var id = (string?)e.Attribute("Id") ?? throw SoapRequest.Schema(e, $"'{Values.Excerpt(e.Name.LocalName)}' needs an Id.");
                return new ItemRef(id, (string?)e.Attribute("ChangeKey"));
            case "OccurrenceItemId":
                // OccurrenceItemIdType: RecurringMasterId and a 1-based InstanceIndex (xs:int), both required.
                var master = RequiredAttribute(e, "RecurringMasterId");
                var indexText = RequiredAttribute(e, "InstanceIndex");
                if (!int.TryParse(indexText, System.Globalization.NumberStyles.AllowLeadingSign | System.Globalization.NumberStyles.AllowLeadingWhite | System.Globalization.NumberStyles.AllowTrailingWhite,
                        System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    throw SoapRequest.Schema(e, $"The 'InstanceIndex' attribute is invalid - The value '{Values.Excerpt(indexText)}' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int'.");
                }

                return new ItemRef(master, (string?)e.Attribute("ChangeKey"), InstanceIndex: index);
            case "RecurringMasterItemId":
                return new ItemRef(RequiredAttribute(e, "OccurrenceId"), (string?)e.Attribute("ChangeKey"), ToMaster: true);
            default:
                throw Unexpected(e);
        }
    }

    public static EwsFaultException Unexpected(XElement e) =>
        SoapRequest.Schema(e, $"The element '{Values.Excerpt(e.Name.LocalName)}' in namespace '{Values.Excerpt(e.Name.NamespaceName)}' is not expected here (parent '{e.Parent?.Name.LocalName}').");

    /// <summary>The one child element a choice holds (a ParentFolderId's folder id, a Not's expression), or a schema fault.</summary>
    public static XElement OnlyChild(XElement parent, string what)
    {
        XElement? only = null;
        foreach (var child in parent.Elements())
        {
            if (only is not null)
            {
                throw SoapRequest.Schema(child, $"'{parent.Name.LocalName}' must hold exactly one {what}.");
            }

            only = child;
        }

        return only ?? throw SoapRequest.Schema(parent, $"'{parent.Name.LocalName}' must hold exactly one {what}.");
    }

    /// <summary>The first child element (a change's id, an update's path), or a schema fault.</summary>
    public static XElement FirstChild(XElement parent, string what) =>
        parent.Elements().FirstOrDefault() ?? throw SoapRequest.Schema(parent, $"'{parent.Name.LocalName}' needs a {what}.");

    /// <summary>The value of a required attribute, or a schema fault.</summary>
    public static string RequiredAttribute(XElement e, string name) =>
        (string?)e.Attribute(name) ?? throw SoapRequest.Schema(e, $"The required attribute '{Values.Excerpt(name)}' is missing.");
}
