using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// Context for reading item fields out of a request: the zone in which a dateTime without an offset is read.
/// Following "Time zones and EWS" (Table 2), Start and ReminderDueBy are read in the StartTimeZone the same request
/// gives, End in its EndTimeZone (or StartTimeZone), a legacy MeetingTimeZone covers the whole item, and anything
/// else is read in the TimeZoneContext, or UTC.
/// </summary>
public sealed record ReadContext(string? TimeZone)
{
    public string? StartZone { get; init; }

    public string? EndZone { get; init; }

    /// <summary>The server's time of the request, for what an item takes from it (a task's CompleteDate).</summary>
    public DateTime? Now { get; init; }

    /// <summary>Who sends the request (a task's owner, a post's sender).</summary>
    public EmailAddress? User { get; init; }

    /// <summary>The request's RequestServerVersion: what its schema has (a ReferenceAttachment only from Exchange2015).</summary>
    public ExchangeVersion Version { get; init; } = ExchangeVersions.Server;

    /// <summary>Where a new item's MimeContent puts the attachments its MIME parts make (CreateItem); null elsewhere.</summary>
    public Mime.MimeAttachments? MimeAttachments { get; init; }

    /// <summary>The request's spool, where a message's MimeContent was decoded as the request was parsed (a token in its text).</summary>
    public BinarySpool? Spool { get; init; }

    public string? ZoneOfStart => StartZone ?? TimeZone;

    public string? ZoneOfEnd => EndZone ?? StartZone ?? TimeZone;

    /// <summary>This context narrowed by the time zone elements among <paramref name="properties"/> (an item's children, or an update's values).</summary>
    public ReadContext For(IEnumerable<XElement> properties)
    {
        var context = this;
        foreach (var e in properties)
        {
            switch (e.Name.LocalName)
            {
                case "StartTimeZone":
                    context = context with { StartZone = ItemReader.ReadTimeZone(e).Id };
                    break;
                case "EndTimeZone":
                    context = context with { EndZone = ItemReader.ReadTimeZone(e).Id };
                    break;
                case "MeetingTimeZone":
                    var legacy = MeetingTimeZone.Read(e).Id;
                    context = context with { TimeZone = legacy, StartZone = context.StartZone ?? legacy, EndZone = context.EndZone ?? legacy };
                    break;
                default:
                    break;
            }
        }

        return context;
    }
}

/// <summary>
/// One item property: its FieldURI, its element, the schema version that introduced it, and how it is
/// written, read, deleted, appended to and compared. The tables in <see cref="ItemSchema"/> list them in
/// each type's xs:sequence order.
/// </summary>
public sealed class PropertyDef
{
    public required string Uri { get; init; }

    public required string Element { get; init; }

    public ExchangeVersion Since { get; init; } = ExchangeVersion.Exchange2007;

    /// <summary>Part of the Default shape.</summary>
    public bool InDefault { get; init; }

    /// <summary>Left out of AllProperties (Exchange returns it only when asked by name).</summary>
    public bool OnlyOnRequest { get; init; }

    /// <summary>Part of AllProperties for Exchange2007 and Exchange2007_SP1 requests only (the legacy time zone elements), otherwise returned only when asked by name.</summary>
    public bool InLegacyAllProperties { get; init; }

    /// <summary>Never written by FindItem, even when named: GetItem's only (a master's recurrence and occurrence lists, as Exchange).</summary>
    public bool NotInFind { get; init; }

    public ValueKind Type { get; init; } = ValueKind.String;

    public required Func<Item, WriteContext, bool> Has { get; init; }

    public required Action<EwsWriter, Item, WriteContext> Write { get; init; }

    /// <summary>Null for read-only properties.</summary>
    public Action<XElement, Item, ReadContext>? Set { get; init; }

    public Action<Item>? Delete { get; init; }

    public Action<XElement, Item, ReadContext>? Append { get; init; }

    /// <summary>The value used by restrictions and sorting; null when unset or not comparable.</summary>
    public Func<Item, object?> Value { get; init; } = static _ => null;

    public bool IsReadOnly => Set is null;
}

/// <summary>The supported item properties, and for each item kind the order the schema writes them in.</summary>
public static class ItemSchema
{
    private static PropertyDef Str(string uri, string element, Func<Item, string?> get, Action<Item, string?>? set, bool inDefault = false, IReadOnlySet<string>? allowed = null, string? typeName = null, ExchangeVersion since = ExchangeVersion.Exchange2007) => new()
    {
        Uri = uri,
        Element = element,
        Since = since,
        InDefault = inDefault,
        Has = (i, _) => get(i) is not null,
        Write = (w, i, _) => w.T(element, get(i)!),
        Set = set is null ? null : (e, i, _) => set(i, allowed is null ? e.Value : Values.Enum(e, allowed, typeName!)),
        Delete = set is null ? null : i => set(i, null),
        Value = i => get(i),
    };

    private static PropertyDef Bool(string uri, string element, Func<Item, bool?> get, Action<Item, bool?>? set, bool inDefault = false, ExchangeVersion since = ExchangeVersion.Exchange2007) => new()
    {
        Uri = uri,
        Element = element,
        Since = since,
        InDefault = inDefault,
        Type = ValueKind.Boolean,
        Has = (i, _) => get(i) is not null,
        Write = (w, i, _) => w.T(element, get(i)!.Value),
        Set = set is null ? null : (e, i, _) => set(i, Values.Bool(e)),
        Delete = set is null ? null : i => set(i, null),
        Value = i => get(i),
    };

    private static PropertyDef Int(string uri, string element, Func<Item, int?> get, Action<Item, int?>? set, bool inDefault = false, ExchangeVersion since = ExchangeVersion.Exchange2007) => new()
    {
        Uri = uri,
        Element = element,
        Since = since,
        InDefault = inDefault,
        Type = ValueKind.Integer,
        Has = (i, _) => get(i) is not null,
        Write = (w, i, _) => w.T(element, get(i)!.Value),
        Set = set is null ? null : (e, i, _) => set(i, Values.Int(e)),
        Delete = set is null ? null : i => set(i, null),
        Value = i => get(i),
    };

