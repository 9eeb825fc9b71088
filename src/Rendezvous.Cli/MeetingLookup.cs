using System.Globalization;
using Rendezvous.Client;
using Rendezvous.Protocol;

namespace Rendezvous.Cli;

/// <summary>
/// Finds the one meeting a command is about, by --id or by --subject. A subject that equals a meeting's (ignoring
/// case) beats one that is only part of it; several distinct meetings are an error rather than a guess.
/// </summary>
internal static class MeetingLookup
{
    private const string Organizer = SchemaValues.ResponseTypeType.Organizer;

    /// <summary>
    /// A meeting the user was invited to: a pending meeting request first (answering it moves it to Deleted Items, as
    /// EWS expects), else a calendar item someone else organizes.
    /// </summary>
    public static async Task<EwsItem> ForAttendeeAsync(ClientSession session) =>
        await OccurrenceAsync(session, await MeetingForAttendeeAsync(session));

    /// <summary>A meeting the user organizes (and has not cancelled), or one occurrence of it with --occurrence.</summary>
    public static async Task<EwsItem> ForOrganizerAsync(ClientSession session) =>
        await OccurrenceAsync(session, await MeetingForOrganizerAsync(session));

    /// <summary>
    /// With --occurrence N, occurrence N (1-based, counted in the pattern) of the series <paramref name="meeting"/> is, or
    /// that a request for the series belongs to; with --occurrence DATE (yyyy-mm-dd), the occurrence the pattern put on
    /// that day (its original start, in the series' zone), moved or not; without it, the meeting itself. An
    /// occurrence's own id (as `rdv meetings` lists it) given to --id needs no --occurrence.
    /// </summary>
    private static async Task<EwsItem> OccurrenceAsync(ClientSession session, EwsItem meeting)
    {
        if (session.Options.Get("--occurrence") is not { } given)
        {
            return meeting;
        }

        DateOnly? date = DateOnly.TryParseExact(given, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;
        var number = date is null ? session.Options.GetNumber("--occurrence")!.Value : 0;
        if (number > int.MaxValue)
        {
            throw new UsageException("--occurrence N is the index of an occurrence, from 1 (the series' first occurrence)");
        }

        var master = meeting.CalendarItemType == SchemaValues.CalendarItemTypeType.RecurringMaster && meeting.Kind == ItemKind.CalendarItem ? meeting.Id
            : meeting.Kind == ItemKind.MeetingRequest && meeting.CalendarItemType == SchemaValues.CalendarItemTypeType.RecurringMaster ? meeting.AssociatedCalendarItemId
            : null;
        if (master is null)
        {
            throw new CommandException($"'{Output.OneLine(meeting.Subject)}' is no recurring series; --occurrence applies to a series");
        }

        return date is { } original
            ? await session.Client.GetOccurrenceOnAsync(master, original, session.CancellationToken)
            : await session.Client.GetOccurrenceAsync(master, (int)number, session.CancellationToken);
    }

    private static async Task<EwsItem> MeetingForAttendeeAsync(ClientSession session)
    {
        if (IdOf(session.Options) is { } id)
        {
            return await session.Client.GetItemAsync(id, session.CancellationToken);
        }

        var subject = SubjectOf(session.Options);
        var requests = session.Client.FindMeetingRequestsAsync(subject, session.CancellationToken);
        var calendar = session.Client.FindCalendarItemsAsync(subject, session.CancellationToken);
        var pending = (await requests).Where(request => request.IsOutOfDate != true);
        var invitations = (await calendar).Where(item => item.IsMeeting && !item.IsCancelled && item.MyResponseType != Organizer);
        return Pick(subject, [.. pending, .. invitations], session.Zone);
    }

    private static async Task<EwsItem> MeetingForOrganizerAsync(ClientSession session)
    {
        if (IdOf(session.Options) is { } id)
        {
            return await session.Client.GetItemAsync(id, session.CancellationToken);
        }

        var subject = SubjectOf(session.Options);
        var organized = (await session.Client.FindCalendarItemsAsync(subject, session.CancellationToken))
            .Where(item => item.MyResponseType == Organizer && !item.IsCancelled);
        return Pick(subject, [.. organized], session.Zone);
    }

    /// <summary>Whether the command names one meeting (--subject or --id) rather than all of them.</summary>
    public static bool IsNamed(Options options) => options.Get("--subject") is not null || options.Get("--id") is not null;

    private static ItemId? IdOf(Options options)
    {
        var id = options.Get("--id");
        if (id is not null && options.Get("--subject") is not null)
        {
            throw new UsageException("use --subject or --id, not both");
        }

        return id is null ? null : new ItemId(id);
    }

    private static string SubjectOf(Options options) =>
        options.Get("--subject") is { Length: > 0 } subject ? subject : throw new UsageException("--subject TEXT or --id ID is required");

    private static EwsItem Pick(string subject, IReadOnlyList<EwsItem> candidates, TimeZoneInfo zone)
    {
        var exact = candidates.Where(item => string.Equals(item.Subject?.Trim(), subject.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        // The server already matched on "contains"; filtering again keeps the rule whatever server answered.
        var matches = exact.Count > 0 ? exact : [.. candidates.Where(item => item.Subject?.Contains(subject, StringComparison.OrdinalIgnoreCase) == true)];
        var meetings = new List<EwsItem>();
        foreach (var item in matches)
        {
            if (!meetings.Any(kept => SameMeeting(kept, item)))
            {
                meetings.Add(item);
            }
        }

        return meetings switch
        {
            [var one] => one,
            [] => throw new CommandException($"no meeting matches '{subject}'"),
            _ => throw new CommandException(
                $"several meetings match '{subject}'; use --id",
                [.. meetings.Select(m => $"{Times.ShowRange(Times.InZone(m.Start, zone), Times.InZone(m.End, zone))}  {Output.OneLine(m.Subject)}  --id {m.Id.Id}")]),
        };
    }

    /// <summary>A request and the calendar item it belongs to are one meeting: same UID, or the request points at the item.</summary>
    private static bool SameMeeting(EwsItem a, EwsItem b) =>
        a.Id.Id == b.Id.Id
        || (a.Uid is not null && a.Uid == b.Uid)
        || a.AssociatedCalendarItemId?.Id == b.Id.Id
        || b.AssociatedCalendarItemId?.Id == a.Id.Id;
}
