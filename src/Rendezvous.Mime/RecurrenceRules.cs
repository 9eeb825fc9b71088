using System.Globalization;
using System.Text;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime;

/// <summary>
/// An EWS recurrence as an iCalendar RRULE value (RFC 5545 §3.3.10) and back: pure text mapping, no library. The series'
/// first start (wall clock in its start zone) gives what the RRULE leaves to DTSTART: the range's StartDate, the day a
/// bare weekly or monthly rule repeats on, and the time of day UNTIL is compared with.
/// </summary>
/// <remarks>
/// Choices where EWS and RFC 5545 differ:
/// <list type="bullet">
/// <item>An EWS DayOfMonth past a month's end is that month's last day; RFC 5545 skips such months. 31 (29 for a yearly
/// February, 30 for a yearly 30-day month) is written <c>BYMONTHDAY=-1</c>, which is exact, and read back as that day
/// ([MS-OXCICAL] 2.1.3.2.2.3: -1 imports as 0x1F). 29 and 30 in a monthly pattern are written as Exchange writes them,
/// <c>BYMONTHDAY=30</c>: an RFC 5545 client skips February where Exchange puts its last day. The form
/// <c>BYMONTHDAY=28,29,30;BYSETPOS=-1</c> ("the 30th or the month's last") is read as DayOfMonth 30.</item>
/// <item>A yearly rule with an INTERVAL (no EWS yearly pattern has one) is the monthly pattern every 12×INTERVAL months
/// when DTSTART is in the rule's month, as Exchange imports it ([MS-OXCICAL] 2.1.3.2.2.5-6: Period 12 * INTERVAL, a
/// monthly RecurFrequency when INTERVAL is not 1).</item>
/// <item><c>FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR</c> (Google's and Apple's "every weekday") and <c>FREQ=MONTHLY;BYDAY=MO</c>
/// ("every Monday") are the weekly pattern with those days, as Exchange saves Outlook's "every weekday".</item>
/// <item>A rule EWS cannot express (HOURLY and finer, BYWEEKNO, BYYEARDAY, several BYMONTH or BYMONTHDAY, the fifth or
/// second-to-last weekday, RDATE) is refused with ErrorMimeContentConversionFailed. [MS-OXCICAL] 2.1.3.2.2 maps only
/// the rules that fit its templates ("Implementations SHOULD gracefully fail to map any recurrences that do not fit");
/// Outlook's import skips such an event
/// ("contains a recurrence pattern that Outlook does not support. The appointment has been skipped",
/// https://github.com/w3c/calendar/issues/25) and gromox's MAPI conversion fails it (oxcical_parse_rrule); keeping the
/// first occurrence as a single would lose the series without a word.</item>
/// </list>
/// </remarks>
internal static class RecurrenceRules
{
    private static readonly string[] DayCodes = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