    private static PropertyDef Date(string uri, string element, Func<Item, DateTime?> get, Action<Item, DateTime?>? set, bool inDefault = false, ExchangeVersion since = ExchangeVersion.Exchange2007, Func<ReadContext, string?>? zone = null) => new()
    {
        Uri = uri,
        Element = element,
        Since = since,
        InDefault = inDefault,
        Type = ValueKind.DateTime,
        Has = (i, _) => get(i) is not null,
        Write = (w, i, _) => w.T(element, get(i)!.Value),
        Set = set is null ? null : (e, i, c) => set(i, Values.StoredDateTime(e, zone is null ? c.TimeZone : zone(c))),
        Delete = set is null ? null : i => set(i, null),
        Value = i => get(i),
    };

    private static PropertyDef Single(string uri, string element, Func<Item, EmailAddress?> get, Action<Item, EmailAddress?>? set, bool inDefault = false) => new()
    {
        Uri = uri,
        Element = element,
        InDefault = inDefault,
        Has = (i, _) => get(i) is not null,
        Write = (w, i, _) => w.Recipient(element, get(i)!),
        Set = set is null ? null : (e, i, _) => set(i, ItemReader.ReadMailbox(e.Element(Ews.T + "Mailbox") ?? throw SoapRequest.Schema(e, $"'{element}' must contain a Mailbox."))),
        Delete = set is null ? null : i => set(i, null),
        Value = i => get(i)?.Address,
    };

    private static PropertyDef Recipients(string uri, string element, Func<Item, List<EmailAddress>?> get, Action<Item, List<EmailAddress>?> set, bool inDefault = false) => new()
    {
        Uri = uri,
        Element = element,
        InDefault = inDefault,
        Has = (i, _) => get(i) is { Count: > 0 },
        Write = (w, i, _) => w.Recipients(element, get(i)!),
        // An empty list is no list: nothing is kept that would be written back as an empty container or DisplayTo.
        Set = (e, i, _) => set(i, e.Elements(Ews.T + "Mailbox").Any() ? [.. e.Elements(Ews.T + "Mailbox").Select(ItemReader.ReadMailbox)] : null),
        Append = (e, i, _) => set(i, [.. get(i) ?? [], .. e.Elements(Ews.T + "Mailbox").Select(ItemReader.ReadMailbox)]),
        Delete = i => set(i, null),
        Value = i => get(i) is { Count: > 0 } list ? string.Join("; ", list.Select(a => a.Name ?? a.Address)) : null,
    };

    private static PropertyDef Attendees(string uri, string element, Func<Item, List<Attendee>?> get, Action<Item, List<Attendee>?> set) => new()
    {
        Uri = uri,
        Element = element,
        Has = (i, _) => get(i) is { Count: > 0 },
        Write = (w, i, c) => WriteAttendees(w, element, get(i)!, c),
        Set = (e, i, _) => set(i, [.. e.Elements(Ews.T + "Attendee").Select(ItemReader.ReadAttendee)]),
        Append = (e, i, _) => set(i, [.. get(i) ?? [], .. e.Elements(Ews.T + "Attendee").Select(ItemReader.ReadAttendee)]),
        Delete = i => set(i, null),
        Value = i => get(i) is { Count: > 0 } list ? string.Join("; ", list.Select(a => a.Mailbox.Address)) : null,
    };

    private static void WriteAttendees(EwsWriter w, string element, List<Attendee> attendees, WriteContext c)
    {
        w.StartT(element);
        foreach (var a in attendees)
        {
            w.StartT("Attendee");
            w.Mailbox(a.Mailbox);
            if (a.ResponseType is not null)
            {
                w.T("ResponseType", a.ResponseType);
            }

            if (a.LastResponseTime is { } last)
            {
                w.T("LastResponseTime", last);
            }

            // Note: AttendeeType.ProposedStart/End exist from Exchange2013_SP1 on; [MS-OXWSMTGS] says only 2016+ fills them.
            if (c.Supports(ExchangeVersion.Exchange2016) && a.ProposedStart is { } ps && a.ProposedEnd is { } pe)
            {
                w.T("ProposedStart", ps);
                w.T("ProposedEnd", pe);
            }

            w.End();
        }

        w.End();
    }

    private static PropertyDef Zone(string uri, string element, Func<Item, TimeZoneRef?> get, Action<Item, TimeZoneRef?> set) => new()
    {
        Uri = uri,
        Element = element,
        Since = ExchangeVersion.Exchange2010,
        Has = (i, _) => get(i) is not null,
        // Note: the EWS Managed API (and its port ews-javascript-api) needs the full definition: Microsoft's library
        // throws "The time zone definition is invalid or unsupported" without Periods, the port reads null.
        Write = (w, i, _) =>
        {
            var z = get(i)!;
            if (TimeZones.TryDefinition(z.Id) is { } definition)
            {
                // The definition is derived once per zone and cached; only its writing is per item.
                TimeZoneWriter.Write(w, element, definition, full: true, z.Name);
                return;
            }

            w.StartT(element);
            w.Attr("Id", z.Id);
            w.Attr("Name", z.Name);
            w.End();
        },
        Set = (e, i, _) => set(i, ItemReader.ReadTimeZone(e)),
        Delete = i => set(i, null),
        Value = i => get(i)?.Id,
    };

    // ItemType
    /// <summary>
    /// MimeContent, built from the item's fields when asked for (IncludeMimeContent or its FieldURI; never in
    /// AllProperties, as Exchange) and read into them when set (<see cref="Mime.MimeContent"/>). Deleting it is a no-op:
    /// nothing is kept apart from the fields (exchangelib's save() sends DeleteItemField item:MimeContent on drafts).
    /// </summary>
    public static readonly PropertyDef MimeContent = new()
    {
        Uri = "item:MimeContent",
        Element = "MimeContent",
        OnlyOnRequest = true,
        Has = (i, _) => Mime.MimeContent.Supports(i.Kind),
        Write = (w, i, c) =>
        {
            var attachments = c.Attachments is { } source ? new Mime.AttachmentParts.Source(source, c.AttachmentRootId ?? i.Id) : null;
            if (Mime.MimeContent.TryPrepare(i, attachments) is not { } write)
            {
                return; // Content that cannot be built is left out, never a failed response (MimeContent is optional).
            }

            w.StartT("MimeContent");
            w.Attr("CharacterSet", Mime.MimeContent.CharacterSet);
            // Base64 written as MimeKit writes the message (its attachments' bytes read from the store meanwhile).
            using (var stream = new Base64XmlStream(w.Xml))
            {
                write(stream);
            }

            w.End();
        },
        // Not disposed here: a new message's attachment parts are read from it when the item is stored (the request's
        // spool, or memory).
        Set = (e, i, c) => Mime.MimeContent.Apply(i, Content(e, c.Spool), c.TimeZone, c.MimeAttachments, c.User?.Address),
        Delete = _ => { },
    };

