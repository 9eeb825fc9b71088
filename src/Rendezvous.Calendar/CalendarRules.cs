using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>Rules every calendar item follows, whoever writes it.</summary>
public static class CalendarRules
{
    /// <summary>[MS-OXWSMTGS] ErrorCalendarDurationIsTooLong: more than five years.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(5 * 365 + 1);

    /// <summary>Fills what the server owns on a new calendar item created by <paramref name="owner"/>.</summary>
    public static void PrepareNewCalendarItem(Item item, Mailbox owner, string? contextZone, DateTime now)
    {
        item.Uid ??= Guid.NewGuid().ToString("N").ToUpperInvariant();
        item.DateTimeStamp = now;
        item.Organizer = new EmailAddress(owner.DisplayName, owner.Address);
        item.IsMeeting = HasAttendees(item);
        item.MyResponseType = SchemaValues.ResponseTypeType.Organizer;
        item.AppointmentState = item.IsMeeting ? 1 : 0;
        item.LegacyFreeBusyStatus ??= SchemaValues.LegacyFreeBusyType.Busy;
        // The creation zone is the one the start was given in: StartTimeZone, else TimeZoneContext, else UTC.
        item.StartTimeZone ??= new TimeZoneRef(contextZone ?? "UTC", TimeZones.DisplayName(contextZone ?? "UTC"));
        item.EndTimeZone ??= item.StartTimeZone;
        if (item.Start is null || item.End is null)
        {
            throw new DomainException(ErrorCode.InvalidRequest, "A calendar item needs a Start and an End.");
        }

        SnapAllDay(item);
        Validate(item);
        RecurringMaster.Settle(item);
    }

    /// <summary>
    /// An all-day event runs from midnight to midnight in its own zone ("Create all-day events by using EWS"): a start
    /// moves back to the midnight before it and an end forward to the midnight after it, so the event keeps its dates.
    /// </summary>
    public static void SnapAllDay(Item item)
    {
        if (!item.IsAllDayEvent || item.Kind != ItemKind.CalendarItem || item.Start is not { } start || item.End is not { } end)
        {
            return;
        }

        var startZone = TimeZones.Find(item.StartTimeZone?.Id) ?? TimeZoneInfo.Utc;
        var endZone = TimeZones.Find(item.EndTimeZone?.Id) ?? startZone;
        var firstDay = TimeZones.ToLocal(start, startZone).Date;
        var localEnd = TimeZones.ToLocal(end, endZone);
        var dayAfter = localEnd.TimeOfDay == TimeSpan.Zero ? localEnd.Date : localEnd.Date.AddDays(1);
        if (dayAfter <= firstDay)
        {
            dayAfter = firstDay.AddDays(1);
        }

        item.Start = TimeZones.ToUtc(firstDay, startZone);
        item.End = TimeZones.ToUtc(dayAfter, endZone);
    }

    /// <summary>
    /// A new StartTimeZone or EndTimeZone without a new time keeps the wall-clock time in the new zone, so the item
    /// moves in UTC ("Update the time zone for an appointment by using EWS").
    /// </summary>
    public static void KeepWallClock(Item before, Item after, bool startGiven, bool endGiven)
    {
        if (!startGiven && after.Start is { } start && ZoneChanged(before.StartTimeZone, after.StartTimeZone, out var oldStart, out var newStart))
        {
            after.Start = TimeZones.ToUtc(TimeZones.ToLocal(start, oldStart), newStart);
        }

        if (!endGiven && after.End is { } end && ZoneChanged(before.EndTimeZone, after.EndTimeZone, out var oldEnd, out var newEnd))
        {
            after.End = TimeZones.ToUtc(TimeZones.ToLocal(end, oldEnd), newEnd);
        }
    }

    private static bool ZoneChanged(TimeZoneRef? before, TimeZoneRef? after, out TimeZoneInfo from, out TimeZoneInfo to)
    {
        from = TimeZones.Find(before?.Id) ?? TimeZoneInfo.Utc;
        to = TimeZones.Find(after?.Id) ?? from;
        return after is not null && before?.Id != after.Id;
    }

    public static bool HasAttendees(Item item) =>
        item.RequiredAttendees is { Count: > 0 } || item.OptionalAttendees is { Count: > 0 } || item.Resources is { Count: > 0 };

    /// <summary>Required, optional and resource attendees, in that order.</summary>
    public static IEnumerable<Attendee> AllAttendees(Item item) =>
        (item.RequiredAttendees ?? []).Concat(item.OptionalAttendees ?? []).Concat(item.Resources ?? []);

    /// <summary>Checks the time rules after any create or update.</summary>
    public static void Validate(Item item)
    {
        if (item.Kind != ItemKind.CalendarItem || item.Start is not { } start || item.End is not { } end)
        {
            return;
        }

        if (end < start)
        {
            throw new DomainException(ErrorCode.EndBeforeStart, "The end date is earlier than the start date.");
        }

        if (end - start > MaxDuration)
        {
            throw new DomainException(ErrorCode.DurationTooLong, "The duration of the calendar item is too long (more than five years).");
        }
    }

    /// <summary>
    /// The response objects an item offers its reader, in the schema's choice order.
    /// </summary>
    public static IReadOnlyList<string> ResponseObjects(Item item, string reader, ExchangeVersion version)
    {
        var isOrganizer = item.IsOrganizedBy(reader);
        switch (item.Kind)
        {
            case ItemKind.CalendarItem when !item.IsMeeting:
                return ["ForwardItem"];
            case ItemKind.CalendarItem when isOrganizer:
                return item.IsCancelled ? ["ForwardItem"] : ["ReplyToItem", "ForwardItem", "ReplyAllToItem", "CancelCalendarItem"];
            case ItemKind.MeetingRequest when isOrganizer:
                return ["ReplyToItem", "ForwardItem", "ReplyAllToItem"];
            case ItemKind.CalendarItem or ItemKind.MeetingRequest when !item.IsCancelled && item.IsOutOfDate != true:
                var offered = new List<string> { "AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ReplyToItem", "ForwardItem", "ReplyAllToItem" };
                // The ProposeNewTime element exists from Exchange2013_SP1; Exchange's own doc sample returns it to Exchange2013.
                if (item.AllowNewTimeProposal != false && version >= ExchangeVersion.Exchange2013)
                {
                    offered.Add("ProposeNewTime");
                }

                return offered;
            case ItemKind.MeetingCancellation:
                return ["ReplyToItem", "ForwardItem", "ReplyAllToItem", "RemoveItem"];
            default:
                return ["ReplyToItem", "ForwardItem", "ReplyAllToItem"];
        }
    }
}
