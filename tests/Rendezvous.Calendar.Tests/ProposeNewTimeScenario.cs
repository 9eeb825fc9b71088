using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>
/// The propose-new-time workflow of the seed's figure (the project's shared/seed/propose-new-time-workflow.png), step by step:
/// Alice organizes, Bob proposes a new time, Alice moves the meeting there, Bob accepts.
/// </summary>
public sealed class ProposeNewTimeScenario
{
    private static readonly DateTime Nine = new(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Eleven = Nine.AddHours(2);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly World world = new("alice", "bob", "carol");

    private Item Step1_2() => world.Create("alice", world.NewMeeting("alice", "Budget", Nine, Hour, ["bob", "carol"]));

    private Item BobsRequest() => world.In("bob", "inbox").Single(i => i.Kind == ItemKind.MeetingRequest && i.IsOutOfDate != true);

    private Decision Step3_Propose(string? body = "11:00 works better for me.") =>
        world.Respond("bob", BobsRequest().Id, new MeetingReply(ResponseKind.Tentative, body is null ? null : new Body("Text", body), Eleven, Eleven + Hour));

    [Fact]
    public void Step1_OrganizerSchedulesMeeting_ProposalsAllowedByDefault()
    {
        var meeting = Step1_2();

        Assert.True(meeting.IsMeeting);
        Assert.Equal("Organizer", meeting.MyResponseType);
        Assert.Equal(MeetingMessages.OrganizerMeeting, meeting.AppointmentState);
        Assert.True(meeting.MeetingRequestWasSent);
        Assert.True(meeting.AllowNewTimeProposal);
        Assert.All(meeting.RequiredAttendees!, a => Assert.Equal("Unknown", a.ResponseType));
        Assert.Equal("calendar", world.Placed(meeting.Id).Folder);
    }

    [Fact]
    public void Step2_ServerSendsMeetingRequestAndAddsTentativeMeetingToAttendeeCalendar()
    {
        var meeting = Step1_2();

        var request = BobsRequest();
        Assert.Equal("IPM.Schedule.Meeting.Request", request.ItemClass);
        Assert.Equal("NewMeetingRequest", request.MeetingRequestType);
        Assert.Equal(meeting.Uid, request.Uid);
        Assert.Equal(Nine, request.Start);
        Assert.Equal("Busy", request.IntendedFreeBusyStatus);
        Assert.True(request.Organizer!.Is(World.Address("alice")));
        Assert.True(request.From!.Is(World.Address("alice")));
        Assert.False(request.IsRead);
        Assert.Null(request.RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address("bob"))).ResponseType);

        var copy = world.Get(request.AssociatedCalendarItemId!);
        Assert.Equal("calendar", world.Placed(copy.Id).Folder);
        Assert.Equal("NoResponseReceived", copy.MyResponseType);
        Assert.Equal("Tentative", copy.LegacyFreeBusyStatus);
        Assert.Equal(MeetingMessages.ReceivedMeeting, copy.AppointmentState);
        Assert.Null(copy.UndeliveredRecipients);

