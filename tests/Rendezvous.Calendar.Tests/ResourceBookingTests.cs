using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>A room's own answer (issue 17 §5), with Exchange's resource booking defaults.</summary>
public sealed class ResourceBookingTests
{
    private static readonly DateTime Now = new(2030, 1, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Nine = new(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);

    private static Item Event(DateTime start, int minutes, string uid = "other", string? status = null, bool cancelled = false, Recurrence? recurrence = null)
    {
        var item = new Item { Kind = ItemKind.CalendarItem, Start = start, End = start.AddMinutes(minutes), Uid = uid, Recurrence = recurrence, IsCancelled = cancelled };
        item.LegacyFreeBusyStatus = status ?? SchemaValues.LegacyFreeBusyType.Busy;
        return item;
    }

    private static Recurrence Weekly(int count, DateTime start) =>
        new(new RecurrencePattern(RecurrencePatternKind.Weekly, 1, (RecurrenceDays)(1 << (int)start.DayOfWeek), FirstDayOfWeek: DayOfWeek.Monday),
            new RecurrenceRange(RecurrenceRangeKind.Numbered, DateOnly.FromDateTime(start), NumberOfOccurrences: count));

    [Fact]
    public void A_free_room_accepts()
    {
        var answer = ResourceBooking.Decide(Event(Nine, 60, "m"), [Event(Nine.AddHours(1), 60), Event(Nine.AddHours(-1), 60)], Now);

        Assert.Equal((ResponseKind.Accept, BookingReason.Free), (answer.Kind, answer.Reason));
    }

    [Fact]
    public void An_overlap_of_one_minute_declines_and_names_the_conflict()
    {
        var answer = ResourceBooking.Decide(Event(Nine, 60, "m"), [Event(Nine.AddMinutes(59), 30)], Now);

        Assert.Equal((ResponseKind.Decline, BookingReason.Conflict), (answer.Kind, answer.Reason));
        Assert.Equal([Nine], answer.Conflicts);
        Assert.Contains("unavailable", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Free_and_cancelled_items_and_the_meeting_itself_do_not_hold_the_room()
    {
        var calendar = new[]
        {
            Event(Nine, 60, status: SchemaValues.LegacyFreeBusyType.Free),
            Event(Nine, 60, cancelled: true),
            Event(Nine, 60, uid: "m", status: SchemaValues.LegacyFreeBusyType.Tentative),
        };

        Assert.Equal(ResponseKind.Accept, ResourceBooking.Decide(Event(Nine, 60, "m"), calendar, Now).Kind);
    }

    [Fact]
    public void Tentative_and_out_of_office_items_hold_the_room()
    {
        Assert.Equal(ResponseKind.Decline, ResourceBooking.Decide(Event(Nine, 60, "m"), [Event(Nine, 60, status: SchemaValues.LegacyFreeBusyType.Tentative)], Now).Kind);
        Assert.Equal(ResponseKind.Decline, ResourceBooking.Decide(Event(Nine, 60, "m"), [Event(Nine, 60, status: SchemaValues.LegacyFreeBusyType.OOF)], Now).Kind);
    }

    [Fact]
    public void A_meeting_beyond_the_booking_window_is_declined()
    {
        var answer = ResourceBooking.Decide(Event(Now.AddDays(181), 60, "m"), [], Now);

        Assert.Equal((ResponseKind.Decline, BookingReason.OutsideBookingWindow), (answer.Kind, answer.Reason));
    }

    [Fact]
    public void An_open_ended_series_is_declined_as_Exchange_does_by_default()
    {
        var noEnd = new Recurrence(new RecurrencePattern(RecurrencePatternKind.Daily, 1), new RecurrenceRange(RecurrenceRangeKind.NoEnd, DateOnly.FromDateTime(Nine)));

        var answer = ResourceBooking.Decide(Event(Nine, 60, "m", recurrence: noEnd), [], Now);

        Assert.Equal((ResponseKind.Decline, BookingReason.BeyondSchedulingHorizon), (answer.Kind, answer.Reason));
        Assert.Equal(ResponseKind.Accept, ResourceBooking.Decide(Event(Nine, 60, "m", recurrence: noEnd), [], Now, new BookingPolicy(EnforceSchedulingHorizon: false)).Kind);
    }

    [Fact]
    public void A_series_is_declined_when_any_occurrence_conflicts()
    {
        var series = Event(Nine, 60, "m", recurrence: Weekly(4, Nine));
        var thirdWeek = Event(Nine.AddDays(14).AddMinutes(30), 60);

        var answer = ResourceBooking.Decide(series, [thirdWeek], Now);

        Assert.Equal((ResponseKind.Decline, BookingReason.Conflict), (answer.Kind, answer.Reason));
        Assert.Equal([Nine.AddDays(14)], answer.Conflicts);
        Assert.Equal(ResponseKind.Accept, ResourceBooking.Decide(series, [Event(Nine.AddDays(28), 60)], Now).Kind);
    }

    [Fact]
    public void The_calendar_window_to_read_is_the_meeting_or_for_a_series_the_booking_window()
    {
        Assert.Equal((Nine, Nine.AddHours(1)), ResourceBooking.Window(Event(Nine, 60, "m"), Now));
        Assert.Equal((Now, Now.AddDays(180)), ResourceBooking.Window(Event(Nine, 60, "m", recurrence: Weekly(4, Nine)), Now));
    }

    [Fact]
    public void Conflicts_are_accepted_when_the_policy_allows_them()
    {
        Assert.Equal(ResponseKind.Accept, ResourceBooking.Decide(Event(Nine, 60, "m"), [Event(Nine, 60)], Now, new BookingPolicy(AllowConflicts: true)).Kind);
    }
}
