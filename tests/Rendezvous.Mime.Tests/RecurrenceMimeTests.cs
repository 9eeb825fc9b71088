using System.Diagnostics;
using System.Text;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime.Tests;

/// <summary>
/// A series in MimeContent both ways: RRULE on the master in its zone, EXDATE for deleted occurrences, one
/// RECURRENCE-ID VEVENT per exception; what the server writes is expanded again by python3-recurring-ical-events.
/// </summary>
public sealed class RecurrenceMimeTests
{
    private static DateTime Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);

    /// <summary>
    /// Weekly on Monday at 09:00 Paris time from 2030-03-18 to 2030-04-15: two in winter time (08:00 UTC), three in
    /// summer time (07:00 UTC, from 2030-03-31). The one of 1 April is deleted; the one of 8 April is moved to 10:00
    /// and renamed. <paramref name="numbered"/>: five occurrences rather than up to 15 April (the same ones).
    /// </summary>
    private static Item ParisSeries(bool numbered = false)
    {
        var master = new Item
        {
            Kind = ItemKind.CalendarItem,
            Uid = "series-paris@example.com",
            Subject = "Weekly sync",
            Location = "Room 1",
            Start = Utc(2030, 3, 18, 8),
            End = Utc(2030, 3, 18, 9),
            StartTimeZone = new TimeZoneRef("Romance Standard Time"),
            EndTimeZone = new TimeZoneRef("Romance Standard Time"),
            DateTimeStamp = Utc(2030, 1, 1, 0),
            Recurrence = new Recurrence(
                new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Monday),
                numbered
                    ? new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 3, 18), NumberOfOccurrences: 5)
                    : new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 3, 18), EndDate: new DateOnly(2030, 4, 15))),
            DeletedOccurrences = [Utc(2030, 4, 1, 7)],
        };
        var moved = new Item { Kind = ItemKind.CalendarItem, Subject = "Weekly sync (moved)", Start = Utc(2030, 4, 8, 8), End = Utc(2030, 4, 8, 9) };
        master.Exceptions = [new OccurrenceException(Utc(2030, 4, 8, 7), moved)];
        return master;
    }

    private static string Text(Item item) => Encoding.UTF8.GetString(MimeContent.Write(item));

    private static Item Read(string ics, string? floatingZone = null)
    {
        var item = new Item { Kind = ItemKind.CalendarItem };
        MimeContent.Apply(item, Encoding.UTF8.GetBytes(ics), floatingZone);
        return item;
    }

    /// <summary>Unfolded content lines (RFC 5545 §3.1).</summary>
    private static string[] Lines(string ics) => ics.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n");

    [Fact]
    public void A_series_is_written_with_its_rule_deletions_and_exceptions_in_its_zone()
    {
        var lines = Lines(Text(ParisSeries()));
        // UNTIL is the last start in UTC (09:00 summer time), RFC 5545 §3.3.10; Ical.Net orders the parts its own way.
        Assert.Contains("RRULE:FREQ=WEEKLY;UNTIL=20300415T070000Z;WKST=SU;BYDAY=MO", lines);
        Assert.Contains("EXDATE;TZID=Romance Standard Time:20300401T090000", lines);
        Assert.Contains("RECURRENCE-ID;TZID=Romance Standard Time:20300408T090000", lines);
        Assert.Contains("DTSTART;TZID=Romance Standard Time:20300408T100000", lines);
        Assert.Contains("SUMMARY:Weekly sync (moved)", lines);
        Assert.Equal(2, lines.Count(l => l == "BEGIN:VEVENT"));
        // Never on an exception ([MS-OXCICAL] 2.1.3.2.2); the VTIMEZONE's own rules come before the first VEVENT.
        Assert.Single(lines.SkipWhile(l => l != "BEGIN:VEVENT"), l => l.StartsWith("RRULE", StringComparison.Ordinal));
        Assert.Equal(1, lines.Count(l => l == "BEGIN:VTIMEZONE"));
        // The exception keeps what it does not change from the master: the location.
        var master = lines.SkipWhile(l => l != "BEGIN:VEVENT").TakeWhile(l => l != "END:VEVENT").ToList();
        var exception = lines.SkipWhile(l => l != "BEGIN:VEVENT").Skip(master.Count + 1).TakeWhile(l => l != "END:VEVENT").ToList();
        Assert.Contains("SUMMARY:Weekly sync", master);
        Assert.Contains("RECURRENCE-ID;TZID=Romance Standard Time:20300408T090000", exception);
        Assert.Contains("LOCATION:Room 1", exception);
        Assert.DoesNotContain(exception, l => l.StartsWith("EXDATE", StringComparison.Ordinal));
    }

    [Fact]
    public void A_written_series_reads_back_into_the_same_recurrence_deletions_and_exceptions()
    {
        var original = ParisSeries();
        var back = Read(Text(original));
        Assert.Equal(original.Recurrence, back.Recurrence);
        Assert.Equal(original.Start, back.Start);
        Assert.Equal("Romance Standard Time", back.StartTimeZone?.Id);
        Assert.Equal(original.DeletedOccurrences, back.DeletedOccurrences);
        var exception = Assert.Single(back.Exceptions!);
        Assert.Equal(Utc(2030, 4, 8, 7), exception.OriginalStartUtc);
        Assert.Equal("Weekly sync (moved)", exception.Changes.Subject);
        Assert.Equal(Utc(2030, 4, 8, 8), exception.Changes.Start);
        Assert.Equal(Utc(2030, 4, 8, 9), exception.Changes.End);
        // Changes holds only what differs: the location and the zone are the master's.
        Assert.Null(exception.Changes.Location);
        Assert.Null(exception.Changes.StartTimeZone);
        Assert.Null(exception.Changes.Uid);
    }

    [Fact]
    public void A_second_implementation_expands_the_written_series_to_the_same_occurrences_across_DST()
    {
        // Occurrences keep 09:00 Paris time: 08:00 UTC in winter, 07:00 UTC from 31 March; 1 April deleted (it still
        // counts, as EWS counts it); 8 April moved. Numbered: python3-recurring-ical-events 2.0.1 reads a UTC UNTIL with
        // DTSTART's winter offset and drops a last occurrence in summer time (Ical.Net, below, does not).
        var rows = Expand(Text(ParisSeries(numbered: true)), "2030-03-01", "2030-05-01");
        Assert.Equal(
            [
                "2030-03-18T08:00:00Z 2030-03-18T09:00:00Z Weekly sync",
                "2030-03-25T08:00:00Z 2030-03-25T09:00:00Z Weekly sync",
                "2030-04-08T08:00:00Z 2030-04-08T09:00:00Z Weekly sync (moved)",
                "2030-04-15T07:00:00Z 2030-04-15T08:00:00Z Weekly sync",
            ],
            rows);
    }

    [Fact]
    public void Ical_Nets_evaluator_keeps_the_last_occurrence_that_UNTIL_names_in_summer_time()
    {
        var calendar = Ical.Net.Calendar.Load(Text(ParisSeries()))!;
        var master = calendar.Events.Single(e => e.RecurrenceIdentifier is null);
        var starts = master.GetOccurrences(new Ical.Net.DataTypes.CalDateTime(2030, 3, 1, 0, 0, 0, "UTC")).Select(o => o.Period.StartTime.AsUtc).ToList();
        Assert.Equal([Utc(2030, 3, 18, 8), Utc(2030, 3, 25, 8), Utc(2030, 4, 8, 7), Utc(2030, 4, 15, 7)], starts);
    }

    [Fact]
    public void An_all_day_series_is_written_and_read_in_DATE_values()
    {
        var master = new Item
        {
            Kind = ItemKind.CalendarItem,
            Uid = "all-day@example.com",
            Subject = "Holiday",
            IsAllDayEvent = true,
            // Midnight in Paris (winter): 23:00 UTC the day before.
            Start = Utc(2030, 1, 6, 23),
            End = Utc(2030, 1, 7, 23),
            StartTimeZone = new TimeZoneRef("Romance Standard Time"),
            EndTimeZone = new TimeZoneRef("Romance Standard Time"),
            Recurrence = new Recurrence(
                new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Monday, DayOfWeekIndex.First),
                new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 7), EndDate: new DateOnly(2030, 6, 30))),
            DeletedOccurrences = [Utc(2030, 2, 3, 23)],
        };
        master.Exceptions = [new OccurrenceException(Utc(2030, 3, 3, 23), new Item { Kind = ItemKind.CalendarItem, Subject = "Holiday (two days)", Start = Utc(2030, 3, 3, 23), End = Utc(2030, 3, 5, 23) })];
        var text = Text(master);
        var lines = Lines(text);
        Assert.Contains("RRULE:FREQ=MONTHLY;UNTIL=20300630;BYDAY=MO;BYSETPOS=1", lines);
        Assert.Contains("DTSTART;VALUE=DATE:20300107", lines);
        Assert.Contains("EXDATE;VALUE=DATE:20300204", lines);
        Assert.Contains("RECURRENCE-ID;VALUE=DATE:20300304", lines);

        // Dates are floating: read in the request's zone (its TimeZoneContext), as every all-day item is.
        var back = Read(text, "Romance Standard Time");
        Assert.True(back.IsAllDayEvent);
        Assert.Equal(master.Start, back.Start);
        Assert.Equal(master.Recurrence, back.Recurrence);
        Assert.Equal(master.DeletedOccurrences, back.DeletedOccurrences);
        var exception = Assert.Single(back.Exceptions!);
        Assert.Equal(Utc(2030, 3, 3, 23), exception.OriginalStartUtc);
        Assert.Equal(Utc(2030, 3, 5, 23), exception.Changes.End);

        Assert.Equal(
            [
                "date:2030-01-07 date:2030-01-08 Holiday",
                "date:2030-03-04 date:2030-03-06 Holiday (two days)",
                "date:2030-04-01 date:2030-04-02 Holiday",
                "date:2030-05-06 date:2030-05-07 Holiday",
                "date:2030-06-03 date:2030-06-04 Holiday",
            ],
            Expand(text, "2030-01-01", "2031-01-01"));
    }

    [Fact]
    public void Googles_series_with_its_moved_occurrence_before_the_master_reads_as_one_series_with_one_exception()
    {
        var item = new Item { Kind = ItemKind.CalendarItem };
        MimeContent.Apply(item, File.ReadAllBytes(TestFiles.Mime("google-last-friday-with-moved-occurrence.ics")), null);
        Assert.Equal("Karaoke", item.Subject);
        // DTSTART;TZID=Europe/Berlin:20211126T213000 (UTC+1).
        Assert.Equal(Utc(2021, 11, 26, 20, 30), item.Start);
        Assert.Equal("W. Europe Standard Time", item.StartTimeZone?.Id);
        Assert.Equal(
            new Recurrence(new RecurrencePattern(RecurrencePatternKind.RelativeMonthly, 1, RecurrenceDays.Friday, DayOfWeekIndex.Last), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2021, 11, 26))),
            item.Recurrence);
        Assert.Null(item.DeletedOccurrences);
        var moved = Assert.Single(item.Exceptions!);
        Assert.Equal(Utc(2021, 12, 31, 20, 30), moved.OriginalStartUtc);
        Assert.Equal(Utc(2021, 12, 17, 20, 30), moved.Changes.Start);
        Assert.Null(moved.Changes.Subject); // the same summary as the master's
    }

    [Fact]
    public void DavMails_put_of_a_weekday_series_with_EXDATEs_reads_its_deletions_in_the_series_zone()
    {
        // As Thunderbird writes it and DavMail passes it on (EXDATE as a list, an IANA TZID, a DATE EXDATE too).
        var ics = """
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN
            BEGIN:VEVENT
            UID:weekdays@example.com
            SUMMARY:Stand-up
            DTSTART;TZID=America/New_York:20301104T091500
            DTEND;TZID=America/New_York:20301104T093000
            RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20
            EXDATE;TZID=America/New_York:20301128T091500,20301129T091500
            EXDATE;VALUE=DATE:20301111
            END:VEVENT
            END:VCALENDAR
            """.ReplaceLineEndings("\r\n");
        var item = Read(ics);
        Assert.Equal("Eastern Standard Time", item.StartTimeZone?.Id);
        Assert.Equal(new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Weekday, FirstDayOfWeek: DayOfWeek.Monday), item.Recurrence?.Pattern);
        Assert.Equal(new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 11, 4), NumberOfOccurrences: 20), item.Recurrence?.Range);
        // 09:15 EST is 14:15 UTC; the DATE EXDATE is that day's occurrence.
        Assert.Equal([Utc(2030, 11, 11, 14, 15), Utc(2030, 11, 28, 14, 15), Utc(2030, 11, 29, 14, 15)], item.DeletedOccurrences);
        Assert.Null(item.Exceptions);
    }

    [Theory]
    [InlineData("FREQ=DAILY;UNTIL=20300322T225959Z", "2030-03-22")] // Google: the last day's end in UTC (23:59:59 Paris)
    [InlineData("FREQ=DAILY;UNTIL=20300322T080000Z", "2030-03-22")] // Exchange and Outlook: the last start in UTC
    [InlineData("FREQ=DAILY;UNTIL=20300322", "2030-03-22")] // a DATE (not RFC 5545 beside a DATE-TIME DTSTART, but written)
    [InlineData("FREQ=DAILY;UNTIL=20300322T075959Z", "2030-03-21")]
    public void UNTIL_as_clients_write_it_reads_through_Ical_Net_as_the_last_day(string rule, string endDate)
    {
        var ics = $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:until@example.com\r\nDTSTART;TZID=Europe/Paris:20300318T090000\r\nDTEND;TZID=Europe/Paris:20300318T100000\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        var range = Read(ics).Recurrence!.Range;
        Assert.Equal((RecurrenceRangeKind.EndDate, DateOnly.Parse(endDate, System.Globalization.CultureInfo.InvariantCulture)), (range.Kind, range.EndDate!.Value));
    }

    [Fact]
    public void A_cancelled_RECURRENCE_ID_is_a_deleted_occurrence()
    {
        var ics = """
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//Google Inc//Google Calendar 70.9054//EN
            BEGIN:VEVENT
            UID:cancelled@google.com
            DTSTART;TZID=Europe/Paris:20300318T090000
            DTEND;TZID=Europe/Paris:20300318T100000
            RRULE:FREQ=WEEKLY;BYDAY=MO
            SUMMARY:Sync
            END:VEVENT
            BEGIN:VEVENT
            UID:cancelled@google.com
            RECURRENCE-ID;TZID=Europe/Paris:20300325T090000
            DTSTART;TZID=Europe/Paris:20300325T090000
            DTEND;TZID=Europe/Paris:20300325T100000
            STATUS:CANCELLED
            SUMMARY:Sync
            END:VEVENT
            END:VCALENDAR
            """.ReplaceLineEndings("\r\n");
        var item = Read(ics);
        Assert.Equal([Utc(2030, 3, 25, 8)], item.DeletedOccurrences);
        Assert.Null(item.Exceptions);
    }

    [Fact]
    public void An_invitation_to_one_occurrence_without_its_master_is_kept_as_a_single_item()
    {
        // RFC 5546 §3.2.2: an organizer may send one instance alone (its RECURRENCE-ID names it); there is no series here.
        var ics = """
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//tests//EN
            METHOD:REQUEST
            BEGIN:VEVENT
            UID:someone-elses-series@example.com
            RECURRENCE-ID:20300408T070000Z
            DTSTART:20300408T080000Z
            DTEND:20300408T090000Z
            SUMMARY:One occurrence
            END:VEVENT
            END:VCALENDAR
            """.ReplaceLineEndings("\r\n");
        var item = Read(ics);
        Assert.Equal(("someone-elses-series@example.com", "One occurrence", Utc(2030, 4, 8, 8)), (item.Uid, item.Subject, item.Start));
        Assert.Null(item.Recurrence);
        Assert.Null(item.Exceptions);
    }

    [Fact]
    public void Content_without_an_RRULE_makes_a_stored_master_a_single_item()
    {
        // MimeContent is the whole item (UpdateItem): what it does not say is not kept.
        var item = ParisSeries();
        MimeContent.Apply(item, Encoding.UTF8.GetBytes("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:series-paris@example.com\r\nDTSTART:20300318T080000Z\r\nDTEND:20300318T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), null);
        Assert.Null(item.Recurrence);
        Assert.Null(item.DeletedOccurrences);
        Assert.Null(item.Exceptions);
    }

    [Theory]
    [InlineData("RRULE:FREQ=HOURLY;INTERVAL=3\r\n")]
    [InlineData("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15\r\n")]
    [InlineData("RRULE:FREQ=DAILY\r\nRDATE:20300320T080000Z\r\n")]
    [InlineData("RRULE:FREQ=DAILY\r\nRRULE:FREQ=WEEKLY\r\n")]
    public void A_series_EWS_cannot_hold_is_ErrorMimeContentConversionFailed(string extra)
    {
        var ics = $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@example.com\r\nDTSTART:20300318T080000Z\r\nDTEND:20300318T090000Z\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n";
        var e = Assert.Throws<DomainException>(() => Read(ics));
        Assert.Equal(ErrorCode.MimeContentConversionFailed, e.Code);
    }

    [Theory]
    [InlineData("RRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x@example.com\r\n")]
    [InlineData("")]
    public void A_RECURRENCE_ID_with_RANGE_THISANDFUTURE_is_ErrorMimeContentConversionFailed(string master)
    {
        // With its series or alone: this occurrence and every later one (RFC 5545 §3.8.4.4), which EWS cannot hold.
        var ics = $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@example.com\r\nDTSTART:20300318T080000Z\r\nDTEND:20300318T090000Z\r\n{master}"
            + "RECURRENCE-ID;RANGE=THISANDFUTURE:20300325T080000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        var e = Assert.Throws<DomainException>(() => Read(ics));
        Assert.Equal(ErrorCode.MimeContentConversionFailed, e.Code);
    }

    [Fact]
    public void A_series_in_UTC_is_written_in_UTC_with_UTC_exception_dates()
    {
        var master = ParisSeries();
        master.StartTimeZone = new TimeZoneRef("UTC");
        master.EndTimeZone = new TimeZoneRef("UTC");
        var text = Text(master);
        // The TZID of UTC as clients' own tables know it (TimeZones.ClientZoneId).
        Assert.Contains("EXDATE;TZID=Greenwich Standard Time:20300401T070000", Lines(text));
        var back = Read(text);
        Assert.Equal(master.Recurrence, back.Recurrence);
        Assert.Equal(master.DeletedOccurrences, back.DeletedOccurrences);
        Assert.Equal(Utc(2030, 4, 8, 7), Assert.Single(back.Exceptions!).OriginalStartUtc);
    }

    [Fact]
    public void One_occurrence_as_an_item_of_its_own_is_named_by_its_RECURRENCE_ID()
    {
        // As a view materialises it from its master: no recurrence of its own, its original start kept.
        var occurrence = ParisSeries();
        occurrence.Recurrence = null;
        occurrence.DeletedOccurrences = null;
        occurrence.Exceptions = null;
        occurrence.Start = Utc(2030, 4, 15, 7);
        occurrence.End = Utc(2030, 4, 15, 8);
        occurrence.OriginalStart = Utc(2030, 4, 15, 7);
        var lines = Lines(Text(occurrence));
        Assert.Contains("RECURRENCE-ID;TZID=Romance Standard Time:20300415T090000", lines);
        Assert.DoesNotContain(lines.SkipWhile(l => l != "BEGIN:VEVENT"), l => l.StartsWith("RRULE", StringComparison.Ordinal));
        Assert.Equal(1, lines.Count(l => l == "BEGIN:VEVENT"));
        // Read back alone, it is a single item (no master to attach it to).
        var back = Read(string.Join("\r\n", lines));
        Assert.Equal((Utc(2030, 4, 15, 7), (Recurrence?)null), (back.Start, back.Recurrence));
    }

    [Fact]
    public void A_daily_series_with_900_exceptions_round_trips()
    {
        // Each exception is one overlay of the master and one diff against it, never a copy of them all (speed belongs
        // in bench/, not in a timed test).
        var master = ParisSeries();
        master.Recurrence = new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 3, 18)));
        master.DeletedOccurrences = null;
        master.Exceptions = [.. Enumerable.Range(1, 900).Select(d => new OccurrenceException(
            master.Start!.Value.AddDays(d),
            new Item { Kind = ItemKind.CalendarItem, Subject = $"Day {d}", Start = master.Start.Value.AddDays(d).AddHours(-1), End = master.Start.Value.AddDays(d) }))];
        var back = Read(Text(master));
        Assert.Equal(900, back.Exceptions!.Count);
        Assert.Equal("Day 900", back.Exceptions[^1].Changes.Subject);
    }

    /// <summary>The occurrences python3-recurring-ical-events finds in [from, to): `START END SUMMARY` each.</summary>
    private static List<string> Expand(string ics, string from, string to)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, ics);
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { Path.Combine(TestFiles.Root, "tests", "interop", "mime", "expand_ics.py"), path, from, to })
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "python3 did not finish");
            Assert.True(process.ExitCode == 0, $"python3-recurring-ical-events refused the calendar:\n{stdout}\n{stderr}\n{ics}");
            return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        }
        finally
        {
            File.Delete(path);
        }
    }
}
