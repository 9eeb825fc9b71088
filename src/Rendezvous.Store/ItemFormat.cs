using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Store;

/// <summary>
/// How an item is stored: JSON keyed by property identity, never by C# names, with a format version.
/// <code>{"format":2,"kind":"CalendarItem","changes":{"item:Subject":12},"props":{"tag:0037":"Review","CalendarItemType/UID":"..."}}</code>
/// A property's key is <see cref="PropertyDefinition.Key"/>: its MAPI identity where it has one (tag:0037,
/// id:SETGUID:ID), else its declaring type and element; a value's own fields have fixed names here (the names
/// format 1 gave them, so both formats share the value codecs). Renaming a C# property changes nothing stored.
/// Format 1 (before issue 14: the Item class serialized by System.Text.Json, keyed by C# property names) is still
/// read, through the frozen table of its names below; migration 8 rewrites it.
/// </summary>
internal static class ItemFormat
{
    public const int Version = 2;

    private static readonly (PropertyDefinition Definition, Codec Codec, string LegacyName)[] Table =
    [
        (ItemProperties.ItemType_ItemClass, Codec.String, "ItemClass"),
        (ItemProperties.ItemType_Subject, Codec.String, "Subject"),
        (ItemProperties.ItemType_Sensitivity, Codec.String, "Sensitivity"),
        (ItemProperties.ItemType_Body, Codec.Body, "Body"),
        (ItemProperties.ItemType_Categories, Codec.Strings, "Categories"),
        (ItemProperties.ItemType_Importance, Codec.String, "Importance"),
        (ItemProperties.ItemType_InReplyTo, Codec.String, "InReplyTo"),
        (ItemProperties.ItemType_IsDraft, Codec.Boolean, "IsDraft"),
        (ItemProperties.ItemType_IsSubmitted, Codec.Boolean, "IsSubmitted"),
        (ItemProperties.ItemType_DateTimeCreated, Codec.Time, "DateTimeCreated"),
        (ItemProperties.ItemType_DateTimeReceived, Codec.Time, "DateTimeReceived"),
        (ItemProperties.ItemType_DateTimeSent, Codec.Time, "DateTimeSent"),
        (ItemProperties.ItemType_LastModifiedTime, Codec.Time, "LastModifiedTime"),
        (ItemProperties.ItemType_LastModifiedName, Codec.String, "LastModifiedName"),
        (ItemProperties.ItemType_ReminderIsSet, Codec.Boolean, "ReminderIsSet"),
        (ItemProperties.ItemType_ReminderMinutesBeforeStart, Codec.Integer, "ReminderMinutesBeforeStart"),
        (ItemProperties.ItemType_ReminderDueBy, Codec.Time, "ReminderDueBy"),
        (ItemProperties.ItemType_Culture, Codec.String, "Culture"),
        (ItemProperties.ItemType_ExtendedProperty, Codec.Extended, "ExtendedProperties"),
        (ItemProperties.MessageType_Sender, Codec.Address, "Sender"),
        (ItemProperties.MessageType_From, Codec.Address, "From"),
        (ItemProperties.MessageType_ToRecipients, Codec.Addresses, "ToRecipients"),
        (ItemProperties.MessageType_CcRecipients, Codec.Addresses, "CcRecipients"),
        (ItemProperties.MessageType_BccRecipients, Codec.Addresses, "BccRecipients"),
        (ItemProperties.MessageType_ReplyTo, Codec.Addresses, "ReplyTo"),
        (ItemProperties.MessageType_IsReadReceiptRequested, Codec.Boolean, "IsReadReceiptRequested"),
        (ItemProperties.MessageType_IsDeliveryReceiptRequested, Codec.Boolean, "IsDeliveryReceiptRequested"),
        (ItemProperties.MessageType_IsRead, Codec.Boolean, "IsRead"),
        (ItemProperties.MessageType_IsResponseRequested, Codec.Boolean, "IsResponseRequested"),
        (ItemProperties.MessageType_InternetMessageId, Codec.String, "InternetMessageId"),
        (ItemProperties.MessageType_References, Codec.String, "References"),
        (ItemProperties.MessageType_ReceivedBy, Codec.Address, "ReceivedBy"),
        (ItemProperties.CalendarItemType_UID, Codec.String, "Uid"),
        (ItemProperties.CalendarItemType_DateTimeStamp, Codec.Time, "DateTimeStamp"),
        (ItemProperties.CalendarItemType_Start, Codec.Time, "Start"),
        (ItemProperties.CalendarItemType_End, Codec.Time, "End"),
        (ItemProperties.CalendarItemType_IsAllDayEvent, Codec.Boolean, "IsAllDayEvent"),
        (ItemProperties.CalendarItemType_LegacyFreeBusyStatus, Codec.String, "LegacyFreeBusyStatus"),
        (ItemProperties.CalendarItemType_Location, Codec.String, "Location"),
        (ItemProperties.CalendarItemType_IsMeeting, Codec.Boolean, "IsMeeting"),
        (ItemProperties.CalendarItemType_IsCancelled, Codec.Boolean, "IsCancelled"),
        (ItemProperties.CalendarItemType_MeetingRequestWasSent, Codec.Boolean, "MeetingRequestWasSent"),
        (ItemProperties.CalendarItemType_IsResponseRequested, Codec.Boolean, "CalendarIsResponseRequested"),
        (ItemProperties.CalendarItemType_MyResponseType, Codec.String, "MyResponseType"),
        (ItemProperties.CalendarItemType_Organizer, Codec.Address, "Organizer"),
        (ItemProperties.CalendarItemType_RequiredAttendees, Codec.Attendees, "RequiredAttendees"),
        (ItemProperties.CalendarItemType_OptionalAttendees, Codec.Attendees, "OptionalAttendees"),
        (ItemProperties.CalendarItemType_Resources, Codec.Attendees, "Resources"),
        (ItemProperties.CalendarItemType_AppointmentReplyTime, Codec.Time, "AppointmentReplyTime"),
        (ItemProperties.CalendarItemType_AppointmentSequenceNumber, Codec.Integer, "AppointmentSequenceNumber"),
        (ItemProperties.CalendarItemType_AppointmentState, Codec.Integer, "AppointmentState"),
        (ItemProperties.CalendarItemType_StartTimeZone, Codec.Zone, "StartTimeZone"),
        (ItemProperties.CalendarItemType_EndTimeZone, Codec.Zone, "EndTimeZone"),
        (ItemProperties.CalendarItemType_ConferenceType, Codec.Integer, "ConferenceType"),
        (ItemProperties.CalendarItemType_AllowNewTimeProposal, Codec.Boolean, "AllowNewTimeProposal"),
        (ItemProperties.CalendarItemType_IsOnlineMeeting, Codec.Boolean, "IsOnlineMeeting"),
        (ItemProperties.MeetingRequestMessageType_IntendedFreeBusyStatus, Codec.String, "IntendedFreeBusyStatus"),
        (ItemProperties.MeetingMessageType_AssociatedCalendarItemId, Codec.String, "AssociatedCalendarItemId"),
        (ItemProperties.MeetingMessageType_IsOutOfDate, Codec.Boolean, "IsOutOfDate"),
        // Issue 18: a delegate's copy of a meeting message (format 1 never had them: the names are unused).
        (ItemProperties.MeetingMessageType_IsDelegated, Codec.Boolean, "IsDelegated"),
        (ItemProperties.MessageType_ReceivedRepresenting, Codec.Address, "ReceivedRepresenting"),
        (ItemProperties.MeetingMessageType_HasBeenProcessed, Codec.Boolean, "HasBeenProcessed"),
        (ItemProperties.MeetingMessageType_ResponseType, Codec.String, "ResponseType"),
        (ItemProperties.MeetingRequestMessageType_MeetingRequestType, Codec.String, "MeetingRequestType"),
        (ItemProperties.MeetingResponseMessageType_ProposedStart, Codec.Time, "ProposedStart"),
        (ItemProperties.MeetingResponseMessageType_ProposedEnd, Codec.Time, "ProposedEnd"),
        (ItemProperties.MeetingRequestMessageType_ChangeHighlights, Codec.Highlights, "ChangeHighlights"),
        (ServerProperties.UndeliveredRecipients, Codec.Strings, "UndeliveredRecipients"),
        (ServerProperties.SeriesStart, Codec.Time, "SeriesStart"),
        (ServerProperties.SeriesEnd, Codec.Time, "SeriesEnd"),
        (ServerProperties.ClearedProperties, Codec.Strings, "ClearedProperties"),
        (ServerProperties.CreatedBy, Codec.String, "CreatedBy"),
        (ItemProperties.ItemType_Attachments, Codec.Attachments, "Attachments"),
        // Issue 16: a master's recurrence, deleted occurrences and exceptions (format 1 never had them: the names are unused).
        (ItemProperties.CalendarItemType_Recurrence, Codec.Recurrence, "Recurrence"),
        (ItemProperties.TaskType_Recurrence, Codec.Recurrence, "TaskRecurrence"),
        (ItemProperties.CalendarItemType_DeletedOccurrences, Codec.Times, "DeletedOccurrences"),
        (ItemProperties.CalendarItemType_ModifiedOccurrences, Codec.Exceptions, "Exceptions"),
        (ItemProperties.CalendarItemType_OriginalStart, Codec.Time, "OriginalStart"),
    ];

