using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// One series' pattern as arithmetic. The pattern is a sequence of periods counted from the range's StartDate: a run
/// of Interval days (Daily), the Interval-weeks block of the week that holds StartDate, that week starting on
/// FirstDayOfWeek (Weekly), or the month of StartDate (monthly) or Month of StartDate's year (yearly) and every
/// Interval months or years after. Every period holds the same number of pattern dates (<see cref="perPeriod"/>);
/// those of period 0 that fall before StartDate are skipped (<see cref="skip"/>), so occurrence N is the
/// (N - 1 + skip)th pattern date, and a date's index is its position in the grid: no walk from the start.
/// </summary>
internal sealed class SeriesGrid
{
    /// <summary>Exchange's last date (ExDateTime's maximum): no occurrence after this day.</summary>
    internal static readonly DateOnly LastDate = new(4500, 8, 31);

    // Every day set (7 bits) with every first day: computed once each.
    private static readonly int[]?[] OffsetsCache = new int[]?[128 * 7];

    private readonly Series series;
    private readonly RecurrencePattern pattern;
    private readonly TimeZoneInfo zone;
    private readonly ZoneClock? clock;

    /// <summary>A series of one occurrence, the master itself: regeneration patterns, and recurrences Validate refuses.</summary>
    private readonly bool single;
    private readonly TimeSpan timeOfDay;
    private readonly TimeSpan duration;
    private readonly int allDayDays;
    private readonly DateOnly startDate;

    /// <summary>Period 0's first day number (Daily, Weekly) or month number (year * 12 + month - 1; the others).</summary>
    private readonly long origin;

    /// <summary>A period's length: days (Daily, Weekly) or months.</summary>
    private readonly long step;
    private readonly int perPeriod;
    private readonly int skip;

    /// <summary>Weekly: the pattern's days as offsets from FirstDayOfWeek, ascending.</summary>
    private readonly int[] weekOffsets = [];

    private SeriesGrid(Series series)
    {
        this.series = series;
        pattern = series.Recurrence.Pattern;
        zone = series.StartZone;
        clock = ZoneClock.For(zone);
        var startLocal = ToLocal(series.StartUtc);
        timeOfDay = startLocal.TimeOfDay;
        duration = series.EndUtc - series.StartUtc;
        allDayDays = series.IsAllDay
            ? Math.Max(1, (int)Math.Ceiling((ToLocal(series.EndUtc) - startLocal.Date).TotalDays))
            : 0;
        startDate = series.Recurrence.Range.StartDate;
        single = IsRegeneration(pattern.Kind) || !IsWellFormed(series.Recurrence);
        if (single)
        {
            Count = 1;
            return;
        }

        switch (pattern.Kind)
        {
            case RecurrencePatternKind.Daily:
                origin = startDate.DayNumber;
                step = pattern.Interval;
                perPeriod = 1;
                break;
            case RecurrencePatternKind.Weekly:
                var first = (int)pattern.FirstDayOfWeek;
                var weekStart = startDate.DayNumber - (((int)startDate.DayOfWeek - first + 7) % 7);
                weekOffsets = WeekOffsets(pattern.DaysOfWeek, first);
                origin = weekStart;
                step = 7L * pattern.Interval;
                perPeriod = weekOffsets.Length;
                skip = CountAtOrBelow(weekOffsets, startDate.DayNumber - weekStart - 1);
                break;
            case RecurrencePatternKind.AbsoluteMonthly or RecurrencePatternKind.RelativeMonthly:
                origin = MonthNumber(startDate);
                step = pattern.Interval;
                perPeriod = 1;
                skip = DateInMonth(origin) < startDate ? 1 : 0;
                break;
            default:
                origin = (startDate.Year * 12L) + pattern.Month!.Value - 1;
                step = 12L * pattern.Interval;
                perPeriod = 1;
                skip = DateInMonth(origin) < startDate ? 1 : 0;
                break;
        }

        Count = series.Recurrence.Range.Kind switch
        {
            RecurrenceRangeKind.Numbered => series.Recurrence.Range.NumberOfOccurrences,
            RecurrenceRangeKind.EndDate => (int)Math.Min(int.MaxValue, IndexOnOrBefore(Min(series.Recurrence.Range.EndDate!.Value, LastDate))),
            _ => null,
        };
    }

