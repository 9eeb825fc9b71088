namespace Rendezvous.Protocol;

/// <summary>The item types this server stores. Each maps to one element of NonEmptyArrayOfAllItemsType.</summary>
public enum ItemKind
{
    /// <summary>t:Message (MessageType).</summary>
    Message,

    /// <summary>t:CalendarItem (CalendarItemType).</summary>
    CalendarItem,

    /// <summary>t:MeetingRequest (MeetingRequestMessageType).</summary>
    MeetingRequest,

    /// <summary>t:MeetingResponse (MeetingResponseMessageType).</summary>
    MeetingResponse,

    /// <summary>t:MeetingCancellation (MeetingCancellationMessageType).</summary>
    MeetingCancellation,

    // Kept in this order: the store's kind column holds the number.

    /// <summary>t:Item, the generic item (ItemType).</summary>
    Item,

    /// <summary>t:Contact (ContactItemType).</summary>
    Contact,

    /// <summary>t:DistributionList (DistributionListType).</summary>
    DistributionList,

    /// <summary>t:Task (TaskType).</summary>
    Task,

    /// <summary>t:PostItem (PostItemType).</summary>
    PostItem,
}

/// <summary>A mailbox as EmailAddressType carries it.</summary>
/// <param name="Name">The display name, if given.</param>
/// <param name="Address">The SMTP address (EmailAddress).</param>
/// <param name="RoutingType">RoutingType; SMTP unless the client said otherwise.</param>
/// <param name="MailboxType">MailboxType (MailboxTypeType).</param>
public sealed record EmailAddress(string? Name, string Address, string? RoutingType = "SMTP", string? MailboxType = SchemaValues.MailboxTypeType.Mailbox)
{
    /// <summary>Whether this is <paramref name="address"/> (SMTP addresses compare without case).</summary>
    /// <param name="address">An SMTP address.</param>
    /// <returns>True when the addresses are the same.</returns>
    public bool Is(string address) => string.Equals(Address, address, StringComparison.OrdinalIgnoreCase);
}

/// <summary>An attendee as AttendeeType carries it. Response tracking only matters on the organizer's item.</summary>
/// <param name="Mailbox">Who the attendee is.</param>
public sealed record Attendee(EmailAddress Mailbox)
{
    /// <summary>Their last response (ResponseTypeType), on the organizer's item.</summary>
    public string? ResponseType { get; init; }

    /// <summary>When their last response arrived (UTC).</summary>
    public DateTime? LastResponseTime { get; init; }

    /// <summary>The start they proposed with their response, if any (UTC; Exchange 2013 and later).</summary>
    public DateTime? ProposedStart { get; init; }

    /// <summary>The end they proposed with their response, if any (UTC; Exchange 2013 and later).</summary>
    public DateTime? ProposedEnd { get; init; }
}

/// <summary>An item body as BodyType carries it.</summary>
/// <param name="BodyType">HTML or Text (BodyTypeType).</param>
/// <param name="Text">The body's text.</param>
public sealed record Body(string BodyType, string Text);

/// <summary>A time zone as the item keeps it beside its UTC times (Windows id, as clients send it).</summary>
/// <param name="Id">The Windows time zone id.</param>
/// <param name="Name">Its display name, if the client gave one.</param>
public sealed record TimeZoneRef(string Id, string? Name = null);

/// <summary>
/// An extended MAPI property path. <see cref="Key"/> identifies it whatever form the client used
/// (decimal or hex tag, distinguished set name or its GUID).
/// </summary>
/// <param name="PropertyTag">PropertyTag, decimal or 0x-hex, for a tagged property.</param>
/// <param name="DistinguishedPropertySetId">DistinguishedPropertySetId, for a named property of a well-known set.</param>
/// <param name="PropertySetId">PropertySetId (a GUID), for a named property of another set.</param>
/// <param name="PropertyName">PropertyName, for a property named by string.</param>
/// <param name="PropertyId">PropertyId, for a property named by number.</param>
/// <param name="PropertyType">PropertyType (MapiPropertyTypeType).</param>
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
        [SchemaValues.DistinguishedPropertySetType.Meeting] = "6ed8da90-450b-101b-98da-00aa003f1305",
        [SchemaValues.DistinguishedPropertySetType.Appointment] = "00062002-0000-0000-c000-000000000046",
        [SchemaValues.DistinguishedPropertySetType.Common] = "00062008-0000-0000-c000-000000000046",
        [SchemaValues.DistinguishedPropertySetType.PublicStrings] = "00020329-0000-0000-c000-000000000046",
        [SchemaValues.DistinguishedPropertySetType.Address] = "00062004-0000-0000-c000-000000000046",
        [SchemaValues.DistinguishedPropertySetType.InternetHeaders] = "00020386-0000-0000-c000-000000000046",
        [SchemaValues.DistinguishedPropertySetType.CalendarAssistant] = "11000e07-b51b-40d6-af21-caa85edab1d0",
        [SchemaValues.DistinguishedPropertySetType.UnifiedMessaging] = "4442858e-a9e3-4e80-b900-317a210cc15b",
        [SchemaValues.DistinguishedPropertySetType.Task] = "00062003-0000-0000-c000-000000000046",
        [SchemaValues.DistinguishedPropertySetType.Sharing] = "00062040-0000-0000-c000-000000000046",
    };

    /// <summary>The property's identity whatever form named it: tag:hhhh, name:GUID:NAME or id:GUID:N.</summary>
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

    /// <summary>A PropertyTag's number, from its decimal or 0x-hex form.</summary>
    /// <param name="tag">The attribute's value.</param>
    /// <returns>The tag.</returns>
    public static int ParseTag(string tag)
    {
        tag = tag.Trim();
        return tag.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.Parse(tag.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)
            : int.Parse(tag, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whether <paramref name="name"/> is a DistinguishedPropertySetId this server knows the GUID of.</summary>
    /// <param name="name">The attribute's value.</param>
    /// <returns>True when it is known.</returns>
    public static bool IsKnownSet(string name) => SetGuids.ContainsKey(name);
}

/// <summary>An extended property's value as ExtendedPropertyType carries it: one Value or several Values.</summary>
/// <param name="Path">Which property.</param>
/// <param name="Value">Its value, for a single-valued property.</param>
/// <param name="Values">Its values, for a multi-valued property.</param>
public sealed record ExtendedProperty(ExtendedPropertyPath Path, string? Value, IReadOnlyList<string>? Values);

/// <summary>
/// Changes to a meeting that an update carries to attendees (ChangeHighlightsType).
/// </summary>
/// <param name="LocationChanged">HasLocationChanged.</param>
/// <param name="Location">The location before the change.</param>
/// <param name="StartChanged">HasStartTimeChanged.</param>
/// <param name="Start">The start before the change.</param>
/// <param name="EndChanged">HasEndTimeChanged.</param>
/// <param name="End">The end before the change.</param>
public sealed record ChangeHighlights(bool LocationChanged, string? Location, bool StartChanged, DateTime? Start, bool EndChanged, DateTime? End);