    // Every other element of the schema is kept as the client gave it: its XML, verbatim (RawElements in Rendezvous.Edge).
    private static readonly Dictionary<string, (PropertyDefinition Definition, Codec Codec)> ByKey = Table
        .Select(t => (t.Definition, t.Codec))
        .Concat(ItemProperties.ByType.Values.SelectMany(d => d).Distinct().Select(d => (Definition: d, Codec: Codec.String)))
        .DistinctBy(t => t.Definition.Key)
        .ToDictionary(t => t.Definition.Key, t => (t.Definition, t.Codec), StringComparer.Ordinal);

    // Looked up by the key's UTF-8 bytes as stored: no decoding and no string per stored property read (bench, issue 14).
    private static readonly Dictionary<string, (PropertyDefinition Definition, Codec Codec)>.AlternateLookup<ReadOnlySpan<byte>> ByKeyBytes =
        new Dictionary<string, (PropertyDefinition Definition, Codec Codec)>(ByKey, AsciiKeyComparer.Instance).GetAlternateLookup<ReadOnlySpan<byte>>();

    private static readonly Dictionary<PropertyDefinition, Codec> CodecOf = ByKey.Values.ToDictionary(t => t.Definition, t => t.Codec);

    private static readonly Dictionary<string, (PropertyDefinition Definition, Codec Codec)> ByLegacyName =
        Table.ToDictionary(t => t.LegacyName, t => (t.Definition, t.Codec), StringComparer.Ordinal);

    /// <summary>What the free/busy read needs of an item; the rest is skipped without being built (bench, issue 6).</summary>
    private static readonly HashSet<PropertyDefinition> FreeBusyProperties =
    [
        ItemProperties.CalendarItemType_Start, ItemProperties.CalendarItemType_End, ItemProperties.CalendarItemType_IsCancelled,
        ItemProperties.CalendarItemType_IsMeeting, ItemProperties.CalendarItemType_LegacyFreeBusyStatus, ItemProperties.ItemType_Subject,
        ItemProperties.CalendarItemType_Location, ItemProperties.ItemType_Sensitivity, ItemProperties.ItemType_ReminderIsSet,
    ];

