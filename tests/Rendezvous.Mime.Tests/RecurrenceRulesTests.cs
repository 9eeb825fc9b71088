using System.Globalization;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime.Tests;

/// <summary>The pure mapping between an EWS recurrence and an RRULE (RecurrenceRules), both ways.</summary>
public sealed class RecurrenceRulesTests
{
    private static readonly TimeZoneInfo Paris = TimeZones.Find("Romance Standard Time")!;
    private static readonly TimeZoneInfo NewYork = TimeZones.Find("Eastern Standard Time")!;

    private static DateTime Local(string text) => DateTime.ParseExact(text, "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);

    private static DateOnly Day(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A recurrence as one line: "Weekly/2 Monday,Friday wkst=Sunday | EndDate 2030-04-01".</summary>
    private static string Describe(Recurrence r)
    {
        var p = r.Pattern;
        var text = $"{p.Kind}/{p.Interval}";
        if (p.DaysOfWeek != RecurrenceDays.None)
        {
            text += " " + p.DaysOfWeek.ToString().Replace(" ", "", StringComparison.Ordinal);
        }

        text += p.Index is { } index ? $" {index}" : "";
        text += p.DayOfMonth is { } day ? $" day={day}" : "";
        text += p.Month is { } month ? $" month={month}" : "";
        text += p.Kind == RecurrencePatternKind.Weekly ? $" wkst={p.FirstDayOfWeek}" : "";
        var range = r.Range;
        return text + " | " + range.Kind switch
        {
            RecurrenceRangeKind.Numbered => $"Numbered {range.NumberOfOccurrences}",
            RecurrenceRangeKind.EndDate => $"EndDate {range.EndDate:yyyy-MM-dd}",
            _ => "NoEnd",
        };
    }

    public static TheoryData<string, RecurrencePattern> Patterns => new()
    {
        { "20300304T090000", new RecurrencePattern(RecurrencePatternKind.Daily, 1) },
        { "20300304T090000", new RecurrencePattern(RecurrencePatternKind.Daily, 3) },
        { "20300304T090000", new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Monday) },
        { "20300304T090000", new RecurrencePattern(RecurrencePatternKind.Weekly, 2, RecurrenceDays.Monday | RecurrenceDays.Wednesday | RecurrenceDays.Friday, FirstDayOfWeek: DayOfWeek.Monday) },
        { "20300304T090000", new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Weekday) },
        { "20300303T090000", new RecurrencePattern(RecurrencePatternKind.Weekly, 3, RecurrenceDays.WeekendDay, FirstDayOfWeek: DayOfWeek.Saturday) },
        { "20300315T090000", new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, 1, DayOfMonth: 15) },
        { "20300331T090000", new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, 2, DayOfMonth: 31) },
        { "20300330T090000", new RecurrencePattern(RecurrencePatternKind.AbsoluteMonthly, 1, DayOfMonth: 30) },
        { "20300312T090000", new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Tuesday, DayOfWeekIndex.Second) },
        { "20300329T090000", new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Friday, DayOfWeekIndex.Last) },
        { "20300301T090000", new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 3, RecurrenceDays.Weekday, DayOfWeekIndex.First) },
        { "20300331T090000", new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.WeekendDay, DayOfWeekIndex.Last) },
        { "20300304T090000", new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Day, DayOfWeekIndex.Fourth) },
        { "20300315T090000", new RecurrencePattern(RecurrencePatternKind.AbsoluteYearly, 1, DayOfMonth: 15, Month: 3) },
        { "20320229T090000", new RecurrencePattern(RecurrencePatternKind.AbsoluteYearly, 1, DayOfMonth: 29, Month: 2) },
        { "20300430T090000", new RecurrencePattern(RecurrencePatternKind.AbsoluteYearly, 1, DayOfMonth: 30, Month: 4) },
        { "20301128T090000", new RecurrencePattern(RecurrencePatternKind.RelativeYearly, 1, RecurrenceDays.Thursday, DayOfWeekIndex.Fourth, Month: 11) },
        { "20300531T090000", new RecurrencePattern(RecurrencePatternKind.RelativeYearly, 1, RecurrenceDays.Weekday, DayOfWeekIndex.Last, Month: 5) },
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Every_pattern_and_range_reads_back_from_its_RRULE(string start, RecurrencePattern pattern)
    {
        var local = Local(start);
        var first = DateOnly.FromDateTime(local);
        foreach (var range in new[]
        {
            new RecurrenceRange(RecurrenceRangeKind.NoEnd, first),
            new RecurrenceRange(RecurrenceRangeKind.Numbered, first, NumberOfOccurrences: 7),
            new RecurrenceRange(RecurrenceRangeKind.EndDate, first, EndDate: first.AddDays(400)),
        })
        {
            var recurrence = new Recurrence(pattern, range);
            foreach (var (zone, allDay) in new[] { (Paris, false), (NewYork, false), ((TimeZoneInfo?)null, false), (Paris, true) })
            {
                var at = allDay ? local.Date : local;
                var rule = RecurrenceRules.ToRule(recurrence, at, zone, allDay);
                Assert.NotNull(rule);
                var back = RecurrenceRules.FromRule(rule, at, zone);
                Assert.True(recurrence == back, $"{rule}: {Describe(recurrence)} came back as {Describe(back)}");
            }
        }
    }

    [Theory]
    [InlineData(RecurrencePatternKind.Weekly, 2, RecurrenceDays.Monday | RecurrenceDays.Wednesday, null, null, null, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=SU")]
    [InlineData(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Sunday, DayOfWeekIndex.Third, null, null, "FREQ=MONTHLY;INTERVAL=1;BYDAY=SU;BYSETPOS=3")]
    [InlineData(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Weekday, DayOfWeekIndex.Last, null, null, "FREQ=MONTHLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")]
    [InlineData(RecurrencePatternKind.AbsoluteMonthly, 3, RecurrenceDays.None, null, 15, null, "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15")]
    [InlineData(RecurrencePatternKind.AbsoluteMonthly, 1, RecurrenceDays.None, null, 31, null, "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=-1")]
    [InlineData(RecurrencePatternKind.AbsoluteYearly, 1, RecurrenceDays.None, null, 15, 3, "FREQ=YEARLY;INTERVAL=1;BYMONTHDAY=15;BYMONTH=3")]
    [InlineData(RecurrencePatternKind.RelativeYearly, 1, RecurrenceDays.Sunday, DayOfWeekIndex.Third, null, 6, "FREQ=YEARLY;INTERVAL=1;BYDAY=SU;BYSETPOS=3;BYMONTH=6")]
    public void A_pattern_is_written_in_Exchanges_template(RecurrencePatternKind kind, int interval, RecurrenceDays days, DayOfWeekIndex? index, int? dayOfMonth, int? month, string expected)
    {
        // [MS-OXCICAL] 2.1.3.2.2.2-6: the templates Exchange maps (BYDAY=SU;BYSETPOS=3 rather than BYDAY=3SU).
        var recurrence = new Recurrence(new RecurrencePattern(kind, interval, days, index, dayOfMonth, month), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 3, 4)));
        Assert.Equal(expected, RecurrenceRules.ToRule(recurrence, Local("20300304T090000"), Paris, allDay: false));
    }

    [Fact]
    public void UNTIL_is_the_last_days_start_in_UTC_across_the_zones_DST_change()
    {
        // RFC 5545 §3.3.10: with a TZID on DTSTART, UNTIL is UTC. 09:00 in Paris on 2030-04-01 is summer time (UTC+2).
        var recurrence = new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 3, 4), EndDate: new DateOnly(2030, 4, 1)));
        Assert.Equal("FREQ=DAILY;UNTIL=20300401T070000Z;INTERVAL=1", RecurrenceRules.ToRule(recurrence, Local("20300304T090000"), Paris, allDay: false));
        Assert.Equal("FREQ=DAILY;UNTIL=20300401T090000Z;INTERVAL=1", RecurrenceRules.ToRule(recurrence, Local("20300304T090000"), null, allDay: false));
        Assert.Equal("FREQ=DAILY;UNTIL=20300401;INTERVAL=1", RecurrenceRules.ToRule(recurrence, new DateTime(2030, 3, 4), Paris, allDay: true));
        Assert.Equal("FREQ=DAILY;COUNT=5;INTERVAL=1", RecurrenceRules.ToRule(recurrence with { Range = new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 3, 4), NumberOfOccurrences: 5) }, Local("20300304T090000"), Paris, false));
    }

    [Theory]
    [InlineData("FREQ=DAILY;UNTIL=20300401T070000Z", "2030-04-01")] // exactly the last start
    [InlineData("FREQ=DAILY;UNTIL=20300401T065959Z", "2030-03-31")] // a second before it: that day's is out
    [InlineData("FREQ=DAILY;UNTIL=20300401T215959Z", "2030-04-01")] // Google: the day's end
    [InlineData("FREQ=DAILY;UNTIL=20300401", "2030-04-01")]
    [InlineData("FREQ=DAILY;UNTIL=20300401T090000", "2030-04-01")] // floating (not RFC 5545, seen): local time
    [InlineData("FREQ=DAILY;UNTIL=20300331T220000Z", "2030-03-31")] // midnight local: the day before's occurrence is the last
    public void UNTIL_in_any_form_gives_the_last_day_an_occurrence_starts_on(string rule, string endDate)
    {
        var recurrence = RecurrenceRules.FromRule(rule, Local("20300304T090000"), Paris);
        Assert.Equal(Day(endDate), recurrence.Range.EndDate);
        Assert.Equal(new DateOnly(2030, 3, 4), recurrence.Range.StartDate);
    }

    [Theory]
    // Google and Apple: every weekday is daily on five days; Exchange saves it weekly.
    [InlineData("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "20300304T090000", "Weekly/1 Weekday wkst=Monday | NoEnd")]
    [InlineData("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;WKST=SU", "20300304T090000", "Weekly/1 Weekday wkst=Sunday | NoEnd")]
    // Google's relative forms (BYDAY with an ordinal), Outlook's and Exchange's (BYSETPOS), one day or a set.
    [InlineData("FREQ=MONTHLY;BYDAY=-1FR", "20300329T090000", "RelativeMonthly/1 Friday Last | NoEnd")]
    [InlineData("FREQ=MONTHLY;BYDAY=+2TU;COUNT=4", "20300312T090000", "RelativeMonthly/1 Tuesday Second | Numbered 4")]
    [InlineData("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "20300312T090000", "RelativeMonthly/1 Tuesday Second | NoEnd")]
    [InlineData("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1", "20300301T090000", "RelativeMonthly/1 Weekday First | NoEnd")]
    [InlineData("FREQ=MONTHLY;INTERVAL=2;BYDAY=SA,SU;BYSETPOS=-1", "20300331T090000", "RelativeMonthly/2 WeekendDay Last | NoEnd")]
    [InlineData("FREQ=MONTHLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYSETPOS=4", "20300304T090000", "RelativeMonthly/1 Day Fourth | NoEnd")]
    [InlineData("FREQ=MONTHLY;BYDAY=MO", "20300304T090000", "Weekly/1 Monday wkst=Monday | NoEnd")]
    // Absolute days: DTSTART's day when the rule names none; -1 the last day ([MS-OXCICAL] 2.1.3.2.2.3).
    [InlineData("FREQ=MONTHLY", "20300315T090000", "AbsoluteMonthly/1 day=15 | NoEnd")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=-1", "20300331T090000", "AbsoluteMonthly/1 day=31 | NoEnd")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1", "20300330T090000", "AbsoluteMonthly/1 day=30 | NoEnd")]
    [InlineData("FREQ=YEARLY", "20300315T090000", "AbsoluteYearly/1 day=15 month=3 | NoEnd")]
    [InlineData("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", "20300228T090000", "AbsoluteYearly/1 day=29 month=2 | NoEnd")]
    [InlineData("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "20301128T090000", "RelativeYearly/1 Thursday Fourth month=11 | NoEnd")]
    // Every few years is monthly every 12n months ([MS-OXCICAL] 2.1.3.2.2.5-6).
    [InlineData("FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYMONTHDAY=15", "20300315T090000", "AbsoluteMonthly/24 day=15 | NoEnd")]
    [InlineData("FREQ=YEARLY;INTERVAL=3;BYDAY=MO;BYSETPOS=1;BYMONTH=10;COUNT=7", "20301007T090000", "RelativeMonthly/36 Monday First | Numbered 7")]
    // BYHOUR/BYMINUTE that repeat DTSTART's time ([MS-OXCICAL]'s common-parts).
    [InlineData("FREQ=DAILY;BYMINUTE=30;BYHOUR=15", "20300304T153000", "Daily/1 | NoEnd")]
    public void What_clients_write_maps_as_Exchange_maps_it(string rule, string start, string expected)
    {
        Assert.Equal(expected, Describe(RecurrenceRules.FromRule(rule, Local(start), Paris)));
    }

    [Theory]
    [InlineData("FREQ=HOURLY;INTERVAL=3")]
    [InlineData("FREQ=SECONDLY")]
    [InlineData("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO")]
    [InlineData("FREQ=YEARLY;BYYEARDAY=100")]
    [InlineData("FREQ=MONTHLY;BYMONTHDAY=1,15")]
    [InlineData("FREQ=MONTHLY;BYDAY=5MO")]
    [InlineData("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1,3")]
    [InlineData("FREQ=YEARLY;BYMONTH=6,7")]
    [InlineData("FREQ=YEARLY;INTERVAL=2;BYMONTH=7;BYMONTHDAY=1")] // every two years in a month DTSTART is not in
    [InlineData("FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU")]
    [InlineData("FREQ=DAILY;BYHOUR=10")]
    [InlineData("FREQ=DAILY;COUNT=3;UNTIL=20300401T000000Z")]
    [InlineData("FREQ=DAILY;X-NAME=1")]
    [InlineData("INTERVAL=2")]
    [InlineData("FREQ=DAILY;INTERVAL=0")]
    [InlineData("FREQ=WEEKLY;BYDAY=XX")]
    [InlineData("FREQ=DAILY;UNTIL=tomorrow")]
    public void A_rule_EWS_cannot_express_is_a_conversion_failure(string rule)
    {
        var e = Assert.Throws<DomainException>(() => RecurrenceRules.FromRule(rule, Local("20300304T090000"), Paris));
        Assert.Equal(ErrorCode.MimeContentConversionFailed, e.Code);
    }

    public static TheoryData<string, string, string, string> RfcExamples()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var line in File.ReadAllLines(TestFiles.Mime("rfc5545-rrule-examples.txt")).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var columns = line.Split(" | ");
            data.Add(columns[0], columns[1], columns[2], string.Join(" | ", columns.Skip(3)));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RfcExamples))]
    public void RFC_5545_examples_map_or_are_refused(string description, string start, string rule, string expected)
    {
        Assert.False(string.IsNullOrEmpty(description));
        if (expected == "refused")
        {
            Assert.Throws<DomainException>(() => RecurrenceRules.FromRule(rule, Local(start), NewYork));
            return;
        }

        var recurrence = RecurrenceRules.FromRule(rule, Local(start), NewYork);
        Assert.Equal(expected, Describe(recurrence));
        // And what it maps to is written back as a rule that reads the same.
        Assert.Equal(recurrence, RecurrenceRules.FromRule(RecurrenceRules.ToRule(recurrence, Local(start), NewYork, false)!, Local(start), NewYork));
    }

    [Fact]
    public void The_tasks_regeneration_patterns_have_no_RRULE()
    {
        var recurrence = new Recurrence(new RecurrencePattern(RecurrencePatternKind.DailyRegeneration, 2), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 3, 4)));
        Assert.Null(RecurrenceRules.ToRule(recurrence, Local("20300304T090000"), Paris, false));
    }
}
