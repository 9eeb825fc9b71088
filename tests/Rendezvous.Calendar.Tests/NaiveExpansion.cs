using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// The patterns' definitions read literally, one day at a time from StartDate: slow, obviously right, and written
/// apart from <see cref="RecurrenceExpansion"/>'s arithmetic, so the two can be compared on any series.
/// </summary>
internal static class NaiveExpansion
{
    public static IEnumerable<(int Index, DateTime StartUtc, DateTime EndUtc)> Occurrences(Series series, DateTime fromUtc, DateTime toUtc)
    {
        var (pattern, range) = (series.Recurrence.Pattern, series.Recurrence.Range);
        var zone = series.StartZone;
        var startLocal = TimeZones.ToLocal(series.StartUtc, zone);
        var allDays = series.IsAllDay ? Math.Max(1, (int)Math.Ceiling((TimeZones.ToLocal(series.EndUtc, zone) - startLocal.Date).TotalDays)) : 0;
        var index = 0;
        for (var day = range.StartDate; ; day = day.AddDays(1))
        {
            if (range.Kind == RecurrenceRangeKind.EndDate && day > range.EndDate)
            {
                yield break;
            }

            if (!Matches(pattern, range.StartDate, day))
            {
                continue;
            }

            index++;
            if (range.Kind == RecurrenceRangeKind.Numbered && index > range.NumberOfOccurrences)
            {
                yield break;
            }

            var start = TimeZones.ToUtc(day.ToDateTime(TimeOnly.MinValue) + (series.IsAllDay ? TimeSpan.Zero : startLocal.TimeOfDay), zone);
            var end = series.IsAllDay ? TimeZones.ToUtc(day.AddDays(allDays).ToDateTime(TimeOnly.MinValue), zone) : start + (series.EndUtc - series.StartUtc);
            if (start >= toUtc)
            {
                yield break;
            }

            if (end > fromUtc || (end == start && start >= fromUtc))
            {
                yield return (index, start, end);
            }
        }
    }

    private static bool Matches(RecurrencePattern pattern, DateOnly first, DateOnly day)
    {
        var months = ((day.Year - first.Year) * 12) + day.Month - first.Month;
        return pattern.Kind switch
        {
            RecurrencePatternKind.Daily => (day.DayNumber - first.DayNumber) % pattern.Interval == 0,
            RecurrencePatternKind.Weekly => In(pattern.DaysOfWeek, day.DayOfWeek)
                && (WeekStart(day, pattern.FirstDayOfWeek) - WeekStart(first, pattern.FirstDayOfWeek)) / 7 % pattern.Interval == 0,
            RecurrencePatternKind.AbsoluteMonthly => months % pattern.Interval == 0 && day.Day == Math.Min(pattern.DayOfMonth!.Value, DateTime.DaysInMonth(day.Year, day.Month)),
            RecurrencePatternKind.RelativeMonthly => months % pattern.Interval == 0 && day == Nth(pattern, day.Year, day.Month),
            RecurrencePatternKind.AbsoluteYearly => day.Month == pattern.Month && day.Day == Math.Min(pattern.DayOfMonth!.Value, DateTime.DaysInMonth(day.Year, day.Month)),
            RecurrencePatternKind.RelativeYearly => day.Month == pattern.Month && day == Nth(pattern, day.Year, day.Month),
            _ => false,
        };
    }

    private static int WeekStart(DateOnly day, DayOfWeek first) => day.DayNumber - (((int)day.DayOfWeek - (int)first + 7) % 7);

    private static bool In(RecurrenceDays days, DayOfWeek day) => days.HasFlag((RecurrenceDays)(1 << (int)day));

    private static DateOnly Nth(RecurrencePattern pattern, int year, int month)
    {
        var matching = Enumerable.Range(1, DateTime.DaysInMonth(year, month)).Select(d => new DateOnly(year, month, d))
            .Where(d => In(pattern.DaysOfWeek, d.DayOfWeek)).ToList();
        return pattern.Index == DayOfWeekIndex.Last ? matching[^1] : matching[(int)pattern.Index!.Value - 1];
    }
}
