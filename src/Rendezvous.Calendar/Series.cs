using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// A recurring series as expansion needs it: the pattern and range, the master's first start and end (UTC) and the
/// zones they are in. Expansion walks wall-clock time in <see cref="StartZone"/>, so occurrences keep their local time
/// across that zone's DST changes.
/// </summary>
/// <param name="Recurrence">The pattern and range.</param>
/// <param name="StartUtc">The master's Start (UTC): its local time of day is every occurrence's.</param>
/// <param name="EndUtc">The master's End (UTC): with <see cref="StartUtc"/>, every occurrence's duration.</param>
/// <param name="StartZone">The series' start zone (StartTimeZone).</param>
/// <param name="EndZone">The series' end zone (EndTimeZone; the start zone when the item has none of its own).</param>
/// <param name="IsAllDay">An all-day series: occurrences are whole days in the start zone.</param>
public sealed record Series(
    Recurrence Recurrence,
    DateTime StartUtc,
    DateTime EndUtc,
    TimeZoneInfo StartZone,
    TimeZoneInfo EndZone,
    bool IsAllDay = false);

/// <summary>One occurrence of a series' pattern.</summary>
/// <param name="Index">1-based InstanceIndex, counted in the original pattern from the first occurrence (deleted ones keep theirs).</param>
/// <param name="OriginalStartUtc">Where the pattern puts it (UTC): its RecurrenceId.</param>
/// <param name="StartUtc">Its start (UTC): the original start, or an exception's own.</param>
/// <param name="EndUtc">Its end (UTC).</param>
/// <param name="IsException">A modified occurrence (stored against the master).</param>
public readonly record struct Occurrence(int Index, DateTime OriginalStartUtc, DateTime StartUtc, DateTime EndUtc, bool IsException = false);

/// <summary>A modified occurrence as the master records it (ModifiedOccurrences: OriginalStart, Start, End).</summary>
/// <param name="OriginalStartUtc">The occurrence's original start (UTC).</param>
/// <param name="StartUtc">Its start now (UTC).</param>
/// <param name="EndUtc">Its end now (UTC).</param>
public readonly record struct ModifiedOccurrence(DateTime OriginalStartUtc, DateTime StartUtc, DateTime EndUtc);

/// <summary>Why a recurrence cannot be saved, as Exchange refuses it.</summary>
public enum RecurrenceProblem
{
    None,

    /// <summary>ErrorRecurrenceHasNoOccurrence: the pattern and range give no occurrence at all.</summary>
    HasNoOccurrence,

    /// <summary>ErrorRecurrenceEndDateTooBig: the range ends after 4500-09-01.</summary>
    EndDateTooBig,

    /// <summary>ErrorOccurrenceTimeSpanTooBig: an occurrence lasts longer than the pattern's shortest gap between occurrences.</summary>
    OccurrenceTimeSpanTooBig,

    /// <summary>ErrorCalendarDurationIsTooLong: an occurrence lasts longer than five years.</summary>
    DurationIsTooLong,

    /// <summary>ErrorInvalidRecurrence (a pattern member out of its range: Interval below 1, DayOfMonth 0, no DaysOfWeek, ...).</summary>
    Invalid,
}


/// <summary>
/// Recurrence expansion as pure functions: which occurrences a series has in a window, where occurrence N is, which
/// occurrence starts at a given time, the series' bounds, and what makes a recurrence unsavable. No store, no XML.
/// An open-ended series is never walked beyond the window asked for.
/// </summary>
/// <remarks>
/// <para>The pattern is a grid of periods (a day, a week, a month or a year, times Interval) counted from the range's
/// StartDate; each period has the same number of pattern dates (the weekly DaysOfWeek, one for the others), so
/// occurrence N and the occurrence of a date are arithmetic (<see cref="SeriesGrid"/>): O(1) for every pattern, a scan
/// of at most one month's days for the relative ones. The first occurrence is the first pattern date on or after
/// StartDate, whatever the master's own Start date is; the master's Start gives the local time of day and its End the
/// duration (recurrence-patterns-and-ews.md: the master "describes a set of criteria for calculating occurrences based
/// on the date and time of the recurring master").</para>
/// <para>Regeneration patterns (tasks) are not a calendar: the next task is made when one is completed, so such a
/// series has one occurrence, the master itself (index 1, its own Start and End), and <see cref="Count"/> is 1.</para>
/// <para>Local times that do not exist (the spring-forward gap) move forward by the gap; ambiguous ones (fall back) are
/// their first occurrence (<see cref="TimeZones.ToUtc(DateTime, TimeZoneInfo)"/>, as RFC 5545 §3.3.5 says; what Exchange
/// does there is not documented in the pages we have). Conversions go through <see cref="ZoneClock"/>'s tables.</para>
/// <para>An all-day series' occurrences are whole local days (as many as the master spans); any other lasts the master's
/// End - Start, so an occurrence across a DST change keeps its length, not its local end time.</para>
/// </remarks>
public static class RecurrenceExpansion
{
    /// <summary>The greatest Interval taken, for every pattern (Exchange's own limit per pattern is not in the pages we have).</summary>
    public const int MaxInterval = 999;

