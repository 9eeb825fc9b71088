// Moving out of this package (issue 14 §3): its public API and XML docs are checked once it has moved.
#pragma warning disable CS1591, RS0016
namespace Rendezvous.Protocol;

/// <summary>The item types this server stores. Each maps to one element of NonEmptyArrayOfAllItemsType.</summary>
public enum ItemKind
{
    Message,
    CalendarItem,
    MeetingRequest,
    MeetingResponse,
    MeetingCancellation,
}

/// <summary>A mailbox as EmailAddressType carries it.</summary>
public sealed record EmailAddress(string? Name, string Address, string? RoutingType = "SMTP", string? MailboxType = "Mailbox")
{
    public bool Is(string address) => string.Equals(Address, address, StringComparison.OrdinalIgnoreCase);
}

/// <summary>An attendee as AttendeeType carries it. Response tracking only matters on the organizer's item.</summary>
public sealed record Attendee(EmailAddress Mailbox)
{
    public string? ResponseType { get; init; }

    public DateTime? LastResponseTime { get; init; }

    public DateTime? ProposedStart { get; init; }

    public DateTime? ProposedEnd { get; init; }
}

public sealed record Body(string BodyType, string Text);

/// <summary>A time zone as the item keeps it beside its UTC times (Windows id, as clients send it).</summary>
public sealed record TimeZoneRef(string Id, string? Name = null);