    /// <summary>
    /// The RRULE value (without "RRULE:") of <paramref name="recurrence"/> for a series whose first start is
    /// <paramref name="localStart"/> in <paramref name="zone"/> (null: the series is written in UTC); null for the tasks'
    /// regeneration patterns, which iCalendar has no rule for. UNTIL is the EndDate at the series' time of day: a DATE
    /// for an all-day series, else UTC (RFC 5545 §3.3.10: UTC when DTSTART has a TZID or is UTC).
    /// </summary>
    public static string? ToRule(Recurrence recurrence, DateTime localStart, TimeZoneInfo? zone, bool allDay)
    {
        var p = recurrence.Pattern;
        var rule = new StringBuilder();
        switch (p.Kind)
        {
            case RecurrencePatternKind.Daily:
                rule.Append("FREQ=DAILY");
                break;
            case RecurrencePatternKind.Weekly:
                rule.Append("FREQ=WEEKLY");
                break;
            case RecurrencePatternKind.AbsoluteMonthly or RecurrencePatternKind.RelativeMonthly:
                rule.Append("FREQ=MONTHLY");
                break;
            case RecurrencePatternKind.AbsoluteYearly or RecurrencePatternKind.RelativeYearly:
                rule.Append("FREQ=YEARLY");
                break;
            default:
                return null;
        }

        switch (recurrence.Range)
        {
            case { Kind: RecurrenceRangeKind.Numbered, NumberOfOccurrences: { } count }:
                rule.Append(CultureInfo.InvariantCulture, $";COUNT={count}");
                break;
            case { Kind: RecurrenceRangeKind.EndDate, EndDate: { } endDate }:
                rule.Append(";UNTIL=").Append(Until(endDate, localStart, zone, allDay));
                break;
        }

        rule.Append(CultureInfo.InvariantCulture, $";INTERVAL={Math.Max(1, p.Interval)}");
        switch (p.Kind)
        {
            case RecurrencePatternKind.Weekly:
                rule.Append(";BYDAY=").Append(Days(p.DaysOfWeek == RecurrenceDays.None ? DayOf(localStart.DayOfWeek) : p.DaysOfWeek));
                rule.Append(";WKST=").Append(DayCodes[(int)p.FirstDayOfWeek]);
                break;
            case RecurrencePatternKind.AbsoluteMonthly:
                rule.Append(MonthDay(p.DayOfMonth ?? localStart.Day, 31));
                break;
            case RecurrencePatternKind.AbsoluteYearly:
                var month = p.Month ?? localStart.Month;
                rule.Append(MonthDay(p.DayOfMonth ?? localStart.Day, month == 2 ? 29 : DateTime.DaysInMonth(2001, month)));
                rule.Append(CultureInfo.InvariantCulture, $";BYMONTH={month}");
                break;
            case RecurrencePatternKind.RelativeMonthly or RecurrencePatternKind.RelativeYearly:
                var index = p.Index is DayOfWeekIndex.Last ? -1 : (int)(p.Index ?? DayOfWeekIndex.First);
                var days = p.DaysOfWeek == RecurrenceDays.None ? DayOf(localStart.DayOfWeek) : p.DaysOfWeek;
                // Exchange's form for one day and for a set alike ([MS-OXCICAL] 2.1.3.2.2.4: FREQ=MONTHLY;BYDAY=SU;BYSETPOS=3);
                // a set (Weekday, WeekendDay, Day) counts its days together: the second weekday of the month.
                rule.Append(";BYDAY=").Append(Days(days)).Append(CultureInfo.InvariantCulture, $";BYSETPOS={index}");
                if (p.Kind == RecurrencePatternKind.RelativeYearly)
                {
                    rule.Append(CultureInfo.InvariantCulture, $";BYMONTH={p.Month ?? localStart.Month}");
                }

                break;
        }

        return rule.ToString();
    }

    /// <summary>
    /// The EWS recurrence of an RRULE value for a series whose first start is <paramref name="localStart"/> (wall clock
    /// in <paramref name="zone"/>; null: UTC). The range starts on DTSTART's day.
    /// </summary>
    /// <exception cref="DomainException">MimeContentConversionFailed: a rule EWS cannot express, or not a rule.</exception>
    public static Recurrence FromRule(string rule, DateTime localStart, TimeZoneInfo? zone)
    {
        var parts = Parse(rule);
        var freq = Take(parts, "FREQ") ?? throw Unsupported(rule, "it has no FREQ");
        var interval = Take(parts, "INTERVAL") is { } i ? Number(i, rule, 1, 999) : 1;
        var byDay = Take(parts, "BYDAY") is { } d ? WeekDays(d, rule) : null;
        var byMonthDay = Take(parts, "BYMONTHDAY") is { } md ? Numbers(md, rule, -31, 31) : null;
        var byMonth = Take(parts, "BYMONTH") is { } m ? Numbers(m, rule, 1, 12) : null;
        var bySetPos = Take(parts, "BYSETPOS") is { } sp ? Numbers(sp, rule, -366, 366) : null;
        var weekStart = Take(parts, "WKST") is { } ws ? Day(ws, rule) : DayOfWeek.Monday; // RFC 5545: MO when absent.
        var count = Take(parts, "COUNT") is { } c ? Number(c, rule, 1, 999_999) : (int?)null;
        var until = Take(parts, "UNTIL");
        // BYHOUR/BYMINUTE/BYSECOND that only repeat DTSTART's own time (some writers add them) change nothing.
        foreach (var (name, value) in new[] { ("BYHOUR", localStart.Hour), ("BYMINUTE", localStart.Minute), ("BYSECOND", localStart.Second) })
        {
            if (Take(parts, name) is { } given && (!int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n != value))
            {
                throw Unsupported(rule, $"{name}={given} repeats within a day");
            }
        }

        if (parts.Count > 0)
        {
            throw Unsupported(rule, $"EWS has no pattern for {string.Join(", ", parts.Keys)}");
        }

        if (count is not null && until is not null)
        {
            throw Unsupported(rule, "it has both COUNT and UNTIL (RFC 5545 §3.3.10 allows one)");
        }

        var pattern = freq switch
        {
            "DAILY" => Daily(interval, byDay, byMonthDay, byMonth, bySetPos, weekStart, rule),
            "WEEKLY" => Weekly(interval, byDay, byMonthDay, byMonth, bySetPos, weekStart, localStart, rule),
            "MONTHLY" => Monthly(interval, byDay, byMonthDay, byMonth, bySetPos, weekStart, localStart, rule),
            "YEARLY" => Yearly(interval, byDay, byMonthDay, byMonth, bySetPos, localStart, rule),
            _ => throw Unsupported(rule, $"FREQ={freq} repeats more often than daily"),
        };
        var startDate = DateOnly.FromDateTime(localStart);
        var range = count is { } n2 ? new RecurrenceRange(RecurrenceRangeKind.Numbered, startDate, NumberOfOccurrences: n2)
            : until is { } u ? new RecurrenceRange(RecurrenceRangeKind.EndDate, startDate, EndDate: EndDate(u, localStart, zone, rule))
            : new RecurrenceRange(RecurrenceRangeKind.NoEnd, startDate);
        return new Recurrence(pattern, range);
    }

