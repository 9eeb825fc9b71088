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
public static class RecurrenceExpansion
{
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
        IReadOnlyCollection<DateTime>? deletedOriginalStartsUtc = null) => throw new NotImplementedException();

    /// <summary>The pattern's occurrence number <paramref name="index"/> (1-based), or null when the range has no such occurrence.</summary>
    public static Occurrence? OccurrenceAt(Series series, int index) => throw new NotImplementedException();

    /// <summary>The index of the pattern's occurrence that starts at <paramref name="originalStartUtc"/>, or null when none does.</summary>
    public static int? IndexOf(Series series, DateTime originalStartUtc) => throw new NotImplementedException();

    /// <summary>The first occurrence's start and the last one's end (UTC; null for a series with no end), before exceptions.</summary>
    public static (DateTime FirstStartUtc, DateTime? LastEndUtc) Bounds(Series series) => throw new NotImplementedException();

    /// <summary>What makes the recurrence unsavable, or <see cref="RecurrenceProblem.None"/>.</summary>
    public static RecurrenceProblem Validate(Series series) => throw new NotImplementedException();
}
