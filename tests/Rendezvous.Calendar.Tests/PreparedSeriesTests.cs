using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// PreparedSeries (what the server keeps per master between calendar views) gives exactly RecurrenceExpansion's
/// occurrences, window after window, from one instance.
/// </summary>
public sealed class PreparedSeriesTests
{
    private static readonly TimeZoneInfo Paris = TimeZones.Find("Europe/Paris")!;
    private static readonly TimeZoneInfo NewYork = TimeZones.Find("America/New_York")!;

    private static DateTime Local(TimeZoneInfo zone, int y, int mo, int d, int h, int mi = 0) => TimeZones.ToUtc(new DateTime(y, mo, d, h, mi, 0), zone);

    public static TheoryData<RecurrencePatternKind, string, bool> Kinds()
    {
        var data = new TheoryData<RecurrencePatternKind, string, bool>();
        foreach (var kind in new[] { RecurrencePatternKind.Daily, RecurrencePatternKind.Weekly, RecurrencePatternKind.AbsoluteMonthly, RecurrencePatternKind.RelativeMonthly, RecurrencePatternKind.AbsoluteYearly, RecurrencePatternKind.RelativeYearly })
        {
            foreach (var zone in new[] { "Europe/Paris", "America/New_York" })
            {
                data.Add(kind, zone, false);
                data.Add(kind, zone, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_window_of_a_prepared_series_is_RecurrenceExpansions(RecurrencePatternKind kind, string zoneId, bool allDay)
    {
        var zone = zoneId == "Europe/Paris" ? Paris : NewYork;
        var pattern = kind switch
        {
            RecurrencePatternKind.Daily => new RecurrencePattern(kind, 2),
            RecurrencePatternKind.Weekly => new RecurrencePattern(kind, 1, RecurrenceDays.Monday | RecurrenceDays.Thursday, FirstDayOfWeek: DayOfWeek.Monday),
            RecurrencePatternKind.AbsoluteMonthly => new RecurrencePattern(kind, 1, DayOfMonth: 31),
            RecurrencePatternKind.RelativeMonthly => new RecurrencePattern(kind, 1, RecurrenceDays.Friday, DayOfWeekIndex.Last),
            RecurrencePatternKind.AbsoluteYearly => new RecurrencePattern(kind, 1, DayOfMonth: 29, Month: 2),
            _ => new RecurrencePattern(kind, 1, RecurrenceDays.Sunday, DayOfWeekIndex.First, Month: 3),
        };
        var start = allDay ? Local(zone, 2030, 1, 7, 0) : Local(zone, 2030, 1, 7, 9, 30);
        var series = new Series(new Recurrence(pattern, new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 1, 7))), start, start + (allDay ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(45)), zone, zone, allDay);
        var pick = RecurrenceExpansion.OccurrencesFrom(series).Take(12).ToList();

        // Moved later, earlier, onto another occurrence's start, far away; one deleted; one deleted after it was moved; one that is no slot at all.
        List<ModifiedOccurrence> modified =
        [
            new(pick[1].OriginalStartUtc, pick[1].StartUtc.AddHours(3), pick[1].EndUtc.AddHours(3)),
            new(pick[4].OriginalStartUtc, pick[4].StartUtc.AddDays(-1), pick[4].EndUtc.AddDays(-1)),
            new(pick[6].OriginalStartUtc, pick[7].StartUtc, pick[7].EndUtc),
            new(pick[8].OriginalStartUtc, pick[8].StartUtc.AddDays(400), pick[8].EndUtc.AddDays(400)),
            new(pick[9].OriginalStartUtc, pick[9].StartUtc.AddHours(1), pick[9].EndUtc.AddHours(1)),
            new(pick[2].OriginalStartUtc.AddMinutes(7), pick[2].StartUtc, pick[2].EndUtc),
        ];
        List<DateTime> deleted = [pick[3].OriginalStartUtc, pick[9].OriginalStartUtc];
        var prepared = new PreparedSeries(series, modified, deleted);
        var plain = new PreparedSeries(series);
        var random = new Random(16);
        var compared = 0;

        // Windows over the first twelve occurrences' span (and the exception moved beyond it), each up to a fifth of it.
        var spanHours = (int)(pick[11].EndUtc.AddDays(400) - start).TotalHours;
        for (var i = 0; i < 400; i++)
        {
            var from = start.AddHours(random.Next(-24 * 30, spanHours));
            var to = from.AddHours(random.Next(0, Math.Max(24 * 40, spanHours / 5)));
            var expected = RecurrenceExpansion.Occurrences(series, from, to, modified, deleted).ToList();
            Assert.Equal(expected, prepared.Occurrences(from, to));
            Assert.Equal(RecurrenceExpansion.Occurrences(series, from, to).ToList(), plain.Occurrences(from, to));
            compared += expected.Count;
        }

        // The windows held occurrences, exceptions among them (a comparison of empty lists proves nothing).
        Assert.True(compared > 100, $"only {compared} occurrences compared");
        var all = prepared.Occurrences(start.AddDays(-2), pick[11].EndUtc);
        Assert.Contains(all, o => o.IsException);
    }

    [Fact]
    public void Appending_adds_after_what_the_list_holds_and_nothing_for_an_empty_window()
    {
        var start = Local(Paris, 2030, 1, 7, 9);
        var series = new Series(new Recurrence(new RecurrencePattern(RecurrencePatternKind.Weekly, 40, RecurrenceDays.Monday), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 1, 7))), start, start.AddHours(1), Paris, Paris);
        var prepared = new PreparedSeries(series, [], [RecurrenceExpansion.OccurrenceAt(series, 2)!.Value.OriginalStartUtc]);
        var into = new List<Occurrence> { default };

        prepared.AppendOccurrences(start.AddDays(7), start.AddDays(14), into);
        Assert.Single(into);

        prepared.AppendOccurrences(start.AddDays(-1), start.AddDays(1), into);
        Assert.Equal([0, 1], into.Select(o => o.Index));
    }
}

