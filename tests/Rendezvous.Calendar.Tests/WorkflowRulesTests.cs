using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar.Tests;

/// <summary>The rules around the main loop: errors, dispositions, sending modes, updates, cancellations.</summary>
public sealed class WorkflowRulesTests
{
    private static readonly DateTime Nine = new(2030, 1, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly World world = new("alice", "bob", "carol");

    private Item Meeting(string[]? required = null, bool? allowNewTimeProposal = null, string invitations = "SendToAllAndSaveCopy") =>
        world.Create("alice", world.NewMeeting("alice", "Review", Nine, Hour, required ?? ["bob"], allowNewTimeProposal: allowNewTimeProposal), invitations);

    private Item Request(string user) => world.In(user, "inbox").Single(i => i.Kind == ItemKind.MeetingRequest && i.IsOutOfDate != true);

    [Theory]
    [InlineData(ResponseKind.Accept, ErrorCode.OrganizerCannotAccept)]
    [InlineData(ResponseKind.Tentative, ErrorCode.OrganizerCannotTentativelyAccept)]
    [InlineData(ResponseKind.Decline, ErrorCode.OrganizerCannotDecline)]
    public void TheOrganizerCannotRespondToTheirOwnMeeting(ResponseKind kind, ErrorCode code)
    {
        var meeting = Meeting();

        var e = Assert.Throws<DomainException>(() => world.Respond("alice", meeting.Id, new MeetingReply(kind)));
        Assert.Equal(code, e.Code);
    }

    [Fact]
    public void AProposalEndingBeforeItStarts_IsRefusedAndNothingIsDelivered()
    {
        Meeting();
        var before = world.In("alice", "inbox").Count;

        var e = Assert.Throws<DomainException>(() => world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Tentative, null, Nine.AddHours(3), Nine.AddHours(2))));