    private static RecurrencePattern Daily(int interval, List<(int Ordinal, DayOfWeek Day)>? byDay, List<int>? byMonthDay, List<int>? byMonth, List<int>? bySetPos, DayOfWeek weekStart, string rule)
    {
        if (byMonthDay is not null || byMonth is not null || bySetPos is not null)
        {
            throw Unsupported(rule, "a daily rule limited to some days of the month or months");
        }

        if (byDay is null)
        {
            return new RecurrencePattern(RecurrencePatternKind.Daily, interval);
        }

        // Every weekday (Google, Apple): Exchange's weekly pattern with those days.
        if (interval != 1 || byDay.Any(d => d.Ordinal != 0))
        {
            throw Unsupported(rule, "a daily rule on some weekdays every few days");
        }

        return new RecurrencePattern(RecurrencePatternKind.Weekly, 1, Set(byDay), FirstDayOfWeek: weekStart);
    }

    private static RecurrencePattern Weekly(int interval, List<(int Ordinal, DayOfWeek Day)>? byDay, List<int>? byMonthDay, List<int>? byMonth, List<int>? bySetPos, DayOfWeek weekStart, DateTime localStart, string rule)
    {
        if (byMonthDay is not null || byMonth is not null || bySetPos is not null || byDay?.Any(d => d.Ordinal != 0) == true)
        {
            throw Unsupported(rule, "a weekly rule limited to some months, days of the month or positions");
        }

        return new RecurrencePattern(RecurrencePatternKind.Weekly, interval, byDay is null ? DayOf(localStart.DayOfWeek) : Set(byDay), FirstDayOfWeek: weekStart);
    }

    private static RecurrencePattern Monthly(int interval, List<(int Ordinal, DayOfWeek Day)>? byDay, List<int>? byMonthDay, List<int>? byMonth, List<int>? bySetPos, DayOfWeek weekStart, DateTime localStart, string rule)
    {
        if (byMonth is not null)
        {
            throw Unsupported(rule, "a monthly rule limited to some months");
        }

        if (byDay is null)
        {
            return new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, interval, DayOfMonth: AbsoluteDay(byMonthDay, bySetPos, 31, localStart.Day, rule));
        }

        if (byMonthDay is not null)
        {
            throw Unsupported(rule, "a monthly rule on a weekday that is also a given day of the month");
        }