    /// <summary>How many occurrences the range gives; null when it has no end.</summary>
    public int? Count { get; }

    /// <summary>How many occurrences the last <see cref="Window"/> or <see cref="From"/> computed: what a window costs.</summary>
    public int Steps { get; private set; }

    public static SeriesGrid Of(Series series) => new(series);

    public static bool IsRegeneration(RecurrencePatternKind kind) => kind is RecurrencePatternKind.DailyRegeneration
        or RecurrencePatternKind.WeeklyRegeneration or RecurrencePatternKind.MonthlyRegeneration or RecurrencePatternKind.YearlyRegeneration;

    /// <summary>Every member in the range the schema and Exchange allow (the rest of <see cref="RecurrenceProblem.Invalid"/>).</summary>
    public static bool IsWellFormed(Recurrence recurrence)
    {
        var (pattern, range) = (recurrence.Pattern, recurrence.Range);
        if (pattern.Interval is < 1 or > RecurrenceExpansion.MaxInterval || range.StartDate < RecurrenceExpansion.MinStartDate)
        {
            return false;
        }

        var rangeOk = range.Kind switch
        {
            RecurrenceRangeKind.Numbered => range.NumberOfOccurrences is >= 1 and <= RecurrenceExpansion.MaxNumberOfOccurrences,
            RecurrenceRangeKind.EndDate => range.EndDate is not null,
            _ => true,
        };
        var days = pattern.DaysOfWeek & RecurrenceDays.Day;
        return rangeOk && pattern.Kind switch
        {
            RecurrencePatternKind.Daily => true,
            RecurrencePatternKind.Weekly => days != RecurrenceDays.None,
            RecurrencePatternKind.AbsoluteMonthly => pattern.DayOfMonth is >= 1 and <= 31,
            RecurrencePatternKind.RelativeMonthly => days != RecurrenceDays.None && pattern.Index is >= DayOfWeekIndex.First and <= DayOfWeekIndex.Last,
            RecurrencePatternKind.AbsoluteYearly => pattern.DayOfMonth is >= 1 and <= 31 && pattern.Month is >= 1 and <= 12,
            RecurrencePatternKind.RelativeYearly => days != RecurrenceDays.None && pattern.Index is >= DayOfWeekIndex.First and <= DayOfWeekIndex.Last
                && pattern.Month is >= 1 and <= 12,
            _ => IsRegeneration(pattern.Kind),
        };
    }

    /// <summary>[start, end) overlaps [from, to); an item of no length counts where it starts.</summary>
    public static bool Overlaps(DateTime start, DateTime end, DateTime from, DateTime to) =>
        start < to && (end > from || (end <= start && start >= from));

    /// <summary>Occurrence <paramref name="index"/>, or null when the range (or Exchange's last date) has none.</summary>
    public Occurrence? At(long index)
    {
        if (index < 1 || index > (Count ?? long.MaxValue) || index > int.MaxValue)
        {
            return null;
        }

        if (single)
        {
            return new Occurrence(1, Utc(series.StartUtc), Utc(series.StartUtc), Utc(series.EndUtc));
        }

        var k = index - 1 + skip;
        return DateOf(k / perPeriod, (int)(k % perPeriod)) is { } date ? Make((int)index, date) : null;
    }

