using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// A meeting is its UID and its organizer: Alice organizes a meeting with Bob and Carol; Bob, who learnt its UID from
/// his copy, organizes one of his own with that UID, inviting Alice and Carol. The views handed to the workflow hold
/// every item with the UID (as <see cref="World"/> builds them), so these pin the workflow's own rule: nothing Bob
/// sends changes Alice's meeting, and both meetings keep working side by side.
/// </summary>
public sealed class MeetingIdentityScenario
{
    private static readonly DateTime Nine = new(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly World world = new("alice", "bob", "carol");

    private static string Alice => World.Address("alice");

    private static string Bob => World.Address("bob");

    private static string Carol => World.Address("carol");

    /// <summary>Alice's meeting, then Bob's with the same UID; returns both organizer items as first stored.</summary>
    private (Item Alices, Item Bobs) TwoMeetingsOneUid()
    {
        var alices = world.Create("alice", world.NewMeeting("alice", "Budget", Nine, Hour, ["bob", "carol"]));
        var hijack = world.NewMeeting("bob", "Budget (moved)", Nine.AddHours(5), Hour, ["alice", "carol"]);
        hijack.Uid = alices.Uid;
        hijack.Location = "Bob's office";
        var bobs = world.Create("bob", hijack);
        return (alices, bobs);
    }

    private Item RequestFrom(string user, string organizer) =>
        world.In(user, "inbox").Single(i => i.Kind == ItemKind.MeetingRequest && i.Organizer!.Is(World.Address(organizer)) && i.IsOutOfDate != true);

    private Item CopyOf(string user, string organizer) =>
        world.In(user, "calendar").Single(i => i.Kind == ItemKind.CalendarItem && i.Organizer!.Is(World.Address(organizer)));

    [Fact]
    public void A_meeting_reusing_anothers_uid_leaves_the_organizers_item_as_it_was()
    {
        var (alices, _) = TwoMeetingsOneUid();

        var now = world.Get(alices.Id);
        Assert.Equal(("Budget", Nine, "Room 1"), (now.Subject, now.Start!.Value, now.Location!));
        Assert.True(now.Organizer!.Is(Alice));
        Assert.Equal("Organizer", now.MyResponseType);
        Assert.Equal([Bob, Carol], now.RequiredAttendees!.Select(a => a.Mailbox.Address));
        Assert.All(now.RequiredAttendees!, a => Assert.Equal("Unknown", a.ResponseType));
        Assert.Equal(alices.ChangeNumber, now.ChangeNumber);

        // Bob's meeting reaches Alice as a meeting of its own: a tentative copy beside her item, and a request.
        var copy = CopyOf("alice", "bob");
        Assert.Equal(("Budget (moved)", alices.Uid), (copy.Subject, copy.Uid));
        Assert.Equal(copy.Id, RequestFrom("alice", "bob").AssociatedCalendarItemId);
    }

    [Fact]
    public void A_meeting_reusing_anothers_uid_is_a_second_meeting_for_an_attendee_of_both()
    {
        TwoMeetingsOneUid();

        Assert.Equal(2, world.In("carol", "calendar").Count);
        var fromAlice = CopyOf("carol", "alice");
        Assert.Equal(("Budget", Nine), (fromAlice.Subject, fromAlice.Start!.Value));
        Assert.Equal(("Budget (moved)", Nine.AddHours(5)), (CopyOf("carol", "bob").Subject, CopyOf("carol", "bob").Start!.Value));

        // Alice's request to Carol is still the current one, and answering it answers Alice's meeting.
        var request = RequestFrom("carol", "alice");
        Assert.Equal(fromAlice.Id, request.AssociatedCalendarItemId);
        world.Respond("carol", request.Id, new MeetingReply(ResponseKind.Accept));
        Assert.Equal("Accept", CopyOf("carol", "alice").MyResponseType);
        Assert.Equal("NoResponseReceived", CopyOf("carol", "bob").MyResponseType);
        Assert.Single(world.In("carol", "inbox"), i => i.Kind == ItemKind.MeetingRequest && i.Organizer!.Is(Bob));
    }

    [Fact]
    public void Responses_to_each_meeting_are_tracked_on_that_meetings_organizer_item_only()
    {
        var (alices, bobs) = TwoMeetingsOneUid();

        world.Respond("carol", RequestFrom("carol", "alice").Id, new MeetingReply(ResponseKind.Accept));
        world.Respond("carol", RequestFrom("carol", "bob").Id, new MeetingReply(ResponseKind.Tentative, null, Nine.AddHours(7), Nine.AddHours(8)));
        world.Respond("alice", RequestFrom("alice", "bob").Id, new MeetingReply(ResponseKind.Decline));

        var alicesNow = world.Get(alices.Id);
        var carolForAlice = alicesNow.RequiredAttendees!.Single(a => a.Mailbox.Is(Carol));
        Assert.Equal(("Accept", (DateTime?)null), (carolForAlice.ResponseType!, carolForAlice.ProposedStart));
        Assert.Equal("Organizer", alicesNow.MyResponseType);
        Assert.Equal("calendar", world.Placed(alices.Id).Folder);

        var bobsNow = world.Get(bobs.Id);
        var carolForBob = bobsNow.RequiredAttendees!.Single(a => a.Mailbox.Is(Carol));
        Assert.Equal(("Tentative", (DateTime?)Nine.AddHours(7)), (carolForBob.ResponseType!, carolForBob.ProposedStart));
        Assert.Equal("Decline", bobsNow.RequiredAttendees!.Single(a => a.Mailbox.Is(Alice)).ResponseType);

        // Each organizer's Inbox has the responses to their own meeting, each pointing at it.
        Assert.All(world.In("alice", "inbox").Where(i => i.Kind == ItemKind.MeetingResponse), r => Assert.Equal(alices.Id, r.AssociatedCalendarItemId));
        Assert.Equal(2, world.In("bob", "inbox").Count(i => i.Kind == ItemKind.MeetingResponse && i.AssociatedCalendarItemId == bobs.Id));
    }

    [Fact]
    public void Cancelling_a_meeting_that_reuses_a_uid_cancels_that_meeting_only()
    {
        var (alices, bobs) = TwoMeetingsOneUid();

        world.Cancel("bob", bobs.Id);

        Assert.False(world.Get(alices.Id).IsCancelled);
        Assert.Equal("Budget", world.Get(alices.Id).Subject);
        Assert.True(CopyOf("alice", "bob").IsCancelled);
        Assert.True(CopyOf("carol", "bob").IsCancelled);
        Assert.False(CopyOf("carol", "alice").IsCancelled);
        Assert.NotEqual(true, RequestFrom("carol", "alice").IsOutOfDate);

        // Carol clears Bob's cancellation: her copy of Alice's meeting stays on the calendar.
        var cancellation = world.In("carol", "inbox").Single(i => i.Kind == ItemKind.MeetingCancellation);
        Apply(MeetingWorkflow.Remove(world.Placed(cancellation.Id), world.View("carol", cancellation.Uid), world.Context));
        Assert.Equal("Budget", world.In("carol", "calendar").Single().Subject);
    }

    [Fact]
    public void An_update_that_sets_anothers_uid_sends_a_meeting_of_its_own()
    {
        var alices = world.Create("alice", world.NewMeeting("alice", "Budget", Nine, Hour, ["bob", "carol"]));
        var bobs = world.Create("bob", world.NewMeeting("bob", "Lunch", Nine.AddHours(3), Hour, ["carol"]));

        world.Update("bob", bobs.Id, m =>
        {
            m.Uid = alices.Uid;
            m.Subject = "Budget (moved)";
            m.RequiredAttendees = [new Attendee(new EmailAddress(null, Alice)), new Attendee(new EmailAddress(null, Carol))];
        });

        Assert.Equal(alices.ChangeNumber, world.Get(alices.Id).ChangeNumber);
        Assert.Equal("Budget", CopyOf("carol", "alice").Subject);
        Assert.NotEqual(true, RequestFrom("carol", "alice").IsOutOfDate);
        Assert.Equal("Budget (moved)", CopyOf("alice", "bob").Subject);
    }

    [Fact]
    public void Only_the_organizer_cancels_or_updates_and_a_message_is_from_who_sends_it()
    {
        var (alices, _) = TwoMeetingsOneUid();
        var bobsCopyOfAlices = CopyOf("bob", "alice");

        var e = Assert.Throws<DomainException>(() => world.Cancel("bob", bobsCopyOfAlices.Id));
        Assert.Equal(ErrorCode.NotOrganizer, e.Code);

        // Bob's change to his copy of Alice's meeting, "sent to all", is his own edit: nothing goes out.
        var decision = world.Update("bob", bobsCopyOfAlices.Id, m => m.Subject = "Moved by Bob");
        Assert.Empty(decision.Creates);
        Assert.Equal("Budget", world.Get(alices.Id).Subject);

        // Every message Bob's meeting put anywhere is from Bob; every one of Alice's from Alice.
        foreach (var user in new[] { "alice", "carol" })
        {
            Assert.All(world.In(user, "inbox"), m => Assert.Equal((m.Organizer!.Address, m.Organizer.Address), (m.From!.Address, m.Sender!.Address)));
        }
    }

    [Fact]
    public void A_meeting_naming_another_organizer_is_not_sent()
    {
        var forged = world.NewMeeting("alice", "Budget", Nine, Hour, ["carol"]);

        var e = Assert.Throws<DomainException>(() => world.Create("bob", forged));

        Assert.Equal(ErrorCode.SendAsDenied, e.Code);
        Assert.Empty(world.In("carol", "inbox"));
        Assert.Empty(world.In("carol", "calendar"));
    }

    private void Apply(Decision decision) => world.Apply(decision);
}
