using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// The meeting workflow per instance (issue 16 item 6): a series invited and answered as one meeting; one occurrence
/// answered, proposed for, moved and cancelled on its own, everything for it kept on each mailbox's master.
/// </summary>
public sealed class RecurringMeetingWorkflowTests
{
    // Mondays 2030-01-07, 01-14, 01-21, 01-28 at 09:00 UTC.
    private static readonly DateTime Nine = new(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Third = Nine.AddDays(14);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly World world = new("alice", "bob", "carol") { ServerIds = true };

    private Item Series()
    {
        var meeting = world.NewMeeting("alice", "Weekly", Nine, Hour, ["bob", "carol"]);
        meeting.Recurrence = new Recurrence(
            new RecurrencePattern(RecurrencePatternKind.Weekly, 1, RecurrenceDays.Monday, null, null, null, DayOfWeek.Sunday),
            new RecurrenceRange(RecurrenceRangeKind.Numbered, new DateOnly(2030, 1, 7), null, 4));
        return world.Create("alice", meeting);
    }

    private Item MasterOf(string user) => world.In(user, "calendar").Single(i => i.Kind == ItemKind.CalendarItem);

    private Item Occurrence(string user, DateTime originalStart) => MeetingWorkflow.OccurrenceOf(MasterOf(user), originalStart)!;

    private static Attendee Row(Item item, string user) => item.RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address(user)));

    private Decision RespondToOccurrence(string user, DateTime originalStart, MeetingReply reply)
    {
        var occurrence = Occurrence(user, originalStart);
        return world.Apply(MeetingWorkflow.Respond(reply, new PlacedItem(occurrence, "calendar"), world.View(user, occurrence.Uid), world.View("alice", occurrence.Uid), "SendAndSaveCopy", null, world.Context));
    }

    private Decision UpdateOccurrence(DateTime originalStart, Action<Item> change, string mode = "SendToAllAndSaveCopy")
    {
        var master = MasterOf("alice");
        var changed = MeetingWorkflow.OccurrenceOf(master, originalStart)!;
        change(changed);
        // The exception as UpdateItem of an occurrence makes it (helper F's OccurrenceEdits), then the meeting's fan-out.
        var after = OccurrenceEdits.Change(master, IndexOf(master, originalStart), changed);
        return world.Apply(MeetingWorkflow.UpdateOccurrence(world.Placed(master.Id), after, originalStart, world["alice"], mode,
            world.Views(MeetingWorkflow.AttendeeAddresses(changed, world["alice"]), master.Uid), null, world.Context));
    }

    private static int IndexOf(Item master, DateTime originalStart) => RecurrenceExpansion.IndexOf(SeriesItems.SeriesOf(master)!, originalStart)!.Value;

    [Fact]
    public void A_series_is_one_request_carrying_the_recurrence_and_each_attendee_gets_a_series_of_the_same_uid()
    {
        var series = Series();

        var request = world.In("bob", "inbox").Single();
        Assert.Equal((ItemKind.MeetingRequest, series.Recurrence), (request.Kind, request.Recurrence));
        var bobs = MasterOf("bob");
        Assert.Equal((series.Uid, series.Recurrence), (bobs.Uid, bobs.Recurrence));

        world.Respond("bob", request.Id, new MeetingReply(ResponseKind.Accept));
        Assert.Equal("Accept", Row(MasterOf("alice"), "bob").ResponseType);
        Assert.Equal("Accept", Occurrence("bob", Third).MyResponseType);
    }

    [Fact]
    public void Answering_one_occurrence_is_recorded_on_that_occurrence_alone_on_both_sides()
    {
        Series();

        var decision = RespondToOccurrence("carol", Third, new MeetingReply(ResponseKind.Tentative));

        var response = world.In("alice", "inbox").Single();
        Assert.Equal((ItemKind.MeetingResponse, (DateTime?)Third, (Recurrence?)null), (response.Kind, response.OriginalStart, response.Recurrence));
        Assert.Equal(Occurrence("alice", Third).Id, response.AssociatedCalendarItemId);
        Assert.Equal("Tentative", Occurrence("carol", Third).MyResponseType);
        Assert.Equal("NoResponseReceived", Occurrence("carol", Nine).MyResponseType);
        Assert.Equal("Tentative", Row(Occurrence("alice", Third), "carol").ResponseType);
        Assert.Equal("Unknown", Row(Occurrence("alice", Nine), "carol").ResponseType);
        Assert.Equal("Unknown", Row(MasterOf("alice"), "carol").ResponseType);
        // The series' request waits for the series' answer.
        Assert.Single(world.In("carol", "inbox"));
        Assert.Equal(Third, decision.Results[0].OriginalStart);
    }

    [Fact]
    public void Declining_one_occurrence_removes_it_from_the_attendees_calendar_only()
    {
        Series();

        RespondToOccurrence("bob", Third, new MeetingReply(ResponseKind.Decline));

        Assert.Null(Occurrence("bob", Third));
        Assert.NotNull(Occurrence("bob", Nine));
        Assert.Equal("Decline", Row(Occurrence("alice", Third), "bob").ResponseType);
        Assert.NotNull(Occurrence("alice", Third));
    }

    [Fact]
    public void A_proposal_for_one_occurrence_is_tracked_on_it_and_applying_it_moves_that_occurrence_alone_for_everyone()
    {
        Series();
        world.Respond("bob", world.In("bob", "inbox").Single().Id, new MeetingReply(ResponseKind.Accept));
        var proposedStart = Third.AddHours(5);

        RespondToOccurrence("bob", Third, new MeetingReply(ResponseKind.Tentative, null, proposedStart, proposedStart + Hour));

        var proposal = world.In("alice", "inbox").Single(i => i.ProposedStart is not null);
        Assert.Equal(((DateTime?)Third, (DateTime?)proposedStart, "New Time Proposed: Weekly"), (proposal.OriginalStart, proposal.ProposedStart, proposal.Subject));
        Assert.Equal(proposedStart, Row(Occurrence("alice", Third), "bob").ProposedStart);
        Assert.Null(Row(Occurrence("alice", Nine), "bob").ProposedStart);
        Assert.Equal("Accept", Row(MasterOf("alice"), "bob").ResponseType);

        UpdateOccurrence(Third, o => (o.Start, o.End) = (proposedStart, proposedStart + Hour));

        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            var moved = Occurrence(user, Third);
            Assert.Equal((user, (DateTime?)proposedStart, "Exception"), (user, moved.Start, SeriesItems.InstanceType(moved)));
            Assert.Equal((user, (DateTime?)Third.AddDays(-7)), (user, Occurrence(user, Third.AddDays(-7)).Start));
            Assert.Equal((user, (DateTime?)Third.AddDays(7)), (user, Occurrence(user, Third.AddDays(7)).Start));
        }

        Assert.Null(Row(Occurrence("alice", Third), "bob").ProposedStart);
        var update = world.In("bob", "inbox").Single(i => i.Kind == ItemKind.MeetingRequest && i.IsOutOfDate != true);
        Assert.Equal(("FullUpdate", (DateTime?)Third, (DateTime?)proposedStart, (Recurrence?)null), (update.MeetingRequestType, update.OriginalStart, update.Start, update.Recurrence));
        Assert.Equal(Occurrence("bob", Third).Id, update.AssociatedCalendarItemId);
        Assert.Equal("NoResponseReceived", Occurrence("bob", Third).MyResponseType);
        Assert.Equal("Accept", Occurrence("bob", Nine).MyResponseType);
        Assert.Single(world.In("alice", "sentitems"), i => i.OriginalStart == Third);
    }

    [Fact]
    public void A_change_to_one_occurrence_sent_to_none_tells_no_one()
    {
        Series();
        var inbox = world.In("bob", "inbox").Count;

        UpdateOccurrence(Third, o => o.Location = "Room 9", "SendToNone");

        Assert.Equal("Room 9", Occurrence("alice", Third).Location);
        Assert.Equal("Room 1", Occurrence("bob", Third).Location);
        Assert.Equal(inbox, world.In("bob", "inbox").Count);
    }

    [Fact]
    public void Cancelling_one_occurrence_deletes_it_from_every_series_and_sends_a_cancellation_for_it()
    {
        Series();
        var master = MasterOf("alice");

        world.Apply(MeetingWorkflow.CancelOccurrence(world.Placed(master.Id), OccurrenceEdits.Delete(master, 3)!, Occurrence("alice", Third), world["alice"], null, "SendToAllAndSaveCopy",
            world.Views(MeetingWorkflow.AttendeeAddresses(master, world["alice"]), master.Uid), null, world.Context));

        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            Assert.Equal((user, true, false), (user, MasterOf(user).DeletedOccurrences!.Contains(Third), MasterOf(user).IsCancelled));
            Assert.Null(Occurrence(user, Third));
            Assert.NotNull(Occurrence(user, Nine));
        }

        var cancellation = world.In("bob", "inbox").Single(i => i.Kind == ItemKind.MeetingCancellation);
        Assert.Equal(Third, cancellation.OriginalStart);
        Assert.Single(world.In("alice", "sentitems"), i => i.Kind == ItemKind.MeetingCancellation);
    }

    [Fact]
    public void A_series_update_reaches_the_attendees_series_and_keeps_their_answer_to_one_occurrence()
    {
        Series();
        RespondToOccurrence("bob", Third, new MeetingReply(ResponseKind.Tentative));
        UpdateOccurrence(Third, o => o.Location = "Room 9");

        world.Update("alice", MasterOf("alice").Id, m => m.Subject = "Weekly (new name)");

        var bobs = MasterOf("bob");
        Assert.Equal("Weekly (new name)", bobs.Subject);
        Assert.Equal(("Room 9", "Weekly (new name)"), (Occurrence("bob", Third).Location, Occurrence("bob", Third).Subject));
        Assert.Equal("Tentative", Occurrence("bob", Third).MyResponseType);
        Assert.All(bobs.Exceptions!, e => Assert.All(e.Changes.RequiredAttendees ?? [], a => Assert.Null(a.ResponseType)));
    }
}