    /// <summary>A MimeContent's bytes: from the spool the request was parsed into, or decoded from the element's text.</summary>
    private static Stream Content(XElement e, BinarySpool? spool)
    {
        var text = e.Value;
        if (spool is not null && BinarySpool.IsToken(text))
        {
            return spool.IsValid(text)
                ? spool.Open(text)
                : throw new EwsException(ResponseCodes.ErrorMimeContentInvalidBase64String, "The MimeContent is not a valid base64 string.");
        }

        return new MemoryStream(Base64(e), writable: false);
    }

    private static byte[] Base64(XElement e)
    {
        try
        {
            return Convert.FromBase64String(e.Value);
        }
        catch (FormatException)
        {
            throw new EwsException(ResponseCodes.ErrorMimeContentInvalidBase64String, "The MimeContent is not a valid base64 string.");
        }
    }

    public static readonly PropertyDef ItemId = new()
    {
        Uri = "item:ItemId",
        Element = "ItemId",
        InDefault = true,
        // An attached item (inside an item attachment) has no id of its own.
        Has = (i, _) => i.Id.Length > 0,
        Write = (w, i, _) => w.ItemId("ItemId", i.Id, i.ChangeNumber),
        Value = i => i.Id,
    };

    public static readonly PropertyDef ParentFolderId = new()
    {
        Uri = "item:ParentFolderId",
        Element = "ParentFolderId",
        InDefault = true,
        Has = (_, _) => true,
        Write = (w, i, _) =>
        {
            w.StartT("ParentFolderId");
            w.Attr("Id", i.FolderId);
            w.End();
        },
        Value = i => i.FolderId,
    };

    public static readonly PropertyDef ItemClass = Str("item:ItemClass", "ItemClass", i => i.ItemClass, (i, v) => i.ItemClass = v ?? "IPM.Note", inDefault: true);
    // Note: Exchange keeps at most 255 characters of a subject and drops the rest (exchangelib's suite records it).
    public static readonly PropertyDef Subject = Str("item:Subject", "Subject", i => i.Subject, (i, v) => i.Subject = v is { Length: > MaxSubject } ? v[..MaxSubject] : v, inDefault: true);

    private const int MaxSubject = 255;
    public static readonly PropertyDef Sensitivity = Str("item:Sensitivity", "Sensitivity", i => i.Sensitivity, (i, v) => i.Sensitivity = v, true, Values.Sensitivities, "SensitivityChoicesType");

    public static readonly PropertyDef Body = new()
    {
        Uri = "item:Body",
        Element = "Body",
        Has = (i, _) => i.Body is not null,
        Write = (w, i, _) =>
        {
            w.StartT("Body");
            w.Attr("BodyType", i.Body!.BodyType);
            w.Xml.WriteString(i.Body.Text);
            w.End();
        },
        Set = (e, i, _) => i.Body = ItemReader.ReadBody(e),
        Append = (e, i, _) =>
        {
            var added = ItemReader.ReadBody(e);
            i.Body = i.Body is null ? added : i.Body with { Text = i.Body.Text + added.Text };
        },
        Delete = i => i.Body = null,
        Value = i => i.Body?.Text,
    };

    public static readonly PropertyDef DateTimeReceived = Date("item:DateTimeReceived", "DateTimeReceived", i => i.DateTimeReceived ?? i.DateTimeCreated, null, inDefault: true);

    public static readonly PropertyDef Size = new()
    {
        Uri = "item:Size",
        Element = "Size",
        InDefault = true,
        Type = ValueKind.Integer,
        Has = (_, _) => true,
        Write = (w, i, _) => w.T("Size", i.Size),
        Value = i => i.Size,
    };

    public static readonly PropertyDef Categories = new()
    {
        Uri = "item:Categories",
        Element = "Categories",
        Has = (i, _) => i.Categories is { Count: > 0 },
        Write = (w, i, _) =>
        {
            w.StartT("Categories");
            foreach (var c in i.Categories!)
            {
                w.T("String", c);
            }

            w.End();
        },
        Set = (e, i, _) => i.Categories = e.Elements(Ews.T + "String").Any() ? [.. e.Elements(Ews.T + "String").Select(s => s.Value)] : null,
        Append = (e, i, _) => i.Categories = [.. i.Categories ?? [], .. e.Elements(Ews.T + "String").Select(s => s.Value)],
        Delete = i => i.Categories = null,
        // Multi-valued: a restriction matches when one category does (Exchange's IsEqualTo on item:Categories).
        Value = i => i.Categories is { Count: > 0 } c ? c.Select(s => (object?)s).ToArray() : null,
    };

    public static readonly PropertyDef Importance = Str("item:Importance", "Importance", i => i.Importance, (i, v) => i.Importance = v, true, Values.Importances, "ImportanceChoicesType");
    public static readonly PropertyDef InReplyTo = Str("item:InReplyTo", "InReplyTo", i => i.InReplyTo, (i, v) => i.InReplyTo = v);
    public static readonly PropertyDef IsSubmitted = Bool("item:IsSubmitted", "IsSubmitted", i => i.IsSubmitted, null, inDefault: true);
    public static readonly PropertyDef IsDraft = Bool("item:IsDraft", "IsDraft", i => i.IsDraft, null, inDefault: true);
    public static readonly PropertyDef IsFromMe = Bool("item:IsFromMe", "IsFromMe", _ => false, null, inDefault: true);
    public static readonly PropertyDef IsResend = Bool("item:IsResend", "IsResend", _ => false, null, inDefault: true);
    public static readonly PropertyDef IsUnmodified = Bool("item:IsUnmodified", "IsUnmodified", i => i.ChangeNumber <= 1, null, inDefault: true);
    public static readonly PropertyDef DateTimeSent = Date("item:DateTimeSent", "DateTimeSent", i => i.DateTimeSent ?? i.DateTimeCreated, null, inDefault: true);
    public static readonly PropertyDef DateTimeCreated = Date("item:DateTimeCreated", "DateTimeCreated", i => i.DateTimeCreated, null, inDefault: true);

