using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// A recurring master as items hold it: its <see cref="Series"/>, the rules a master follows when created or changed,
/// and what its master fields (FirstOccurrence, LastOccurrence, ModifiedOccurrences, DeletedOccurrences) say. Pure
/// functions over <see cref="RecurrenceExpansion"/>.
/// </summary>
public static class RecurringMaster
{
    /// <summary>The series of a calendar item with a recurrence (null for a single item, or one without times).</summary>
    public static Series? SeriesOf(Item item)
    {
        if (item.Recurrence is not { } recurrence || item.Start is not { } start || item.End is not { } end)
        {
            return null;
        }

        var startZone = TimeZones.Find(item.StartTimeZone?.Id) ?? TimeZoneInfo.Utc;
        return new Series(recurrence, start, end, startZone, TimeZones.Find(item.EndTimeZone?.Id) ?? startZone, item.IsAllDayEvent);
    }

    /// <summary>The modified occurrences as expansion takes them (original start, start, end).</summary>
    public static IReadOnlyCollection<ModifiedOccurrence> Modified(Item master) =>
        master.Exceptions is { } exceptions
            ? [.. exceptions.Select(e => new ModifiedOccurrence(e.OriginalStartUtc, e.Changes.Start ?? e.OriginalStartUtc, e.Changes.End ?? e.Changes.Start ?? e.OriginalStartUtc))]
            : [];

    /// <summary>
    /// A new or changed master as Exchange saves it: the recurrence checked, and the master's Start and End moved to the
    /// first occurrence when the pattern does not put one at the given start (a weekly Monday series given a Sunday start
    /// begins on the Monday: the master is the first occurrence, "Recurrence patterns and EWS").
    /// </summary>
    public static void Settle(Item item)
    {
        if (SeriesOf(item) is not { } series)
        {
            return;
        }

        Validate(series);
        var first = RecurrenceExpansion.Bounds(series).FirstStartUtc;
        if (first != item.Start)
        {
            var duration = item.End!.Value - item.Start!.Value;
            item.Start = first;
            item.End = first + duration;
        }
    }

    /// <summary>The recurrence refused as Exchange refuses it, or nothing.</summary>
    public static void Validate(Series series)
    {
        var (code, message) = RecurrenceExpansion.Validate(series) switch
        {
            RecurrenceProblem.None => (ErrorCode.Internal, null),
            RecurrenceProblem.HasNoOccurrence => (ErrorCode.RecurrenceHasNoOccurrence, "The recurrence pattern has no occurrence in its range."),
            RecurrenceProblem.EndDateTooBig => (ErrorCode.RecurrenceEndDateTooBig, "The recurrence ends after 4500-09-01."),
            RecurrenceProblem.OccurrenceTimeSpanTooBig => (ErrorCode.OccurrenceTimeSpanTooBig, "An occurrence lasts longer than the time between two occurrences of the pattern."),
            RecurrenceProblem.DurationIsTooLong => (ErrorCode.DurationTooLong, "The duration of the calendar item is too long (more than five years)."),
            _ => (ErrorCode.InvalidRecurrence, "The recurrence is not valid."),
        };
        if (message is not null)
        {
            throw new DomainException(code, message);
        }
    }

    /// <summary>
    /// A master after an update of the whole series (<paramref name="before"/> as stored). A new pattern, or a recurrence
    /// removed, drops every exception and deleted occurrence, as Exchange does when the pattern changes (Outlook warns
    /// "any exceptions associated with this recurring appointment will be lost"; [MS-OXOCAL] §3.1.4.7.3.5 removes every
    /// exception). A new time of day, duration, zone or all-day flag drops every exception too (each was an edit of an
    /// occurrence at the old time), while a deleted occurrence stays deleted on its day, as MAPI keeps deletions by date
    /// (DeletedInstanceDates, [MS-OXOCAL] §2.2.1.44.1). A change of range alone keeps those whose original start is
    /// still an occurrence of the series, and drops the rest, which no longer exist.
    /// </summary>
    public static void AfterUpdate(Item before, Item after)
    {
        if (after.Recurrence is null || before.Recurrence is null || before.Recurrence.Pattern != after.Recurrence.Pattern)
        {
            if (before.Recurrence != after.Recurrence)
            {
                after.Exceptions = null;
                after.DeletedOccurrences = null;
            }

            Settle(after);
            return;
        }

        Settle(after);
        if (before.Recurrence == after.Recurrence && before.Start == after.Start && before.End == after.End
            && before.StartTimeZone?.Id == after.StartTimeZone?.Id && before.IsAllDayEvent == after.IsAllDayEvent)
        {
            return;
        }

        var series = SeriesOf(after)!;
        if (SeriesOf(before) is { } old && TimeChanged(old, series))
        {
            after.Exceptions = null;
            after.DeletedOccurrences = after.DeletedOccurrences is { } deleted ? OnTheirDays(old, series, deleted) : null;
            return;
        }

        after.Exceptions = after.Exceptions?.Where(e => RecurrenceExpansion.IndexOf(series, e.OriginalStartUtc) is not null).ToList();
        after.DeletedOccurrences = after.DeletedOccurrences?.Where(d => RecurrenceExpansion.IndexOf(series, d) is not null).ToList();
    }