    // The free/busy read's own table: a key not in it is skipped on one failed lookup.
    private static readonly Dictionary<string, (PropertyDefinition Definition, Codec Codec)>.AlternateLookup<ReadOnlySpan<byte>> FreeBusyByKeyBytes =
        ByKey.Where(e => FreeBusyProperties.Contains(e.Value.Definition))
            .ToDictionary(e => e.Key, e => e.Value, AsciiKeyComparer.Instance)
            .GetAlternateLookup<ReadOnlySpan<byte>>();

    // No stack buffer in the reader: with a stackalloc and loops it stayed unoptimized in the server (perf: MinOptJitted).
    private static readonly Dictionary<string, ItemKind>.AlternateLookup<ReadOnlySpan<byte>> KindsByBytes =
        Enum.GetValues<ItemKind>().ToDictionary(k => k.ToString(), k => k, AsciiKeyComparer.Instance).GetAlternateLookup<ReadOnlySpan<byte>>();

    // Most stored items hold fewer properties than this: the bag is sized once instead of growing 3, 7, 17, 37.
    private const int TypicalPropertyCount = 24;

    /// <summary>Free/busy's read (<see cref="FreeBusyProperties"/>), of every kind.</summary>
    public static readonly ItemProjection FreeBusy = new(ItemKind.CalendarItem, FreeBusyProperties);

    // The decoding tables of the projections asked for, by key: few (one per view shape clients use); bounded, so that
    // odd shapes cannot grow it.
    private static readonly ConcurrentDictionary<string, Dictionary<string, (PropertyDefinition Definition, Codec Codec)>.AlternateLookup<ReadOnlySpan<byte>>> Tables = new(StringComparer.Ordinal);

    private static Dictionary<string, (PropertyDefinition Definition, Codec Codec)>.AlternateLookup<ReadOnlySpan<byte>> TableOf(ItemProjection only)
    {
        if (ReferenceEquals(only, FreeBusy))
        {
            return FreeBusyByKeyBytes;
        }

        if (Tables.TryGetValue(only.Key, out var table))
        {
            return table;
        }

        table = ByKey.Where(e => only.Definitions.Contains(e.Value.Definition))
            .ToDictionary(e => e.Key, e => e.Value, AsciiKeyComparer.Instance)
            .GetAlternateLookup<ReadOnlySpan<byte>>();
        if (Tables.Count < 64)
        {
            Tables[only.Key] = table;
        }

        return table;
    }

    /// <summary>
    /// The JSON paths (for SQLite's json_remove) of what a read-flag-only update may change besides the read flag: the
    /// stamps every UpdateItem writes. Content equal without them means the change is a ReadFlagChange.
    /// </summary>
    public static readonly string NonContentPaths = string.Join(", ",
        new[] { ItemProperties.MessageType_IsRead, ItemProperties.ItemType_LastModifiedTime, ItemProperties.ItemType_LastModifiedName }
            .Select(d => "'$.props.\"" + d.Key + "\"'")
            .Append("'$.changes.\"message:IsRead\"'"));

    /// <summary>
    /// The same paths as <see cref="NonContentPaths"/>, as PostgreSQL's jsonb path arrays (for its <c>#-</c> operator).
    /// </summary>
    public static readonly IReadOnlyList<string[]> NonContentPathArrays =
        [.. new[] { ItemProperties.MessageType_IsRead, ItemProperties.ItemType_LastModifiedTime, ItemProperties.ItemType_LastModifiedName }
            .Select(d => new[] { "props", d.Key }), ["changes", "message:IsRead"]];

    /// <summary>The columns the store indexes, taken from an item in this one place.</summary>
    public static (int Kind, long? StartTicks, long? EndTicks, int IsUnread, string? Uid) IndexedColumns(Item item) =>
        ((int)item.Kind, item.Start?.Ticks, (item.End ?? item.Start)?.Ticks, item.IsMessageLike && item.IsRead != true ? 1 : 0, item.Uid);

    /// <summary>
    /// A recurring master's series columns: the bounds the services stamped (<see cref="ServerProperties.SeriesStart"/>),
    /// else its own start and no end, which reads the master into every later window (more read, nothing missed).
    /// Null for anything that is no master.
    /// </summary>
    public static (long? StartTicks, long? EndTicks) SeriesColumns(Item item)
    {
        if (item.Recurrence is null)
        {
            return (null, null);
        }

        var start = item.Properties.GetValue<DateTime>(ServerProperties.SeriesStart) ?? item.Start ?? DateTime.MinValue;
        return (start.Ticks, item.Properties.GetValue<DateTime>(ServerProperties.SeriesEnd)?.Ticks);
    }

    public static string Serialize(Item item)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format", Version);
            w.WriteString("kind", item.Kind.ToString());
            // Written even when empty: json_remove of the read flag's entry must leave what an item without one has.
            w.WriteStartObject("changes");

            // In a fixed order, so that equal content is equal text (a read-flag-only update is told by comparing it).
            if (item.HasFieldChanges)
            {
                foreach (var (uri, changeNumber) in item.FieldChanges.OrderBy(c => c.Key, StringComparer.Ordinal))
                {
                    w.WriteNumber(uri, changeNumber);
                }
            }

            w.WriteEndObject();

            WriteProps(w, item);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>An item from its stored UTF-8 (either format), whole or (<paramref name="freeBusyOnly"/>) with the free/busy properties only.</summary>
    public static Item Deserialize(ReadOnlySpan<byte> utf8, bool freeBusyOnly = false) => Deserialize(utf8, freeBusyOnly ? FreeBusy : null);