    public static readonly PropertyDef ResponseObjects = new()
    {
        Uri = "item:ResponseObjects",
        Element = "ResponseObjects",
        InDefault = true,
        Has = (i, c) => c.ResponseObjects(i).Count > 0,
        Write = (w, i, c) =>
        {
            w.StartT("ResponseObjects");
            foreach (var name in c.ResponseObjects(i))
            {
                w.StartT(name);
                w.End();
            }

            w.End();
        },
    };

    public static readonly PropertyDef ReminderDueBy = Date("item:ReminderDueBy", "ReminderDueBy", i => i.ReminderIsSet == true ? i.ReminderDueBy ?? i.Start?.AddMinutes(-(i.ReminderMinutesBeforeStart ?? 15)) : i.ReminderDueBy, (i, v) => i.ReminderDueBy = v, inDefault: true, zone: c => c.ZoneOfStart);
    public static readonly PropertyDef ReminderIsSet = Bool("item:ReminderIsSet", "ReminderIsSet", i => i.ReminderIsSet ?? false, (i, v) => i.ReminderIsSet = v, inDefault: true);

    public static readonly PropertyDef ReminderMinutesBeforeStart = new()
    {
        Uri = "item:ReminderMinutesBeforeStart",
        Element = "ReminderMinutesBeforeStart",
        InDefault = true,
        Type = ValueKind.Integer,
        Has = (_, _) => true,
        Write = (w, i, _) => w.T("ReminderMinutesBeforeStart", i.ReminderMinutesBeforeStart ?? 15),
        Set = (e, i, _) => i.ReminderMinutesBeforeStart = Values.Int(e),
        Delete = i => i.ReminderMinutesBeforeStart = null,
        Value = i => i.ReminderMinutesBeforeStart ?? 15,
    };

    public static readonly PropertyDef DisplayCc = Str("item:DisplayCc", "DisplayCc", i => DisplayOf(i.Kind == ItemKind.CalendarItem ? i.OptionalAttendees?.Select(a => a.Mailbox) : i.CcRecipients), null, inDefault: true);
    public static readonly PropertyDef DisplayTo = Str("item:DisplayTo", "DisplayTo", i => DisplayOf(i.Kind == ItemKind.CalendarItem ? i.RequiredAttendees?.Select(a => a.Mailbox) : i.ToRecipients), null, inDefault: true);
    public static readonly PropertyDef HasAttachments = Bool("item:HasAttachments", "HasAttachments", i => i.HasAttachments, null, inDefault: true);

    /// <summary>The attachments' headers (never their bytes: GetAttachment gives those); no element when there are none.</summary>
    public static readonly PropertyDef Attachments = new()
    {
        Uri = "item:Attachments",
        Element = "Attachments",
        Has = AttachmentWriter.HasVisible,
        Write = AttachmentWriter.WriteHeaders,
    };
    public static readonly PropertyDef Culture = Str("item:Culture", "Culture", i => i.Culture ?? "en-US", (i, v) => i.Culture = v, inDefault: true);
    public static readonly PropertyDef LastModifiedName = Str("item:LastModifiedName", "LastModifiedName", i => i.LastModifiedName, null);
    public static readonly PropertyDef LastModifiedTime = Date("item:LastModifiedTime", "LastModifiedTime", i => i.LastModifiedTime, null);
    public static readonly PropertyDef IsAssociated = Bool("item:IsAssociated", "IsAssociated", i => i.IsAssociated, null, since: ExchangeVersion.Exchange2010);

    /// <summary>
    /// The body as plain text, computed from Body (exchangelib reads an attached item's text_body). Only when asked for,
    /// as Exchange; a value a client sends is ignored, since it always follows Body.
    /// </summary>
    public static readonly PropertyDef TextBody = new()
    {
        Uri = "item:TextBody",
        Element = "TextBody",
        Since = ExchangeVersion.Exchange2013,
        OnlyOnRequest = true,
        Has = (i, _) => i.Body is not null,
        Write = (w, i, _) =>
        {
            w.StartT("TextBody");
            w.Attr("BodyType", SchemaValues.BodyTypeType.Text);
            w.Xml.WriteString(ItemWriter.AsText(i.Body!));
            w.End();
        },
        Value = i => i.Body is { } b ? ItemWriter.AsText(b) : null,
        Set = static (_, _, _) => { },
    };

    private static string? DisplayOf(IEnumerable<EmailAddress>? addresses) =>
        addresses is null ? null : string.Join("; ", addresses.Select(a => a.Name ?? a.Address));

    // MessageType
    public static readonly PropertyDef Sender = Single("message:Sender", "Sender", i => i.Sender, (i, v) => i.Sender = v, true);
    public static readonly PropertyDef ToRecipients = Recipients("message:ToRecipients", "ToRecipients", i => i.ToRecipients, (i, v) => i.ToRecipients = v);
    public static readonly PropertyDef CcRecipients = Recipients("message:CcRecipients", "CcRecipients", i => i.CcRecipients, (i, v) => i.CcRecipients = v);
    public static readonly PropertyDef BccRecipients = Recipients("message:BccRecipients", "BccRecipients", i => i.BccRecipients, (i, v) => i.BccRecipients = v);
    public static readonly PropertyDef IsReadReceiptRequested = Bool("message:IsReadReceiptRequested", "IsReadReceiptRequested", i => i.IsReadReceiptRequested ?? false, (i, v) => i.IsReadReceiptRequested = v, true);
    public static readonly PropertyDef IsDeliveryReceiptRequested = Bool("message:IsDeliveryReceiptRequested", "IsDeliveryReceiptRequested", i => i.IsDeliveryReceiptRequested ?? false, (i, v) => i.IsDeliveryReceiptRequested = v);
    public static readonly PropertyDef ConversationTopic = Str("message:ConversationTopic", "ConversationTopic", i => i.ConversationTopic ?? i.Subject ?? "", null, inDefault: true);

