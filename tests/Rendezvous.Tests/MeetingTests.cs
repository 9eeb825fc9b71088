using System.Xml.Linq;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>The meeting workflow end to end over HTTP between mailboxes; every response is schema-checked by the fixture.</summary>
[Collection(ServerCollection.Name)]
public class MeetingTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private async Task<(string Id, string ChangeKey)> CreateMeetingAsync(string subject, string[] required, string invitations = "SendToAllAndSaveCopy", string allowProposals = "")
    {
        var body = Requests.CreateMeeting(subject, required, "2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z", allowProposals, invitations, attendeeResponseType: "Accept");
        return (await server.CallAsync(Alice, body)).Ok().ItemId();
    }

    /// <summary>Items of <paramref name="folder"/> whose subject contains <paramref name="tag"/>, with all properties.</summary>
    private async Task<IReadOnlyList<XElement>> FindAsync(string user, string folder, string tag, string version = "Exchange2013_SP1")
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var found = (await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "IdOnly"), version)).Ok();
        var items = new List<XElement>();
        foreach (var id in found.Descendants(T + "ItemId"))
        {
            items.Add(await GetAsync(user, (string)id.Attribute("Id")!, version));
        }

        return items;
    }

    [Fact]
    public async Task An_informational_update_is_an_InformationalUpdate_the_schema_knows_not_InformationUpdate()
    {
        // Regression (issue 14): the workflow wrote "InformationUpdate", which no schema value is, so every attendee
        // reading such a request got a response that failed schema validation (the fixture checks every response).
        var tag = Tag();
        var (meetingId, _) = await CreateMeetingAsync("Location change " + tag, [Bob]);
        // Bob answers first: an update that keeps the time is informational only for an attendee who has answered (MTGS R484/R485).
        (await server.CallAsync(Bob, Requests.Respond("AcceptItem", (await FindAsync(Bob, "inbox", tag)).Single().ItemId().Id, "SendOnly"))).Ok();
        var changeKey = (await GetAsync(Alice, meetingId)).ItemId().ChangeKey;
        (await server.CallAsync(Alice, $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange>
                <t:ItemId Id="{meetingId}" ChangeKey="{changeKey}"/>
                <t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Room 2</t:Location></t:CalendarItem></t:SetItemField></t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();
        var update = (await FindAsync(Bob, "inbox", tag)).Single(r => r.T("IsOutOfDate") == "false" && r.T("ItemClass") == "IPM.Schedule.Meeting.Request");
        Assert.Equal("InformationalUpdate", (await GetAsync(Bob, update.ItemId().Id)).T("MeetingRequestType"));
    }

    private Task<XElement> GetAsync(string user, string id, string version = "Exchange2013_SP1", string shape = "AllProperties", string additional = "") =>
        server.GetItemAsync(user, id, version, shape, additional);

    private const string Proposal = "<t:ProposedStart>2030-03-04T14:00:00Z</t:ProposedStart><t:ProposedEnd>2030-03-04T15:00:00Z</t:ProposedEnd>";

    [Fact]
    public async Task The_propose_new_time_round_trip_between_organizer_and_attendees()
    {
        var tag = Tag();
        var (meetingId, firstChangeKey) = await CreateMeetingAsync("Roadmap " + tag, [Bob, Carol]);

        // Steps 1–2: the organizer's item, Bob's request and his tentative copy.
        var organizers = await GetAsync(Alice, meetingId);
        Assert.Equal(("true", "Organizer", "true", "true"), (organizers.T("IsMeeting")!, organizers.T("MyResponseType")!, organizers.T("MeetingRequestWasSent")!, organizers.T("AllowNewTimeProposal")!));
        Assert.Equal("Unknown", organizers.AttendeeRow(Bob).Element(T + "ResponseType")!.Value);
        Assert.Contains("CancelCalendarItem", organizers.ResponseObjects());
        Assert.DoesNotContain("ProposeNewTime", organizers.ResponseObjects());
        Assert.Equal("MeetingRequest", Assert.Single(await FindAsync(Alice, "sentitems", tag)).Name.LocalName);
        var request = Assert.Single(await FindAsync(Bob, "inbox", tag));
        Assert.Equal(("MeetingRequest", "IPM.Schedule.Meeting.Request", "NewMeetingRequest"), (request.Name.LocalName, request.T("ItemClass")!, request.T("MeetingRequestType")!));
        var bobsCopyId = (string)request.Element(T + "AssociatedCalendarItemId")!.Attribute("Id")!;
        var bobsCopy = await GetAsync(Bob, bobsCopyId);
        Assert.Equal(("NoResponseReceived", "Tentative", "false"), (bobsCopy.T("MyResponseType")!, bobsCopy.T("LegacyFreeBusyStatus")!, bobsCopy.T("IsOrganizer")!));

        // Step 3: Bob checks that he may propose (the seed's GetItem) and proposes with TentativelyAcceptItem.
        var requestId = request.ItemId().Id;
        var offered = await GetAsync(Bob, requestId, shape: "IdOnly", additional: "<t:FieldURI FieldURI=\"item:ResponseObjects\"/>");
        Assert.Equal(["AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ReplyToItem", "ForwardItem", "ReplyAllToItem", "ProposeNewTime"], offered.ResponseObjects());
        var old = await GetAsync(Bob, requestId, version: "Exchange2010_SP2", shape: "IdOnly", additional: "<t:FieldURI FieldURI=\"item:ResponseObjects\"/>");
        Assert.DoesNotContain("ProposeNewTime", old.ResponseObjects());

        var responded = (await server.CallAsync(Bob, Requests.Respond("TentativelyAcceptItem", requestId, extra: Proposal))).Ok();
        var returned = responded.Element(M + "Items")!.Elements().ToList();
        Assert.Equal(["CalendarItem", "MeetingRequest"], returned.Select(e => e.Name.LocalName));
        Assert.Equal("Tentative", (await GetAsync(Bob, returned[0].ItemId().Id)).T("MyResponseType"));
        Assert.Empty(await FindAsync(Bob, "inbox", tag));
        Assert.Equal(returned[1].ItemId().Id, Assert.Single(await FindAsync(Bob, "deleteditems", tag)).ItemId().Id);
        Assert.Equal("MeetingResponse", Assert.Single(await FindAsync(Bob, "sentitems", tag)).Name.LocalName);

        // Step 4–5: Alice receives the proposal, linked to her item, which tracks it (AttendeeType.ProposedStart from Exchange2016).
        var proposal = Assert.Single(await FindAsync(Alice, "inbox", tag));
        Assert.Equal(("MeetingResponse", "IPM.Schedule.Meeting.Resp.Tent", "Tentative"), (proposal.Name.LocalName, proposal.T("ItemClass")!, proposal.T("ResponseType")!));
        Assert.Equal(("2030-03-04T14:00:00Z", "2030-03-04T15:00:00Z"), (proposal.T("ProposedStart")!, proposal.T("ProposedEnd")!));
        Assert.Equal(meetingId, (string)proposal.Element(T + "AssociatedCalendarItemId")!.Attribute("Id")!);
        Assert.Equal("My answer", proposal.T("Body"));
        var tracked = await GetAsync(Alice, meetingId, version: "Exchange2016");
        Assert.NotEqual(firstChangeKey, tracked.ItemId().ChangeKey);
        var bobRow = tracked.AttendeeRow(Bob);
        Assert.Equal("Tentative", bobRow.Element(T + "ResponseType")!.Value);
        Assert.NotNull(bobRow.Element(T + "LastResponseTime"));
        Assert.Equal("2030-03-04T14:00:00Z", bobRow.Element(T + "ProposedStart")!.Value);
        Assert.Null((await GetAsync(Alice, meetingId, version: "Exchange2013_SP1")).AttendeeRow(Bob).Element(T + "ProposedStart"));

        // Step 5–6: Alice moves the meeting to the proposal and sends the update to all.
        var update = $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange>
                <t:ItemId Id="{meetingId}" ChangeKey="{tracked.ItemId().ChangeKey}"/>
                <t:Updates>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>{proposal.T("ProposedStart")}</t:Start></t:CalendarItem></t:SetItemField>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>{proposal.T("ProposedEnd")}</t:End></t:CalendarItem></t:SetItemField>
                </t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;
        (await server.CallAsync(Alice, update)).Ok();
        var moved = await GetAsync(Alice, meetingId, version: "Exchange2016");
        Assert.Equal(("2030-03-04T14:00:00Z", "1"), (moved.T("Start")!, moved.T("AppointmentSequenceNumber")!));
        Assert.Null(moved.AttendeeRow(Bob).Element(T + "ProposedStart"));

        // Step 7: Bob receives the new request (a full update), his calendar follows, and he accepts.
        var fresh = (await FindAsync(Bob, "inbox", tag)).Single();
        Assert.Equal(("FullUpdate", "2030-03-04T14:00:00Z", "true"), (fresh.T("MeetingRequestType")!, fresh.T("Start")!, fresh.Element(T + "ChangeHighlights")!.T("HasStartTimeChanged")!));
        Assert.Equal("true", (await FindAsync(Bob, "deleteditems", tag)).Single().T("IsOutOfDate"));
        Assert.Equal("2030-03-04T14:00:00Z", (await GetAsync(Bob, (string)fresh.Element(T + "AssociatedCalendarItemId")!.Attribute("Id")!)).T("Start"));
        Assert.Equal("FullUpdate", (await FindAsync(Carol, "inbox", tag)).Single(r => r.T("IsOutOfDate") == "false").T("MeetingRequestType"));
        (await server.CallAsync(Bob, Requests.Respond("AcceptItem", fresh.ItemId().Id, "SendOnly"))).Ok();

        // Steps 8–9: Alice receives the acceptance.
        var accepted = (await FindAsync(Alice, "inbox", tag)).Single(r => r.T("ItemClass") == "IPM.Schedule.Meeting.Resp.Pos");
        Assert.Null(accepted.Element(T + "ProposedStart"));
        Assert.Equal("Accept", (await GetAsync(Alice, meetingId)).AttendeeRow(Bob).Element(T + "ResponseType")!.Value);
    }

    [Fact]
    public async Task Response_errors_are_reported_per_item()
    {
        var tag = Tag();
        var (meetingId, _) = await CreateMeetingAsync("Errors " + tag, [Bob]);
        var requestId = (await FindAsync(Bob, "inbox", tag)).Single().ItemId().Id;

        Assert.Equal("ErrorMessageDispositionRequired", (await server.CallAsync(Bob, Requests.Respond("AcceptItem", requestId, disposition: null))).Code());
        Assert.Equal("ErrorCalendarIsOrganizerForAccept", (await server.CallAsync(Alice, Requests.Respond("AcceptItem", meetingId))).Code());
        Assert.Equal("ErrorCalendarIsOrganizerForDecline", (await server.CallAsync(Alice, Requests.Respond("DeclineItem", meetingId))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(Bob, Requests.Respond("AcceptItem", meetingId))).Code()); // Alice's item, not Bob's
        var noReference = "<m:CreateItem MessageDisposition=\"SendOnly\"><m:Items><t:AcceptItem><t:Body BodyType=\"Text\">x</t:Body></t:AcceptItem></m:Items></m:CreateItem>";
        Assert.Equal("ErrorMissingInformationReferenceItemId", (await server.CallAsync(Bob, noReference)).Code());
        var backwards = "<t:ProposedStart>2030-03-04T15:00:00Z</t:ProposedStart><t:ProposedEnd>2030-03-04T14:00:00Z</t:ProposedEnd>";
        Assert.Equal("ErrorCalendarEndDateIsEarlierThanStartDate", (await server.CallAsync(Bob, Requests.Respond("TentativelyAcceptItem", requestId, extra: backwards))).Code());
        Assert.Empty(await FindAsync(Alice, "inbox", tag));

        // ProposeNewTime only exists in ResponseObjects; in CreateItem it is a schema violation.
        var propose = $"<m:CreateItem MessageDisposition=\"SendOnly\"><m:Items><t:ProposeNewTime><t:ReferenceItemId Id=\"{requestId}\"/></t:ProposeNewTime></m:Items></m:CreateItem>";
        Assert.Equal("a:ErrorSchemaValidation", (await server.CallAsync(Bob, propose)).FaultCode);

        var noMode = Requests.SetField(meetingId, "", "item:Subject", "<t:Subject>x</t:Subject>", "AlwaysOverwrite").Replace(" SendMeetingInvitationsOrCancellations=\"SendToNone\"", "", StringComparison.Ordinal);
        Assert.Equal("ErrorSendMeetingInvitationsOrCancellationsRequired", (await server.CallAsync(Alice, noMode)).Code());
    }

    [Fact]
    public async Task A_meeting_that_disallows_proposals_refuses_them_and_delivers_nothing()
    {
        var tag = Tag();
        await CreateMeetingAsync("Fixed " + tag, [Bob], allowProposals: "<t:AllowNewTimeProposal>false</t:AllowNewTimeProposal>");
        var request = (await FindAsync(Bob, "inbox", tag)).Single();
        Assert.Equal("false", request.T("AllowNewTimeProposal"));
        Assert.DoesNotContain("ProposeNewTime", request.ResponseObjects());

        Assert.Equal("ErrorInvalidOperation", (await server.CallAsync(Bob, Requests.Respond("AcceptItem", request.ItemId().Id, extra: Proposal))).Code());
        Assert.Empty(await FindAsync(Alice, "inbox", tag));
        Assert.Single(await FindAsync(Bob, "inbox", tag));
    }

    [Fact]
    public async Task Cancelling_removing_and_deleting_with_cancellations()
    {
        var tag = Tag();
        var (meetingId, _) = await CreateMeetingAsync("Offsite " + tag, [Bob, Carol]);
        var bobsCopyId = (string)(await FindAsync(Bob, "inbox", tag)).Single().Element(T + "AssociatedCalendarItemId")!.Attribute("Id")!;
        var cancel = (string id, string disposition) => $"<m:CreateItem MessageDisposition=\"{disposition}\"><m:Items><t:CancelCalendarItem><t:Body BodyType=\"Text\">Sorry</t:Body><t:ReferenceItemId Id=\"{id}\"/></t:CancelCalendarItem></m:Items></m:CreateItem>";

        Assert.Equal("ErrorCalendarIsNotOrganizer", (await server.CallAsync(Bob, cancel(bobsCopyId, "SendAndSaveCopy"))).Code());
        Assert.Equal("ErrorMessageDispositionRequired", (await server.CallAsync(Alice, cancel(meetingId, "x").Replace(" MessageDisposition=\"x\"", "", StringComparison.Ordinal))).Code());
        (await server.CallAsync(Alice, cancel(meetingId, "SendAndSaveCopy"))).Ok();

        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(Alice, Requests.GetItem(meetingId))).Code());
        Assert.Contains(await FindAsync(Alice, "sentitems", tag), i => i.Name.LocalName == "MeetingCancellation");
        var cancellation = (await FindAsync(Bob, "inbox", tag)).Single(i => i.Name.LocalName == "MeetingCancellation");
        Assert.Equal(("IPM.Schedule.Meeting.Canceled", "Sorry"), (cancellation.T("ItemClass")!, cancellation.T("Body")!));
        Assert.Contains("RemoveItem", cancellation.ResponseObjects());
        var bobsCopy = await GetAsync(Bob, bobsCopyId);
        Assert.Equal("true", bobsCopy.T("IsCancelled"));
        Assert.Equal("ErrorCalendarIsCancelledForAccept", (await server.CallAsync(Bob, Requests.Respond("AcceptItem", bobsCopyId))).Code());

        var remove = $"<m:CreateItem MessageDisposition=\"SendAndSaveCopy\"><m:Items><t:RemoveItem><t:ReferenceItemId Id=\"{cancellation.ItemId().Id}\"/></t:RemoveItem></m:Items></m:CreateItem>";
        (await server.CallAsync(Bob, remove)).Ok();
        Assert.Empty(await FindAsync(Bob, "calendar", tag));
        Assert.DoesNotContain(await FindAsync(Bob, "inbox", tag), i => i.Name.LocalName == "MeetingCancellation");

        // DeleteItem with SendMeetingCancellations cancels too.
        var (secondId, _) = await CreateMeetingAsync("Second " + tag, [Carol]);
        var delete = $"<m:DeleteItem DeleteType=\"MoveToDeletedItems\" SendMeetingCancellations=\"SendOnlyToAll\"><m:ItemIds><t:ItemId Id=\"{secondId}\"/></m:ItemIds></m:DeleteItem>";
        (await server.CallAsync(Alice, delete)).Single();
        Assert.Contains(await FindAsync(Carol, "inbox", "Second " + tag), i => i.Name.LocalName == "MeetingCancellation");
        Assert.Equal("true", (await FindAsync(Alice, "deleteditems", "Second " + tag)).Single().T("IsCancelled"));
    }

    [Fact]
    public async Task The_organizer_can_turn_a_proposal_down_by_replying_to_it()
    {
        var tag = Tag();
        await CreateMeetingAsync("Standup " + tag, [Bob, Carol]);
        var request = (await FindAsync(Bob, "inbox", tag)).Single();
        (await server.CallAsync(Bob, Requests.Respond("DeclineItem", request.ItemId().Id, "SendOnly", Proposal))).Ok();
        var proposal = (await FindAsync(Alice, "inbox", tag)).Single();
        Assert.Contains("ReplyToItem", proposal.ResponseObjects());

        var reply = $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:ReplyToItem>
                <t:ReferenceItemId Id="{proposal.ItemId().Id}"/>
                <t:NewBodyContent BodyType="Text">14:00 does not work for Carol, sorry.</t:NewBodyContent>
              </t:ReplyToItem></m:Items>
            </m:CreateItem>
            """;
        (await server.CallAsync(Alice, reply)).Ok();

        var received = (await FindAsync(Bob, "inbox", tag)).Single(i => i.Name.LocalName == "Message");
        Assert.Equal("RE: New Time Proposed: Standup " + tag, received.T("Subject"));
        Assert.StartsWith("14:00 does not work for Carol, sorry.", received.T("Body"), StringComparison.Ordinal);
        Assert.Contains("My answer", received.T("Body"), StringComparison.Ordinal); // the proposal's text, quoted
        Assert.Equal(Alice, received.Element(T + "From")!.T("EmailAddress"));
        Assert.Empty(await FindAsync(Carol, "inbox", "RE: New Time Proposed: Standup " + tag));
        Assert.Single(await FindAsync(Alice, "sentitems", "RE: New Time Proposed: Standup " + tag));

        var forwardToNobody = $"<m:CreateItem MessageDisposition=\"SendOnly\"><m:Items><t:ForwardItem><t:ReferenceItemId Id=\"{proposal.ItemId().Id}\"/></t:ForwardItem></m:Items></m:CreateItem>";
        Assert.Equal("ErrorInvalidRecipients", (await server.CallAsync(Alice, forwardToNobody)).Code());
    }

    [Fact]
    public async Task Twenty_attendees_responding_at_once_are_all_tracked()
    {
        var tag = Tag();
        var attendees = Enumerable.Range(0, 20).Select(i => $"crowd{i:00}-{tag}@example.com").ToArray();
        foreach (var address in attendees)
        {
            await server.Server.Store.AddUserAsync(address, "Crowd", PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        }

        var (meetingId, changeKey) = await CreateMeetingAsync("Crowd " + tag, attendees);
        var requests = await Task.WhenAll(attendees.Select(async a => (await FindAsync(a, "inbox", tag)).Single().ItemId().Id));

        var responses = await Task.WhenAll(attendees.Select((a, i) => server.CallAsync(a, Requests.Respond(i % 2 == 0 ? "AcceptItem" : "TentativelyAcceptItem", requests[i], "SendOnly", i % 4 == 1 ? Proposal : ""))));

        Assert.All(responses, r => r.Ok());
        var meeting = await GetAsync(Alice, meetingId, version: "Exchange2016");
        Assert.NotEqual(changeKey, meeting.ItemId().ChangeKey);
        for (var i = 0; i < attendees.Length; i++)
        {
            var row = meeting.AttendeeRow(attendees[i]);
            Assert.Equal(i % 2 == 0 ? "Accept" : "Tentative", row.Element(T + "ResponseType")!.Value);
            Assert.Equal(i % 4 == 1, row.Element(T + "ProposedStart") is not null);
        }

        Assert.Equal(20, (await FindAsync(Alice, "inbox", tag)).Count);
    }
}

/// <summary><see cref="MeetingTests"/> with the server on PostgreSQL.</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresMeetingTests(PostgresServerFixture server) : MeetingTests(server);
