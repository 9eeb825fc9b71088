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

    private Item Series(params string[] attendees)
    {
        var meeting = world.NewMeeting("alice", "Weekly", Nine, Hour, attendees.Length > 0 ? attendees : ["bob", "carol"]);
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
        // The attendees before and after the change, as MeetingService gives them (removed ones are told too).
        var addresses = MeetingWorkflow.AttendeeAddresses(MeetingWorkflow.OccurrenceOf(master, originalStart)!, world["alice"]).Concat(MeetingWorkflow.AttendeeAddresses(changed, world["alice"]));
        return world.Apply(MeetingWorkflow.UpdateOccurrence(world.Placed(master.Id), after, originalStart, world["alice"], mode,
            world.Views(addresses, master.Uid), null, world.Context));
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

    private static Attendee Invited(string user) => new(new EmailAddress(null, World.Address(user)));

    private static Attendee? RowOrNull(Item item, string user) => CalendarRules.AllAttendees(item).FirstOrDefault(a => a.Mailbox.Is(World.Address(user)));

    [Fact]
    public void An_attendee_added_to_one_occurrence_gets_a_request_for_it_and_holds_that_occurrence_alone()
    {
        Series("bob");

        UpdateOccurrence(Third, o => o.RequiredAttendees = [.. o.RequiredAttendees!, Invited("carol")]);

        var request = Assert.Single(world.In("carol", "inbox"));
        Assert.Equal((ItemKind.MeetingRequest, "NewMeetingRequest", (DateTime?)Third, (Recurrence?)null), (request.Kind, request.MeetingRequestType, request.OriginalStart, request.Recurrence));
        var alone = Assert.Single(world.In("carol", "calendar"));
        Assert.Equal(((DateTime?)Third, (DateTime?)Third, (Recurrence?)null, "NoResponseReceived"), (alone.OriginalStart, alone.Start, alone.Recurrence, alone.MyResponseType));
        Assert.Equal(alone.Id, request.AssociatedCalendarItemId);
        Assert.Equal("Unknown", Row(Occurrence("alice", Third), "carol").ResponseType);
        Assert.Null(RowOrNull(Occurrence("alice", Nine), "carol"));
        Assert.Null(RowOrNull(MasterOf("alice"), "carol"));

        // Her answer is that occurrence's on the organizer's series.
        world.Respond("carol", request.Id, new MeetingReply(ResponseKind.Accept));

        Assert.Equal("Accept", Row(Occurrence("alice", Third), "carol").ResponseType);
        Assert.Equal("Accept", Assert.Single(world.In("carol", "calendar")).MyResponseType);
        var response = Assert.Single(world.In("alice", "inbox"));
        Assert.Equal(((DateTime?)Third, Occurrence("alice", Third).Id), (response.OriginalStart, response.AssociatedCalendarItemId));
        Assert.Null(RowOrNull(MasterOf("alice"), "carol"));
    }

    [Fact]
    public void An_attendee_removed_from_one_occurrence_gets_its_cancellation_and_loses_that_occurrence_alone()
    {
        Series();

        UpdateOccurrence(Third, o => o.RequiredAttendees = [.. o.RequiredAttendees!.Where(a => !a.Mailbox.Is(World.Address("carol")))]);

        var cancellation = Assert.Single(world.In("carol", "inbox"), i => i.Kind == ItemKind.MeetingCancellation);
        Assert.Equal(Third, cancellation.OriginalStart);
        Assert.Null(Occurrence("carol", Third));
        Assert.NotNull(Occurrence("carol", Nine));
        Assert.Null(RowOrNull(Occurrence("alice", Third), "carol"));
        Assert.NotNull(RowOrNull(Occurrence("alice", Nine), "carol"));
        Assert.NotNull(Occurrence("bob", Third));
        Assert.DoesNotContain(world.In("bob", "inbox"), i => i.Kind == ItemKind.MeetingCancellation);
    }

    [Fact]
    public void Answering_the_series_keeps_an_occurrence_answered_otherwise()
    {
        Series();
        RespondToOccurrence("carol", Third, new MeetingReply(ResponseKind.Tentative));

        world.Respond("carol", world.In("carol", "inbox").Single(i => i.OriginalStart is null).Id, new MeetingReply(ResponseKind.Accept));

        Assert.Equal(("Tentative", "Accept"), (Occurrence("carol", Third).MyResponseType, Occurrence("carol", Nine).MyResponseType));
        Assert.Equal(("Tentative", "Accept"), (Row(Occurrence("alice", Third), "carol").ResponseType, Row(MasterOf("alice"), "carol").ResponseType));
    }

    [Fact]
    public void Answering_the_series_again_carries_occurrences_that_had_the_series_answer_along()
    {
        Series();
        world.Respond("bob", world.In("bob", "inbox").Single().Id, new MeetingReply(ResponseKind.Accept));
        // Bob's occurrence answered as the series was, and the organizer's occurrence tracked apart (Carol's answer to it).
        RespondToOccurrence("bob", Third, new MeetingReply(ResponseKind.Accept));
        RespondToOccurrence("carol", Third, new MeetingReply(ResponseKind.Decline));

        world.Respond("bob", MasterOf("bob").Id, new MeetingReply(ResponseKind.Tentative));

        Assert.Equal(("Tentative", "Tentative"), (Occurrence("bob", Third).MyResponseType, Occurrence("bob", Nine).MyResponseType));
        Assert.Equal(("Tentative", "Tentative"), (Row(Occurrence("alice", Third), "bob").ResponseType, Row(MasterOf("alice"), "bob").ResponseType));
        Assert.Equal("Decline", Row(Occurrence("alice", Third), "carol").ResponseType);
    }

    [Fact]
    public void A_new_series_time_drops_its_exceptions_everywhere_and_cancels_them_for_their_attendees()
    {
        Series("bob");
        UpdateOccurrence(Third, o => o.Location = "Room 9");
        UpdateOccurrence(Third.AddDays(7), o => o.RequiredAttendees = [.. o.RequiredAttendees!, Invited("carol")]);

        world.Update("alice", MasterOf("alice").Id, m =>
        {
            var stored = m.Clone();
            (m.Start, m.End) = (m.Start!.Value.AddHours(2), m.End!.Value.AddHours(2));
            RecurringMaster.AfterUpdate(stored, m);
        });

        Assert.Null(MasterOf("alice").Exceptions);
        Assert.Null(MasterOf("bob").Exceptions);
        Assert.Equal(((DateTime?)Third.AddHours(2), "Room 1"), (Occurrence("bob", Third.AddHours(2)).Start, Occurrence("bob", Third.AddHours(2)).Location));
        Assert.Equal([Third, Third.AddDays(7)], world.In("bob", "inbox").Where(i => i.Kind == ItemKind.MeetingCancellation).Select(i => i.OriginalStart!.Value).Order());
        Assert.True(Assert.Single(world.In("carol", "calendar")).IsCancelled);
        Assert.Equal(Third.AddDays(7), Assert.Single(world.In("carol", "inbox"), i => i.Kind == ItemKind.MeetingCancellation).OriginalStart);
    }
}
