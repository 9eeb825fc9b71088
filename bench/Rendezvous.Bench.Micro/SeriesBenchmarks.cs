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

/// <summary>
/// A week view's expansion of a calendar of 300 or 3,000 sparse open-ended series, each with two exceptions and a
/// deleted occurrence (the load bench's calendars): every series built and expanded afresh, as wave 1 did per request,
/// against each series' <see cref="PreparedSeries"/> kept between views (issue 16). The week holds about as many
/// occurrences for both sizes, so what grows with the count is the per-series cost of finding none.
/// </summary>
public class SeriesCalendarWeek
{
    private static readonly TimeZoneInfo Paris = TimeZones.Find("Europe/Paris")!;
    private static readonly DateOnly FirstDay = new(2026, 1, 5);

    private (Series Series, ModifiedOccurrence[] Modified, DateTime[] Deleted)[] fresh = [];
    private PreparedSeries[] prepared = [];
    private readonly List<Occurrence> into = [];
    private readonly List<int> candidates = [];
    private SeriesIndex index = new([]);
    private DateTime weekFrom;

    [Params(300, 3000)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // As the load bench's Seeder: daily every 28-56 days or weekly every 4-12 weeks, sparser in proportion beyond 300.
        var sparser = Math.Max(1, Count / 300);
        fresh = new (Series, ModifiedOccurrence[], DateTime[])[Count];
        for (var i = 0; i < Count; i++)
        {
            var first = FirstDay.AddDays((7 * (i % 50)) + (i % 5));
            var pattern = i % 2 == 0
                ? new RecurrencePattern(RecurrencePatternKind.Daily, Interval: (28 + (i / 2 % 29)) * sparser)
                : new RecurrencePattern(RecurrencePatternKind.Weekly, Interval: (4 + (i / 2 % 9)) * sparser, DaysOfWeek: (RecurrenceDays)(1 << (int)first.DayOfWeek), FirstDayOfWeek: DayOfWeek.Monday);
            var start = TimeZones.ToUtc(first.ToDateTime(new TimeOnly(7, 30)), Paris);
            var series = new Series(new Recurrence(pattern, new RecurrenceRange(RecurrenceRangeKind.NoEnd, first)), start, start.AddMinutes(30), Paris, Paris);
            var second = RecurrenceExpansion.OccurrenceAt(series, 2)!.Value;
            var fifth = RecurrenceExpansion.OccurrenceAt(series, 5)!.Value;
            fresh[i] = (series,
                [new(second.OriginalStartUtc, second.StartUtc.AddHours(1), second.EndUtc.AddHours(1)), new(fifth.OriginalStartUtc, fifth.StartUtc, fifth.EndUtc)],
                [RecurrenceExpansion.OccurrenceAt(series, 3)!.Value.OriginalStartUtc]);
        }

        prepared = [.. fresh.Select(f => new PreparedSeries(f.Series, f.Modified, f.Deleted))];
        index = new SeriesIndex(prepared);
        weekFrom = TimeZones.ToUtc(new DateTime(2027, 3, 22), Paris);
    }

    [Benchmark(Baseline = true, Description = "each series expanded afresh (wave 1)")]
    public int Fresh()
    {
        var n = 0;
        foreach (var (series, modified, deleted) in fresh)
        {
            n += RecurrenceExpansion.Occurrences(series, weekFrom, weekFrom.AddDays(7), modified, deleted).Count();
        }

        return n;
    }

    [Benchmark(Description = "each series' PreparedSeries kept")]
    public int Prepared()
    {
        into.Clear();
        foreach (var series in prepared)
        {
            series.AppendOccurrences(weekFrom, weekFrom.AddDays(7), into);
        }

        return into.Count;
    }

    [Benchmark(Description = "only the series the SeriesIndex names")]
    public int Indexed()
    {
        into.Clear();
        candidates.Clear();
        index.Candidates(weekFrom, weekFrom.AddDays(7), candidates);
        foreach (var i in candidates)
        {
            prepared[i].AppendOccurrences(weekFrom, weekFrom.AddDays(7), into);
        }

        return into.Count;
    }
}