    /// <summary>ConversationIndex, base64: stored on messages since issue 17, derived from the id on older ones (only when asked, as the id).</summary>
    public static readonly PropertyDef ConversationIndex = new()
    {
        Uri = "message:ConversationIndex",
        Element = "ConversationIndex",
        Since = ExchangeVersion.Exchange2007_SP1,
        OnlyOnRequest = true,
        Has = (_, _) => true,
        Write = (w, i, _) => w.T("ConversationIndex", i.ConversationIndex ?? Convert.ToBase64String(Conversations.IndexOf(i))),
        // What a client sets is kept as given (an uploaded or imported message's own thread).
        Set = (e, i, _) => i.ConversationIndex = IsBase64(e.Value.Trim()) ? e.Value.Trim() : throw SoapRequest.Schema(e, "ConversationIndex is not base64."),
        Delete = i => i.ConversationIndex = null,
        Value = i => i.ConversationIndex ?? Convert.ToBase64String(Conversations.IndexOf(i)),
    };

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text, new byte[text.Length], out var _);

    /// <summary>item:ConversationId, an ItemIdType-shaped id (FindConversation and GetConversationItems take it back).</summary>
    public static readonly PropertyDef ConversationId = new()
    {
        Uri = "item:ConversationId",
        Element = "ConversationId",
        Since = ExchangeVersion.Exchange2010,
        OnlyOnRequest = true,
        Has = (_, _) => true,
        Write = (w, i, _) =>
        {
            w.StartT("ConversationId");
            w.Attr("Id", Conversations.ConversationIdOf(i));
            w.End();
        },
        Set = (e, i, _) => i.ConversationId = (string?)e.Attribute("Id") ?? throw SoapRequest.Schema(e, "ConversationId needs an Id."),
        Delete = i => i.ConversationId = null,
        Value = Conversations.ConversationIdOf,
    };
    public static readonly PropertyDef From = Single("message:From", "From", i => i.From, (i, v) => i.From = v, true);
    public static readonly PropertyDef InternetMessageId = Str("message:InternetMessageId", "InternetMessageId", i => i.InternetMessageId, (i, v) => i.InternetMessageId = v, inDefault: true);
    public static readonly PropertyDef IsRead = Bool("message:IsRead", "IsRead", i => i.IsRead ?? false, (i, v) => i.IsRead = v, true);
    public static readonly PropertyDef MessageIsResponseRequested = Bool("message:IsResponseRequested", "IsResponseRequested", i => i.IsResponseRequested, (i, v) => i.IsResponseRequested = v);
    public static readonly PropertyDef References = Str("message:References", "References", i => i.References, (i, v) => i.References = v);
    public static readonly PropertyDef ReplyTo = Recipients("message:ReplyTo", "ReplyTo", i => i.ReplyTo, (i, v) => i.ReplyTo = v);
    public static readonly PropertyDef ReceivedBy = Single("message:ReceivedBy", "ReceivedBy", i => i.ReceivedBy, null);

    /// <summary>On a delegate's copy of a meeting message: the principal it was received for (issue 18 §2); read-only, as in Exchange.</summary>
    public static readonly PropertyDef ReceivedRepresenting = Single("message:ReceivedRepresenting", "ReceivedRepresenting", i => i.ReceivedRepresenting, null);

    // CalendarItemType (and the meeting messages that share its elements)
    public static readonly PropertyDef Uid = Str("calendar:UID", "UID", i => i.Uid, (i, v) => i.Uid = v, inDefault: true);
    public static readonly PropertyDef DateTimeStamp = Date("calendar:DateTimeStamp", "DateTimeStamp", i => i.DateTimeStamp, null, since: ExchangeVersion.Exchange2010);
    public static readonly PropertyDef Start = Date("calendar:Start", "Start", i => i.Start, (i, v) => i.Start = v, inDefault: true, zone: c => c.ZoneOfStart);
    public static readonly PropertyDef End = Date("calendar:End", "End", i => i.End, (i, v) => i.End = v, inDefault: true, zone: c => c.ZoneOfEnd);
    public static readonly PropertyDef IsAllDayEvent = Bool("calendar:IsAllDayEvent", "IsAllDayEvent", i => i.IsAllDayEvent, (i, v) => i.IsAllDayEvent = v ?? false, true);
    public static readonly PropertyDef LegacyFreeBusyStatus = Str("calendar:LegacyFreeBusyStatus", "LegacyFreeBusyStatus", i => i.LegacyFreeBusyStatus ?? SchemaValues.LegacyFreeBusyType.Busy, (i, v) => i.LegacyFreeBusyStatus = v, true, Values.FreeBusyTypes, "LegacyFreeBusyType");
    public static readonly PropertyDef Location = Str("calendar:Location", "Location", i => i.Location, (i, v) => i.Location = v, inDefault: true);
    public static readonly PropertyDef IsMeeting = Bool("calendar:IsMeeting", "IsMeeting", i => i.IsMeeting, null, inDefault: true);
    public static readonly PropertyDef IsCancelled = Bool("calendar:IsCancelled", "IsCancelled", i => i.IsCancelled, null, inDefault: true);
    /// <summary>
    /// IsRecurring: true on occurrences and exceptions (they have an original start), false on the recurring master
    /// itself, as Exchange answers (exchangelib's test_recurring_item asserts it; MAPI's PidLidRecurring stays true on it).
    /// </summary>
    public static readonly PropertyDef IsRecurring = Bool("calendar:IsRecurring", "IsRecurring", i => i.OriginalStart is not null, null, inDefault: true);
    public static readonly PropertyDef MeetingRequestWasSent = Bool("calendar:MeetingRequestWasSent", "MeetingRequestWasSent", i => i.MeetingRequestWasSent, null, inDefault: true);
    public static readonly PropertyDef CalendarIsResponseRequested = Bool("calendar:IsResponseRequested", "IsResponseRequested", i => i.CalendarIsResponseRequested ?? (i.IsMeeting ? true : null), (i, v) => i.CalendarIsResponseRequested = v, true);
    public static readonly PropertyDef CalendarItemType = Str("calendar:CalendarItemType", "CalendarItemType", Recurrences.CalendarItemTypeOf, null, inDefault: true);
    public static readonly PropertyDef MyResponseType = Str("calendar:MyResponseType", "MyResponseType", i => i.MyResponseType ?? (i.IsMeeting ? null : SchemaValues.ResponseTypeType.Organizer), null, inDefault: true);
    public static readonly PropertyDef Organizer = Single("calendar:Organizer", "Organizer", i => i.Organizer, null, true);
    public static readonly PropertyDef RequiredAttendees = Attendees("calendar:RequiredAttendees", "RequiredAttendees", i => i.RequiredAttendees, (i, v) => i.RequiredAttendees = v);
    public static readonly PropertyDef OptionalAttendees = Attendees("calendar:OptionalAttendees", "OptionalAttendees", i => i.OptionalAttendees, (i, v) => i.OptionalAttendees = v);
    public static readonly PropertyDef Resources = Attendees("calendar:Resources", "Resources", i => i.Resources, (i, v) => i.Resources = v);
    public static readonly PropertyDef ConflictingMeetingCount = Int("calendar:ConflictingMeetingCount", "ConflictingMeetingCount", _ => 0, null);
    public static readonly PropertyDef AdjacentMeetingCount = Int("calendar:AdjacentMeetingCount", "AdjacentMeetingCount", _ => 0, null);

    public static readonly PropertyDef Duration = Str("calendar:Duration", "Duration", i => i.Start is { } s && i.End is { } e ? System.Xml.XmlConvert.ToString(e - s) : null, null, inDefault: true);
    public static readonly PropertyDef AppointmentReplyTime = Date("calendar:AppointmentReplyTime", "AppointmentReplyTime", i => i.AppointmentReplyTime, null);
    public static readonly PropertyDef AppointmentSequenceNumber = Int("calendar:AppointmentSequenceNumber", "AppointmentSequenceNumber", i => i.AppointmentSequenceNumber, null);
    public static readonly PropertyDef AppointmentState = Int("calendar:AppointmentState", "AppointmentState", i => i.AppointmentState, null);
    // Note: the Exchange 2007 form of StartTimeZone, still sent by clients pinned to Exchange2007_SP1; it sets both zones.
    public static readonly PropertyDef MeetingTimeZoneDef = new()
    {
        Uri = "calendar:MeetingTimeZone",
        Element = "MeetingTimeZone",
        OnlyOnRequest = true,
        // Note: Exchange2007_SP1 clients (the EWS Managed API pinned to that version) read the item's zone from it.
        InLegacyAllProperties = true,
        Has = (i, _) => i.StartTimeZone is not null && i.Start is not null,
        Write = (w, i, _) => MeetingTimeZone.Write(w, "MeetingTimeZone", i.StartTimeZone!, i.Start!.Value.Year),
        Set = (e, i, _) => i.StartTimeZone = i.EndTimeZone = MeetingTimeZone.Read(e),
        Delete = i => i.StartTimeZone = i.EndTimeZone = null,
        Value = i => i.StartTimeZone?.Id,
    };

    /// <summary>
    /// calendar:TimeZone, the zone's text description (read-only in Exchange). What a client set is kept and returned as
    /// before (Exchange2016 requests); Exchange2007_SP1 requests get the item's zone described, as that version has it.
    /// </summary>
    public static readonly PropertyDef TimeZoneText = TimeZoneTextOf(ItemProperties.CalendarItemType_TimeZone);

    private static readonly PropertyDef MeetingRequestTimeZoneText = TimeZoneTextOf(ItemProperties.MeetingRequestMessageType_TimeZone);

    private static PropertyDef TimeZoneTextOf(PropertyDefinition stored) => new()
    {
        Uri = "calendar:TimeZone",
        Element = "TimeZone",
        OnlyOnRequest = true,
        InLegacyAllProperties = true,
        Has = (i, c) => i.Properties.Contains(stored)
            ? c.Supports(ExchangeVersion.Exchange2016)
            : !c.Supports(ExchangeVersion.Exchange2010) && i.StartTimeZone is not null,
        Write = (w, i, c) =>
        {
            if (i.Properties.Contains(stored))
            {
                RawElements.For(stored).Write(w, i, c);
                return;
            }

            w.T("TimeZone", TimeZones.DisplayName(i.StartTimeZone!.Id));
        },
        Set = (e, i, c) => RawElements.For(stored).Set!(e, i, c),
        Delete = i => i.Properties.Remove(stored),
        Value = i => i.StartTimeZone is { } z ? TimeZones.DisplayName(z.Id) : null,
    };

    public static readonly PropertyDef StartTimeZone = Zone("calendar:StartTimeZone", "StartTimeZone", i => i.StartTimeZone, (i, v) => i.StartTimeZone = v);
    public static readonly PropertyDef EndTimeZone = Zone("calendar:EndTimeZone", "EndTimeZone", i => i.EndTimeZone, (i, v) => i.EndTimeZone = v);
    public static readonly PropertyDef ConferenceType = Int("calendar:ConferenceType", "ConferenceType", i => i.ConferenceType ?? 0, (i, v) => i.ConferenceType = v);
    public static readonly PropertyDef CalendarRecurrence = Recurrences.Calendar;
    public static readonly PropertyDef FirstOccurrence = Recurrences.FirstOccurrence;
    public static readonly PropertyDef LastOccurrence = Recurrences.LastOccurrence;
    public static readonly PropertyDef ModifiedOccurrences = Recurrences.ModifiedOccurrences;
    public static readonly PropertyDef DeletedOccurrences = Recurrences.DeletedOccurrences;
    public static readonly PropertyDef OriginalStart = Date("calendar:OriginalStart", "OriginalStart", i => i.OriginalStart, null);
    public static readonly PropertyDef RecurrenceId = Date("calendar:RecurrenceId", "RecurrenceId", i => i.OriginalStart, null);
    public static readonly PropertyDef AllowNewTimeProposal = Bool("calendar:AllowNewTimeProposal", "AllowNewTimeProposal", i => i.AllowNewTimeProposal ?? true, (i, v) => i.AllowNewTimeProposal = v);
    public static readonly PropertyDef IsOnlineMeeting = Bool("calendar:IsOnlineMeeting", "IsOnlineMeeting", i => i.IsOnlineMeeting ?? false, (i, v) => i.IsOnlineMeeting = v);
    public static readonly PropertyDef IntendedFreeBusyStatus = Str("meetingRequest:IntendedFreeBusyStatus", "IntendedFreeBusyStatus", i => i.IntendedFreeBusyStatus, null, since: ExchangeVersion.Exchange2007_SP1);

    public static readonly PropertyDef IsOrganizer = new()
    {
        Uri = "calendar:IsOrganizer",
        Element = "IsOrganizer",
        Since = ExchangeVersion.Exchange2013,
        InDefault = true,
        Type = ValueKind.Boolean,
        Has = (_, _) => true,
        Write = (w, i, c) => w.T("IsOrganizer", i.IsOrganizedBy(c.Reader)),
        Value = i => i.Organizer is null || i.MyResponseType == SchemaValues.ResponseTypeType.Organizer,
    };

    // MeetingMessageType and subtypes
    public static readonly PropertyDef AssociatedCalendarItemId = new()
    {
        Uri = "meeting:AssociatedCalendarItemId",
        Element = "AssociatedCalendarItemId",
        InDefault = true,
        Has = (i, _) => i.AssociatedCalendarItemId is not null,
        Write = (w, i, _) =>
        {
            w.StartT("AssociatedCalendarItemId");
            w.Attr("Id", i.AssociatedCalendarItemId);
            w.End();
        },
        Value = i => i.AssociatedCalendarItemId,
    };

    public static readonly PropertyDef IsDelegated = Bool("meeting:IsDelegated", "IsDelegated", i => i.IsDelegated ?? false, null, true);
    public static readonly PropertyDef IsOutOfDate = Bool("meeting:IsOutOfDate", "IsOutOfDate", i => i.IsOutOfDate ?? false, null, true);
    public static readonly PropertyDef HasBeenProcessed = Bool("meeting:HasBeenProcessed", "HasBeenProcessed", i => i.HasBeenProcessed ?? false, null, true);
    public static readonly PropertyDef ResponseType = Str("meeting:ResponseType", "ResponseType", i => i.ResponseType, null, inDefault: true);
    public static readonly PropertyDef MeetingRequestType = Str("meetingRequest:MeetingRequestType", "MeetingRequestType", i => i.MeetingRequestType, null, inDefault: true, since: ExchangeVersion.Exchange2007_SP1);
    public static readonly PropertyDef ProposedStart = Date("meeting:ProposedStart", "ProposedStart", i => i.ProposedStart, null, inDefault: true, since: ExchangeVersion.Exchange2013);
    public static readonly PropertyDef ProposedEnd = Date("meeting:ProposedEnd", "ProposedEnd", i => i.ProposedEnd, null, inDefault: true, since: ExchangeVersion.Exchange2013);
    // A response or cancellation of a series says RecurringMaster, of one occurrence Occurrence (it carries its RecurrenceId).
    public static readonly PropertyDef ResponseCalendarItemType = Str("calendar:CalendarItemType", "CalendarItemType", Recurrences.CalendarItemTypeOf, null, inDefault: true);

    public static readonly PropertyDef ChangeHighlightsDef = new()
    {
        Uri = "meetingRequest:ChangeHighlights",
        Element = "ChangeHighlights",
        Since = ExchangeVersion.Exchange2013,
        Has = (i, _) => i.ChangeHighlights is not null,
        Write = (w, i, _) =>
        {
            var h = i.ChangeHighlights!;
            w.StartT("ChangeHighlights");
            w.T("HasLocationChanged", h.LocationChanged);
            if (h.Location is not null)
            {
                w.T("Location", h.Location);
            }

            w.T("HasStartTimeChanged", h.StartChanged);
            if (h.Start is { } s)
            {
                w.T("Start", s);
            }

            w.T("HasEndTimeChanged", h.EndChanged);
            if (h.End is { } e)
            {
                w.T("End", e);
            }

            w.End();
        },
    };

    /// <summary>ExtendedProperty: written only for the paths a shape names; matched by path key.</summary>
    public const string ExtendedPropertySlot = "item:ExtendedProperty";

    private static readonly PropertyDef[] ItemCore =
    [
        ItemId, ParentFolderId, ItemClass, Subject, Sensitivity, Body, Attachments, DateTimeReceived, Size, Categories, Importance, InReplyTo,
        IsSubmitted, IsDraft, IsFromMe, IsResend, IsUnmodified, DateTimeSent, DateTimeCreated, ResponseObjects, ReminderDueBy,
        ReminderIsSet, ReminderMinutesBeforeStart, DisplayCc, DisplayTo, HasAttachments,
    ];

    private static readonly PropertyDef[] ItemTail = [Culture, LastModifiedName, LastModifiedTime, IsAssociated, ConversationId, TextBody];

    private static readonly PropertyDef[] MessageExtra =
    [
        Sender, ToRecipients, CcRecipients, BccRecipients, IsReadReceiptRequested, IsDeliveryReceiptRequested, ConversationIndex, ConversationTopic,
        From, InternetMessageId, IsRead, MessageIsResponseRequested, References, ReplyTo, ReceivedBy, ReceivedRepresenting,
    ];

    private static readonly PropertyDef[] CalendarExtra =
    [
        Uid, RecurrenceId, DateTimeStamp, Start, End, OriginalStart, IsAllDayEvent, LegacyFreeBusyStatus, Location, IsMeeting, IsCancelled, IsRecurring,
        MeetingRequestWasSent, CalendarIsResponseRequested, CalendarItemType, MyResponseType, Organizer, RequiredAttendees,
        OptionalAttendees, Resources, ConflictingMeetingCount, AdjacentMeetingCount, Duration, TimeZoneText, AppointmentReplyTime,
        AppointmentSequenceNumber, AppointmentState, CalendarRecurrence, FirstOccurrence, LastOccurrence, ModifiedOccurrences, DeletedOccurrences, MeetingTimeZoneDef, StartTimeZone, EndTimeZone, ConferenceType, AllowNewTimeProposal,
        IsOnlineMeeting, IntendedFreeBusyStatus, IsOrganizer,
    ];

    private static readonly PropertyDef[] MeetingMessageExtra =
    [
        AssociatedCalendarItemId, IsDelegated, IsOutOfDate, HasBeenProcessed, ResponseType, Uid, RecurrenceId, DateTimeStamp, IsOrganizer,
    ];

    private static readonly PropertyDef[] MeetingRequestExtra =
    [
        MeetingRequestType, IntendedFreeBusyStatus, Start, End, OriginalStart, IsAllDayEvent, LegacyFreeBusyStatus, Location, IsMeeting,
        IsCancelled, IsRecurring, MeetingRequestWasSent, CalendarItemType, MyResponseType, Organizer, RequiredAttendees,
        OptionalAttendees, Resources, ConflictingMeetingCount, AdjacentMeetingCount, Duration, MeetingRequestTimeZoneText, AppointmentReplyTime,
        AppointmentSequenceNumber, AppointmentState, CalendarRecurrence, FirstOccurrence, LastOccurrence, ModifiedOccurrences, DeletedOccurrences,
        MeetingTimeZoneDef, StartTimeZone, EndTimeZone, ConferenceType, AllowNewTimeProposal, IsOnlineMeeting, ChangeHighlightsDef,
    ];

    private static readonly PropertyDef[] MeetingResponseExtra = [Start, End, Location, CalendarRecurrence, ResponseCalendarItemType, ProposedStart, ProposedEnd];

    private static readonly PropertyDef[] MeetingCancellationExtra = [Start, End, Location, CalendarRecurrence, ResponseCalendarItemType];

    /// <summary>Per kind: the properties in xs:sequence order; null marks where ExtendedProperty elements go.</summary>
    public static IReadOnlyList<PropertyDef?> Order(ItemKind kind) => Orders[kind];

    private static readonly PropertyDef?[] MessageOrder = [MimeContent, .. ItemCore, null, .. ItemTail, .. MessageExtra];
    private static readonly PropertyDef?[] CalendarOrder = [MimeContent, .. ItemCore, null, .. ItemTail, .. CalendarExtra];
    private static readonly PropertyDef?[] MeetingRequestOrder = [MimeContent, .. ItemCore, null, .. ItemTail, .. MessageExtra, .. MeetingMessageExtra, .. MeetingRequestExtra];
    private static readonly PropertyDef?[] MeetingResponseOrder = [MimeContent, .. ItemCore, null, .. ItemTail, .. MessageExtra, .. MeetingMessageExtra, .. MeetingResponseExtra];
    private static readonly PropertyDef?[] MeetingCancellationOrder = [MimeContent, .. ItemCore, null, .. ItemTail, .. MessageExtra, .. MeetingMessageExtra, .. MeetingCancellationExtra];

    // The kinds without properties of their own yet: the item's, and every element of their type raw.
    private static readonly PropertyDef?[] ItemOrder = [.. ItemCore, null, .. ItemTail];

    // The generic item and posts take MimeContent as messages do; contacts, lists and tasks keep theirs raw for now.
    private static readonly PropertyDef?[] MimeItemOrder = [MimeContent, .. ItemOrder];

    /// <summary>Per kind: the hand-written properties with a raw one for each other element of its schema type, in sequence order.</summary>
    private static readonly Dictionary<ItemKind, PropertyDef?[]> Orders = new()
    {
        [ItemKind.Message] = RawElements.Merge("MessageType", MessageOrder),
        [ItemKind.CalendarItem] = RawElements.Merge("CalendarItemType", CalendarOrder),
        [ItemKind.MeetingRequest] = RawElements.Merge("MeetingRequestMessageType", MeetingRequestOrder),
        [ItemKind.MeetingResponse] = RawElements.Merge("MeetingResponseMessageType", MeetingResponseOrder),
        [ItemKind.MeetingCancellation] = RawElements.Merge("MeetingCancellationMessageType", MeetingCancellationOrder),
        [ItemKind.Item] = RawElements.Merge("ItemType", MimeItemOrder),
        [ItemKind.Contact] = RawElements.Merge("ContactItemType", [.. ItemOrder, .. ItemTypes.ContactExtra]),
        [ItemKind.DistributionList] = RawElements.Merge("DistributionListType", [.. ItemOrder, .. ItemTypes.DistributionListExtra]),
        [ItemKind.Task] = RawElements.Merge("TaskType", [.. ItemOrder, .. ItemTypes.TaskExtra]),
        [ItemKind.PostItem] = RawElements.Merge("PostItemType", [.. MimeItemOrder, .. ItemTypes.PostExtra]),
    };

    private static readonly Dictionary<ItemKind, Dictionary<string, PropertyDef>> ByUri = System.Enum.GetValues<ItemKind>()
        .ToDictionary(k => k, k => Order(k).OfType<PropertyDef>().GroupBy(p => p.Uri).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));

    private static readonly Dictionary<ItemKind, Dictionary<string, PropertyDef>> ByElement = System.Enum.GetValues<ItemKind>()
        .ToDictionary(k => k, k => Order(k).OfType<PropertyDef>().GroupBy(p => p.Element).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));

    /// <summary>Every property any kind has, by FieldURI (for restrictions and sorts that span kinds).</summary>
    public static readonly Dictionary<string, PropertyDef> AllByUri = System.Enum.GetValues<ItemKind>()
        .SelectMany(k => Order(k).OfType<PropertyDef>()).GroupBy(p => p.Uri).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    public static PropertyDef? FindByUri(ItemKind kind, string uri) => ByUri[kind].GetValueOrDefault(uri);

    /// <summary>Where the property <paramref name="uri"/> names sits in <paramref name="kind"/>'s order (none: the kind has no such property).</summary>
    public static IReadOnlyList<int> PositionsOf(ItemKind kind, string uri) => Positions[kind].GetValueOrDefault(uri) ?? [];

    private static readonly Dictionary<ItemKind, Dictionary<string, int[]>> Positions = System.Enum.GetValues<ItemKind>()
        .ToDictionary(k => k, k => Order(k).Select((p, i) => (p, i)).Where(x => x.p is not null).GroupBy(x => x.p!.Uri)
            .ToDictionary(g => g.Key, g => g.Select(x => x.i).ToArray(), StringComparer.Ordinal));

    private static readonly HashSet<string> UnstoredCalendarUris = new(StringComparer.Ordinal)
    {
        "calendar:When", "calendar:MeetingWorkspaceUrl", "calendar:NetShowUrl",
    };

    /// <summary>
    /// FieldURIs the schema lets a client set on a kind but that Rendezvous does not store, so an item never has a value
    /// for them and DeleteItemField of one is a no-op. exchangelib's save() without update_fields sends DeleteItemField
    /// for every writable field it holds no value for, these included (item:MimeContent on drafts), and Exchange
    /// accepts that.
    /// </summary>
    public static bool IsUnstored(ItemKind kind, string uri) =>
        uri == "item:MimeContent" || (kind == ItemKind.CalendarItem && UnstoredCalendarUris.Contains(uri));


    public static PropertyDef? FindByElement(ItemKind kind, string element) => ByElement[kind].GetValueOrDefault(element);

    public static string ElementName(ItemKind kind) => kind switch
    {
        ItemKind.Message => "Message",
        ItemKind.CalendarItem => "CalendarItem",
        ItemKind.MeetingRequest => "MeetingRequest",
        ItemKind.MeetingResponse => "MeetingResponse",
        ItemKind.MeetingCancellation => "MeetingCancellation",
        ItemKind.Item => "Item",
        ItemKind.Contact => "Contact",
        ItemKind.DistributionList => "DistributionList",
        ItemKind.Task => "Task",
        ItemKind.PostItem => "PostItem",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
