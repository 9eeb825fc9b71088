using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The meeting workflow driven by the exact requests real clients send (tests/data/captures) and by the samples
/// of the article the project started from (tests/data/seed/propose-new-time.fr.md). Each test builds the state a
/// capture expects with ordinary requests, swaps the capture's placeholder ids for real ones, posts the rest as
/// recorded (SOAP headers and version included), and checks the effect in every mailbox concerned.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MeetingReplayTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;
    private const string Ejs = Captures.EwsJavascriptApi;
    private const string Xl = Captures.Exchangelib;

    // The captures were recorded around a meeting on 2030-01-07 09:00-10:00 UTC (their proposals and updates are relative to it).
    private const string Start = "2030-01-07T09:00:00Z";
    private const string End = "2030-01-07T10:00:00Z";

    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private sealed record Meeting(string Subject, string Uid, string OrganizerItemId);

    private sealed record Invitation(string Id, string ChangeKey);

    // ---------------------------------------------------------------------------------------------------------------
    // ews-javascript-api 0.15.3 (a port of Microsoft's EWS Managed API)
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task EwsJavascriptApiCreateMeeting()
    {
        // Alice invites Bob (required) and Carol (optional) to "Planning", with TimeZoneContext and no MessageDisposition.
        var response = await PostCaptureAsync(Alice, Ejs, "create_meeting", "001_CreateItem.xml");
        var created = Assert.Single(response.Ok().Element(M + "Items")!.Elements());
        Assert.Equal(T + "CalendarItem", created.Name);
        await AssertInvitationsDeliveredAsync(created.ItemId().Id, "Planning", required: [Bob], optional: [Carol]);
    }

    [Fact]
    public async Task EwsJavascriptApiInboxMeetingRequests()
    {
        var meeting = await InviteAsync(Alice, Unique("Inbox listing"), [Bob]);
        var invitation = await InvitationAsync(Bob, meeting);

        var listing = (await PostCaptureAsync(Bob, Ejs, "inbox_meeting_requests", "001_FindItem.xml")).Ok();
        var items = listing.Element(M + "RootFolder")!.Element(T + "Items")!.Elements().ToList();
        Assert.InRange(items.Count, 1, 10);
        var mine = Assert.Single(items, i => i.ItemId().Id == invitation.Id);
        Assert.Equal(T + "MeetingRequest", mine.Name);
        Assert.Equal(meeting.Subject, V(mine, "Subject"));
        Assert.Equal("IPM.Schedule.Meeting.Request", V(mine, "ItemClass"));
        Assert.Equal(Start, V(mine, "Start"));
        Assert.Equal(End, V(mine, "End"));
    }

    [Fact]
    public async Task EwsJavascriptApiFindAppointments()
    {
        var meeting = await InviteAsync(Alice, Unique("Find appointments"), [Bob]);
        var bobs = Assert.Single(await FindAsync(Bob, "calendar", meeting.Uid));

        // The capture asks for the calendar between 2030-01-06 09:00 and 2030-01-08 10:00.
        var bobView = (await PostCaptureAsync(Bob, Ejs, "find_appointments", "001_FindItem.xml")).Ok();
        var seenByBob = Assert.Single(bobView.Descendants(T + "CalendarItem"), i => i.ItemId().Id == bobs.ItemId().Id);
        Assert.Equal(meeting.Subject, V(seenByBob, "Subject"));
        Assert.Equal("true", V(seenByBob, "IsMeeting"));
        Assert.Equal("NoResponseReceived", V(seenByBob, "MyResponseType"));
        Assert.Equal(Alice, seenByBob.Element(T + "Organizer")!.T("EmailAddress"));

        var aliceView = (await PostCaptureAsync(Alice, Ejs, "find_appointments", "001_FindItem.xml")).Ok();
        var seenByAlice = Assert.Single(aliceView.Descendants(T + "CalendarItem"), i => i.ItemId().Id == meeting.OrganizerItemId);
        Assert.Equal("Organizer", V(seenByAlice, "MyResponseType"));
    }

    [Fact]
    public async Task EwsJavascriptApiAccept()
    {
        var meeting = await InviteAsync(Alice, Unique("Accept"), [Bob]);
        var invitation = await InvitationAsync(Bob, meeting);

        var read = (await PostCaptureAsync(Bob, Ejs, "accept", "001_GetItem.xml", ("MR-1", invitation.Id))).Ok();
        var request = read.Element(M + "Items")!.Element(T + "MeetingRequest")!;
        Assert.Contains("AcceptItem", request.ResponseObjects());
        var changeKey = request.ItemId().ChangeKey;

        var accepted = await PostCaptureAsync(Bob, Ejs, "accept", "002_CreateItem.xml", ("MR-1", invitation.Id), ("CK-MR-1", changeKey));
        await AssertCalendarAndMovedRequestReturnedAsync(accepted, Bob, meeting);
        await AssertRespondedAsync(meeting, Alice, Bob, "Accept", savedCopy: true);
    }

    [Fact]
    public async Task EwsJavascriptApiTentative()
    {
        var meeting = await InviteAsync(Alice, Unique("Tentative"), [Bob]);
        var invitation = await InvitationAsync(Bob, meeting);

        var read = (await PostCaptureAsync(Bob, Ejs, "tentative", "001_GetItem.xml", ("MR-1", invitation.Id))).Ok();
        var request = read.Element(M + "Items")!.Element(T + "MeetingRequest")!;
        Assert.Contains("TentativelyAcceptItem", request.ResponseObjects());

        var answered = await PostCaptureAsync(Bob, Ejs, "tentative", "002_CreateItem.xml", ("MR-1", invitation.Id), ("CK-MR-1", request.ItemId().ChangeKey));
        await AssertCalendarAndMovedRequestReturnedAsync(answered, Bob, meeting);
        await AssertRespondedAsync(meeting, Alice, Bob, "Tentative", savedCopy: true);
    }

    [Fact]
    public async Task EwsJavascriptApiDeclineWithBody()
    {
        var meeting = await InviteAsync(Alice, Unique("Decline with body"), [Bob]);
        var invitation = await InvitationAsync(Bob, meeting);

        var read = (await PostCaptureAsync(Bob, Ejs, "decline_with_body", "001_GetItem.xml", ("MR-1", invitation.Id))).Ok();
        var request = read.Element(M + "Items")!.Element(T + "MeetingRequest")!;
        Assert.Contains("DeclineItem", request.ResponseObjects());

        // SendOnly: the organizer is told, the attendee keeps no copy.
        await PostCaptureAsync(Bob, Ejs, "decline_with_body", "002_CreateItem.xml", ("MR-1", invitation.Id), ("CK-MR-1", request.ItemId().ChangeKey));
        await AssertRespondedAsync(meeting, Alice, Bob, "Decline", savedCopy: false, body: "Sorry");
    }

    [Fact]
    public async Task EwsJavascriptApiCancelMeeting()
    {
        var meeting = await InviteAsync(Alice, Unique("Cancel"), [Bob]);
        var bobsBefore = Assert.Single(await FindAsync(Bob, "calendar", meeting.Uid));

        var read = (await PostCaptureAsync(Alice, Ejs, "cancel_meeting", "001_GetItem.xml", ("CAL-1", meeting.OrganizerItemId))).Ok();
        var item = read.Element(M + "Items")!.Element(T + "CalendarItem")!;
        Assert.Contains("CancelCalendarItem", item.ResponseObjects());

        await PostCaptureAsync(Alice, Ejs, "cancel_meeting", "002_CreateItem.xml", ("CAL-1", meeting.OrganizerItemId), ("CK-CAL-1", item.ItemId().ChangeKey));
        await AssertCancelledAsync(meeting, Alice, Bob, bobsBefore.ItemId().Id, body: "Cancelled");
        Assert.Empty(await FindAsync(Alice, "calendar", meeting.Uid));
        Assert.Single(Of(await FindAsync(Alice, "sentitems", meeting.Uid), "MeetingCancellation"));
    }

    [Fact]
    public async Task EwsJavascriptApiDeleteMeeting()
    {
        var meeting = await InviteAsync(Alice, Unique("Delete"), [Bob]);
        var bobsBefore = Assert.Single(await FindAsync(Bob, "calendar", meeting.Uid));

        var read = (await PostCaptureAsync(Alice, Ejs, "delete_meeting", "001_GetItem.xml", ("CAL-1", meeting.OrganizerItemId))).Ok();
        var changeKey = read.ItemId().ChangeKey;

        // DeleteType MoveToDeletedItems, SendMeetingCancellations SendToAllAndSaveCopy.
        await PostCaptureAsync(Alice, Ejs, "delete_meeting", "002_DeleteItem.xml", ("CAL-1", meeting.OrganizerItemId), ("CK-CAL-1", changeKey));
        await AssertCancelledAsync(meeting, Alice, Bob, bobsBefore.ItemId().Id);
        Assert.Empty(await FindAsync(Alice, "calendar", meeting.Uid));
        Assert.Single(Of(await FindAsync(Alice, "deleteditems", meeting.Uid), "CalendarItem"));
        Assert.Single(Of(await FindAsync(Alice, "sentitems", meeting.Uid), "MeetingCancellation"));
    }

    [Fact]
    public async Task EwsJavascriptApiUpdateMeeting()
    {
        var meeting = await InviteAsync(Alice, Unique("Update"), [Bob]);
        var first = await InvitationAsync(Bob, meeting);

        var read = (await PostCaptureAsync(Alice, Ejs, "update_meeting", "001_GetItem.xml", ("CAL-1", meeting.OrganizerItemId))).Ok();
        var changeKey = read.ItemId().ChangeKey;

        // Subject "Planning (moved)", 10:00-11:00 written as ...000+00:00, no time zone fields, SendToAllAndSaveCopy.
        var updated = (await PostCaptureAsync(Alice, Ejs, "update_meeting", "002_UpdateItem.xml", ("CAL-1", meeting.OrganizerItemId), ("CK-CAL-1", changeKey))).Ok();
        Assert.NotEqual(changeKey, updated.ItemId().ChangeKey);
        await AssertUpdateDeliveredAsync(meeting, Alice, Bob, first.Id);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // exchangelib 4.9.0. Its captures were recorded as alice@example.com (the GetFolder calls and SavedItemFolderId
    // name her mailbox), so Alice is the attendee in the response captures and Bob organizes.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ExchangelibCreateMeeting()
    {
        // MessageDisposition SaveOnly, SendToAllAndSaveCopy; each attendee carries <t:ResponseType>Accept</t:ResponseType>.
        var responses = await ReplayAsync(Alice, Xl, "create_meeting");
        var created = Assert.Single(responses["003_CreateItem.xml"].Ok().Element(M + "Items")!.Elements());
        Assert.Equal(T + "CalendarItem", created.Name);
        await AssertInvitationsDeliveredAsync(created.ItemId().Id, "Planning", required: [Bob], optional: [Carol]);
    }

    [Fact]
    public async Task ExchangelibInboxMeetingRequests()
    {
        var meeting = await InviteAsync(Bob, Unique("Inbox listing"), [Alice]);
        var invitation = await InvitationAsync(Alice, meeting);
        var alices = Assert.Single(await FindAsync(Alice, "calendar", meeting.Uid));

        // FindItem IdOnly sorted by DateTimeReceived descending, then GetItem of the ids with 101 FieldURIs.
        var responses = await ReplayAsync(Alice, Xl, "inbox_meeting_requests", ("MR-1", invitation.Id), ("CK-MR-1", invitation.ChangeKey));
        var listed = responses["003_FindItem.xml"].Ok().Element(M + "RootFolder")!.Element(T + "Items")!.Elements().ToList();
        Assert.Equal(invitation, InvitationOf(listed[0]));

        var request = responses["004_GetItem.xml"].Ok().Element(M + "Items")!.Elements().Single();
        Assert.Equal(T + "MeetingRequest", request.Name);
        Assert.Equal("IPM.Schedule.Meeting.Request", V(request, "ItemClass"));
        Assert.Equal(meeting.Subject, V(request, "Subject"));
        Assert.Equal("NewMeetingRequest", V(request, "MeetingRequestType"));
        Assert.Equal(alices.ItemId().Id, request.Element(T + "AssociatedCalendarItemId")?.Attribute("Id")?.Value);
        Assert.Equal(Start, V(request, "Start"));
        Assert.Equal(End, V(request, "End"));
        Assert.Equal(Bob, request.Element(T + "Organizer")!.T("EmailAddress"));
        Assert.Equal(Bob, request.Element(T + "From")!.T("EmailAddress"));
        Assert.Subset(request.ResponseObjects().ToHashSet(), new HashSet<string> { "AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ProposeNewTime" });
    }

    [Fact]
    public async Task ExchangelibAccept()
    {
        var meeting = await InviteAsync(Bob, Unique("Accept"), [Alice]);
        var invitation = await InvitationAsync(Alice, meeting);

        var responses = await ReplayAsync(Alice, Xl, "accept", ("MR-1", invitation.Id), ("CK-MR-1", invitation.ChangeKey));
        Assert.Equal(T + "MeetingRequest", responses["003_GetItem.xml"].Ok().Element(M + "Items")!.Elements().Single().Name);
        await AssertCalendarAndMovedRequestReturnedAsync(responses["005_CreateItem.xml"], Alice, meeting);
        await AssertRespondedAsync(meeting, Bob, Alice, "Accept", savedCopy: true, body: "See you");
    }

    [Fact]
    public async Task ExchangelibDecline()
    {
        var meeting = await InviteAsync(Bob, Unique("Decline"), [Alice]);
        var invitation = await InvitationAsync(Alice, meeting);

        await ReplayAsync(Alice, Xl, "decline", ("MR-1", invitation.Id), ("CK-MR-1", invitation.ChangeKey));
        await AssertRespondedAsync(meeting, Bob, Alice, "Decline", savedCopy: true, body: "Sorry");
    }

    [Fact]
    public async Task ExchangelibDeclinePropose()
    {
        var meeting = await InviteAsync(Bob, Unique("Decline and propose"), [Alice]);
        var invitation = await InvitationAsync(Alice, meeting);

        await ReplayAsync(Alice, Xl, "decline_propose", ("MR-1", invitation.Id), ("CK-MR-1", invitation.ChangeKey));
        await AssertRespondedAsync(meeting, Bob, Alice, "Decline", savedCopy: true, proposed: ("2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z"));
    }

    [Fact]
    public async Task ExchangelibTentativePropose()
    {
        var meeting = await InviteAsync(Bob, Unique("Tentative and propose"), [Alice]);
        var invitation = await InvitationAsync(Alice, meeting);

        var responses = await ReplayAsync(Alice, Xl, "tentative_propose", ("MR-1", invitation.Id), ("CK-MR-1", invitation.ChangeKey));
        await AssertCalendarAndMovedRequestReturnedAsync(responses["005_CreateItem.xml"], Alice, meeting);
        await AssertRespondedAsync(meeting, Bob, Alice, "Tentative", savedCopy: true, body: "Maybe later?", proposed: ("2030-01-07T11:00:00Z", "2030-01-07T12:00:00Z"));
    }

    [Fact]
    public async Task ExchangelibVEx2010TentativePropose()
    {
        // exchangelib configured for Exchange2010_SP2: its first GetFolder says so, then it adopts the server's version.
        var meeting = await InviteAsync(Bob, Unique("Ex2010 tentative and propose"), [Alice]);
        var invitation = await InvitationAsync(Alice, meeting);

        var responses = await ReplayAsync(Alice, Xl, "v_ex2010_tentative_propose", ("MR-1", invitation.Id), ("CK-MR-1", invitation.ChangeKey));
        await AssertCalendarAndMovedRequestReturnedAsync(responses["005_CreateItem.xml"], Alice, meeting);
        await AssertRespondedAsync(meeting, Bob, Alice, "Tentative", savedCopy: true, proposed: ("2030-01-07T11:00:00Z", "2030-01-07T12:00:00Z"));
    }

    [Fact]
    public async Task ExchangelibCancelMeeting()
    {
        var meeting = await InviteAsync(Alice, Unique("Cancel"), [Bob]);
        var organizers = await GetAsync(Alice, meeting.OrganizerItemId);
        var bobsBefore = Assert.Single(await FindAsync(Bob, "calendar", meeting.Uid));

        await ReplayAsync(Alice, Xl, "cancel_meeting", ("CAL-1", meeting.OrganizerItemId), ("CK-CAL-1", organizers.ItemId().ChangeKey));
        await AssertCancelledAsync(meeting, Alice, Bob, bobsBefore.ItemId().Id, body: "Cancelled, sorry");
        Assert.Empty(await FindAsync(Alice, "calendar", meeting.Uid));
        Assert.Single(Of(await FindAsync(Alice, "sentitems", meeting.Uid), "MeetingCancellation"));
    }

    [Fact]
    public async Task ExchangelibDeleteMeeting()
    {
        var meeting = await InviteAsync(Alice, Unique("Delete"), [Bob]);
        var organizers = await GetAsync(Alice, meeting.OrganizerItemId);
        var bobsBefore = Assert.Single(await FindAsync(Bob, "calendar", meeting.Uid));

        // DeleteType HardDelete, SendMeetingCancellations SendToAllAndSaveCopy.
        await ReplayAsync(Alice, Xl, "delete_meeting", ("CAL-1", meeting.OrganizerItemId), ("CK-CAL-1", organizers.ItemId().ChangeKey));
        await AssertCancelledAsync(meeting, Alice, Bob, bobsBefore.ItemId().Id);
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(Alice, Requests.GetItem(meeting.OrganizerItemId))).Code());
        Assert.Empty(await FindAsync(Alice, "calendar", meeting.Uid));
        Assert.Single(Of(await FindAsync(Alice, "sentitems", meeting.Uid), "MeetingCancellation"));
    }

    [Fact]
    public async Task ExchangelibUpdateMeeting()
    {
        var meeting = await InviteAsync(Alice, Unique("Update"), [Bob]);
        var first = await InvitationAsync(Bob, meeting);
        var organizers = await GetAsync(Alice, meeting.OrganizerItemId);

        // Subject, Start, End, StartTimeZone, EndTimeZone; MessageDisposition SaveOnly, SendToAllAndSaveCopy.
        var responses = await ReplayAsync(Alice, Xl, "update_meeting", ("CAL-1", meeting.OrganizerItemId), ("CK-CAL-1", organizers.ItemId().ChangeKey));
        Assert.NotEqual(organizers.ItemId().ChangeKey, responses["004_UpdateItem.xml"].Ok().ItemId().ChangeKey);
        await AssertUpdateDeliveredAsync(meeting, Alice, Bob, first.Id);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The seed article, "Propose a new meeting time by using EWS in Exchange" (French translation), step by step
    // through its figure. Its samples are read from the article, fixed as ews-calendar-digest.md §5.3 and §5.7 say
    // (http:// namespaces; MessageDisposition, which the spec requires, added), given real ids, and posted. The
    // article's meeting ("Competitive analysis: kick off meeting", 2013-11-09 17:00-17:30 UTC, proposal 2013-11-28
    // 04:00-04:30 UTC) is moved to 2030 like every date in these shared mailboxes.
    // ---------------------------------------------------------------------------------------------------------------

    private const string SeedStart = "2030-11-09T17:00:00Z";
    private const string SeedEnd = "2030-11-09T17:30:00Z";
    private const string SeedProposedStart = "2030-11-28T04:00:00Z";
    private const string SeedProposedEnd = "2030-11-28T04:30:00Z";
    private const string SeedBody = "This time works better for the HiPPO.";

    [Fact]
    public async Task Seed_Step1_2_OrganizerSchedulesMeetingAllowingNewTimeProposals()
    {
        var (meeting, invitation) = await SeedScheduleAsync();

        var organizers = await GetAsync(Alice, meeting.OrganizerItemId);
        Assert.Equal("true", V(organizers, "AllowNewTimeProposal"));
        Assert.Equal("true", V(organizers, "IsMeeting"));
        Assert.Equal("true", V(organizers, "MeetingRequestWasSent"));
        Assert.Equal("Organizer", V(organizers, "MyResponseType"));

        var request = await GetAsync(Bob, invitation.Id);
        Assert.Equal(T + "MeetingRequest", request.Name);
        Assert.Equal(SeedStart, V(request, "Start"));
        Assert.Equal(SeedEnd, V(request, "End"));
        Assert.Equal(Alice, request.Element(T + "Organizer")!.T("EmailAddress"));
    }

    [Fact]
    public async Task Seed_Step3_AttendeeChecksProposeNewTimeAndProposes()
    {
        var (meeting, invitation) = await SeedScheduleAsync();

        // As written, with https:// namespaces, the GetItem sample is not an EWS request at all; with only the SOAP
        // namespace fixed, it fails schema validation (ews-calendar-digest.md §1.1).
        var asWritten = await server.PostAsync(Bob, SeedIds(Seed.Request("GetItem"), invitation));
        Assert.Equal(HttpStatusCode.InternalServerError, asWritten.Status);
        Assert.NotNull(asWritten.FaultCode);
        var soapFixed = SeedIds(Seed.Request("GetItem"), invitation).Replace("https://schemas.xmlsoap.org/", "http://schemas.xmlsoap.org/", StringComparison.Ordinal);
        Assert.Equal("a:ErrorSchemaValidation", (await server.PostAsync(Bob, soapFixed)).FaultCode);

        // Fixed: the attendee asks for the response objects, subject, start and end of the meeting request
        // (RequestServerVersion Exchange2013, MailboxCulture en-US, as in the article).
        var got = await server.PostAsync(Bob, SeedIds(Seed.WithHttpNamespaces(Seed.Request("GetItem")), invitation));
        var request = Assert.Single(got.Ok().Element(M + "Items")!.Elements());
        Assert.Equal(T + "MeetingRequest", request.Name);
        Assert.Equal(["ItemId", "Subject", "ResponseObjects", "Start", "End"], request.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(invitation.Id, request.ItemId().Id);
        Assert.Equal(meeting.Subject, V(request, "Subject"));
        Assert.Equal(SeedStart, V(request, "Start"));
        Assert.Equal(SeedEnd, V(request, "End"));
        Assert.Subset(request.ResponseObjects().ToHashSet(), new HashSet<string> { "AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ProposeNewTime" });

        // The CreateItem sample as the article writes it lacks MessageDisposition: the spec requires the error.
        var createItem = SeedIds(Seed.WithHttpNamespaces(Seed.Request("CreateItem")), invitation)
            .Replace("2013-11-28T", "2030-11-28T", StringComparison.Ordinal);
        var refused = await server.PostAsync(Bob, createItem);
        Assert.Equal("ErrorMessageDispositionRequired", refused.Code());
        Assert.Equal("Error", refused.Single().Attribute("ResponseClass")!.Value);
        Assert.Equal(invitation, await InvitationAsync(Bob, meeting));
        Assert.Empty(Of(await FindAsync(Alice, "inbox", meeting.Uid), "MeetingResponse"));

        // With MessageDisposition: the attendee's calendar item and the meeting request moved to Deleted Items come back.
        var proposed = await server.PostAsync(Bob, WithDisposition(createItem));
        var items = proposed.Ok().Element(M + "Items")!.Elements().ToList();
        Assert.Equal([T + "CalendarItem", T + "MeetingRequest"], items.Select(i => i.Name));
        var bobsCalendar = Assert.Single(await FindAsync(Bob, "calendar", meeting.Uid));
        Assert.Equal(bobsCalendar.ItemId().Id, items[0].ItemId().Id);
        Assert.Equal("Accept", V(bobsCalendar, "MyResponseType"));
        Assert.Contains(Of(await FindAsync(Bob, "deleteditems", meeting.Uid), "MeetingRequest"), r => r.ItemId().Id == items[1].ItemId().Id);
        Assert.Empty(Of(await FindAsync(Bob, "inbox", meeting.Uid), "MeetingRequest"));

        // "The response message with the new time proposal was also saved in the attendee's Sent Items folder."
        var sent = Assert.Single(Of(await FindAsync(Bob, "sentitems", meeting.Uid), "MeetingResponse"));
        Assert.Equal(SeedProposedStart, V(sent, "ProposedStart"));
        Assert.Equal(SeedProposedEnd, V(sent, "ProposedEnd"));
    }

    [Fact]
    public async Task Seed_Step3_NoProposeNewTimeWhenTheOrganizerDisallowsIt()
    {
        var (_, invitation) = await SeedScheduleAsync(allowNewTimeProposal: false);
        var got = await server.PostAsync(Bob, SeedIds(Seed.WithHttpNamespaces(Seed.Request("GetItem")), invitation));
        var request = Assert.Single(got.Ok().Element(M + "Items")!.Elements());
        var objects = request.ResponseObjects();
        Assert.Contains("AcceptItem", objects);
        Assert.DoesNotContain("ProposeNewTime", objects);
    }

    [Fact]
    public async Task Seed_Step4_5_OrganizerReceivesTheProposalAndUpdatesTheMeeting()
    {
        var (meeting, invitation) = await SeedScheduleAsync();
        await SeedProposeAsync(invitation);

        // Step 4-5: a MeetingResponse with the proposed times and the organizer's calendar item id.
        var response = Assert.Single(Of(await FindAsync(Alice, "inbox", meeting.Uid), "MeetingResponse"));
        Assert.Equal("IPM.Schedule.Meeting.Resp.Pos", V(response, "ItemClass"));
        Assert.Equal("Accept", V(response, "ResponseType"));
        Assert.Equal(SeedProposedStart, V(response, "ProposedStart"));
        Assert.Equal(SeedProposedEnd, V(response, "ProposedEnd"));
        Assert.Contains(SeedBody, V(response, "Body"), StringComparison.Ordinal);
        var associated = response.Element(T + "AssociatedCalendarItemId")!;
        Assert.Equal(meeting.OrganizerItemId, associated.Attribute("Id")!.Value);

        // The organizer follows AssociatedCalendarItemId, compares, and moves the meeting to the proposed time.
        var organizers = await GetAsync(Alice, associated.Attribute("Id")!.Value);
        Assert.Equal(SeedStart, V(organizers, "Start"));
        var row = (await GetAsync(Alice, meeting.OrganizerItemId, "Exchange2016")).AttendeeRow(Bob);
        Assert.Equal("Accept", V(row, "ResponseType"));
        Assert.Equal(SeedProposedStart, V(row, "ProposedStart"));
        Assert.Equal(SeedProposedEnd, V(row, "ProposedEnd"));

        await SeedRescheduleAsync(meeting, organizers.ItemId().ChangeKey);
        var moved = await GetAsync(Alice, meeting.OrganizerItemId);
        Assert.Equal(SeedProposedStart, V(moved, "Start"));
        Assert.Equal(SeedProposedEnd, V(moved, "End"));
    }

    [Fact]
    public async Task Seed_Step6_9_AttendeeGetsTheNewRequestAndTheOrganizerTheResponse()
    {
        var (meeting, invitation) = await SeedScheduleAsync();
        await SeedProposeAsync(invitation);
        var organizers = await GetAsync(Alice, meeting.OrganizerItemId);
        await SeedRescheduleAsync(meeting, organizers.ItemId().ChangeKey);

        // Steps 6-7: a new meeting request at the new time; the attendee's calendar follows.
        var update = await InvitationAsync(Bob, meeting);
        Assert.NotEqual(invitation.Id, update.Id);
        var request = await GetAsync(Bob, update.Id);
        Assert.Equal(SeedProposedStart, V(request, "Start"));
        Assert.Equal(SeedProposedEnd, V(request, "End"));
        Assert.Equal("FullUpdate", V(request, "MeetingRequestType")); // the time changed: an answer is asked again
        Assert.Equal(SeedProposedStart, V(Assert.Single(await FindAsync(Bob, "calendar", meeting.Uid)), "Start"));

        // Steps 8-9: the attendee accepts the new time; the organizer receives a response without a proposal.
        var accepted = await server.CallAsync(Bob, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:AcceptItem><t:ReferenceItemId Id="{update.Id}" ChangeKey="{update.ChangeKey}"/></t:AcceptItem></m:Items>
            </m:CreateItem>
            """);
        accepted.Ok();
        var responses = Of(await FindAsync(Alice, "inbox", meeting.Uid), "MeetingResponse");
        Assert.Equal(2, responses.Count);
        var latest = Assert.Single(responses, r => V(r, "ProposedStart") is null);
        Assert.Equal("IPM.Schedule.Meeting.Resp.Pos", V(latest, "ItemClass"));
        Assert.Equal(meeting.OrganizerItemId, latest.Element(T + "AssociatedCalendarItemId")!.Attribute("Id")!.Value);

        // The new answer carries no proposal, so the organizer's record of the earlier one is gone ([MS-OXOCAL] §3.1.4.8.5.3).
        var row = (await GetAsync(Alice, meeting.OrganizerItemId, "Exchange2016")).AttendeeRow(Bob);
        Assert.Equal("Accept", V(row, "ResponseType"));
        Assert.Null(V(row, "ProposedStart"));
        Assert.Null(V(row, "ProposedEnd"));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Replay
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Posts one captured request as <paramref name="user"/>, placeholders swapped, and checks it succeeded.</summary>
    private async Task<EwsResponse> PostCaptureAsync(string user, string client, string capture, string file, params (string Placeholder, string Value)[] ids)
    {
        var response = await server.PostAsync(user, Captures.Substitute(Captures.Read(client, capture, file), ids));
        AssertSucceeded(response, $"{client}/{capture}/{file}");
        return response;
    }

    /// <summary>Posts every request of a capture in the order the client sent them; the responses by file name.</summary>
    private async Task<Dictionary<string, EwsResponse>> ReplayAsync(string user, string client, string capture, params (string Placeholder, string Value)[] ids)
    {
        var responses = new Dictionary<string, EwsResponse>(StringComparer.Ordinal);
        foreach (var file in Captures.Files(client, capture))
        {
            responses[file] = await PostCaptureAsync(user, client, capture, file, ids);
        }

        return responses;
    }

    private static void AssertSucceeded(EwsResponse response, string what)
    {
        Assert.True(response.Status == HttpStatusCode.OK && response.Messages.Count > 0, $"{what}: {response.Document}");
        foreach (var message in response.Messages)
        {
            Assert.True((string?)message.Attribute("ResponseClass") == "Success" && message.Element(M + "ResponseCode")?.Value == "NoError", $"{what}: {message}");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // State and effects
    // ---------------------------------------------------------------------------------------------------------------

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A direct child's text (Descendants would also find the Start inside ChangeHighlights, the EmailAddress of a Mailbox...).</summary>
    private static string? V(XElement e, string name) => e.Element(T + name)?.Value;

    private static List<XElement> Of(IEnumerable<XElement> items, string kind) => [.. items.Where(i => i.Name == T + kind)];

    private static Invitation InvitationOf(XElement item)
    {
        var (id, changeKey) = item.ItemId();
        return new Invitation(id, changeKey);
    }

    /// <summary>The organizer creates a meeting and sends the requests (SendToAllAndSaveCopy), the way most clients do.</summary>
    private async Task<Meeting> InviteAsync(string organizer, string subject, string[] required, string start = Start, string end = End, string tail = "")
    {
        var response = await server.CallAsync(organizer, Requests.CreateMeeting(subject, required, start, end, tail));
        var id = response.Ok().ItemId().Id;
        var uid = V(await GetAsync(organizer, id), "UID");
        Assert.False(string.IsNullOrEmpty(uid));
        return new Meeting(subject, uid, id);
    }

    private Task<XElement> GetAsync(string user, string id, string version = "Exchange2013_SP1") => server.GetItemAsync(user, id, version);

    /// <summary>Every item of the meeting <paramref name="uid"/> in one of <paramref name="user"/>'s folders, read with AllProperties.</summary>
    /// <remarks>Matched by UID here, not by a restriction: Exchange refuses calendar:UID in one (ErrorUnsupportedPathForQuery).</remarks>
    private async Task<List<XElement>> FindAsync(string user, string folder, string uid)
    {
        var ids = new List<string>();
        for (var offset = 0; ; offset += 200)
        {
            var page = (await server.CallAsync(user, $$"""
                <m:FindItem Traversal="Shallow">
                  <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:UID"/></t:AdditionalProperties></m:ItemShape>
                  <m:IndexedPageItemView MaxEntriesReturned="200" Offset="{{offset}}" BasePoint="Beginning"/>
                  <m:ParentFolderIds><t:DistinguishedFolderId Id="{{folder}}"/></m:ParentFolderIds>
                </m:FindItem>
                """)).Ok();
            var items = page.Element(M + "RootFolder")!.Element(T + "Items")!.Elements().ToList();
            ids.AddRange(items.Where(i => V(i, "UID") == uid).Select(i => (string)i.Element(T + "ItemId")!.Attribute("Id")!));
            if (items.Count < 200)
            {
                break;
            }
        }

        if (ids.Count == 0)
        {
            return [];
        }

        var got = await server.CallAsync(user, $"""
            <m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>
            <m:ItemIds>{string.Concat(ids.Select(id => $"<t:ItemId Id=\"{id}\"/>"))}</m:ItemIds></m:GetItem>
            """);
        AssertSucceeded(got, $"GetItem of {user}'s {folder}");
        return [.. got.Messages.Select(m => m.Element(M + "Items")!.Elements().Single())];
    }

    /// <summary>The one meeting request for <paramref name="meeting"/> in the attendee's Inbox.</summary>
    private async Task<Invitation> InvitationAsync(string attendee, Meeting meeting) =>
        InvitationOf(Assert.Single(Of(await FindAsync(attendee, "inbox", meeting.Uid), "MeetingRequest")));

    /// <summary>After a CreateItem of a calendar item with SendToAllAndSaveCopy: every attendee has the request and the meeting.</summary>
    private async Task AssertInvitationsDeliveredAsync(string organizerItemId, string subject, string[] required, string[] optional)
    {
        var organizers = await GetAsync(Alice, organizerItemId);
        Assert.Equal(subject, V(organizers, "Subject"));
        Assert.Equal(Start, V(organizers, "Start"));
        Assert.Equal(End, V(organizers, "End"));
        Assert.Equal("Room 1", V(organizers, "Location"));
        Assert.Equal("true", V(organizers, "IsMeeting"));
        Assert.Equal("true", V(organizers, "MeetingRequestWasSent"));
        Assert.Equal("Organizer", V(organizers, "MyResponseType"));
        Assert.Equal(required, organizers.Element(T + "RequiredAttendees")!.Elements().Select(a => a.Element(T + "Mailbox")!.Element(T + "EmailAddress")!.Value));
        Assert.Equal(optional, organizers.Element(T + "OptionalAttendees")!.Elements().Select(a => a.Element(T + "Mailbox")!.Element(T + "EmailAddress")!.Value));

        // Nobody has answered yet, whatever ResponseType the client sent (MTGS R79; exchangelib sends "Accept").
        foreach (var attendee in required.Concat(optional))
        {
            Assert.Equal("Unknown", V(organizers.AttendeeRow(attendee), "ResponseType"));
        }

        var uid = V(organizers, "UID")!;
        foreach (var attendee in required.Concat(optional))
        {
            var request = Assert.Single(Of(await FindAsync(attendee, "inbox", uid), "MeetingRequest"));
            Assert.Equal("IPM.Schedule.Meeting.Request", V(request, "ItemClass"));
            Assert.Equal(subject, V(request, "Subject"));
            Assert.Equal("NewMeetingRequest", V(request, "MeetingRequestType"));
            Assert.Equal(Start, V(request, "Start"));
            Assert.Equal(End, V(request, "End"));
            Assert.Equal(Alice, request.Element(T + "Organizer")!.T("EmailAddress"));

            // The meeting is already in the attendee's calendar, awaiting an answer (MTGS R84).
            var calendar = Assert.Single(await FindAsync(attendee, "calendar", uid));
            Assert.Equal("NoResponseReceived", V(calendar, "MyResponseType"));
            Assert.Equal(calendar.ItemId().Id, request.Element(T + "AssociatedCalendarItemId")?.Attribute("Id")?.Value);
        }

        Assert.Single(Of(await FindAsync(Alice, "sentitems", uid), "MeetingRequest"));
    }

    /// <summary>
    /// The CreateItem response of an accept or tentative accept names the attendee's calendar item and the meeting
    /// request moved to Deleted Items (ews-calendar-digest.md §4.3, the seed article's response sample).
    /// </summary>
    private async Task AssertCalendarAndMovedRequestReturnedAsync(EwsResponse response, string attendee, Meeting meeting)
    {
        var items = response.Ok().Element(M + "Items")!.Elements().ToList();
        Assert.Equal([T + "CalendarItem", T + "MeetingRequest"], items.Select(i => i.Name));
        Assert.Equal(Assert.Single(await FindAsync(attendee, "calendar", meeting.Uid)).ItemId().Id, items[0].ItemId().Id);
        Assert.Contains(Of(await FindAsync(attendee, "deleteditems", meeting.Uid), "MeetingRequest"), r => r.ItemId().Id == items[1].ItemId().Id);
    }

    /// <summary>The effects of an attendee's answer, in both mailboxes.</summary>
    private async Task AssertRespondedAsync(Meeting meeting, string organizer, string attendee, string kind, bool savedCopy, string? body = null, (string Start, string End)? proposed = null)
    {
        var itemClass = "IPM.Schedule.Meeting.Resp." + kind switch { "Accept" => "Pos", "Tentative" => "Tent", _ => "Neg" };

        // The organizer's Inbox: a MeetingResponse pointing at the organizer's calendar item.
        var response = Assert.Single(Of(await FindAsync(organizer, "inbox", meeting.Uid), "MeetingResponse"));
        Assert.Equal(itemClass, V(response, "ItemClass"));
        Assert.Equal(kind, V(response, "ResponseType"));
        Assert.Equal(attendee, response.Element(T + "From")!.T("EmailAddress"));
        Assert.Equal(meeting.OrganizerItemId, response.Element(T + "AssociatedCalendarItemId")?.Attribute("Id")?.Value);
        Assert.Equal(proposed?.Start, V(response, "ProposedStart"));
        Assert.Equal(proposed?.End, V(response, "ProposedEnd"));
        if (body is not null)
        {
            Assert.Contains(body, V(response, "Body") ?? "", StringComparison.Ordinal);
        }

        // The organizer's calendar item tracks the answer (MTGS R139) and the proposal (R1334/R1336, Exchange 2016+).
        var row = (await GetAsync(organizer, meeting.OrganizerItemId, "Exchange2016")).AttendeeRow(attendee);
        Assert.Equal(kind, V(row, "ResponseType"));
        Assert.Equal(proposed?.Start, V(row, "ProposedStart"));
        Assert.Equal(proposed?.End, V(row, "ProposedEnd"));

        // The attendee's side: the request left the Inbox for Deleted Items; the calendar shows the answer, and a
        // declined meeting leaves the calendar.
        Assert.Empty(Of(await FindAsync(attendee, "inbox", meeting.Uid), "MeetingRequest"));
        Assert.NotEmpty(Of(await FindAsync(attendee, "deleteditems", meeting.Uid), "MeetingRequest"));
        var calendar = await FindAsync(attendee, "calendar", meeting.Uid);
        if (kind == "Decline")
        {
            Assert.Empty(calendar);
        }
        else
        {
            Assert.Equal(kind, V(Assert.Single(calendar), "MyResponseType"));
        }

        var sent = Of(await FindAsync(attendee, "sentitems", meeting.Uid), "MeetingResponse");
        if (savedCopy)
        {
            var copy = Assert.Single(sent);
            Assert.Equal(itemClass, V(copy, "ItemClass"));
            Assert.Equal(proposed?.Start, V(copy, "ProposedStart"));
        }
        else
        {
            Assert.Empty(sent);
        }
    }

    /// <summary>After the organizer cancels (CancelCalendarItem or DeleteItem with cancellations): the attendee is told.</summary>
    private async Task AssertCancelledAsync(Meeting meeting, string organizer, string attendee, string attendeeItemId, string? body = null)
    {
        var cancellation = Assert.Single(Of(await FindAsync(attendee, "inbox", meeting.Uid), "MeetingCancellation"));
        Assert.Equal("IPM.Schedule.Meeting.Canceled", V(cancellation, "ItemClass"));
        Assert.Equal(organizer, cancellation.Element(T + "From")!.T("EmailAddress"));
        if (body is not null)
        {
            Assert.Contains(body, V(cancellation, "Body") ?? "", StringComparison.Ordinal);
        }

        var calendar = Assert.Single(await FindAsync(attendee, "calendar", meeting.Uid));
        Assert.Equal(attendeeItemId, calendar.ItemId().Id);
        Assert.Equal("true", V(calendar, "IsCancelled"));
        Assert.Contains("RemoveItem", cancellation.ResponseObjects());
    }

    /// <summary>After the organizer moved the meeting to 10:00-11:00 as "Planning (moved)" with SendToAllAndSaveCopy.</summary>
    private async Task AssertUpdateDeliveredAsync(Meeting meeting, string organizer, string attendee, string firstRequestId)
    {
        var organizers = await GetAsync(organizer, meeting.OrganizerItemId);
        Assert.Equal("Planning (moved)", V(organizers, "Subject"));
        Assert.Equal("2030-01-07T10:00:00Z", V(organizers, "Start"));
        Assert.Equal("2030-01-07T11:00:00Z", V(organizers, "End"));

        var requests = Of(await FindAsync(attendee, "inbox", meeting.Uid), "MeetingRequest");
        var update = Assert.Single(requests, r => r.ItemId().Id != firstRequestId);
        Assert.Equal("Planning (moved)", V(update, "Subject"));
        Assert.Equal("2030-01-07T10:00:00Z", V(update, "Start"));
        Assert.Equal("2030-01-07T11:00:00Z", V(update, "End"));
        Assert.Equal("FullUpdate", V(update, "MeetingRequestType")); // the attendee had not answered yet (MTGS R484/R485)
        Assert.Equal("true", V(update.Element(T + "ChangeHighlights")!, "HasStartTimeChanged")); // MTGS R55902
        Assert.Equal("true", V(update.Element(T + "ChangeHighlights")!, "HasEndTimeChanged"));

        // The first request is now out of date (MTGS R750), and the update carries a higher sequence number.
        var old = Assert.Single(requests, r => r.ItemId().Id == firstRequestId);
        Assert.Equal("true", V(old, "IsOutOfDate"));
        Assert.True(int.Parse(V(update, "AppointmentSequenceNumber")!, CultureInfo.InvariantCulture) > int.Parse(V(old, "AppointmentSequenceNumber")!, CultureInfo.InvariantCulture));

        var calendar = Assert.Single(await FindAsync(attendee, "calendar", meeting.Uid));
        Assert.Equal("Planning (moved)", V(calendar, "Subject"));
        Assert.Equal("2030-01-07T10:00:00Z", V(calendar, "Start"));
        Assert.Equal(calendar.ItemId().Id, update.Element(T + "AssociatedCalendarItemId")?.Attribute("Id")?.Value);

        Assert.Equal(2, Of(await FindAsync(organizer, "sentitems", meeting.Uid), "MeetingRequest").Count);
    }

    // Seed steps --------------------------------------------------------------------------------------------------

    /// <summary>Steps 1-2: Alice schedules the article's meeting with Bob; Bob finds the request.</summary>
    private async Task<(Meeting Meeting, Invitation Invitation)> SeedScheduleAsync(bool allowNewTimeProposal = true)
    {
        var meeting = await InviteAsync(Alice, Unique("Competitive analysis: kick off meeting"), [Bob], SeedStart, SeedEnd,
            $"<t:AllowNewTimeProposal>{(allowNewTimeProposal ? "true" : "false")}</t:AllowNewTimeProposal>");
        return (meeting, await InvitationAsync(Bob, meeting));
    }

    /// <summary>Step 3: Bob posts the article's CreateItem sample, fixed, with the proposal.</summary>
    private async Task SeedProposeAsync(Invitation invitation)
    {
        var createItem = WithDisposition(SeedIds(Seed.WithHttpNamespaces(Seed.Request("CreateItem")), invitation))
            .Replace("2013-11-28T", "2030-11-28T", StringComparison.Ordinal);
        AssertSucceeded(await server.PostAsync(Bob, createItem), "seed CreateItem");
    }

    /// <summary>Step 5: Alice moves the meeting to the proposed time and sends the update to everyone.</summary>
    private async Task SeedRescheduleAsync(Meeting meeting, string changeKey)
    {
        var updated = await server.CallAsync(Alice, $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges>
                <t:ItemChange>
                  <t:ItemId Id="{meeting.OrganizerItemId}" ChangeKey="{changeKey}"/>
                  <t:Updates>
                    <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>{SeedProposedStart}</t:Start></t:CalendarItem></t:SetItemField>
                    <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>{SeedProposedEnd}</t:End></t:CalendarItem></t:SetItemField>
                  </t:Updates>
                </t:ItemChange>
              </m:ItemChanges>
            </m:UpdateItem>
            """);
        updated.Ok();
    }

    /// <summary>The article's sample ids (AAMkADEzOTExYjJkL1AAA=, CwAAAB/G6X) replaced by the attendee's meeting request.</summary>
    private static string SeedIds(string sample, Invitation invitation)
    {
        Assert.Contains("Id=\"AAMkADEzOTExYjJkL1AAA=\" ChangeKey=\"CwAAAB/G6X\"", sample, StringComparison.Ordinal);
        return sample.Replace("Id=\"AAMkADEzOTExYjJkL1AAA=\" ChangeKey=\"CwAAAB/G6X\"", $"Id=\"{invitation.Id}\" ChangeKey=\"{invitation.ChangeKey}\"", StringComparison.Ordinal);
    }

    /// <summary>The fix of ews-calendar-digest.md §5.7: MessageDisposition is required for AcceptItem (MTGS R1241/R1342).</summary>
    private static string WithDisposition(string createItem)
    {
        Assert.Contains("<m:CreateItem>", createItem, StringComparison.Ordinal);
        return createItem.Replace("<m:CreateItem>", "<m:CreateItem MessageDisposition=\"SendAndSaveCopy\">", StringComparison.Ordinal);
    }
}