    /// <summary>The most occurrences of a NumberedRecurrence (numberofoccurrences.md: "an integer in the range of 1 to 999").</summary>
    public const int MaxNumberOfOccurrences = 999;

    /// <summary>The latest EndDate (enddate-recurrence.md: "cannot be larger than September 1, 4500").</summary>
    public static readonly DateOnly MaxEndDate = new(4500, 9, 1);

    /// <summary>The earliest StartDate (startdate-recurrence.md: "cannot be less than Apr, 1, 1601").</summary>
    public static readonly DateOnly MinStartDate = new(1601, 4, 1);

    /// <summary>
    /// The pattern's occurrences that overlap [<paramref name="fromUtc"/>, <paramref name="toUtc"/>), in start order, with
    /// exceptions applied (an exception is where it is now, even when its original slot is outside the window) and
    /// deleted occurrences left out.
    /// </summary>
    public static IEnumerable<Occurrence> Occurrences(
        Series series,
        DateTime fromUtc,
        DateTime toUtc,
        IReadOnlyCollection<ModifiedOccurrence>? modified = null,
        IReadOnlyCollection<DateTime>? deletedOriginalStartsUtc = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var grid = SeriesGrid.Of(series);
        if (modified is not { Count: > 0 } && deletedOriginalStartsUtc is not { Count: > 0 })
        {
            // Most series of a calendar view have neither: no sets to build.
            return grid.Window(fromUtc, toUtc);
        }

        HashSet<long> deleted = deletedOriginalStartsUtc is { Count: > 0 } ? [.. deletedOriginalStartsUtc.Select(d => d.Ticks)] : [];
        HashSet<long> moved = [];
        List<Occurrence> movedHere = [];
        foreach (var change in modified ?? [])
        {
            if (deleted.Contains(change.OriginalStartUtc.Ticks) || grid.IndexOf(change.OriginalStartUtc) is not { } index)
            {
                // An exception whose original slot is no longer the pattern's (or was deleted after) is nothing to show.
                continue;
            }

            moved.Add(change.OriginalStartUtc.Ticks);
            if (SeriesGrid.Overlaps(change.StartUtc, change.EndUtc, fromUtc, toUtc))
            {
                movedHere.Add(new Occurrence(index, Utc(change.OriginalStartUtc), Utc(change.StartUtc), Utc(change.EndUtc), IsException: true));
            }
        }

        movedHere.Sort(static (a, b) => a.StartUtc != b.StartUtc ? a.StartUtc.CompareTo(b.StartUtc) : a.Index.CompareTo(b.Index));
        return Merge(grid.Window(fromUtc, toUtc), movedHere, moved, deleted);
    }

    private static IEnumerable<Occurrence> Merge(IEnumerable<Occurrence> pattern, List<Occurrence> exceptions, HashSet<long> moved, HashSet<long> deleted)
    {
        var next = 0;
        foreach (var occurrence in pattern)
        {
            if (moved.Contains(occurrence.OriginalStartUtc.Ticks) || deleted.Contains(occurrence.OriginalStartUtc.Ticks))
            {
                continue;
            }

            while (next < exceptions.Count && exceptions[next].StartUtc < occurrence.StartUtc)
            {
                yield return exceptions[next++];
            }

            yield return occurrence;
        }

        while (next < exceptions.Count)
        {
            yield return exceptions[next++];
        }
    }

    /// <summary>The pattern's occurrence number <paramref name="index"/> (1-based), or null when the range has no such occurrence.</summary>
    public static Occurrence? OccurrenceAt(Series series, int index)
    {
        ArgumentNullException.ThrowIfNull(series);
        return SeriesGrid.Of(series).At(index);
    }

    /// <summary>The index of the pattern's occurrence that starts at <paramref name="originalStartUtc"/>, or null when none does.</summary>
    public static int? IndexOf(Series series, DateTime originalStartUtc)
    {
        ArgumentNullException.ThrowIfNull(series);
        return SeriesGrid.Of(series).IndexOf(originalStartUtc);
    }