    /// <summary>Whether the occurrences' wall-clock time changed: the start's time of day in the zone, the duration, the zone or all-day.</summary>
    private static bool TimeChanged(Series before, Series after) =>
        before.StartZone.Id != after.StartZone.Id || before.IsAllDay != after.IsAllDay || before.EndUtc - before.StartUtc != after.EndUtc - after.StartUtc
        || TimeZones.ToLocal(before.StartUtc, before.StartZone).TimeOfDay != TimeZones.ToLocal(after.StartUtc, after.StartZone).TimeOfDay;

    /// <summary>The deleted occurrences of <paramref name="before"/> as occurrences of <paramref name="after"/> on the same days (their zone's dates); days without one are dropped.</summary>
    private static List<DateTime>? OnTheirDays(Series before, Series after, List<DateTime> deleted)
    {
        var kept = new List<DateTime>();
        foreach (var original in deleted)
        {
            var day = DateOnly.FromDateTime(TimeZones.ToLocal(original, before.StartZone));
            var from = TimeZones.ToUtc(day.ToDateTime(TimeOnly.MinValue), after.StartZone);
            var to = TimeZones.ToUtc(day.AddDays(1).ToDateTime(TimeOnly.MinValue), after.StartZone);
            kept.AddRange(RecurrenceExpansion.Occurrences(after, from, to)
                .Where(o => DateOnly.FromDateTime(TimeZones.ToLocal(o.OriginalStartUtc, after.StartZone)) == day)
                .Select(static o => o.OriginalStartUtc));
        }

        return kept.Count > 0 ? [.. kept.Distinct().Order()] : null;
    }

    /// <summary>
    /// A master whose MimeContent was set: the series, its deleted occurrences and its exceptions are the content's,
    /// whatever the master had (DavMail and CalDAV clients edit a series by PUTting the whole VCALENDAR), kept where
    /// they fall on the new pattern. Unlike <see cref="AfterUpdate"/>, a change of pattern does not drop them.
    /// </summary>
    public static void AfterContentReplaced(Item item)
    {
        Settle(item);
        if (SeriesOf(item) is not { } series)
        {
            return;
        }

        item.Exceptions = item.Exceptions?.Where(e => RecurrenceExpansion.IndexOf(series, e.OriginalStartUtc) is not null).ToList();
        item.DeletedOccurrences = item.DeletedOccurrences?.Where(d => RecurrenceExpansion.IndexOf(series, d) is not null).ToList();
    }

    /// <summary>
    /// The master's first occurrence as FirstOccurrence gives it: the first one the pattern has that is not deleted, at
    /// its exception's times when it is modified.
    /// </summary>
    public static Occurrence? First(Item master)
    {
        if (SeriesOf(master) is not { } series)
        {
            return null;
        }

        var deleted = master.DeletedOccurrences is { } d ? new HashSet<DateTime>(d) : [];
        for (var index = 1; index < 1 + MaxScan && RecurrenceExpansion.OccurrenceAt(series, index) is { } occurrence; index++)
        {
            if (!deleted.Contains(occurrence.OriginalStartUtc))
            {
                return Applied(master, occurrence);
            }
        }

        return null;
    }

    /// <summary>The master's last occurrence (LastOccurrence); null for a series without end.</summary>
    public static Occurrence? Last(Item master)
    {
        if (SeriesOf(master) is not { } series || RecurrenceExpansion.Bounds(series).LastEndUtc is not { } lastEnd)
        {
            return null;
        }

        var deleted = master.DeletedOccurrences is { } d ? new HashSet<DateTime>(d) : [];
        // The pattern's last occurrence ends at the range's last end; its UTC length may differ from the first one's by
        // a DST change (an all-day occurrence on the day of a change), so it is looked for within a day of that.
        var duration = series.EndUtc - series.StartUtc;
        var near = RecurrenceExpansion.Occurrences(series, lastEnd - duration - TimeSpan.FromDays(1), lastEnd).ToList();
        if (near.Count == 0)
        {
            return null;
        }

        var lastIndex = near.Max(o => o.Index);
        for (var index = lastIndex; index >= 1 && index > lastIndex - MaxScan && RecurrenceExpansion.OccurrenceAt(series, index) is { } occurrence; index--)
        {
            if (!deleted.Contains(occurrence.OriginalStartUtc))
            {
                return Applied(master, occurrence);
            }
        }

        return null;
    }

    /// <summary>The occurrence with its exception's times when it has one.</summary>
    private static Occurrence Applied(Item master, Occurrence occurrence) =>
        master.Exceptions?.Find(e => e.OriginalStartUtc == occurrence.OriginalStartUtc) is { } exception
            ? occurrence with { StartUtc = exception.Changes.Start ?? occurrence.StartUtc, EndUtc = exception.Changes.End ?? occurrence.EndUtc, IsException = true }
            : occurrence;

    /// <summary>How many deleted occurrences in a row are looked past (a series deleted this far is all but empty).</summary>
    private const int MaxScan = 1000;

    /// <summary>The modified occurrences (ModifiedOccurrences), in original start order, each with its index.</summary>
    public static IReadOnlyList<Occurrence> ModifiedOccurrences(Item master)
    {
        if (master.Exceptions is not { Count: > 0 } exceptions || SeriesOf(master) is not { } series)
        {
            return [];
        }

        return [.. exceptions.OrderBy(e => e.OriginalStartUtc).Select(e => new Occurrence(
            RecurrenceExpansion.IndexOf(series, e.OriginalStartUtc) ?? 0,
            e.OriginalStartUtc,
            e.Changes.Start ?? e.OriginalStartUtc,
            e.Changes.End ?? e.Changes.Start ?? e.OriginalStartUtc,
            IsException: true))];
    }
}
