using System.Globalization;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// A schema element that is a MAPI property, as its ExtendedFieldURI reads and writes it: the value in MAPI form
/// (a string, a decimal integer, true/false, a UTC SystemTime) over the item's one value. Exchange keeps one value
/// whatever path names it: item:Subject and PropertyTag 0x0037 are the same property.
/// </summary>
public sealed record MapiAlias(PropertyDefinition Definition, string Uri, Func<Item, string?> Get, Action<Item, string>? Set, Action<Item>? Delete)
{
    public bool IsReadOnly => Set is null;

    /// <summary>The MAPI key it answers to, when not its definition's own (a computed property, or another name for it).</summary>
    public string? Key { get; init; }
}

/// <summary>The element-backed MAPI properties by <see cref="ExtendedPropertyPath.Key"/> (their identities are generated from tools/item-properties.tsv).</summary>
public static class MapiAliases
{
    // MAPI's integer codes for the schema's enumerations ([MS-OXPROPS], [MS-OXOCAL]), in code order.
    private static readonly string[] ImportanceCodes = [SchemaValues.ImportanceChoicesType.Low, SchemaValues.ImportanceChoicesType.Normal, SchemaValues.ImportanceChoicesType.High];

    private static readonly string[] SensitivityCodes =
    [
        SchemaValues.SensitivityChoicesType.Normal, SchemaValues.SensitivityChoicesType.Personal, SchemaValues.SensitivityChoicesType.Private, SchemaValues.SensitivityChoicesType.Confidential,
    ];

    private static readonly string[] BusyStatusCodes =
    [
        SchemaValues.LegacyFreeBusyType.Free, SchemaValues.LegacyFreeBusyType.Tentative, SchemaValues.LegacyFreeBusyType.Busy, SchemaValues.LegacyFreeBusyType.OOF,
        SchemaValues.LegacyFreeBusyType.WorkingElsewhere,
    ];

    // CalendarItemType as urn:schemas:calendar:instancetype codes (0 single, 1 master, 2 occurrence, 3 exception).
    private static readonly string[] InstanceTypeCodes =
    [
        SchemaValues.CalendarItemTypeType.Single, SchemaValues.CalendarItemTypeType.RecurringMaster, SchemaValues.CalendarItemTypeType.Occurrence,
        SchemaValues.CalendarItemTypeType.Exception,
    ];

    /// <summary>PR_URL_COMP_NAME (0x10F3): the resource name DavMail gives an item, stored as the client set it.</summary>
    public static readonly ExtendedPropertyPath ResourceName = new("0x10F3", null, null, null, null, SchemaValues.MapiPropertyTypeType.String);

    // After the fields Build reads: static fields initialize in declaration order.
    private static readonly Dictionary<string, MapiAlias> ByKey = Build();

    public static MapiAlias? Find(ExtendedPropertyPath path) => ByKey.GetValueOrDefault(path.Key);

    /// <summary>The value an extended path reads on an item: its element's, when it is one, else the stored extended property.</summary>
    public static ExtendedProperty? Read(Item item, ExtendedPropertyPath path)
    {
        if (Find(path) is { } alias)
        {
            return alias.Get(item) is { } value ? new ExtendedProperty(path, value, null) : null;
        }

        var key = path.Key;
        return item.ExtendedProperties.Find(p => p.Path.Key == key);
    }