    /// <summary>The index of the occurrence the pattern starts at <paramref name="originalStartUtc"/>, or null.</summary>
    public int? IndexOf(DateTime originalStartUtc)
    {
        originalStartUtc = Utc(originalStartUtc);
        if (single)
        {
            return originalStartUtc == Utc(series.StartUtc) ? 1 : null;
        }

        // The local day, or a neighbour when the start was moved across midnight by a gap.
        var local = DateOnly.FromDateTime(ToLocal(originalStartUtc));
        foreach (var date in (ReadOnlySpan<DateOnly>)[local, local.AddDays(-1), local.AddDays(1)])
        {
            if (IndexOfDate(date) is { } index && index <= (Count ?? int.MaxValue) && StartOf(date) == originalStartUtc)
            {
                return (int)index;
            }
        }

        return null;
    }

    /// <summary>The occurrences from <paramref name="index"/> on, in order, to the end of the range.</summary>
    public IEnumerable<Occurrence> From(long index)
    {
        Steps = 0;
        for (var i = index; At(i) is { } occurrence; i++)
        {
            Steps++;
            yield return occurrence;
        }
    }

    /// <summary>The occurrences that overlap [from, to): computed from the window's first day, never from the series' start.</summary>
    public IEnumerable<Occurrence> Window(DateTime fromUtc, DateTime toUtc)
    {
        if (single)
        {
            Steps = 1;
            if (At(1) is { } only && Overlaps(only.StartUtc, only.EndUtc, fromUtc, toUtc))
            {
                yield return only;
            }

            yield break;
        }

        foreach (var occurrence in From(FirstIndexReaching(fromUtc)))
        {
            if (occurrence.StartUtc >= toUtc)
            {
                yield break;
            }

            if (Overlaps(occurrence.StartUtc, occurrence.EndUtc, fromUtc, toUtc))
            {
                yield return occurrence;
            }
        }
    }

    /// <summary>
    /// <see cref="Window"/> appended to <paramref name="into"/>: the same occurrences, with no enumerator (a calendar
    /// view asks each of its thousands of masters for a window that mostly holds none of theirs).
    /// </summary>
    public void WindowInto(DateTime fromUtc, DateTime toUtc, List<Occurrence> into)
    {
        if (single)
        {
            Steps = 1;
            if (At(1) is { } only && Overlaps(only.StartUtc, only.EndUtc, fromUtc, toUtc))
            {
                into.Add(only);
            }

            return;
        }

        var steps = 0;
        for (var i = FirstIndexReaching(fromUtc); At(i) is { } occurrence; i++)
        {
            steps++;
            if (occurrence.StartUtc >= toUtc)
            {
                break;
            }

            if (Overlaps(occurrence.StartUtc, occurrence.EndUtc, fromUtc, toUtc))
            {
                into.Add(occurrence);
            }
        }

        Steps = steps;
    }

    /// <summary>The last occurrence on or before the day before (window start - duration) cannot reach the window: start there.</summary>
    private long FirstIndexReaching(DateTime fromUtc)
    {
        var reach = allDayDays > 0 ? TimeSpan.FromDays(allDayDays + 1) : duration;
        var before = fromUtc.Ticks - reach.Ticks < TimeSpan.TicksPerDay * 2 ? DateTime.MinValue.AddDays(2) : fromUtc - reach;
        var firstDay = DateOnly.FromDateTime(ToLocal(before)).AddDays(-1);
        return Math.Max(1, IndexOnOrBefore(firstDay));
    }

    /// <summary>
    /// For <see cref="SeriesIndex"/>: the pattern's dates as residues, modulo the period, of their day numbers (Daily,
    /// Weekly: <paramref name="byMonth"/> false) or month numbers (the monthly and yearly patterns), read in the start
    /// zone and ignoring the range; false for a series of one occurrence, which has no period.
    /// </summary>
    internal bool TryPeriod(out bool byMonth, out long period, out long[] residues)
    {
        byMonth = pattern.Kind is not (RecurrencePatternKind.Daily or RecurrencePatternKind.Weekly);
        period = step;
        if (single)
        {
            residues = [];
            return false;
        }

        if (weekOffsets.Length == 0)
        {
            residues = [FloorMod(origin, step)];
            return true;
        }

        residues = new long[weekOffsets.Length];
        for (var i = 0; i < weekOffsets.Length; i++)
        {
            residues[i] = FloorMod(origin + weekOffsets[i], step);
        }

        return true;
    }