/// <summary>A calendar view's occurrences share their master's values (SeriesItems.MaterialiseReadOnly): the same item, and the master untouched.</summary>
public sealed class ReadOnlyOccurrenceTests
{
    [Fact]
    public void A_read_only_occurrence_is_the_occurrence_and_changing_its_own_fields_leaves_the_master_as_it_was()
    {
        var mailbox = Guid.NewGuid().ToString();
        var nine = new DateTime(2030, 3, 4, 9, 0, 0, DateTimeKind.Utc);
        var master = new Domain.Item
        {
            Id = EwsIds.NewItemId(mailbox), MailboxId = mailbox, Kind = ItemKind.CalendarItem, Subject = "Planning", Start = nine, End = nine.AddHours(1),
            StartTimeZone = new TimeZoneRef("UTC", "UTC"), Categories = ["Blue", "Team"],
            RequiredAttendees = [new Attendee(new EmailAddress("Bob", "bob@example.com"))],
            Recurrence = new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 3, 4))),
        };
        var second = RecurrenceExpansion.OccurrenceAt(SeriesItems.SeriesOf(master)!, 2)!.Value;

        var shared = SeriesItems.MaterialiseReadOnly(master, second);
        var copied = SeriesItems.Materialise(master, second);
        Assert.Equal(copied.Properties.Entries.Select(e => (e.Key.Element, e.Value is System.Collections.IEnumerable and not string ? string.Join(",", ((System.Collections.IEnumerable)e.Value).Cast<object>()) : e.Value.ToString())).Order(),
            shared.Properties.Entries.Select(e => (e.Key.Element, e.Value is System.Collections.IEnumerable and not string ? string.Join(",", ((System.Collections.IEnumerable)e.Value).Cast<object>()) : e.Value.ToString())).Order());
        Assert.Null(shared.Recurrence);
        Assert.Same(master.Categories, shared.Categories);

        shared.Subject = "Changed";
        shared.Start = nine.AddDays(9);
        Assert.Equal(("Planning", nine), (master.Subject, master.Start));
        Assert.NotNull(master.Recurrence);
    }
}
