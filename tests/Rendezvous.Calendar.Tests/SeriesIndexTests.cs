using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// SeriesIndex (which masters a calendar view asks for its window): never leaves out a series with an occurrence or
/// exception in the window, whatever the pattern, zone, length or window; and for a calendar of sparse series it names
/// those near the window only, counted, not timed.
/// </summary>
public sealed class SeriesIndexTests
{
    // Zones at both ends of the offsets, with DST, with changes at midnight (Santiago, Beirut), and UTC.
    private static readonly TimeZoneInfo[] Zones =
    [
        .. new[] { "Europe/Paris", "America/New_York", "Australia/Sydney", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Santiago", "Asia/Beirut", "UTC" }
            .Select(id => TimeZones.Find(id) ?? TimeZoneInfo.Utc),
    ];

    private static Series RandomSeries(Random random)
    {
        var zone = Zones[random.Next(Zones.Length)];
        var kinds = new[]
        {
            RecurrencePatternKind.Daily, RecurrencePatternKind.Weekly, RecurrencePatternKind.AbsoluteMonthly, RecurrencePatternKind.RelativeMonthly,
            RecurrencePatternKind.AbsoluteYearly, RecurrencePatternKind.RelativeYearly, RecurrencePatternKind.DailyRegeneration,
        };
        var kind = kinds[random.Next(kinds.Length)];
        var days = (RecurrenceDays)(random.Next(1, 128));
        var interval = random.Next(3) == 0 ? 1 : random.Next(1, 60);
        var pattern = kind switch
        {
            RecurrencePatternKind.Daily => new RecurrencePattern(kind, interval),
            RecurrencePatternKind.Weekly => new RecurrencePattern(kind, Math.Min(interval, 12), days, FirstDayOfWeek: (DayOfWeek)random.Next(7)),
            RecurrencePatternKind.AbsoluteMonthly => new RecurrencePattern(kind, Math.Min(interval, 14), DayOfMonth: random.Next(1, 32)),
            RecurrencePatternKind.RelativeMonthly => new RecurrencePattern(kind, Math.Min(interval, 14), days, (DayOfWeekIndex)random.Next(1, 6)),
            RecurrencePatternKind.AbsoluteYearly => new RecurrencePattern(kind, 1, DayOfMonth: random.Next(1, 32), Month: random.Next(1, 13)),
            RecurrencePatternKind.RelativeYearly => new RecurrencePattern(kind, 1, days, (DayOfWeekIndex)random.Next(1, 6), Month: random.Next(1, 13)),
            _ => new RecurrencePattern(kind, interval),
        };
        var firstDay = new DateOnly(2030, 1, 1).AddDays(random.Next(0, 400));
        var allDay = random.Next(4) == 0;
        var wallClock = firstDay.ToDateTime(allDay ? TimeOnly.MinValue : new TimeOnly(random.Next(24), random.Next(4) * 15));
        var start = TimeZones.ToUtc(wallClock, zone);
        var length = allDay ? TimeSpan.FromDays(random.Next(1, 4)) : TimeSpan.FromMinutes(random.Next(0, 3 * 24 * 60));
        var range = random.Next(3) switch
        {
            0 => new RecurrenceRange(RecurrenceRangeKind.Numbered, firstDay, NumberOfOccurrences: random.Next(1, 40)),
            1 => new RecurrenceRange(RecurrenceRangeKind.EndDate, firstDay, EndDate: firstDay.AddDays(random.Next(0, 900))),
            _ => new RecurrenceRange(RecurrenceRangeKind.NoEnd, firstDay),
        };
        return new Series(new Recurrence(pattern, range), start, start + length, zone, zone, allDay);
    }

    [Fact]
    public void Every_series_with_an_occurrence_or_exception_in_a_window_is_a_candidate()
    {
        var random = new Random(1616);
        var prepared = new List<PreparedSeries>();
        for (var i = 0; i < 400; i++)
        {
            var series = RandomSeries(random);
            var some = RecurrenceExpansion.OccurrencesFrom(series).Take(8).ToList();
            List<ModifiedOccurrence> modified = [];
            List<DateTime> deleted = [];
            if (some.Count > 3 && random.Next(2) == 0)
            {
                // Moved a little, moved far (before the series and years on), and one deleted.
                modified.Add(new(some[1].OriginalStartUtc, some[1].StartUtc.AddHours(random.Next(-30, 30)), some[1].EndUtc.AddHours(random.Next(-30, 30)) + TimeSpan.FromHours(31)));
                modified.Add(new(some[2].OriginalStartUtc, some[2].StartUtc.AddDays(random.Next(-500, 900)), some[2].StartUtc.AddDays(random.Next(-500, 900)).AddHours(1)));
                deleted.Add(some[3].OriginalStartUtc);
            }

            prepared.Add(new PreparedSeries(series, modified, deleted));
        }

        var index = new SeriesIndex(prepared);
        var candidates = new List<int>();
        var found = 0;
        for (var w = 0; w < 1500; w++)
        {
            var from = new DateTime(2029, 12, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(random.Next(0, 3 * 365 * 24 * 60));
            var length = w % 10 == 0 ? TimeSpan.FromDays(random.Next(0, 731)) : TimeSpan.FromMinutes(random.Next(0, 40 * 24 * 60));
            var to = from + length;
            candidates.Clear();
            index.Candidates(from, to, candidates);
            Assert.Equal(candidates.Distinct().Order(), candidates);
            var named = candidates.ToHashSet();
            for (var i = 0; i < prepared.Count; i++)
            {
                if (prepared[i].Occurrences(from, to).Count > 0)
                {
                    found++;
                    Assert.True(named.Contains(i), $"series {i} ({prepared[i].Series.Recurrence.Pattern.Kind}, {prepared[i].Series.StartZone.Id}) has an occurrence in [{from:O}, {to:O}) but is no candidate");
                }
            }
        }

        // The windows held occurrences (a superset of nothing proves nothing).
        Assert.True(found > 5_000, $"only {found} series with occurrences in the windows");
    }

    [Fact]
    public void A_week_of_3000_sparse_series_names_only_the_series_near_that_week()
    {
        // The load bench's calendar: daily every 280-560 days or weekly every 40-120 weeks, open-ended, in Paris.
        var paris = TimeZones.Find("Europe/Paris")!;
        var firstDay = new DateOnly(2026, 1, 5);
        var prepared = new List<PreparedSeries>();
        for (var i = 0; i < 3000; i++)
        {
            var first = firstDay.AddDays((7 * (i % 50)) + (i % 5));
            var pattern = i % 2 == 0
                ? new RecurrencePattern(RecurrencePatternKind.Daily, Interval: (28 + (i / 2 % 29)) * 10)
                : new RecurrencePattern(RecurrencePatternKind.Weekly, Interval: (4 + (i / 2 % 9)) * 10, DaysOfWeek: (RecurrenceDays)(1 << (int)first.DayOfWeek), FirstDayOfWeek: DayOfWeek.Monday);
            var start = TimeZones.ToUtc(first.ToDateTime(new TimeOnly(7, 30)), paris);
            prepared.Add(new PreparedSeries(new Series(new Recurrence(pattern, new RecurrenceRange(RecurrenceRangeKind.NoEnd, first)), start, start.AddMinutes(30), paris, paris)));
        }

        var index = new SeriesIndex(prepared);
        var candidates = new List<int>();
        for (var week = 0; week < 100; week++)
        {
            var from = TimeZones.ToUtc(new DateTime(2027, 3, 22).AddDays(7 * week), paris);
            var to = from.AddDays(7);
            candidates.Clear();
            index.Candidates(from, to, candidates);

            // Every candidate has an occurrence within four days of the week (the index's padding); none is further.
            var near = Enumerable.Range(0, prepared.Count).Count(i => prepared[i].Occurrences(from.AddDays(-4), to.AddDays(4)).Count > 0);
            var inWeek = Enumerable.Range(0, prepared.Count).Count(i => prepared[i].Occurrences(from, to).Count > 0);
            Assert.InRange(candidates.Count, inWeek, near);
            Assert.True(candidates.Count < 150, $"week {week}: {candidates.Count} candidates of 3,000 for {inWeek} series in the week");
        }
    }
}
