using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>An attendee of a suggestions request: its MailboxData and, for a known mailbox, its Calendar items and working hours.</summary>
public sealed record AttendeeCalendar(MailboxQuery Query, IReadOnlyList<Item>? Calendar, WorkingHours? WorkingHours)
{
    public bool IsKnown => Calendar is not null;
}

/// <summary>
/// Meeting time suggestions as a pure function of the attendees' calendars and working hours.
/// <list type="bullet">
/// <item>Candidates start every <see cref="Step"/> from each local midnight of the request's zone and fit in that day and the window.</item>
/// <item>Quality is the share of counted attendees who are free (LEARN:suggestionquality): Excellent 100 %, Good at least
/// GoodThreshold + 50 %, Fair at least 50 %, Poor below.</item>
/// <item>Note: the docs do not say how attendee types weigh. Inferred from Outlook's Scheduling Assistant: Organizer,
/// Required and Resource attendees are counted; Optional ones only when nobody else is, otherwise they only break ties;
/// Rooms are not people: a time at which every requested room is busy is Poor; unknown mailboxes are not counted.</item>
/// <item>IsWorkTime: within the working hours of every known person (Organizer, Required, Optional), each in their own zone.</item>
/// <item>ExcludeConflicts on an attendee drops every time at which that attendee is busy (LEARN:excludeconflicts).</item>
/// </list>
/// </summary>
public static class Suggestions
{
    /// <summary>Note: Outlook and OWA suggest times on the half hour; Exchange's granularity is not documented.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMinutes(30);

    private static readonly string[] QualityOrder = [SchemaValues.SuggestionQuality.Poor, SchemaValues.SuggestionQuality.Fair, SchemaValues.SuggestionQuality.Good, SchemaValues.SuggestionQuality.Excellent];

    public static IReadOnlyList<string> Qualities => QualityOrder;

    public static int Rank(string quality) => Math.Max(0, Array.IndexOf(QualityOrder, quality));

    /// <summary>The quality of a time at which <paramref name="free"/> of <paramref name="counted"/> attendees are free.</summary>
    public static string Quality(int free, int counted, int goodThreshold)
    {
        if (counted == 0 || free == counted)
        {
            return SchemaValues.SuggestionQuality.Excellent;
        }

        var percent = 100.0 * free / counted;
        return percent >= goodThreshold + 50 ? SchemaValues.SuggestionQuality.Good : percent >= 50 ? SchemaValues.SuggestionQuality.Fair : SchemaValues.SuggestionQuality.Poor;
    }

    /// <summary>One SuggestionDayResult per local day of the window, in order.</summary>
    public static IReadOnlyList<SuggestionDay> Suggest(IReadOnlyList<AttendeeCalendar> attendees, SuggestionOptions options, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(attendees);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(zone);
        var duration = TimeSpan.FromMinutes(options.MeetingDurationInMinutes);
        var window = options.Window;

        // Items that can conflict with any candidate (a candidate may start before an item and end inside it).
        var reach = new UtcWindow(window.Start - duration, window.End + duration);
        var busy = attendees.Select(a => a.Calendar is null ? null : Availability.Counted(a.Calendar, reach)).ToList();
        var people = attendees.Where(a => a.IsKnown && a.Query.AttendeeType is SchemaValues.MeetingAttendeeType.Organizer or SchemaValues.MeetingAttendeeType.Required or SchemaValues.MeetingAttendeeType.Optional).ToList();
        var minimum = Rank(options.MinimumSuggestionQuality);

        var days = new List<SuggestionDay>();
        if (window.Length <= TimeSpan.Zero)
        {
            return days;
        }

        var firstDay = TimeZoneInfo.ConvertTimeFromUtc(window.Start, zone).Date;
        var lastDay = TimeZoneInfo.ConvertTimeFromUtc(window.End.AddTicks(-1), zone).Date;
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            var dayStart = TimeZones.ToUtc(day, zone);
            var dayEnd = TimeZones.ToUtc(day.AddDays(1), zone);
            var to = dayEnd < window.End ? dayEnd : window.End;
            var candidates = new List<(Suggestion Suggestion, int Free)>();
            for (var start = dayStart; start + duration <= to; start += Step)
            {
                if (start < window.Start)
                {
                    continue;
                }

                if (Evaluate(attendees, busy, people, start, start + duration, options.GoodThreshold) is { } candidate)
                {
                    candidates.Add(candidate);
                }
            }

            days.Add(Day(dayStart, candidates, options, minimum));
        }