        if (RelativeIndex(byDay, bySetPos, rule) is { } relative)
        {
            return new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, interval, relative.Days, relative.Index);
        }

        // Every Monday of every month is every Monday.
        if (interval != 1)
        {
            throw Unsupported(rule, "every such weekday of every few months");
        }

        return new RecurrencePattern(RecurrencePatternKind.Weekly, 1, Set(byDay), FirstDayOfWeek: weekStart);
    }

    private static RecurrencePattern Yearly(int interval, List<(int Ordinal, DayOfWeek Day)>? byDay, List<int>? byMonthDay, List<int>? byMonth, List<int>? bySetPos, DateTime localStart, string rule)
    {
        if (byMonth is { Count: > 1 })
        {
            throw Unsupported(rule, "a yearly rule in several months");
        }

        var month = byMonth is [var only] ? only : localStart.Month;
        RecurrencePattern pattern;
        if (byDay is null)
        {
            pattern = new RecurrencePattern(RecurrencePatternKind.AbsoluteYearly, 1, DayOfMonth: AbsoluteDay(byMonthDay, bySetPos, month == 2 ? 29 : DateTime.DaysInMonth(2001, month), localStart.Day, rule), Month: month);
        }
        else if (byMonthDay is null && byMonth is not null && RelativeIndex(byDay, bySetPos, rule) is { } relative)
        {
            pattern = new RecurrencePattern(RecurrencePatternKind.RelativeYearly, 1, relative.Days, relative.Index, Month: month);
        }
        else
        {
            throw Unsupported(rule, "a yearly rule on weekdays without one month and one position");
        }

        if (interval == 1)
        {
            return pattern;
        }

        // MAPI's yearly pattern is monthly with a period of 12 months: every N years is every 12N months from DTSTART.
        if (month != localStart.Month || 12 * interval > 99)
        {
            throw Unsupported(rule, "a yearly rule every few years in a month other than DTSTART's");
        }

        return pattern.Kind == RecurrencePatternKind.AbsoluteYearly
            ? pattern with { Kind = RecurrencePatternKind.AbsoluteMonthly, Interval = 12 * interval, Month = null }
            : pattern with { Kind = RecurrencePatternKind.RelativeMonthly, Interval = 12 * interval, Month = null };
    }

    /// <summary>BYMONTHDAY as an EWS DayOfMonth: one day, -1 (the last, written as <paramref name="lastDay"/>), or the 28..N;BYSETPOS=-1 form this server writes.</summary>
    private static int AbsoluteDay(List<int>? byMonthDay, List<int>? bySetPos, int lastDay, int startDay, string rule)
    {
        switch (byMonthDay, bySetPos)
        {
            case (null, null):
                return startDay;
            case ([-1], null):
                return lastDay;
            case ([> 0 and var day], null):
                return day;
            case ({ Count: > 1 } days, [-1]) when days.Order().SequenceEqual(Enumerable.Range(28, days.Count)):
                return 27 + days.Count;
            default:
                throw Unsupported(rule, "several days of the month, or a day counted from the end other than the last");
        }
    }

    /// <summary>BYDAY=2TU, BYDAY=-1FR, or BYDAY=MO,...,FR;BYSETPOS=1: the days and the index; null for bare days without a position.</summary>
    private static (RecurrenceDays Days, DayOfWeekIndex Index)? RelativeIndex(List<(int Ordinal, DayOfWeek Day)> byDay, List<int>? bySetPos, string rule)
    {
        if (byDay is [{ Ordinal: not 0 } single] && bySetPos is null)
        {
            return (DayOf(single.Day), Index(single.Ordinal, rule));
        }

        if (byDay.Any(d => d.Ordinal != 0))
        {
            throw Unsupported(rule, "several weekdays each with its own position");
        }

        return bySetPos switch
        {
            null => null,
            [var position] => (Set(byDay), Index(position, rule)),
            _ => throw Unsupported(rule, "several positions in the month"),
        };
    }

    private static DayOfWeekIndex Index(int ordinal, string rule) => ordinal switch
    {
        >= 1 and <= 4 => (DayOfWeekIndex)ordinal,
        -1 => DayOfWeekIndex.Last,
        _ => throw Unsupported(rule, $"position {ordinal} (EWS has the first to fourth and the last)"),
    };

    /// <summary>UNTIL as the range's EndDate: the last day on which an occurrence can start (at DTSTART's time of day).</summary>
    private static DateOnly EndDate(string until, DateTime localStart, TimeZoneInfo? zone, string rule)
    {
        if (DateOnly.TryParseExact(until, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        DateTime local;
        if (DateTime.TryParseExact(until, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
        {
            local = zone is null ? utc : TimeZones.ToLocal(utc, zone);
        }
        else if (!DateTime.TryParseExact(until, "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out local))
        {
            throw Unsupported(rule, $"UNTIL={until} is not a date or a date-time");
        }

        // UNTIL includes an occurrence that starts at it: the day counts when its occurrence starts no later than UNTIL.
        var day = DateOnly.FromDateTime(local);
        return local.TimeOfDay >= localStart.TimeOfDay ? day : day.AddDays(-1);
    }

    private static string Until(DateOnly endDate, DateTime localStart, TimeZoneInfo? zone, bool allDay)
    {
        if (allDay)
        {
            return endDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        }

        var lastLocal = endDate.ToDateTime(TimeOnly.FromTimeSpan(localStart.TimeOfDay), DateTimeKind.Unspecified);
        var utc = zone is null ? lastLocal : TimeZones.ToUtc(lastLocal, zone);
        return utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// BYMONTHDAY for an EWS DayOfMonth: the day itself, as Exchange writes it ([MS-OXCICAL] 2.1.3.2.2.3), or -1 when it
    /// is the <paramref name="longest"/> month's last day or past it (the last day of every month, exactly).
    /// </summary>
    private static string MonthDay(int day, int longest) =>
        day >= longest ? ";BYMONTHDAY=-1" : string.Create(CultureInfo.InvariantCulture, $";BYMONTHDAY={day}");

    private static Dictionary<string, string> Parse(string rule)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = rule.Trim();
        if (text.StartsWith("RRULE:", StringComparison.OrdinalIgnoreCase))
        {
            text = text["RRULE:".Length..];
        }

        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !parts.TryAdd(part[..equals].ToUpperInvariant(), part[(equals + 1)..].Trim().ToUpperInvariant()))
            {
                throw Unsupported(rule, $"'{part}' is not one NAME=VALUE part");
            }
        }

        return parts;
    }

    private static string? Take(Dictionary<string, string> parts, string name) => parts.Remove(name, out var value) ? value : null;

    private static int Number(string text, string rule, int min, int max) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max && n != 0
            ? n
            : throw Unsupported(rule, $"'{text}' is not a number from {min} to {max}");

    private static List<int> Numbers(string text, string rule, int min, int max) => [.. text.Split(',').Select(t => Number(t.Trim().TrimStart('+'), rule, min, max))];

    private static List<(int Ordinal, DayOfWeek Day)> WeekDays(string text, string rule)
    {
        var days = new List<(int, DayOfWeek)>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (raw.Length < 2)
            {
                throw Unsupported(rule, $"'{raw}' is not a weekday");
            }

            var ordinal = raw.Length > 2 ? Number(raw[..^2].TrimStart('+'), rule, -53, 53) : 0;
            days.Add((ordinal, Day(raw[^2..], rule)));
        }

        return days;
    }

    private static DayOfWeek Day(string code, string rule) =>
        Array.IndexOf(DayCodes, code) is var i and >= 0 ? (DayOfWeek)i : throw Unsupported(rule, $"'{code}' is not a weekday");

    private static RecurrenceDays DayOf(DayOfWeek day) => (RecurrenceDays)(1 << (int)day);

    private static RecurrenceDays Set(List<(int Ordinal, DayOfWeek Day)> days) => days.Aggregate(RecurrenceDays.None, (set, d) => set | DayOf(d.Day));

    /// <summary>Days in the order RFC 5545's examples write them, Monday first.</summary>
    private static string Days(RecurrenceDays days) =>
        string.Join(',', new[] { 1, 2, 3, 4, 5, 6, 0 }.Where(d => days.HasFlag(DayOf((DayOfWeek)d))).Select(d => DayCodes[d]));

    private static DomainException Unsupported(string rule, string why) =>
        MimeContent.Failed($"The recurrence rule '{Values.Excerpt(rule, oneLine: true)}' cannot be an EWS recurrence: {why}.");
}