    /// <summary>For <see cref="SeriesIndex"/>: whole days an occurrence can reach past its start day (at least its length).</summary>
    internal int ReachDays => allDayDays > 0 ? allDayDays + 1 : (int)Math.Clamp(Math.Ceiling(duration.TotalDays), 0, 36_600);

    /// <summary>
    /// Whether one occurrence would run into the next (ErrorOccurrenceTimeSpanTooBig): the duration against the shortest
    /// gap between consecutive pattern days, measured over the first 64 occurrences (every week's gaps, and five years of
    /// months' lengths, February and the 31sts included).
    /// </summary>
    public bool OccurrencesOverlap()
    {
        if (single || Count is < 2)
        {
            return false;
        }

        var shortest = int.MaxValue;
        DateOnly? previous = null;
        for (var i = 1L; i <= Math.Min(Count ?? 64, 64) && At(i) is { } occurrence; i++)
        {
            var day = DateOnly.FromDateTime(ToLocal(occurrence.OriginalStartUtc));
            if (previous is { } p)
            {
                shortest = Math.Min(shortest, day.DayNumber - p.DayNumber);
            }

            previous = day;
        }

        if (shortest == int.MaxValue)
        {
            return false;
        }

        return allDayDays > 0 ? allDayDays > shortest : duration > TimeSpan.FromDays(shortest);
    }

    /// <summary>The index of the last occurrence on or before <paramref name="date"/> (0 when none), ignoring the range's end.</summary>
    private long IndexOnOrBefore(DateOnly date)
    {
        if (date < startDate)
        {
            return 0;
        }

        long period;
        int position;
        if (pattern.Kind is RecurrencePatternKind.Daily or RecurrencePatternKind.Weekly)
        {
            var days = date.DayNumber - origin;
            period = FloorDiv(days, step);
            var within = days - (period * step);
            position = weekOffsets.Length == 0 ? 0 : CountAtOrBelow(weekOffsets, within) - 1;
        }
        else
        {
            period = FloorDiv(MonthNumber(date) - origin, step);
            position = DateInMonth(origin + (period * step)) <= date ? 0 : -1;
        }

        if (position < 0)
        {
            (period, position) = (period - 1, perPeriod - 1);
        }

        return Math.Max(0, (period * perPeriod) + position - skip + 1);
    }

    /// <summary>The index <paramref name="date"/> has in the pattern (ignoring the range's end), or null when it is not a pattern date.</summary>
    private long? IndexOfDate(DateOnly date)
    {
        long period;
        var position = 0;
        if (pattern.Kind is RecurrencePatternKind.Daily or RecurrencePatternKind.Weekly)
        {
            var days = date.DayNumber - origin;
            if (days < 0)
            {
                return null;
            }

            period = days / step;
            position = Array.IndexOf(weekOffsets, (int)(days % step));
            if (pattern.Kind == RecurrencePatternKind.Daily ? days % step != 0 : position < 0)
            {
                return null;
            }

            position = Math.Max(0, position);
        }
        else
        {
            var months = MonthNumber(date) - origin;
            if (months < 0 || months % step != 0 || DateInMonth(MonthNumber(date)) != date)
            {
                return null;
            }

            period = months / step;
        }

        var index = (period * perPeriod) + position - skip + 1;
        return index >= 1 ? index : null;
    }

