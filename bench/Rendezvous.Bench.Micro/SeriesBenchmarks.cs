using BenchmarkDotNet.Attributes;
using Rendezvous.Calendar;
using Rendezvous.Protocol;

namespace Rendezvous.Bench.Micro;

/// <summary>
/// Recurrence expansion (issue 16): one series' week of a calendar view, near its start and 50 years on (the same cost:
/// a window is computed from its own first day, never walked from the series' start), and the occurrence-id
/// arithmetic (OccurrenceAt, IndexOf) that every OccurrenceItemId needs.
/// </summary>
public class SeriesExpansion
{
    private static readonly TimeZoneInfo Paris = TimeZones.Find("Europe/Paris")!;
    private static readonly DateTime Start = TimeZones.ToUtc(new DateTime(2026, 1, 5, 9, 0, 0), Paris);

    private readonly Series daily = Make(new RecurrencePattern(RecurrencePatternKind.Daily));
    private readonly Series weekly = Make(new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Monday | RecurrenceDays.Wednesday | RecurrenceDays.Friday));
    private readonly Series monthly = Make(new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Weekday, DayOfWeekIndex.Last));
    private readonly DateTime weekFrom = TimeZones.ToUtc(new DateTime(2026, 3, 23), Paris);
    private readonly DateTime farFrom = TimeZones.ToUtc(new DateTime(2076, 3, 23), Paris);

    private static Series Make(RecurrencePattern pattern) =>
        new(new Recurrence(pattern, new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2026, 1, 5))), Start, Start.AddHours(1), Paris, Paris);

    [Benchmark(Baseline = true, Description = "daily series, a week near its start")]
    public int DailyWeek() => RecurrenceExpansion.Occurrences(daily, weekFrom, weekFrom.AddDays(7)).Count();

    [Benchmark(Description = "daily series, a week 50 years on")]
    public int DailyWeekFarOn() => RecurrenceExpansion.Occurrences(daily, farFrom, farFrom.AddDays(7)).Count();

    [Benchmark(Description = "weekly series (3 days), a week 50 years on")]
    public int WeeklyWeekFarOn() => RecurrenceExpansion.Occurrences(weekly, farFrom, farFrom.AddDays(7)).Count();

    [Benchmark(Description = "last weekday monthly, a week 50 years on")]
    public int MonthlyWeekFarOn() => RecurrenceExpansion.Occurrences(monthly, farFrom, farFrom.AddDays(7)).Count();

    [Benchmark(Description = "weekly series: OccurrenceAt(10000) and IndexOf its start")]
    public int? WeeklyIndexRoundTrip() => RecurrenceExpansion.IndexOf(weekly, RecurrenceExpansion.OccurrenceAt(weekly, 10_000)!.Value.OriginalStartUtc);
}