        Assert.Equal(ErrorCode.EndBeforeStart, e.Code);
        Assert.Equal(before, world.In("alice", "inbox").Count);
        Assert.Equal("NoResponseReceived", world.In("bob", "calendar").Single().MyResponseType);
    }

    [Fact]
    public void AProposalIsRefusedWhenTheOrganizerDisallowsThem_AndNotOffered()
    {
        Meeting(allowNewTimeProposal: false);
        var request = Request("bob");

        Assert.DoesNotContain("ProposeNewTime", CalendarRules.ResponseObjects(request, World.Address("bob"), ExchangeVersion.Exchange2016));
        var e = Assert.Throws<DomainException>(() => world.Respond("bob", request.Id, new MeetingReply(ResponseKind.Accept, null, Nine.AddHours(2), Nine.AddHours(3))));
        Assert.Equal(ErrorCode.InvalidOperation, e.Code);
        Assert.Empty(world.In("alice", "inbox"));

        world.Respond("bob", request.Id, new MeetingReply(ResponseKind.Accept));
        Assert.Single(world.In("alice", "inbox"));
    }

    [Fact]
    public void Declining_MovesTheAttendeesMeetingToDeletedItems()
    {
        var meeting = Meeting();

        var decision = world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Decline, new Body("Text", "Away")));

        Assert.Empty(world.In("bob", "calendar"));
        var declined = decision.Results[0];
        Assert.Equal(("deleteditems", "Decline", "Free"), (world.Placed(declined.Id).Folder!, declined.MyResponseType!, declined.LegacyFreeBusyStatus!));
        Assert.Equal("Decline", world.Get(meeting.Id).RequiredAttendees![0].ResponseType);
        Assert.Equal("Declined: Review", world.In("alice", "inbox").Single().Subject);
    }

    [Fact]
    public void AcceptingAfterDeclining_PutsTheMeetingBackOnTheCalendar()
    {
        Meeting();
        var declined = world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Decline)).Results[0];

        var accepted = world.Respond("bob", declined.Id, new MeetingReply(ResponseKind.Accept)).Results[0];

        Assert.Equal(("calendar", "Accept"), (world.Placed(accepted.Id).Folder!, accepted.MyResponseType!));
        Assert.DoesNotContain(world.In("bob", "deleteditems"), i => i.Kind == ItemKind.CalendarItem);
    }

    [Fact]
    public void RespondingToARequestAlreadyInDeletedItems_DeletesItForGood()
    {
        Meeting();
        var moved = world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Tentative)).Results[1];

        var decision = world.Respond("bob", moved.Id, new MeetingReply(ResponseKind.Accept));

        Assert.False(world.Exists(moved.Id));
        Assert.Single(decision.Results);
        Assert.Equal("Accept", world.In("bob", "calendar").Single().MyResponseType);
    }

    [Fact]
    public void RespondingThroughTheCalendarItem_AlsoClearsThePendingRequest()
    {
        Meeting();

        var decision = world.Respond("bob", world.In("bob", "calendar").Single().Id, new MeetingReply(ResponseKind.Accept), "SendOnly");

        Assert.DoesNotContain(world.In("bob", "inbox"), i => i.Kind == ItemKind.MeetingRequest);
        Assert.Equal(ItemKind.MeetingRequest, decision.Results[1].Kind);
        Assert.Empty(world.In("bob", "sentitems"));
        Assert.Single(world.In("alice", "inbox"));
    }

    [Fact]
    public void SaveOnly_SavesADraftResponseAndChangesNothingElse()
    {
        var meeting = Meeting();

        var decision = world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Accept), "SaveOnly");

        var draft = Assert.Single(decision.Results);
        Assert.Equal(("drafts", ItemKind.MeetingResponse, true), (world.Placed(draft.Id).Folder!, draft.Kind, draft.IsDraft));
        Assert.Single(world.In("bob", "inbox"));
        Assert.Equal("NoResponseReceived", world.In("bob", "calendar").Single().MyResponseType);
        Assert.Empty(world.In("alice", "inbox"));
        Assert.Equal("Unknown", world.Get(meeting.Id).RequiredAttendees![0].ResponseType);
    }

    [Fact]
    public void AnOutOfDateRequest_CannotBeAnswered()
    {
        var meeting = Meeting();
        var first = Request("bob");
        world.Update("alice", meeting.Id, m => m.Start = m.Start!.Value.AddHours(1));

        var e = Assert.Throws<DomainException>(() => world.Respond("bob", first.Id, new MeetingReply(ResponseKind.Accept)));
        Assert.Equal(ErrorCode.MeetingRequestOutOfDate, e.Code);
    }

    [Fact]
    public void ExternalAttendees_AreKeptAndRecordedAsNotDelivered()
    {
        var meeting = world.Create("alice", world.NewMeeting("alice", "Partners", Nine, Hour, ["bob", "dana@partner.example"]));

        Assert.Equal(["dana@partner.example"], meeting.UndeliveredRecipients);
        Assert.Equal(2, meeting.RequiredAttendees!.Count);
        Assert.Single(world.In("bob", "inbox"));
    }

    [Fact]
    public void SendToNone_DeliversNothing_AndSendOnlyToAll_KeepsNoCopy()
    {
        var quiet = world.Create("alice", world.NewMeeting("alice", "Quiet", Nine, Hour, ["bob"]), "SendToNone");
        Assert.False(quiet.MeetingRequestWasSent);
        Assert.Empty(world.In("bob", "inbox"));
        Assert.Empty(world.In("bob", "calendar"));

        world.Create("alice", world.NewMeeting("alice", "Loud", Nine, Hour, ["bob"]), "SendOnlyToAll");
        Assert.Single(world.In("bob", "inbox"));
        Assert.Empty(world.In("alice", "sentitems"));
    }

    [Fact]
    public void WhenNoResponseIsRequested_OnlyAProposalReachesTheOrganizer()
    {
        var meeting = world.NewMeeting("alice", "FYI", Nine, Hour, ["bob", "carol"]);
        meeting.CalendarIsResponseRequested = false;
        world.Create("alice", meeting);
        Assert.False(Request("bob").IsResponseRequested);

        world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Accept));
        Assert.Empty(world.In("alice", "inbox"));
        Assert.Equal("Accept", world.In("bob", "calendar").Single().MyResponseType);

        world.Respond("carol", Request("carol").Id, new MeetingReply(ResponseKind.Tentative, null, Nine.AddDays(1)));
        Assert.Single(world.In("alice", "inbox"));
    }

    [Fact]
    public void AnInformationalChange_KeepsAcceptedAnswers()
    {
        var meeting = Meeting(["bob", "carol"]);
        world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Accept));

        world.Update("alice", meeting.Id, m => (m.Subject, m.Location) = ("Review (agenda attached)", "Room 2"));

        var toBob = Request("bob");
        Assert.Equal("InformationalUpdate", toBob.MeetingRequestType);
        Assert.Equal(new ChangeHighlights(true, "Room 2", false, null, false, null), toBob.ChangeHighlights);
        var bobsCopy = world.In("bob", "calendar").Single();
        Assert.Equal(("Accept", "Room 2", "Review (agenda attached)"), (bobsCopy.MyResponseType!, bobsCopy.Location!, bobsCopy.Subject!));
        Assert.Equal("FullUpdate", Request("carol").MeetingRequestType); // Carol never answered
        Assert.Equal("Accept", world.Get(meeting.Id).RequiredAttendees!.Single(a => a.Mailbox.Is(World.Address("bob"))).ResponseType);
    }

    [Fact]
    public void ANewTime_BringsADeclinedMeetingBackAsTentative()
    {
        var meeting = Meeting();
        world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Decline));
        Assert.Empty(world.In("bob", "calendar"));

        world.Update("alice", meeting.Id, m => (m.Start, m.End) = (Nine.AddDays(1), Nine.AddDays(1) + Hour));

        var copy = world.In("bob", "calendar").Single();
        Assert.Equal(("NoResponseReceived", "Tentative"), (copy.MyResponseType!, copy.LegacyFreeBusyStatus!));
        Assert.Equal(Nine.AddDays(1), copy.Start);
        Assert.DoesNotContain(world.In("bob", "deleteditems"), i => i.Kind == ItemKind.CalendarItem);
    }

    [Fact]
    public void AddedAttendeesAreInvited_RemovedOnesCancelled_SendOnlyToChangedLeavesTheOthersAlone()
    {
        var meeting = Meeting(["bob", "carol"]);
        var carolsRequest = Request("carol");

        world.Update("alice", meeting.Id, m => m.RequiredAttendees = [m.RequiredAttendees![0]], "SendOnlyToChanged");

        var cancellation = world.In("carol", "inbox").Single(i => i.Kind == ItemKind.MeetingCancellation);
        Assert.Equal("IPM.Schedule.Meeting.Canceled", cancellation.ItemClass);
        var carolsCopy = world.In("carol", "calendar").Single();
        Assert.True(carolsCopy.IsCancelled);
        Assert.Equal(cancellation.AssociatedCalendarItemId, carolsCopy.Id);
        Assert.True(world.Get(carolsRequest.Id).IsOutOfDate);
        Assert.Single(world.In("bob", "inbox")); // Bob was not changed, so not told

        world.Update("alice", meeting.Id, m => m.OptionalAttendees = [new Attendee(new EmailAddress("Carol", World.Address("carol")))], "SendToChangedAndSaveCopy");
        Assert.Equal("NewMeetingRequest", Request("carol").MeetingRequestType);
        Assert.False(world.In("carol", "calendar").Single().IsCancelled);
        Assert.Equal("Unknown", world.Get(meeting.Id).OptionalAttendees![0].ResponseType);
        Assert.Single(world.In("bob", "inbox"));
    }

    [Fact]
    public void Cancelling_TellsAttendeesAndMarksTheirMeetingsCancelled()
    {
        var meeting = Meeting(["bob", "carol"]);
        world.Respond("bob", Request("bob").Id, new MeetingReply(ResponseKind.Accept));

        world.Cancel("alice", meeting.Id);

        Assert.False(world.Exists(meeting.Id));
        var organizers = world.In("alice", "deleteditems").Single(i => i.Kind == ItemKind.CalendarItem);
        Assert.Equal((true, MeetingMessages.CancelledOrganizerMeeting), (organizers.IsCancelled, organizers.AppointmentState));
        Assert.Single(world.In("alice", "sentitems"), i => i.Kind == ItemKind.MeetingCancellation);
        foreach (var attendee in new[] { "bob", "carol" })
        {
            var copy = world.In(attendee, "calendar").Single();
            Assert.Equal((true, MeetingMessages.CancelledReceivedMeeting, "Canceled: Review"), (copy.IsCancelled, copy.AppointmentState, copy.Subject!));
            var cancellation = world.In(attendee, "inbox").Single(i => i.Kind == ItemKind.MeetingCancellation);
            Assert.Equal("Sorry", cancellation.Body!.Text);
            Assert.Contains("RemoveItem", CalendarRules.ResponseObjects(cancellation, World.Address(attendee), ExchangeVersion.Exchange2016));
        }

        var e = Assert.Throws<DomainException>(() => world.Respond("carol", world.In("carol", "calendar").Single().Id, new MeetingReply(ResponseKind.Accept)));
        Assert.Equal(ErrorCode.CancelledCannotAccept, e.Code);
    }

    [Fact]
    public void RemoveItem_ClearsTheCancelledMeetingAndItsCancellation()
    {
        var meeting = Meeting();
        world.Cancel("alice", meeting.Id);
        var cancellation = world.In("bob", "inbox").Single(i => i.Kind == ItemKind.MeetingCancellation);

        world.Apply(MeetingWorkflow.Remove(world.Placed(cancellation.Id), world.View("bob", meeting.Uid), world.Context));

        Assert.Empty(world.In("bob", "calendar"));
        Assert.DoesNotContain(world.In("bob", "inbox"), i => i.Kind == ItemKind.MeetingCancellation);
        Assert.Contains(world.In("bob", "deleteditems"), i => i.Kind == ItemKind.MeetingCancellation);

        var request = world.In("bob", "inbox").Single(i => i.Kind == ItemKind.MeetingRequest);
        var e = Assert.Throws<DomainException>(() => MeetingWorkflow.Remove(world.Placed(request.Id), world.View("bob", meeting.Uid), world.Context));
        Assert.Equal(ErrorCode.NotRemovable, e.Code);
    }

    [Fact]
    public void AMeetingInDeletedItems_CannotSendUpdates_ButCanBeSavedQuietly()
    {
        var meeting = Meeting();
        var deleted = world.Apply(MeetingWorkflow.Cancel(world.Placed(meeting.Id), world["alice"], null, "SendToNone", new Dictionary<string, MeetingView>(), Place.In(world["alice"], "deleteditems"), null, world.Context)).Creates[0].Item;

        var e = Assert.Throws<DomainException>(() => world.Update("alice", deleted.Id, m => m.Subject = "Back"));
        Assert.Equal(ErrorCode.DeletedMeetingNotUpdatable, e.Code);
        world.Update("alice", deleted.Id, m => m.Subject = "Back", "SendToNone");
        Assert.Equal("Back", world.Get(deleted.Id).Subject);
    }

    [Fact]
    public void AnAttendeeCannotCancel()
    {
        Meeting();
        var copy = world.In("bob", "calendar").Single();

        var e = Assert.Throws<DomainException>(() => world.Cancel("bob", copy.Id));
        Assert.Equal(ErrorCode.NotOrganizer, e.Code);
    }

    [Fact]
    public void TwoResponsesDecidedFromTheSameState_TheSecondIsRefusedWhole_AndDecidedAgainBothCount()
    {
        var meeting = Meeting(["bob", "carol"]);
        var bob = Request("bob");
        var carol = Request("carol");
        var organizerView = world.View("alice", meeting.Uid);
        var fromBob = MeetingWorkflow.Respond(new MeetingReply(ResponseKind.Accept), world.Placed(bob.Id), world.View("bob", meeting.Uid), organizerView, "SendOnly", null, world.Context);
        var fromCarol = MeetingWorkflow.Respond(new MeetingReply(ResponseKind.Decline), world.Placed(carol.Id), world.View("carol", meeting.Uid), organizerView, "SendOnly", null, world.Context);

        world.Apply(fromBob);
        var inboxBefore = world.In("alice", "inbox").Count;
        Assert.Throws<InvalidOperationException>(() => world.Apply(fromCarol));
        Assert.Equal(inboxBefore, world.In("alice", "inbox").Count);
        Assert.Single(world.In("carol", "inbox"));

        world.Respond("carol", carol.Id, new MeetingReply(ResponseKind.Decline), "SendOnly");
        Assert.Equal(["Accept", "Decline"], world.Get(meeting.Id).RequiredAttendees!.Select(a => a.ResponseType));
    }
}
