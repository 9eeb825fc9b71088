using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// A room's own rules for answering a meeting, with Exchange's resource booking defaults (Set-CalendarProcessing:
/// AutomateProcessing AutoAccept, BookingWindowInDays 180, EnforceSchedulingHorizon true, AllowConflicts false).
/// </summary>
public sealed record BookingPolicy(int BookingWindowInDays = 180, bool EnforceSchedulingHorizon = true, bool AllowConflicts = false)
{
    public static BookingPolicy Default { get; } = new();
}

/// <summary>Why a room answered as it did.</summary>
public enum BookingReason
{
    Free,
    Conflict,
    OutsideBookingWindow,
    BeyondSchedulingHorizon,
}

/// <summary>A room's answer: accept or decline, why, and the conflicting occurrences' starts (UTC) when it conflicts.</summary>
public sealed record BookingAnswer(ResponseKind Kind, BookingReason Reason, IReadOnlyList<DateTime> Conflicts)
{
    /// <summary>The text of the response the room sends, in the words of Exchange's resource booking attendant.</summary>
    public string Text => Reason switch
    {
        BookingReason.Free => "Your request was accepted.",
        BookingReason.Conflict => "Your request was declined because the resource is unavailable at the requested time"
            + (Conflicts.Count > 1 ? $" ({Conflicts.Count} occurrences conflict)." : "."),
        BookingReason.OutsideBookingWindow => "Your request was declined because it is outside the booking window of the resource.",
        _ => "Your request was declined because the recurring meeting extends beyond the booking window of the resource.",
    };
}

/// <summary>
/// How a room decides on a meeting request by itself: accept when every occurrence within the booking window is free
/// in its calendar, decline otherwise. Pure: the caller gives the request, the room's calendar and the time.
/// </summary>
public static class ResourceBooking
{
    /// <summary>
    /// The answer to <paramref name="meeting"/> (a single meeting, a series, or one occurrence with its OriginalStart)
    /// given the room's <paramref name="calendar"/> over the booking window (singles, occurrences and exceptions;
    /// items of this meeting itself are left out here).
    /// </summary>
    public static BookingAnswer Decide(Item meeting, IEnumerable<Item> calendar, DateTime nowUtc, BookingPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        ArgumentNullException.ThrowIfNull(calendar);
        policy ??= BookingPolicy.Default;
        var horizon = nowUtc.AddDays(policy.BookingWindowInDays);
        var instances = Instances(meeting, nowUtc, horizon, policy, out var reason);
        if (reason is { } outside)
        {
            return new BookingAnswer(ResponseKind.Decline, outside, []);
        }

        if (policy.AllowConflicts)
        {
            return new BookingAnswer(ResponseKind.Accept, BookingReason.Free, []);
        }

        var busy = calendar.Where(i => Blocks(i, meeting.Uid)).ToList();
        var conflicts = instances
            .Where(x => busy.Any(b => b.Start < x.EndUtc && x.StartUtc < b.End))
            .Select(static x => x.StartUtc)
            .ToList();
        return conflicts.Count == 0
            ? new BookingAnswer(ResponseKind.Accept, BookingReason.Free, [])
            : new BookingAnswer(ResponseKind.Decline, BookingReason.Conflict, conflicts);
    }

    /// <summary>The window of the room's calendar that <see cref="Decide"/> needs for <paramref name="meeting"/>.</summary>
    public static (DateTime StartUtc, DateTime EndUtc) Window(Item meeting, DateTime nowUtc, BookingPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        policy ??= BookingPolicy.Default;
        if (meeting.OriginalStart is null && SeriesItems.SeriesOf(meeting) is not null)
        {
            return (nowUtc, nowUtc.AddDays(policy.BookingWindowInDays));
        }

        return (meeting.Start ?? nowUtc, meeting.End ?? meeting.Start ?? nowUtc);
    }

    private static List<(DateTime StartUtc, DateTime EndUtc)> Instances(Item meeting, DateTime nowUtc, DateTime horizon, BookingPolicy policy, out BookingReason? reason)
    {
        reason = null;
        if (meeting.OriginalStart is null && SeriesItems.SeriesOf(meeting) is { } series)
        {
            var (_, lastEnd) = RecurrenceExpansion.Bounds(series);
            if (policy.EnforceSchedulingHorizon && (lastEnd is null || lastEnd > horizon))
            {
                reason = BookingReason.BeyondSchedulingHorizon;
                return [];
            }

            // Occurrences already over cannot conflict with anything the room still has to give.
            return [.. SeriesItems.OccurrencesInWindow(meeting, series, nowUtc, horizon).Select(static o => (o.StartUtc, o.EndUtc))];
        }

        if (meeting.Start > horizon)
        {
            reason = BookingReason.OutsideBookingWindow;
            return [];
        }

        return meeting.Start is { } start && meeting.End is { } end ? [(start, end)] : [];
    }

    // What holds the room: anything not free and not cancelled, other than this meeting's own items.
    private static bool Blocks(Item item, string? meetingUid) =>
        !item.IsCancelled
        && item.LegacyFreeBusyStatus != SchemaValues.LegacyFreeBusyType.Free
        && item.Start is not null && item.End is not null
        && (meetingUid is null || !string.Equals(item.Uid, meetingUid, StringComparison.Ordinal));
}