        Assert.Single(world.In("carol", "inbox"));
        var sent = Assert.Single(world.In("alice", "sentitems"));
        Assert.Equal(ItemKind.MeetingRequest, sent.Kind);
        Assert.Equal(meeting.Id, sent.AssociatedCalendarItemId);
    }

    [Fact]
    public void Step3_AttendeeIsOfferedProposeNewTime_FromExchange2013()
    {
        var meeting = Step1_2();
        var request = BobsRequest();

        Assert.Contains("ProposeNewTime", CalendarRules.ResponseObjects(request, World.Address("bob"), ExchangeVersion.Exchange2013));
        Assert.Contains("ProposeNewTime", CalendarRules.ResponseObjects(world.Get(request.AssociatedCalendarItemId!), World.Address("bob"), ExchangeVersion.Exchange2016));
        Assert.DoesNotContain("ProposeNewTime", CalendarRules.ResponseObjects(request, World.Address("bob"), ExchangeVersion.Exchange2010_SP2));
        Assert.Equal(["AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ReplyToItem", "ForwardItem", "ReplyAllToItem", "ProposeNewTime"],
            CalendarRules.ResponseObjects(request, World.Address("bob"), ExchangeVersion.Exchange2013_SP1));

        var organizers = CalendarRules.ResponseObjects(meeting, World.Address("alice"), ExchangeVersion.Exchange2016);
        Assert.Contains("CancelCalendarItem", organizers);
        Assert.DoesNotContain("AcceptItem", organizers);
        Assert.DoesNotContain("ProposeNewTime", organizers);
    }

    [Fact]
    public void Step3_AttendeeProposes_RequestMovesToDeletedItemsAndResponseIsSaved()
    {
        Step1_2();
        var request = BobsRequest();

        var decision = Step3_Propose();

        var calendarItem = decision.Results[0];
        var moved = decision.Results[1];
        Assert.Equal(ItemKind.CalendarItem, calendarItem.Kind);
        Assert.Equal("Tentative", calendarItem.MyResponseType);
        Assert.Equal(world.Now, calendarItem.AppointmentReplyTime);
        Assert.Equal(Nine, calendarItem.Start); // a proposal does not move the attendee's meeting
        Assert.Equal("calendar", world.Placed(calendarItem.Id).Folder);

        Assert.Equal(ItemKind.MeetingRequest, moved.Kind);
        Assert.Equal("deleteditems", world.Placed(moved.Id).Folder);
        Assert.False(world.Exists(request.Id));
        Assert.DoesNotContain(world.In("bob", "inbox"), i => i.Kind == ItemKind.MeetingRequest);

        var saved = Assert.Single(world.In("bob", "sentitems"));
        Assert.Equal(ItemKind.MeetingResponse, saved.Kind);
        Assert.Equal(calendarItem.Id, saved.AssociatedCalendarItemId);
        Assert.Equal(Eleven, saved.ProposedStart);
    }

    [Fact]
    public void Step4_ServerSendsTheOrganizerAMeetingMessageWithTheProposedTime()
    {
        var meeting = Step1_2();
        Step3_Propose();

        var response = Assert.Single(world.In("alice", "inbox"));
        Assert.Equal(ItemKind.MeetingResponse, response.Kind);
        Assert.Equal("IPM.Schedule.Meeting.Resp.Tent", response.ItemClass);
        Assert.Equal("Tentative", response.ResponseType);
        Assert.Equal("New Time Proposed: Budget", response.Subject);
        Assert.Equal(Eleven, response.ProposedStart);
        Assert.Equal(Eleven + Hour, response.ProposedEnd);
        Assert.Equal(Nine, response.Start);
        Assert.Equal(meeting.Id, response.AssociatedCalendarItemId);
        Assert.Equal("11:00 works better for me.", response.Body!.Text);
        Assert.True(response.From!.Is(World.Address("bob")));
        Assert.False(response.IsRead);
    }

    [Fact]
    public void Step5_OrganizerItemTracksTheAttendeesResponseAndProposal()
    {
        var meeting = Step1_2();
        world.Now = world.Now.AddMinutes(5);
        Step3_Propose();

        var tracked = world.Get(meeting.Id);
        Assert.True(tracked.ChangeNumber > meeting.ChangeNumber);
        var bob = tracked.RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address("bob")));
        Assert.Equal("Tentative", bob.ResponseType);
        Assert.Equal(world.Now, bob.LastResponseTime);
        Assert.Equal(Eleven, bob.ProposedStart);
        Assert.Equal(Eleven + Hour, bob.ProposedEnd);
        var carol = tracked.RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address("carol")));
        Assert.Equal("Unknown", carol.ResponseType);
        Assert.Null(carol.ProposedStart);
    }

    [Fact]
    public void Step6_OrganizerMovesMeetingToProposal_AttendeesGetAFullUpdate()
    {
        var meeting = Step1_2();
        Step3_Propose();
        var proposal = world.In("alice", "inbox").Single();

        var decision = world.Update("alice", proposal.AssociatedCalendarItemId!, m =>
        {
            m.Start = proposal.ProposedStart;
            m.End = proposal.ProposedEnd;
        });

        var updated = decision.Results[0];
        Assert.Equal(meeting.Id, updated.Id);
        Assert.Equal(Eleven, updated.Start);
        Assert.Equal(1, updated.AppointmentSequenceNumber);
        Assert.All(updated.RequiredAttendees!, a =>
        {
            Assert.Null(a.ProposedStart);
            Assert.Equal("Unknown", a.ResponseType);
        });

        foreach (var attendee in new[] { "bob", "carol" })
        {
            var request = Assert.Single(world.In(attendee, "inbox"), i => i.Kind == ItemKind.MeetingRequest && i.IsOutOfDate != true);
            Assert.Equal("FullUpdate", request.MeetingRequestType);
            Assert.Equal(1, request.AppointmentSequenceNumber);
            Assert.Equal(Eleven, request.Start);
            Assert.Equal(new ChangeHighlights(false, null, true, Eleven, true, Eleven + Hour), request.ChangeHighlights);
            var copy = world.Get(request.AssociatedCalendarItemId!);
            Assert.Equal(Eleven, copy.Start);
            Assert.Equal("NoResponseReceived", copy.MyResponseType);
        }

        Assert.True(world.In("bob", "deleteditems").Single(i => i.Kind == ItemKind.MeetingRequest).IsOutOfDate);
        Assert.True(world.In("carol", "inbox").Single(i => i.MeetingRequestType == "NewMeetingRequest").IsOutOfDate);
        Assert.Equal(2, world.In("alice", "sentitems").Count);
    }

    [Fact]
    public void Step7_8_9_AttendeeAcceptsTheNewTime_OrganizerReceivesTheResponse()
    {
        var meeting = Step1_2();
        Step3_Propose();
        world.Update("alice", meeting.Id, m => (m.Start, m.End) = (Eleven, Eleven + Hour));

        world.Respond("bob", BobsRequest().Id, new MeetingReply(ResponseKind.Accept));

        var response = world.In("alice", "inbox").Single(i => i.ItemClass == "IPM.Schedule.Meeting.Resp.Pos");
        Assert.Null(response.ProposedStart);
        Assert.Equal(Eleven, response.Start);
        Assert.Equal("Accepted: Budget", response.Subject);
        var bob = world.Get(meeting.Id).RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address("bob")));
        Assert.Equal("Accept", bob.ResponseType);
        Assert.Null(bob.ProposedStart);
        var copy = world.In("bob", "calendar").Single();
        Assert.Equal("Accept", copy.MyResponseType);
        Assert.Equal("Busy", copy.LegacyFreeBusyStatus);
        Assert.Equal(Eleven, copy.Start);
    }

    [Fact]
    public void LaterResponseWithoutProposal_ClearsTheAttendeesProposal()
    {
        var meeting = Step1_2();
        Step3_Propose();

        world.Respond("bob", world.In("bob", "calendar").Single().Id, new MeetingReply(ResponseKind.Accept));

        var bob = world.Get(meeting.Id).RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address("bob")));
        Assert.Equal("Accept", bob.ResponseType);
        Assert.Null(bob.ProposedStart);
        Assert.Null(bob.ProposedEnd);
    }

    [Fact]
    public void ProposalWithOnlyAStart_KeepsTheMeetingsDuration()
    {
        var meeting = Step1_2();

        world.Respond("bob", BobsRequest().Id, new MeetingReply(ResponseKind.Decline, null, Eleven));

        var bob = world.Get(meeting.Id).RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address("bob")));
        Assert.Equal(("Decline", Eleven, Eleven + Hour), (bob.ResponseType!, bob.ProposedStart!.Value, bob.ProposedEnd!.Value));
        Assert.Equal("IPM.Schedule.Meeting.Resp.Neg", world.In("alice", "inbox").Single().ItemClass);
    }
}
