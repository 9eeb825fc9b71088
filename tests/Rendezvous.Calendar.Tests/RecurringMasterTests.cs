using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// A recurring master's rules (issue 16 §2, §5): where it starts, what a change of the series does to its exceptions
/// and deleted occurrences, and what FirstOccurrence, LastOccurrence and ModifiedOccurrences say.
/// </summary>
public sealed class RecurringMasterTests
{
    // Monday 7 January 2030, 09:00 UTC.
    private static readonly DateTime Nine = new(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);

    private static Recurrence Daily(int count, int interval = 1) =>
        new(new RecurrencePattern(RecurrencePatternKind.Daily, interval), new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: count));

    private static Item Master(Recurrence recurrence) => new()
    {
        Kind = ItemKind.CalendarItem, Subject = "Stand-up", Start = Nine, End = Nine.AddMinutes(15), Recurrence = recurrence,
        StartTimeZone = new TimeZoneRef("UTC", "UTC"),
    };

    private static OccurrenceException Moved(DateTime original, TimeSpan by) =>
        new(original, new Item { Kind = ItemKind.CalendarItem, Start = original + by, End = original + by + TimeSpan.FromMinutes(15) });

    [Fact]
    public void A_new_pattern_drops_every_exception_and_deleted_occurrence()
    {
        var before = Master(Daily(10));
        before.Exceptions = [Moved(Nine.AddDays(2), TimeSpan.FromHours(1))];
        before.DeletedOccurrences = [Nine.AddDays(4)];
        var after = before.Clone();
        after.Recurrence = Daily(10, interval: 2);

        RecurringMaster.AfterUpdate(before, after);

        Assert.Null(after.Exceptions);
        Assert.Null(after.DeletedOccurrences);
    }

    [Fact]
    public void A_replaced_content_keeps_its_own_exceptions_on_a_new_pattern_and_drops_those_off_it()
    {
        // What a MimeContent set leaves (DavMail PUTs the whole series): a daily series every other day whose content
        // says one exception and one deletion on the pattern (days 2 and 4) and one of each off it (days 3 and 5).
        var item = Master(Daily(10, interval: 2));
        item.Exceptions = [Moved(Nine.AddDays(2), TimeSpan.FromHours(1)), Moved(Nine.AddDays(3), TimeSpan.FromHours(1))];
        item.DeletedOccurrences = [Nine.AddDays(4), Nine.AddDays(5)];

        RecurringMaster.AfterContentReplaced(item);

        Assert.Equal([Nine.AddDays(2)], item.Exceptions!.Select(e => e.OriginalStartUtc));
        Assert.Equal([Nine.AddDays(4)], item.DeletedOccurrences!);
    }

    [Fact]
    public void A_shorter_range_keeps_the_exceptions_still_in_it_and_drops_the_others()
    {
        var before = Master(Daily(10));
        before.Exceptions = [Moved(Nine.AddDays(1), TimeSpan.FromHours(1)), Moved(Nine.AddDays(8), TimeSpan.FromHours(1))];
        before.DeletedOccurrences = [Nine.AddDays(2), Nine.AddDays(9)];
        var after = before.Clone();
        after.Recurrence = Daily(5);

        RecurringMaster.AfterUpdate(before, after);

        Assert.Equal([Nine.AddDays(1)], after.Exceptions!.Select(e => e.OriginalStartUtc));
        Assert.Equal([Nine.AddDays(2)], after.DeletedOccurrences!);
    }

    [Fact]
    public void A_new_time_of_day_drops_every_exception_and_keeps_deleted_occurrences_on_their_days()
    {
        var before = Master(Daily(10));
        before.Exceptions = [Moved(Nine.AddDays(2), TimeSpan.FromHours(1))];
        before.DeletedOccurrences = [Nine.AddDays(4)];
        var after = before.Clone();
        (after.Start, after.End) = (Nine.AddHours(2), Nine.AddHours(2).AddMinutes(15));

        RecurringMaster.AfterUpdate(before, after);

        Assert.Null(after.Exceptions);
        Assert.Equal([Nine.AddDays(4).AddHours(2)], after.DeletedOccurrences!);
    }

    [Fact]
    public void A_new_duration_drops_every_exception()
    {
        var before = Master(Daily(10));
        before.Exceptions = [Moved(Nine.AddDays(2), TimeSpan.FromHours(1))];
        var after = before.Clone();
        after.End = Nine.AddMinutes(30);

        RecurringMaster.AfterUpdate(before, after);

        Assert.Null(after.Exceptions);
    }

    [Fact]
    public void A_change_that_leaves_the_series_alone_keeps_its_exceptions()
    {
        var before = Master(Daily(10));
        before.Exceptions = [Moved(Nine.AddDays(3), TimeSpan.FromHours(2))];
        var after = before.Clone();
        after.Subject = "Daily stand-up";

        RecurringMaster.AfterUpdate(before, after);

        Assert.Single(after.Exceptions!);
    }

    [Fact]
    public void Removing_the_recurrence_makes_a_single_item_without_exceptions()
    {
        var before = Master(Daily(3));
        before.Exceptions = [Moved(Nine.AddDays(1), TimeSpan.FromHours(2))];
        var after = before.Clone();
        after.Recurrence = null;

        RecurringMaster.AfterUpdate(before, after);

        Assert.Null(after.Exceptions);
        Assert.Equal(Nine, after.Start);
    }

    [Fact]
    public void The_first_and_last_occurrence_skip_deleted_ones_and_show_an_exception_where_it_is()
    {
        var master = Master(Daily(5));
        master.DeletedOccurrences = [Nine];
        master.Exceptions = [Moved(Nine.AddDays(4), TimeSpan.FromHours(3))];

        var first = RecurringMaster.First(master)!.Value;
        var last = RecurringMaster.Last(master)!.Value;

        Assert.Equal((2, Nine.AddDays(1)), (first.Index, first.StartUtc));
        Assert.Equal((5, Nine.AddDays(4), Nine.AddDays(4).AddHours(3), true), (last.Index, last.OriginalStartUtc, last.StartUtc, last.IsException));
        Assert.Equal([5], RecurringMaster.ModifiedOccurrences(master).Select(o => o.Index));
    }

    [Fact]
    public void A_series_without_end_has_no_last_occurrence()
    {
        var master = Master(new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.NoEnd, new DateOnly(2030, 1, 7))));
        Assert.NotNull(RecurringMaster.First(master));
        Assert.Null(RecurringMaster.Last(master));
    }

    [Fact]
    public void A_master_given_a_start_the_pattern_skips_moves_to_its_first_occurrence_keeping_its_duration()
    {
        var weekly = new Recurrence(
            new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Wednesday),
            new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), NumberOfOccurrences: 2));
        var master = Master(weekly);

        RecurringMaster.Settle(master);

        Assert.Equal((Nine.AddDays(2), Nine.AddDays(2).AddMinutes(15)), (master.Start!.Value, master.End!.Value));
    }

    [Theory]
    [InlineData(0, ErrorCode.RecurrenceHasNoOccurrence)]
    [InlineData(1, ErrorCode.OccurrenceTimeSpanTooBig)]
    public void An_unsavable_recurrence_is_refused_with_Exchange_s_error(int variant, ErrorCode code)
    {
        var master = variant == 0
            ? Master(new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.EndDate, new DateOnly(2030, 1, 7), new DateOnly(2030, 1, 1))))
            : Master(Daily(3));
        if (variant == 1)
        {
            master.End = Nine.AddDays(2);
        }

        var e = Assert.Throws<DomainException>(() => RecurringMaster.Settle(master));
        Assert.Equal(code, e.Code);
    }
    [Fact]
    public void The_last_occurrence_of_an_all_day_series_is_found_on_a_day_of_23_hours()
    {
        // Paris moves to summer time on Sunday 31 March 2030: that all-day occurrence is 23 hours long in UTC.
        var paris = new TimeZoneRef("Romance Standard Time", "Paris");
        var master = new Item
        {
            Kind = ItemKind.CalendarItem, IsAllDayEvent = true, StartTimeZone = paris, EndTimeZone = paris,
            Start = new DateTime(2030, 3, 28, 23, 0, 0, DateTimeKind.Utc), End = new DateTime(2030, 3, 29, 23, 0, 0, DateTimeKind.Utc),
            Recurrence = new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily), new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 3, 29), NumberOfOccurrences: 3)),
        };

        var last = RecurringMaster.Last(master)!.Value;

        Assert.Equal((3, new DateTime(2030, 3, 30, 23, 0, 0, DateTimeKind.Utc), new DateTime(2030, 3, 31, 22, 0, 0, DateTimeKind.Utc)), (last.Index, last.StartUtc, last.EndUtc));
    }
}