    /// <summary>The pattern date at <paramref name="position"/> of period <paramref name="period"/>, or null past Exchange's last date.</summary>
    private DateOnly? DateOf(long period, int position)
    {
        if (pattern.Kind is RecurrencePatternKind.Daily or RecurrencePatternKind.Weekly)
        {
            var day = origin + (period * step) + (weekOffsets.Length == 0 ? 0 : weekOffsets[position]);
            return day <= LastDate.DayNumber ? DateOnly.FromDayNumber((int)day) : null;
        }

        var month = origin + (period * step);
        return month <= MonthNumber(LastDate) && DateInMonth(month) is var date && date <= LastDate ? date : null;
    }

    /// <summary>The pattern's day in month number <paramref name="month"/> (monthly and yearly patterns).</summary>
    private DateOnly DateInMonth(long month)
    {
        var (year, number) = ((int)(month / 12), (int)(month % 12) + 1);
        var length = DateTime.DaysInMonth(year, number);
        if (pattern.Kind is RecurrencePatternKind.AbsoluteMonthly or RecurrencePatternKind.AbsoluteYearly)
        {
            // dayofmonth.md: "If for a particular month this value is larger than the number of days in the month, the
            // last day of the month is assumed."
            return new DateOnly(year, number, Math.Min(pattern.DayOfMonth!.Value, length));
        }

        // The Index'th day of the month that is one of DaysOfWeek (the second Weekday, the last WeekendDay).
        if (pattern.Index == DayOfWeekIndex.Last)
        {
            for (var day = length; day > 1; day--)
            {
                if (Has(pattern.DaysOfWeek, new DateOnly(year, number, day).DayOfWeek))
                {
                    return new DateOnly(year, number, day);
                }
            }

            return new DateOnly(year, number, 1);
        }

        var wanted = (int)pattern.Index!.Value;
        var seen = 0;
        for (var day = 1; day <= length; day++)
        {
            if (Has(pattern.DaysOfWeek, new DateOnly(year, number, day).DayOfWeek) && ++seen == wanted)
            {
                return new DateOnly(year, number, day);
            }
        }

        // Never reached: every month has four of each weekday and eight weekend days.
        return new DateOnly(year, number, length);
    }

    private Occurrence Make(int index, DateOnly date)
    {
        var start = StartOf(date);
        var end = allDayDays > 0 ? ToUtc(date.AddDays(allDayDays).ToDateTime(TimeOnly.MinValue)) : start + duration;
        return new Occurrence(index, start, start, end);
    }

    private DateTime StartOf(DateOnly date) =>
        ToUtc(date.ToDateTime(TimeOnly.MinValue) + (allDayDays > 0 ? TimeSpan.Zero : timeOfDay));

    private DateTime ToUtc(DateTime wallClock) => clock?.ToUtc(wallClock) ?? TimeZones.ToUtc(wallClock, zone);

    private DateTime ToLocal(DateTime utc) => clock?.ToLocal(utc) ?? TimeZones.ToLocal(utc, zone);

    /// <summary>The days of <paramref name="days"/> as offsets from <paramref name="first"/>, ascending; one array per set and first day.</summary>
    private static int[] WeekOffsets(RecurrenceDays days, int first)
    {
        var key = (((int)days & (int)RecurrenceDays.Day) * 7) + first;
        if (OffsetsCache[key] is { } cached)
        {
            return cached;
        }

        var offsets = new List<int>(7);
        for (var o = 0; o < 7; o++)
        {
            if (Has(days, (DayOfWeek)((first + o) % 7)))
            {
                offsets.Add(o);
            }
        }

        return OffsetsCache[key] = [.. offsets];
    }

    private static int CountAtOrBelow(int[] sorted, long value)
    {
        var count = 0;
        while (count < sorted.Length && sorted[count] <= value)
        {
            count++;
        }

        return count;
    }

    private static bool Has(RecurrenceDays days, DayOfWeek day) => (days & (RecurrenceDays)(1 << (int)day)) != 0;

    private static long MonthNumber(DateOnly date) => (date.Year * 12L) + date.Month - 1;

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static long FloorMod(long a, long b) => a - (FloorDiv(a, b) * b);

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
