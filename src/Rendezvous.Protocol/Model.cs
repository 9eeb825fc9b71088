// Documented once engineer B's property bag lands (issue 14 §3): the wire records here are still changing.
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

    // Kept in this order: the store's kind column holds the number.
    Item,
    Contact,
    DistributionList,
    Task,
    PostItem,
}

/// <summary>A mailbox as EmailAddressType carries it.</summary>
public sealed record EmailAddress(string? Name, string Address, string? RoutingType = "SMTP", string? MailboxType = SchemaValues.MailboxTypeType.Mailbox)
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