    /// <summary>
    /// An item from its stored UTF-8, whole or, when it is of <paramref name="only"/>'s kind, with only its properties
    /// (the kind is stored before the properties; the legacy format is read whole).
    /// </summary>
    public static Item Deserialize(ReadOnlySpan<byte> utf8, ItemProjection? only)
    {
        var reader = new Utf8JsonReader(utf8);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject);
        var item = new Item(only?.Definitions.Count ?? TypicalPropertyCount);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.PropertyName);
        if (!reader.ValueTextEquals("format"u8))
        {
            ReadLegacy(ref reader, item, ReferenceEquals(only, FreeBusy));
            return item;
        }

        var partial = false;
        var table = ByKeyBytes;

        Expect(reader.Read() && reader.GetInt32() == Version);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                item.Kind = !reader.ValueIsEscaped && !reader.HasValueSequence && KindsByBytes.TryGetValue(reader.ValueSpan, out var kind)
                    ? kind
                    : Enum.Parse<ItemKind>(reader.GetString()!);
                if (only is not null && (ReferenceEquals(only, FreeBusy) || item.Kind == only.Kind))
                {
                    partial = true;
                    table = TableOf(only);
                }
            }
            else if (reader.ValueTextEquals("changes"u8))
            {
                reader.Read();
                if (partial)
                {
                    reader.Skip();
                    continue;
                }

                ReadChanges(ref reader, item);
            }
            else if (reader.ValueTextEquals("props"u8))
            {
                ReadProps(ref reader, item, table);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return item;
    }

    /// <summary>
    /// An item inside another's value (an exception's overrides): its kind and properties, as the top level has them,
    /// without format or change numbers (the master's are the item's).
    /// </summary>
    private static void WriteNested(Utf8JsonWriter w, Item item)
    {
        w.WriteStartObject();
        w.WriteString("kind", item.Kind.ToString());
        WriteProps(w, item);
        w.WriteEndObject();
    }

    /// <summary>The "props" object: every bag entry by its stored key, in key order.</summary>
    private static void WriteProps(Utf8JsonWriter w, Item item)
    {
        w.WriteStartObject("props");
        foreach (var (definition, value) in item.Properties.Entries.OrderBy(e => e.Key.Key, StringComparer.Ordinal))
        {
            if (!CodecOf.TryGetValue(definition, out var codec))
            {
                throw new InvalidOperationException($"No stored form for {definition}.");
            }

            // An empty list of extended properties is the same as none (the accessor creates one when read).
            if (value is System.Collections.ICollection { Count: 0 } && codec == Codec.Extended)
            {
                continue;
            }

            w.WritePropertyName(definition.Key);
            codec.Write(w, value);
        }

        w.WriteEndObject();
    }

    /// <summary>The "props" object (the reader on its start): each key the table knows into the bag, the others skipped.</summary>
    private static void ReadProps(ref Utf8JsonReader reader, Item item, Dictionary<string, (PropertyDefinition Definition, Codec Codec)>.AlternateLookup<ReadOnlySpan<byte>> table)
    {
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Keys are looked up by their UTF-8 bytes; an escaped or segmented key is decoded first.
            var known = !reader.ValueIsEscaped && !reader.HasValueSequence
                ? table.TryGetValue(reader.ValueSpan, out var entry)
                : table.Dictionary.TryGetValue(reader.GetString()!, out entry);
            reader.Read();
            if (!known)
            {
                reader.Skip();
                continue;
            }

            item.Properties.Set(entry.Definition, entry.Codec.Read(ref reader));
        }
    }

    private static Item ReadNested(ref Utf8JsonReader reader)
    {
        var item = new Item();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                item.Kind = Enum.Parse<ItemKind>(reader.GetString()!);
            }
            else if (reader.ValueTextEquals("props"u8))
            {
                ReadProps(ref reader, item, ByKeyBytes);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return item;
    }

    /// <summary>An attachment header as the attachment table keeps it beside the bytes.</summary>
    public static byte[] SerializeAttachment(Attachment attachment)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Codec.WriteAttachment(w, attachment);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static Attachment DeserializeAttachment(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject);
        return Codec.ReadAttachment(ref reader);
    }

    private static void ReadChanges(ref Utf8JsonReader reader, Item item)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var uri = reader.GetString()!;
            reader.Read();
            item.FieldChanges[uri] = reader.GetInt64();
        }
    }

    /// <summary>Format 1: the Item class as System.Text.Json wrote it, keyed by the C# names it had then (frozen here).</summary>
    private static void ReadLegacy(ref Utf8JsonReader reader, Item item, bool freeBusyOnly)
    {
        do
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "Kind":
                    item.Kind = (ItemKind)reader.GetInt32();
                    break;
                case "FieldChanges" when !freeBusyOnly:
                    ReadChanges(ref reader, item);
                    break;
                default:
                    if (ByLegacyName.TryGetValue(name, out var entry) && (!freeBusyOnly || FreeBusyProperties.Contains(entry.Definition)) && reader.TokenType != JsonTokenType.Null)
                    {
                        item.Properties.Set(entry.Definition, entry.Codec.Read(ref reader));
                    }
                    else
                    {
                        // Id, MailboxId, FolderId and ChangeNumber come from their columns.
                        reader.Skip();
                    }

                    break;
            }
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName);
    }

    private static void Expect(bool condition)
    {
        if (!condition)
        {
            throw new JsonException("Not a stored item.");
        }
    }

    /// <summary>How one kind of value is written and read. Field names are fixed here (they are the stored format).</summary>
    internal abstract class Codec
    {
        // The two boxes shared: a flag read allocates nothing.
        private static readonly object True = true;
        private static readonly object False = false;

        public static readonly Codec String = new Scalar(static (w, v) => w.WriteStringValue((string)v), static (ref Utf8JsonReader r) => r.GetString()!);
        public static readonly Codec Boolean = new Scalar(static (w, v) => w.WriteBooleanValue((bool)v), static (ref Utf8JsonReader r) => r.GetBoolean() ? True : False);
        public static readonly Codec Integer = new Scalar(static (w, v) => w.WriteNumberValue((int)v), static (ref Utf8JsonReader r) => r.GetInt32());
        public static readonly Codec Time = new Scalar(static (w, v) => w.WriteStringValue((DateTime)v), static (ref Utf8JsonReader r) => r.GetDateTime());
        public static readonly Codec Strings = new Scalar(static (w, v) => WriteStrings(w, (List<string>)v), static (ref Utf8JsonReader r) => ReadList(ref r, static (ref Utf8JsonReader x) => x.GetString()!));
        public static readonly Codec Body = new Scalar(static (w, v) => WriteBody(w, (Body)v), static (ref Utf8JsonReader r) => ReadBody(ref r));
        public static readonly Codec Address = new Scalar(static (w, v) => WriteAddress(w, (EmailAddress)v), static (ref Utf8JsonReader r) => ReadAddress(ref r));
        public static readonly Codec Addresses = new Scalar(static (w, v) => WriteList(w, (List<EmailAddress>)v, WriteAddress), static (ref Utf8JsonReader r) => ReadList(ref r, ReadAddress));
        public static readonly Codec Attendees = new Scalar(static (w, v) => WriteList(w, (List<Attendee>)v, WriteAttendee), static (ref Utf8JsonReader r) => ReadList(ref r, ReadAttendee));
        public static readonly Codec Zone = new Scalar(static (w, v) => WriteZone(w, (TimeZoneRef)v), static (ref Utf8JsonReader r) => ReadZone(ref r));
        public static readonly Codec Highlights = new Scalar(static (w, v) => WriteHighlights(w, (ChangeHighlights)v), static (ref Utf8JsonReader r) => ReadHighlights(ref r));
        public static readonly Codec Extended = new Scalar(static (w, v) => WriteList(w, (List<ExtendedProperty>)v, WriteExtended), static (ref Utf8JsonReader r) => ReadList(ref r, ReadExtended));

        // Before issue 15 the element was kept raw (its XML as a string): such a value reads as no attachments.
        public static readonly Codec Attachments = new Scalar(static (w, v) => WriteList(w, (List<Attachment>)v, WriteAttachment), static (ref Utf8JsonReader r) => r.TokenType == JsonTokenType.String ? new List<Attachment>() : ReadList(ref r, ReadAttachment));

        public static readonly Codec Times = new Scalar(static (w, v) => WriteList(w, (List<DateTime>)v, static (x, t) => x.WriteStringValue(t)), static (ref Utf8JsonReader r) => ReadList(ref r, static (ref Utf8JsonReader x) => x.GetDateTime()));

        // Before issue 16 a task's Recurrence was kept raw (its XML as a string): kept so, and read by the edge when written.
        public static readonly Codec Recurrence = new Scalar(static (w, v) => WriteRecurrence(w, v), static (ref Utf8JsonReader r) => r.TokenType == JsonTokenType.String ? r.GetString()! : ReadRecurrence(ref r));

        public static readonly Codec Exceptions = new Scalar(static (w, v) => WriteList(w, (List<OccurrenceException>)v, WriteException), static (ref Utf8JsonReader r) => ReadList(ref r, ReadException));

        public delegate T ReadValue<out T>(ref Utf8JsonReader reader);

        public abstract void Write(Utf8JsonWriter w, object value);

        public abstract object Read(ref Utf8JsonReader reader);

        private sealed class Scalar(Action<Utf8JsonWriter, object> write, ReadValue<object> read) : Codec
        {
            public override void Write(Utf8JsonWriter w, object value) => write(w, value);

            public override object Read(ref Utf8JsonReader reader) => read(ref reader);
        }

        private static void WriteStrings(Utf8JsonWriter w, List<string> values) => WriteList(w, values, static (x, s) => x.WriteStringValue(s));

        private static void WriteList<T>(Utf8JsonWriter w, List<T> values, Action<Utf8JsonWriter, T> write)
        {
            w.WriteStartArray();
            foreach (var v in values)
            {
                write(w, v);
            }

            w.WriteEndArray();
        }

        private static List<T> ReadList<T>(ref Utf8JsonReader r, ReadValue<T> read)
        {
            var list = new List<T>();
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                list.Add(read(ref r));
            }

            return list;
        }

        private static void Optional(Utf8JsonWriter w, string name, string? value)
        {
            if (value is not null)
            {
                w.WriteString(name, value);
            }
        }

        private static void Optional(Utf8JsonWriter w, string name, DateTime? value)
        {
            if (value is { } v)
            {
                w.WriteString(name, v);
            }
        }

        /// <summary>
        /// Moves to the next non-null field of the object the reader is in and gives its position in
        /// <paramref name="names"/> (-1 for another field); false at the object's end. Field names are compared as
        /// the stored UTF-8, so reading a value makes no string for its names and no closure (bench, issue 14).
        /// </summary>
        private static bool NextField(ref Utf8JsonReader r, scoped ReadOnlySpan<string> names, out int field)
        {
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                field = -1;
                var plain = !r.ValueIsEscaped && !r.HasValueSequence;
                for (var i = 0; i < names.Length; i++)
                {
                    if (plain ? AsciiKeyComparer.Instance.Equals(r.ValueSpan, names[i]) : r.ValueTextEquals(names[i]))
                    {
                        field = i;
                        break;
                    }
                }

                r.Read();
                if (r.TokenType != JsonTokenType.Null)
                {
                    return true;
                }
            }

            field = -1;
            return false;
        }

        private static void WriteBody(Utf8JsonWriter w, Body body)
        {
            w.WriteStartObject();
            w.WriteString("BodyType", body.BodyType);
            w.WriteString("Text", body.Text);
            w.WriteEndObject();
        }

        private static Body ReadBody(ref Utf8JsonReader r)
        {
            string type = "", text = "";
            while (NextField(ref r, ["BodyType", "Text"], out var field))
            {
                switch (field)
                {
                    case 0: type = r.GetString()!; break;
                    case 1: text = r.GetString()!; break;
                    default: r.Skip(); break;
                }
            }

            return new Body(type, text);
        }

        private static void WriteAddress(Utf8JsonWriter w, EmailAddress a)
        {
            w.WriteStartObject();
            Optional(w, "Name", a.Name);
            w.WriteString("Address", a.Address);
            Optional(w, "RoutingType", a.RoutingType);
            Optional(w, "MailboxType", a.MailboxType);
            w.WriteEndObject();
        }

        private static EmailAddress ReadAddress(ref Utf8JsonReader r)
        {
            string? name = null, routing = null, type = null;
            var address = "";
            while (NextField(ref r, ["Name", "Address", "RoutingType", "MailboxType"], out var field))
            {
                switch (field)
                {
                    case 0: name = r.GetString(); break;
                    case 1: address = r.GetString()!; break;
                    case 2: routing = r.GetString(); break;
                    case 3: type = r.GetString(); break;
                    default: r.Skip(); break;
                }
            }

            return new EmailAddress(name, address, routing, type);
        }

        private static void WriteAttendee(Utf8JsonWriter w, Attendee a)
        {
            w.WriteStartObject();
            w.WritePropertyName("Mailbox");
            WriteAddress(w, a.Mailbox);
            Optional(w, "ResponseType", a.ResponseType);
            Optional(w, "LastResponseTime", a.LastResponseTime);
            Optional(w, "ProposedStart", a.ProposedStart);
            Optional(w, "ProposedEnd", a.ProposedEnd);
            w.WriteEndObject();
        }

        private static Attendee ReadAttendee(ref Utf8JsonReader r)
        {
            EmailAddress? mailbox = null;
            string? response = null;
            DateTime? last = null, start = null, end = null;
            while (NextField(ref r, ["Mailbox", "ResponseType", "LastResponseTime", "ProposedStart", "ProposedEnd"], out var field))
            {
                switch (field)
                {
                    case 0: mailbox = ReadAddress(ref r); break;
                    case 1: response = r.GetString(); break;
                    case 2: last = r.GetDateTime(); break;
                    case 3: start = r.GetDateTime(); break;
                    case 4: end = r.GetDateTime(); break;
                    default: r.Skip(); break;
                }
            }

            return new Attendee(mailbox ?? throw new JsonException("An attendee without a mailbox."))
            {
                ResponseType = response, LastResponseTime = last, ProposedStart = start, ProposedEnd = end,
            };
        }

        private static void WriteZone(Utf8JsonWriter w, TimeZoneRef zone)
        {
            w.WriteStartObject();
            w.WriteString("Id", zone.Id);
            Optional(w, "Name", zone.Name);
            w.WriteEndObject();
        }

        private static TimeZoneRef ReadZone(ref Utf8JsonReader r)
        {
            string id = "";
            string? name = null;
            while (NextField(ref r, ["Id", "Name"], out var field))
            {
                switch (field)
                {
                    case 0: id = r.GetString()!; break;
                    case 1: name = r.GetString(); break;
                    default: r.Skip(); break;
                }
            }

            return new TimeZoneRef(id, name);
        }

        private static void WriteHighlights(Utf8JsonWriter w, ChangeHighlights h)
        {
            w.WriteStartObject();
            w.WriteBoolean("LocationChanged", h.LocationChanged);
            Optional(w, "Location", h.Location);
            w.WriteBoolean("StartChanged", h.StartChanged);
            Optional(w, "Start", h.Start);
            w.WriteBoolean("EndChanged", h.EndChanged);
            Optional(w, "End", h.End);
            w.WriteEndObject();
        }

        private static ChangeHighlights ReadHighlights(ref Utf8JsonReader r)
        {
            bool locationChanged = false, startChanged = false, endChanged = false;
            string? location = null;
            DateTime? start = null, end = null;
            while (NextField(ref r, ["LocationChanged", "Location", "StartChanged", "Start", "EndChanged", "End"], out var field))
            {
                switch (field)
                {
                    case 0: locationChanged = r.GetBoolean(); break;
                    case 1: location = r.GetString(); break;
                    case 2: startChanged = r.GetBoolean(); break;
                    case 3: start = r.GetDateTime(); break;
                    case 4: endChanged = r.GetBoolean(); break;
                    case 5: end = r.GetDateTime(); break;
                    default: r.Skip(); break;
                }
            }

            return new ChangeHighlights(locationChanged, location, startChanged, start, endChanged, end);
        }

        internal static void WriteAttachment(Utf8JsonWriter w, Attachment a)
        {
            w.WriteStartObject();
            w.WriteString("Id", a.Id);
            w.WriteString("Kind", a.Kind.ToString());
            Optional(w, "Name", a.Name);
            Optional(w, "ContentType", a.ContentType);
            Optional(w, "ContentId", a.ContentId);
            Optional(w, "ContentLocation", a.ContentLocation);
            w.WriteNumber("Size", a.Size);
            w.WriteString("LastModifiedTime", a.LastModifiedTime);
            w.WriteBoolean("IsInline", a.IsInline);
            if (a.IsContactPhoto is { } photo)
            {
                w.WriteBoolean("IsContactPhoto", photo);
            }

            Optional(w, "ItemKind", a.ItemKind?.ToString());
            Optional(w, "ParentId", a.ParentId);
            if (a.Link is { } link)
            {
                w.WriteStartObject("Link");
                Optional(w, "AttachLongPathName", link.AttachLongPathName);
                Optional(w, "ProviderType", link.ProviderType);
                Optional(w, "ProviderEndpointUrl", link.ProviderEndpointUrl);
                Optional(w, "AttachmentThumbnailUrl", link.AttachmentThumbnailUrl);
                Optional(w, "AttachmentPreviewUrl", link.AttachmentPreviewUrl);
                if (link.PermissionType is { } permission)
                {
                    w.WriteNumber("PermissionType", permission);
                }

                if (link.OriginalPermissionType is { } original)
                {
                    w.WriteNumber("OriginalPermissionType", original);
                }

                if (link.AttachmentIsFolder is { } folder)
                {
                    w.WriteBoolean("AttachmentIsFolder", folder);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        /// <summary>A reference attachment's link, as <see cref="WriteAttachment"/> writes it.</summary>
        private static ReferenceLink ReadLink(ref Utf8JsonReader r)
        {
            var link = new ReferenceLink();
            while (NextField(ref r, ["AttachLongPathName", "ProviderType", "ProviderEndpointUrl", "AttachmentThumbnailUrl", "AttachmentPreviewUrl", "PermissionType", "OriginalPermissionType", "AttachmentIsFolder"], out var field))
            {
                link = field switch
                {
                    0 => link with { AttachLongPathName = r.GetString() },
                    1 => link with { ProviderType = r.GetString() },
                    2 => link with { ProviderEndpointUrl = r.GetString() },
                    3 => link with { AttachmentThumbnailUrl = r.GetString() },
                    4 => link with { AttachmentPreviewUrl = r.GetString() },
                    5 => link with { PermissionType = r.GetInt32() },
                    6 => link with { OriginalPermissionType = r.GetInt32() },
                    7 => link with { AttachmentIsFolder = r.GetBoolean() },
                    _ => Skip(ref r, link),
                };
            }

            return link;

            static ReferenceLink Skip(ref Utf8JsonReader r, ReferenceLink link)
            {
                r.Skip();
                return link;
            }
        }

        internal static Attachment ReadAttachment(ref Utf8JsonReader r)
        {
            string id = "", kind = nameof(AttachmentKind.File);
            string? name = null, type = null, contentId = null, location = null, itemKind = null, parent = null;
            long size = 0;
            DateTime modified = default;
            bool inline = false;
            bool? photo = null;
            ReferenceLink? link = null;
            while (NextField(ref r, ["Id", "Kind", "Name", "ContentType", "ContentId", "ContentLocation", "Size", "LastModifiedTime", "IsInline", "IsContactPhoto", "ItemKind", "ParentId", "Link"], out var field))
            {
                switch (field)
                {
                    case 0: id = r.GetString()!; break;
                    case 1: kind = r.GetString()!; break;
                    case 2: name = r.GetString(); break;
                    case 3: type = r.GetString(); break;
                    case 4: contentId = r.GetString(); break;
                    case 5: location = r.GetString(); break;
                    case 6: size = r.GetInt64(); break;
                    case 7: modified = r.GetDateTime(); break;
                    case 8: inline = r.GetBoolean(); break;
                    case 9: photo = r.GetBoolean(); break;
                    case 10: itemKind = r.GetString(); break;
                    case 11: parent = r.GetString(); break;
                    case 12: link = ReadLink(ref r); break;
                    default: r.Skip(); break;
                }
            }

            return new Attachment(id, Enum.Parse<AttachmentKind>(kind))
            {
                Name = name, ContentType = type, ContentId = contentId, ContentLocation = location, Size = size, LastModifiedTime = modified,
                IsInline = inline, IsContactPhoto = photo, ItemKind = itemKind is null ? null : Enum.Parse<ItemKind>(itemKind), ParentId = parent, Link = link,
            };
        }

        private static void WriteRecurrence(Utf8JsonWriter w, object value)
        {
            if (value is string raw)
            {
                w.WriteStringValue(raw);
                return;
            }

            var p = ((Recurrence)value).Pattern;
            var range = ((Recurrence)value).Range;
            w.WriteStartObject();
            w.WriteString("Pattern", p.Kind.ToString());
            w.WriteNumber("Interval", p.Interval);
            w.WriteNumber("DaysOfWeek", (int)p.DaysOfWeek);
            if (p.Index is { } index)
            {
                w.WriteNumber("Index", (int)index);
            }

            if (p.DayOfMonth is { } day)
            {
                w.WriteNumber("DayOfMonth", day);
            }

            if (p.Month is { } month)
            {
                w.WriteNumber("Month", month);
            }

            w.WriteNumber("FirstDayOfWeek", (int)p.FirstDayOfWeek);
            w.WriteString("Range", range.Kind.ToString());
            w.WriteString("StartDate", range.StartDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            if (range.EndDate is { } end)
            {
                w.WriteString("EndDate", end.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            }

            if (range.NumberOfOccurrences is { } count)
            {
                w.WriteNumber("NumberOfOccurrences", count);
            }

            w.WriteEndObject();
        }

        private static Recurrence ReadRecurrence(ref Utf8JsonReader r)
        {
            string kind = "", rangeKind = "", start = "";
            string? end = null;
            int interval = 1, days = 0, firstDay = 0;
            int? index = null, dayOfMonth = null, month = null, count = null;
            while (NextField(ref r, ["Pattern", "Interval", "DaysOfWeek", "Index", "DayOfMonth", "Month", "FirstDayOfWeek", "Range", "StartDate", "EndDate", "NumberOfOccurrences"], out var field))
            {
                switch (field)
                {
                    case 0: kind = r.GetString()!; break;
                    case 1: interval = r.GetInt32(); break;
                    case 2: days = r.GetInt32(); break;
                    case 3: index = r.GetInt32(); break;
                    case 4: dayOfMonth = r.GetInt32(); break;
                    case 5: month = r.GetInt32(); break;
                    case 6: firstDay = r.GetInt32(); break;
                    case 7: rangeKind = r.GetString()!; break;
                    case 8: start = r.GetString()!; break;
                    case 9: end = r.GetString(); break;
                    case 10: count = r.GetInt32(); break;
                    default: r.Skip(); break;
                }
            }

            return new Recurrence(
                new RecurrencePattern(Enum.Parse<RecurrencePatternKind>(kind), interval, (RecurrenceDays)days, (DayOfWeekIndex?)index, dayOfMonth, month, (DayOfWeek)firstDay),
                new RecurrenceRange(Enum.Parse<RecurrenceRangeKind>(rangeKind), DateOnly.ParseExact(start, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    end is null ? null : DateOnly.ParseExact(end, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), count));
        }

        private static void WriteException(Utf8JsonWriter w, OccurrenceException e)
        {
            w.WriteStartObject();
            w.WriteString("OriginalStart", e.OriginalStartUtc);
            w.WritePropertyName("Changes");
            WriteNested(w, e.Changes);
            w.WriteEndObject();
        }

        private static OccurrenceException ReadException(ref Utf8JsonReader r)
        {
            DateTime original = default;
            Item? changes = null;
            while (NextField(ref r, ["OriginalStart", "Changes"], out var field))
            {
                switch (field)
                {
                    case 0: original = r.GetDateTime(); break;
                    case 1: changes = ReadNested(ref r); break;
                    default: r.Skip(); break;
                }
            }

            return new OccurrenceException(original, changes ?? new Item { Kind = ItemKind.CalendarItem });
        }

        private static void WriteExtended(Utf8JsonWriter w, ExtendedProperty p)
        {
            w.WriteStartObject();
            w.WriteStartObject("Path");
            Optional(w, "PropertyTag", p.Path.PropertyTag);
            Optional(w, "DistinguishedPropertySetId", p.Path.DistinguishedPropertySetId);
            Optional(w, "PropertySetId", p.Path.PropertySetId);
            Optional(w, "PropertyName", p.Path.PropertyName);
            if (p.Path.PropertyId is { } id)
            {
                w.WriteNumber("PropertyId", id);
            }

            w.WriteString("PropertyType", p.Path.PropertyType);
            w.WriteEndObject();
            Optional(w, "Value", p.Value);
            if (p.Values is { } values)
            {
                w.WritePropertyName("Values");
                WriteStrings(w, [.. values]);
            }

            w.WriteEndObject();
        }

        private static ExtendedProperty ReadExtended(ref Utf8JsonReader r)
        {
            string? tag = null, setName = null, setId = null, name = null, value = null;
            int? id = null;
            var type = "";
            List<string>? values = null;
            while (NextField(ref r, ["Path", "Value", "Values"], out var field))
            {
                switch (field)
                {
                    case 0:
                        while (NextField(ref r, ["PropertyTag", "DistinguishedPropertySetId", "PropertySetId", "PropertyName", "PropertyId", "PropertyType"], out var part))
                        {
                            switch (part)
                            {
                                case 0: tag = r.GetString(); break;
                                case 1: setName = r.GetString(); break;
                                case 2: setId = r.GetString(); break;
                                case 3: name = r.GetString(); break;
                                case 4: id = r.GetInt32(); break;
                                case 5: type = r.GetString()!; break;
                                default: r.Skip(); break;
                            }
                        }

                        break;
                    case 1: value = r.GetString(); break;
                    case 2: values = ReadList(ref r, static (ref Utf8JsonReader x) => x.GetString()!); break;
                    default: r.Skip(); break;
                }
            }

            return new ExtendedProperty(new ExtendedPropertyPath(tag, setName, setId, name, id, type), value, values);
        }
    }
}

/// <summary>
/// Ordinal equality of stored property keys, which are ASCII (tag:0037, id:GUID:ID, Type/Element), that also compares
/// a key's UTF-8 bytes as the JSON reader gives them with no string made (bench, issue 14: decoding each key to look it
/// up was a third of an item's read). A non-ASCII byte never equals an ASCII key, so such a key is simply unknown.
/// </summary>
internal sealed class AsciiKeyComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<byte>, string>
{
    public static readonly AsciiKeyComparer Instance = new();

    public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

    public int GetHashCode(string obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj.Length > 256 || !Ascii.IsValid(obj))
        {
            return obj.Length;
        }

        Span<byte> bytes = stackalloc byte[obj.Length];
        Ascii.FromUtf16(obj, bytes, out _);
        return GetHashCode(bytes);
    }

    public bool Equals(ReadOnlySpan<byte> alternate, string other) => Ascii.Equals(alternate, other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        // Eight bytes a step (a stored key is 8 to 50 bytes). Bytes that are not ASCII equal no key, so any hash does for them.
        var hash = (ulong)alternate.Length * 0x9E3779B97F4A7C15UL;
        while (alternate.Length >= 8)
        {
            hash = (hash ^ BinaryPrimitives.ReadUInt64LittleEndian(alternate)) * 0x100000001B3UL;
            hash ^= hash >> 29;
            alternate = alternate[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < alternate.Length; i++)
        {
            tail |= (ulong)alternate[i] << (8 * i);
        }

        hash = (hash ^ tail) * 0x100000001B3UL;
        return (int)(hash ^ (hash >> 32));
    }

    public string Create(ReadOnlySpan<byte> alternate) => Encoding.UTF8.GetString(alternate);
}