        return days;
    }

    private static SuggestionDay Day(DateTime dayStart, List<(Suggestion Suggestion, int Free)> candidates, SuggestionOptions options, int minimum)
    {
        // Best first: quality, then how many attendees (optional ones included) are free, then the earlier time.
        static IEnumerable<(Suggestion Suggestion, int Free)> Ranked(IEnumerable<(Suggestion Suggestion, int Free)> c) =>
            c.OrderByDescending(x => Rank(x.Suggestion.Quality)).ThenByDescending(x => x.Free).ThenBy(x => x.Suggestion.MeetingTime);

        var work = candidates.Where(c => c.Suggestion.IsWorkTime).ToList();
        var offHours = options.MaximumNonWorkHourResultsByDay > 0 ? candidates.Where(c => !c.Suggestion.IsWorkTime).ToList() : [];
        var considered = work.Concat(offHours).ToList();
        var dayQuality = considered.Count == 0 ? SchemaValues.SuggestionQuality.Poor : Qualities[considered.Max(c => Rank(c.Suggestion.Quality))];
        var chosen = Ranked(work.Where(c => Rank(c.Suggestion.Quality) >= minimum)).Take(options.MaximumResultsByDay)
            .Concat(Ranked(offHours.Where(c => Rank(c.Suggestion.Quality) >= minimum)).Take(options.MaximumNonWorkHourResultsByDay))
            .Select(c => c.Suggestion)
            .OrderBy(s => s.MeetingTime)
            .ToList();
        return new SuggestionDay(dayStart, dayQuality, chosen);
    }

    private static (Suggestion, int)? Evaluate(
        IReadOnlyList<AttendeeCalendar> attendees, List<IReadOnlyList<Item>?> busy, List<AttendeeCalendar> people, DateTime start, DateTime end, int goodThreshold)
    {
        var conflicts = new List<AttendeeConflict>(attendees.Count);
        int counted = 0, countedFree = 0, optional = 0, optionalFree = 0, rooms = 0, roomsFree = 0, free = 0;
        for (var i = 0; i < attendees.Count; i++)
        {
            if (busy[i] is not { } items)
            {
                conflicts.Add(new AttendeeConflict(null));
                continue;
            }

            var status = Worst(items, start, end);
            conflicts.Add(new AttendeeConflict(status));
            var isFree = !Availability.IsConflict(status);
            if (!isFree && attendees[i].Query.ExcludeConflicts)
            {
                return null;
            }

            free += isFree ? 1 : 0;
            switch (attendees[i].Query.AttendeeType)
            {
                case SchemaValues.MeetingAttendeeType.Optional:
                    optional++;
                    optionalFree += isFree ? 1 : 0;
                    break;
                case SchemaValues.MeetingAttendeeType.Room:
                    rooms++;
                    roomsFree += isFree ? 1 : 0;
                    break;
                default:
                    counted++;
                    countedFree += isFree ? 1 : 0;
                    break;
            }
        }

        var quality = counted > 0 ? Quality(countedFree, counted, goodThreshold) : Quality(optionalFree, optional, goodThreshold);
        if (rooms > 0 && roomsFree == 0)
        {
            quality = SchemaValues.SuggestionQuality.Poor;
        }

        var isWorkTime = people.Count > 0 && people.All(p => (p.WorkingHours ?? WorkingHours.Default).Contains(start, end));
        return (new Suggestion(start, isWorkTime, quality, conflicts), free);
    }

    /// <summary>The highest classification among the items overlapping [start, end): Free when none.</summary>
    private static string Worst(IReadOnlyList<Item> items, DateTime start, DateTime end)
    {
        var worst = SchemaValues.LegacyFreeBusyType.Free;
        foreach (var item in items)
        {
            if (item.Start < end && item.End > start)
            {
                var status = Availability.BusyType(item);
                if (Availability.Digit(status) > Availability.Digit(worst))
                {
                    worst = status;
                }
            }
        }

        return worst;
    }
}