    private static Dictionary<string, MapiAlias> Build()
    {
        var aliases = new List<MapiAlias>
        {
            Text(ItemProperties.ItemType_ItemClass, "item:ItemClass", i => i.ItemClass, (i, v) => i.ItemClass = v ?? "IPM.Note"),
            Text(ItemProperties.ItemType_Subject, "item:Subject", i => i.Subject, (i, v) => i.Subject = v),
            Code(ItemProperties.ItemType_Sensitivity, "item:Sensitivity", SensitivityCodes, i => i.Sensitivity, (i, v) => i.Sensitivity = v),
            // Note: PidTagBody is the plain-text body; DavMail reads it for the text of a message.
            Text(ItemProperties.ItemType_Body, "item:Body", i => i.Body?.Text, (i, v) => i.Body = v is null ? null : new Body(SchemaValues.BodyTypeType.Text, v)),
            Time(ItemProperties.ItemType_DateTimeReceived, "item:DateTimeReceived", i => i.DateTimeReceived, null),
            Number(ItemProperties.ItemType_Size, "item:Size", i => i.Size, null),
            Code(ItemProperties.ItemType_Importance, "item:Importance", ImportanceCodes, i => i.Importance, (i, v) => i.Importance = v),
            Text(ItemProperties.ItemType_InReplyTo, "item:InReplyTo", i => i.InReplyTo, (i, v) => i.InReplyTo = v),
            Time(ItemProperties.ItemType_DateTimeSent, "item:DateTimeSent", i => i.DateTimeSent, null),
            Time(ItemProperties.ItemType_DateTimeCreated, "item:DateTimeCreated", i => i.DateTimeCreated, null),
            Time(ItemProperties.ItemType_ReminderDueBy, "item:ReminderDueBy", i => i.ReminderDueBy, (i, v) => i.ReminderDueBy = v),
            Flag(ItemProperties.ItemType_ReminderIsSet, "item:ReminderIsSet", i => i.ReminderIsSet, (i, v) => i.ReminderIsSet = v),
            Number(ItemProperties.ItemType_ReminderMinutesBeforeStart, "item:ReminderMinutesBeforeStart", i => i.ReminderMinutesBeforeStart, (i, v) => i.ReminderMinutesBeforeStart = v),
            Text(ItemProperties.ItemType_LastModifiedName, "item:LastModifiedName", i => i.LastModifiedName, null),
            Time(ItemProperties.ItemType_LastModifiedTime, "item:LastModifiedTime", i => i.LastModifiedTime, null),
            Text(ItemProperties.MessageType_InternetMessageId, "message:InternetMessageId", i => i.InternetMessageId, (i, v) => i.InternetMessageId = v),
            Text(ItemProperties.MessageType_References, "message:References", i => i.References, (i, v) => i.References = v),
            Time(ItemProperties.CalendarItemType_Start, "calendar:Start", i => i.Start, (i, v) => i.Start = v),
            Time(ItemProperties.CalendarItemType_End, "calendar:End", i => i.End, (i, v) => i.End = v),
            Flag(ItemProperties.CalendarItemType_IsAllDayEvent, "calendar:IsAllDayEvent", i => i.IsAllDayEvent, (i, v) => i.IsAllDayEvent = v ?? false),
            Code(ItemProperties.CalendarItemType_LegacyFreeBusyStatus, "calendar:LegacyFreeBusyStatus", BusyStatusCodes, i => i.LegacyFreeBusyStatus, (i, v) => i.LegacyFreeBusyStatus = v),
            Text(ItemProperties.CalendarItemType_Location, "calendar:Location", i => i.Location, (i, v) => i.Location = v),
            // PidLidRecurring: true on a master and on its occurrences and exceptions (DavMail lists "isrecurring" items
            // whatever their date: a series is one master it expands from its RRULE).
            Flag(ItemProperties.CalendarItemType_IsRecurring, "calendar:IsRecurring", i => i.Kind == ItemKind.CalendarItem ? i.Recurrence is not null || i.OriginalStart is not null : null, null),
            Number(ItemProperties.CalendarItemType_AppointmentSequenceNumber, "calendar:AppointmentSequenceNumber", i => i.Kind == ItemKind.CalendarItem ? i.AppointmentSequenceNumber : null, null),
        };
        aliases.AddRange(Computed());
        return aliases.ToDictionary(a => a.Key ?? a.Definition.MapiKey ?? throw new InvalidOperationException(a.Definition + " has no MAPI identity."), StringComparer.Ordinal);
    }

    /// <summary>
    /// An item's resource name when no client gave it one: its id in base64url with ".EML", the name DavMail makes of
    /// an item it did not create (StringUtil.base64ToUrl(itemId) + ".EML"); looked up by it when the id is too short
    /// for DavMail to take the name for an id.
    /// </summary>
    public static string DefaultResourceName(Item item) => item.Id.Replace('+', '-').Replace('/', '_') + ".EML";