    /// <summary>
    /// The pattern's occurrences from number <paramref name="fromIndex"/> on, in order, before exceptions and deletions;
    /// endless for a series with no end, so take what you need.
    /// </summary>
    public static IEnumerable<Occurrence> OccurrencesFrom(Series series, int fromIndex = 1)
    {
        ArgumentNullException.ThrowIfNull(series);
        return SeriesGrid.Of(series).From(Math.Max(1, fromIndex));
    }

    /// <summary>
    /// The occurrences either side of occurrence <paramref name="index"/> in the series' order, as they are now: the
    /// nearest lower and higher indexes that are not deleted, each where its exception put it. What an edit of one
    /// occurrence is checked against (ErrorOccurrenceCrossingBoundary: "scheduled to happen earlier or later than the
    /// corresponding previous or next occurrence", responsecode.md). Null at the series' ends (and past them: ask for an
    /// index the range has).
    /// </summary>
    public static (Occurrence? Previous, Occurrence? Next) Neighbours(
        Series series,
        int index,
        IReadOnlyCollection<ModifiedOccurrence>? modified = null,
        IReadOnlyCollection<DateTime>? deletedOriginalStartsUtc = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var grid = SeriesGrid.Of(series);
        HashSet<long> deleted = deletedOriginalStartsUtc is { Count: > 0 } ? [.. deletedOriginalStartsUtc.Select(d => d.Ticks)] : [];
        var moved = new Dictionary<long, ModifiedOccurrence>();
        foreach (var change in modified ?? [])
        {
            moved.TryAdd(change.OriginalStartUtc.Ticks, change);
        }

        Occurrence? Nearest(int step)
        {
            // Each step past a deleted occurrence is one of the master's deletions: bounded by their number.
            for (var i = (long)index + step; grid.At(i) is { } occurrence; i += step)
            {
                if (deleted.Contains(occurrence.OriginalStartUtc.Ticks))
                {
                    continue;
                }

                return moved.TryGetValue(occurrence.OriginalStartUtc.Ticks, out var change)
                    ? occurrence with { StartUtc = Utc(change.StartUtc), EndUtc = Utc(change.EndUtc), IsException = true }
                    : occurrence;
            }

            return null;
        }

        return (Nearest(-1), Nearest(+1));
    }

    /// <summary>How many occurrences the range gives (deleted ones included), or null for a series with no end.</summary>
    public static int? Count(Series series)
    {
        ArgumentNullException.ThrowIfNull(series);
        return SeriesGrid.Of(series).Count;
    }

    /// <summary>The range's last occurrence (LastOccurrence), or null for a series with no end or no occurrence.</summary>
    public static Occurrence? LastOccurrence(Series series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var grid = SeriesGrid.Of(series);
        return grid.Count is { } count ? grid.At(count) : null;
    }

    /// <summary>
    /// The first occurrence's start and the last one's end (UTC; null for a series with no end), before exceptions.
    /// A recurrence with no occurrence at all (<see cref="RecurrenceProblem.HasNoOccurrence"/>) gives the master's own
    /// start and end.
    /// </summary>
    public static (DateTime FirstStartUtc, DateTime? LastEndUtc) Bounds(Series series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var grid = SeriesGrid.Of(series);
        if (grid.At(1) is not { } first)
        {
            return (Utc(series.StartUtc), Utc(series.EndUtc));
        }

        return grid.Count is { } count ? (first.StartUtc, grid.At(count)?.EndUtc ?? first.EndUtc) : (first.StartUtc, null);
    }

    /// <summary>What makes the recurrence unsavable, or <see cref="RecurrenceProblem.None"/>.</summary>
    public static RecurrenceProblem Validate(Series series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!SeriesGrid.IsWellFormed(series.Recurrence))
        {
            return RecurrenceProblem.Invalid;
        }

        // MS-OXWSMTGS R1203: "the item duration of a calendar item exceeds five years".
        if (series.EndUtc > series.StartUtc.AddYears(5))
        {
            return RecurrenceProblem.DurationIsTooLong;
        }

        var range = series.Recurrence.Range;
        if (range.Kind == RecurrenceRangeKind.EndDate && range.EndDate > MaxEndDate)
        {
            return RecurrenceProblem.EndDateTooBig;
        }

        var grid = SeriesGrid.Of(series);
        if (grid.Count == 0)
        {
            return RecurrenceProblem.HasNoOccurrence;
        }

        // A numbered range that runs past Exchange's last date ends too late as surely as an EndDate would.
        if (grid.Count is { } count && grid.At(count) is null)
        {
            return RecurrenceProblem.EndDateTooBig;
        }

        return grid.OccurrencesOverlap() ? RecurrenceProblem.OccurrenceTimeSpanTooBig : RecurrenceProblem.None;
    }

    internal static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
