using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// A calendar item a client stores for a meeting someone else organizes: what DavMail does when a CalDAV client saves
/// an invitation it received (its PUT names the organizer in ORGANIZER and carries apptstateflags 3, "received"). The
/// item is that attendee's copy of the meeting, as the meeting workflow makes one from a request: the organizer stays
/// who the iCalendar says, the owner's answer is their ATTENDEE's PARTSTAT, and no invitation goes anywhere (only the
/// organizer invites).
/// </summary>
public static class ReceivedMeetings
{
    /// <summary>
    /// Whether a new calendar item, as read, is a copy of another organizer's meeting: it names an organizer who is not
    /// <paramref name="owner"/> and has attendees. Without attendees it is no meeting (DavMail's own test, and Exchange's
    /// IsMeeting): the owner's appointment, whoever the iCalendar names.
    /// </summary>
    public static bool IsReceived(Item item, Mailbox owner) =>
        item.Kind == ItemKind.CalendarItem && item.Organizer is { Address.Length: > 0 } organizer && !organizer.Is(owner.Address) && CalendarRules.HasAttendees(item);

    /// <summary>
    /// Fills what the server owns on <paramref name="item"/>, an attendee's copy created by its <paramref name="owner"/>
    /// (see <see cref="IsReceived"/>); the times follow the rules of every new calendar item.
    /// </summary>
    public static void Prepare(Item item, Mailbox owner, string? contextZone, DateTime now)
    {
        item.Uid ??= Guid.NewGuid().ToString("N").ToUpperInvariant();
        item.DateTimeStamp ??= now;
        item.IsMeeting = true;
        item.IsCancelled = false;
        item.MeetingRequestWasSent = false;
        item.AppointmentState = MeetingMessages.ReceivedMeeting;
        item.CalendarIsResponseRequested ??= true;
        var answer = item.MyResponseType switch
        {
            SchemaValues.ResponseTypeType.Accept => SchemaValues.ResponseTypeType.Accept,
            SchemaValues.ResponseTypeType.Tentative => SchemaValues.ResponseTypeType.Tentative,
            SchemaValues.ResponseTypeType.Decline => SchemaValues.ResponseTypeType.Decline,
            _ => SchemaValues.ResponseTypeType.NoResponseReceived,
        };
        item.MyResponseType = answer;

        // As on a copy the workflow makes: busy as answered, unless the iCalendar said (X-MICROSOFT-CDO-BUSYSTATUS, TRANSP).
        item.LegacyFreeBusyStatus ??= answer switch
        {
            SchemaValues.ResponseTypeType.Accept => SchemaValues.LegacyFreeBusyType.Busy,
            SchemaValues.ResponseTypeType.Decline => SchemaValues.LegacyFreeBusyType.Free,
            _ => SchemaValues.LegacyFreeBusyType.Tentative,
        };
        item.IntendedFreeBusyStatus ??= SchemaValues.LegacyFreeBusyType.Busy;

        // An attendee's copy tracks no one's answer but the owner's own (written back as their PARTSTAT).
        item.RequiredAttendees = Answered(item.RequiredAttendees, owner, answer);
        item.OptionalAttendees = Answered(item.OptionalAttendees, owner, answer);
        item.Resources = Answered(item.Resources, owner, answer);

        item.StartTimeZone ??= new TimeZoneRef(contextZone ?? "UTC", TimeZones.DisplayName(contextZone ?? "UTC"));
        item.EndTimeZone ??= item.StartTimeZone;
        if (item.Start is null || item.End is null)
        {
            throw new DomainException(ErrorCode.InvalidRequest, "A calendar item needs a Start and an End.");
        }

        CalendarRules.SnapAllDay(item);
        CalendarRules.Validate(item);
        RecurringMaster.Settle(item);
    }

    private static List<Attendee>? Answered(List<Attendee>? attendees, Mailbox owner, string response) =>
        attendees?.Select(a => a.Mailbox.Is(owner.Address) ? new Attendee(a.Mailbox) { ResponseType = response } : new Attendee(a.Mailbox)).ToList();
}