    /// <summary>
    /// MAPI properties that are no element of the schema, computed from the item (or stored where a client sets them):
    /// what DavMail lists, pages and looks items up by.
    /// </summary>
    private static IEnumerable<MapiAlias> Computed()
    {
        // Note: DavMail lists a calendar by PidLidRecurring and this named property (both in its restriction); without
        // it every listing is empty.
        yield return new MapiAlias(ItemProperties.CalendarItemType_CalendarItemType, "calendar:CalendarItemType",
            i => i.Kind is ItemKind.CalendarItem or ItemKind.MeetingRequest or ItemKind.MeetingResponse or ItemKind.MeetingCancellation
                ? Array.IndexOf(InstanceTypeCodes, i.Kind == ItemKind.CalendarItem ? Recurrences.CalendarItemTypeOf(i) : SchemaValues.CalendarItemTypeType.Single).ToString(CultureInfo.InvariantCulture)
                : null,
            null, null)
        {
            Key = new ExtendedPropertyPath(null, SchemaValues.DistinguishedPropertySetType.PublicStrings, null, "urn:schemas:calendar:instancetype", null, SchemaValues.MapiPropertyTypeType.Integer).Key,
        };

        // Note: PR_INTERNET_ARTICLE_NUMBER; DavMail's paged search sorts by it and drops every item without it. A value a
        // client sets is kept and read back as set (no client DavMail serves sets it).
        yield return Stored(new ExtendedPropertyPath("0x0E23", null, null, null, null, SchemaValues.MapiPropertyTypeType.Integer), "PropertyTag 0x0E23",
            i => i.ArticleNumber > 0 ? i.ArticleNumber.ToString(CultureInfo.InvariantCulture) : null);

        // Note: PR_URL_COMP_NAME; DavMail sets it on what it creates and looks items up by it.
        yield return Stored(ResourceName, "PropertyTag 0x10F3", DefaultResourceName);
    }

    /// <summary>A property kept as an extended property where a client set it, else computed from the item.</summary>
    private static MapiAlias Stored(ExtendedPropertyPath path, string uri, Func<Item, string?> computed)
    {
        var key = path.Key;
        return new MapiAlias(ItemProperties.ItemType_ItemId, uri,
            i => i.ExtendedProperties.Find(p => p.Path.Key == key)?.Value ?? computed(i),
            (i, v) =>
            {
                i.ExtendedProperties.RemoveAll(p => p.Path.Key == key);
                i.ExtendedProperties.Add(new ExtendedProperty(path, v, null));
            },
            i => i.ExtendedProperties.RemoveAll(p => p.Path.Key == key))
        {
            Key = key,
        };
    }

    private static MapiAlias Text(PropertyDefinition definition, string uri, Func<Item, string?> get, Action<Item, string?>? set) =>
        new(definition, uri, get, set is null ? null : (i, v) => set(i, v), set is null ? null : i => set(i, null));

    private static MapiAlias Number(PropertyDefinition definition, string uri, Func<Item, int?> get, Action<Item, int?>? set) =>
        new(definition, uri, i => get(i) is { } n ? n.ToString(CultureInfo.InvariantCulture) : null,
            set is null ? null : (i, v) => set(i, ParseInt(v)), set is null ? null : i => set(i, null));

    private static MapiAlias Flag(PropertyDefinition definition, string uri, Func<Item, bool?> get, Action<Item, bool?>? set) =>
        new(definition, uri, i => get(i) is { } b ? Values.Format(b) : null,
            set is null ? null : (i, v) => set(i, v.Trim() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => throw Invalid(v, SchemaValues.MapiPropertyTypeType.Boolean),
            }),
            set is null ? null : i => set(i, null));

    private static MapiAlias Time(PropertyDefinition definition, string uri, Func<Item, DateTime?> get, Action<Item, DateTime?>? set) =>
        new(definition, uri, i => get(i) is { } t && t != default ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null,
            set is null ? null : (i, v) => set(i, DateTime.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
                ? DateTime.SpecifyKind(t, DateTimeKind.Utc)
                : throw Invalid(v, SchemaValues.MapiPropertyTypeType.SystemTime)),
            set is null ? null : i => set(i, null));

    /// <summary>An enumeration MAPI keeps as its integer code.</summary>
    private static MapiAlias Code(PropertyDefinition definition, string uri, string[] codes, Func<Item, string?> get, Action<Item, string?> set) =>
        new(definition, uri, i => get(i) is { } s && Array.IndexOf(codes, s) is >= 0 and var n ? n.ToString(CultureInfo.InvariantCulture) : null,
            (i, v) => set(i, ParseInt(v) is >= 0 and var n && n < codes.Length ? codes[n] : throw Invalid(v, SchemaValues.MapiPropertyTypeType.Integer)),
            i => set(i, null));

    private static int ParseInt(string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw Invalid(value, SchemaValues.MapiPropertyTypeType.Integer);

    private static EwsException Invalid(string value, string type) =>
        new(ResponseCodes.ErrorInvalidExtendedPropertyValue, $"The value '{Values.Excerpt(value)}' is not a valid {type} for this property.");
}