/// <summary>
/// An extended MAPI property path. <see cref="Key"/> identifies it whatever form the client used
/// (decimal or hex tag, distinguished set name or its GUID).
/// </summary>
public sealed record ExtendedPropertyPath(
    string? PropertyTag,
    string? DistinguishedPropertySetId,
    string? PropertySetId,
    string? PropertyName,
    int? PropertyId,
    string PropertyType)
{
    private static readonly Dictionary<string, string> SetGuids = new(StringComparer.Ordinal)
    {
        ["Meeting"] = "6ed8da90-450b-101b-98da-00aa003f1305",
        ["Appointment"] = "00062002-0000-0000-c000-000000000046",
        ["Common"] = "00062008-0000-0000-c000-000000000046",
        ["PublicStrings"] = "00020329-0000-0000-c000-000000000046",
        ["Address"] = "00062004-0000-0000-c000-000000000046",
        ["InternetHeaders"] = "00020386-0000-0000-c000-000000000046",
        ["CalendarAssistant"] = "11000e07-b51b-40d6-af21-caa85edab1d0",
        ["UnifiedMessaging"] = "4442858e-a9e3-4e80-b900-317a210cc15b",
        ["Task"] = "00062003-0000-0000-c000-000000000046",
        ["Sharing"] = "00062040-0000-0000-c000-000000000046",
    };

    public string Key
    {
        get
        {
            if (PropertyTag is not null)
            {
                return "tag:" + ParseTag(PropertyTag).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);
            }

            var set = DistinguishedPropertySetId is not null
                ? SetGuids[DistinguishedPropertySetId]
                : Guid.Parse(PropertySetId!).ToString("D");
            return PropertyName is not null
                ? "name:" + set + ":" + PropertyName
                : "id:" + set + ":" + PropertyId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static int ParseTag(string tag)
    {
        tag = tag.Trim();
        return tag.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.Parse(tag.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)
            : int.Parse(tag, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool IsKnownSet(string name) => SetGuids.ContainsKey(name);
}

public sealed record ExtendedProperty(ExtendedPropertyPath Path, string? Value, IReadOnlyList<string>? Values);

/// <summary>
/// Changes to a meeting that an update carries to attendees (ChangeHighlightsType).
/// </summary>
public sealed record ChangeHighlights(bool LocationChanged, string? Location, bool StartChanged, DateTime? Start, bool EndChanged, DateTime? End);

/// <summary>
/// One stored item. Times are UTC; the time zone the client gave is kept beside them.
/// Fields that only some kinds use stay null on the others.
/// </summary>
public sealed class Item
{
    public string Id { get; set; } = "";

    public string MailboxId { get; set; } = "";

    public string FolderId { get; set; } = "";

    public ItemKind Kind { get; set; }

    /// <summary>Moves on with every change; the ChangeKey encodes it.</summary>
    public long ChangeNumber { get; set; }

    /// <summary>Per field URI, the change number that last wrote it (for AutoResolve conflict detection).</summary>
    public Dictionary<string, long> FieldChanges { get; set; } = new(StringComparer.Ordinal);

    // ItemType
    public string ItemClass { get; set; } = "IPM.Note";

    public string? Subject { get; set; }

    public string? Sensitivity { get; set; }

    public Body? Body { get; set; }

    public List<string>? Categories { get; set; }

    public string? Importance { get; set; }

    public string? InReplyTo { get; set; }

    public bool IsDraft { get; set; }

    public bool IsSubmitted { get; set; }

    public DateTime DateTimeCreated { get; set; }

    public DateTime? DateTimeReceived { get; set; }

    public DateTime? DateTimeSent { get; set; }

    public DateTime LastModifiedTime { get; set; }

    public string? LastModifiedName { get; set; }

    public bool? ReminderIsSet { get; set; }

    public int? ReminderMinutesBeforeStart { get; set; }

    public DateTime? ReminderDueBy { get; set; }

    public string? Culture { get; set; }

    public List<ExtendedProperty> ExtendedProperties { get; set; } = [];

    // MessageType
    public EmailAddress? Sender { get; set; }

    public EmailAddress? From { get; set; }

    public List<EmailAddress>? ToRecipients { get; set; }

    public List<EmailAddress>? CcRecipients { get; set; }

    public List<EmailAddress>? BccRecipients { get; set; }

    public List<EmailAddress>? ReplyTo { get; set; }

    public bool? IsReadReceiptRequested { get; set; }

    public bool? IsDeliveryReceiptRequested { get; set; }

    public bool? IsRead { get; set; }

    public bool? IsResponseRequested { get; set; }

    public string? InternetMessageId { get; set; }

    public string? References { get; set; }

    public EmailAddress? ReceivedBy { get; set; }

    // CalendarItemType and the meeting messages
    public string? Uid { get; set; }

    public DateTime? DateTimeStamp { get; set; }

    public DateTime? Start { get; set; }

    public DateTime? End { get; set; }

    public bool IsAllDayEvent { get; set; }

    public string? LegacyFreeBusyStatus { get; set; }

    public string? Location { get; set; }

    public bool IsMeeting { get; set; }

    public bool IsCancelled { get; set; }

    public bool MeetingRequestWasSent { get; set; }

    public bool? CalendarIsResponseRequested { get; set; }

    public string? MyResponseType { get; set; }

    public EmailAddress? Organizer { get; set; }

    public List<Attendee>? RequiredAttendees { get; set; }

    public List<Attendee>? OptionalAttendees { get; set; }

    public List<Attendee>? Resources { get; set; }

    public DateTime? AppointmentReplyTime { get; set; }

    public int AppointmentSequenceNumber { get; set; }

    public int AppointmentState { get; set; }

    public TimeZoneRef? StartTimeZone { get; set; }

    public TimeZoneRef? EndTimeZone { get; set; }

    public int? ConferenceType { get; set; }

    public bool? AllowNewTimeProposal { get; set; }

    public bool? IsOnlineMeeting { get; set; }

    public string? IntendedFreeBusyStatus { get; set; }

    // MeetingMessageType and its subtypes
    public string? AssociatedCalendarItemId { get; set; }

    public bool? IsOutOfDate { get; set; }

    public bool? HasBeenProcessed { get; set; }

    public string? ResponseType { get; set; }

    public string? MeetingRequestType { get; set; }

    public DateTime? ProposedStart { get; set; }

    public DateTime? ProposedEnd { get; set; }

    public ChangeHighlights? ChangeHighlights { get; set; }

    /// <summary>Attendees or recipients this server could not deliver to (not local; external delivery comes later).</summary>
    public List<string>? UndeliveredRecipients { get; set; }

    public bool IsMessageLike => Kind != ItemKind.CalendarItem;

    /// <summary>Whether <paramref name="address"/> organizes this item (an item without an organizer is its owner's own).</summary>
    public bool IsOrganizedBy(string address) => Organizer is null || Organizer.Is(address);

    /// <summary>The size EWS reports: an estimate of the stored MAPI size (subject, body and recipients).</summary>
    public int Size =>
        256 + (Subject?.Length ?? 0) * 2 + (Body?.Text.Length ?? 0) * 2 + (Location?.Length ?? 0) * 2
        + ((RequiredAttendees?.Count ?? 0) + (OptionalAttendees?.Count ?? 0) + (ToRecipients?.Count ?? 0)) * 64
        + ExtendedProperties.Sum(p => 32 + (p.Value?.Length ?? p.Values?.Sum(v => v.Length) ?? 0) * 2);

    public Item Clone()
    {
        var copy = (Item)MemberwiseClone();
        copy.FieldChanges = new Dictionary<string, long>(FieldChanges, StringComparer.Ordinal);
        copy.Categories = Categories is null ? null : [.. Categories];
        copy.ExtendedProperties = [.. ExtendedProperties];
        copy.ToRecipients = ToRecipients is null ? null : [.. ToRecipients];
        copy.CcRecipients = CcRecipients is null ? null : [.. CcRecipients];
        copy.BccRecipients = BccRecipients is null ? null : [.. BccRecipients];
        copy.ReplyTo = ReplyTo is null ? null : [.. ReplyTo];
        copy.RequiredAttendees = RequiredAttendees is null ? null : [.. RequiredAttendees];
        copy.OptionalAttendees = OptionalAttendees is null ? null : [.. OptionalAttendees];
        copy.Resources = Resources is null ? null : [.. Resources];
        copy.UndeliveredRecipients = UndeliveredRecipients is null ? null : [.. UndeliveredRecipients];
        return copy;
    }
}

/// <summary>A stored folder. Counts are computed by the store when read.</summary>
public sealed class Folder
{
    public string Id { get; set; } = "";

    public string MailboxId { get; set; } = "";

    public string? ParentId { get; set; }

    public string DisplayName { get; set; } = "";

    public string? FolderClass { get; set; }

    /// <summary>The DistinguishedFolderIdNameType name, for the well-known folders.</summary>
    public string? DistinguishedName { get; set; }

    public long ChangeNumber { get; set; }

    public List<ExtendedProperty> ExtendedProperties { get; set; } = [];

    public int TotalCount { get; set; }

    public int UnreadCount { get; set; }

    public int ChildFolderCount { get; set; }

    /// <summary>The element this folder is written as: Folder, CalendarFolder, ContactsFolder, TasksFolder or SearchFolder.</summary>
    public string ElementName => FolderClass switch
    {
        "IPF.Appointment" => "CalendarFolder",
        "IPF.Contact" => "ContactsFolder",
        "IPF.Task" => "TasksFolder",
        _ => "Folder",
    };
}

/// <summary>An item with the distinguished name of the folder it is in (null for a user's own folders).</summary>
public sealed record PlacedItem(Item Item, string? Folder);

/// <summary>A mailbox owner as the server knows them.</summary>
public sealed record Mailbox(string Id, string Address, string DisplayName);
