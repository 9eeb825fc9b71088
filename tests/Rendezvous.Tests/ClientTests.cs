using System.Net;
using Rendezvous.Client;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>Rendezvous.Client against the running server over HTTP, the whole propose-new-time loop and its errors.</summary>
[Collection(ServerCollection.Name)]
public sealed class ClientTests(ServerFixture fixture)
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static DateTime Utc(string iso) => At(iso).UtcDateTime;

    private static string Unique(string subject) => subject + " " + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task The_whole_propose_new_time_loop_between_organizer_and_attendees()
    {
        using var alice = fixture.Client(Alice);
        using var bob = fixture.Client(Bob);
        using var carol = fixture.Client(Carol);
        var subject = Unique("Quarterly planning");

        // 1. The organizer creates the meeting and sends the invitations.
        var meetingId = await alice.CreateMeetingAsync(new NewMeeting(subject, At("2031-03-10T09:00:00Z"), At("2031-03-10T10:00:00Z"), [Bob, Carol])
        {
            Location = "Room 4",
            Body = "Agenda to follow.",
        });
        Assert.Equal((15, 1, 2507, 6), (alice.ServerVersion!.MajorVersion, alice.ServerVersion.MinorVersion, alice.ServerVersion.MajorBuildNumber, alice.ServerVersion.MinorBuildNumber));

        // 2–3. The attendee finds the request; the server offers ProposeNewTime.
        var request = Assert.Single(await bob.FindMeetingRequestsAsync(subject));
        Assert.Equal(ItemKind.MeetingRequest, request.Kind);
        Assert.Equal(Utc("2031-03-10T09:00:00Z"), request.Start);
        Assert.True(request.CanProposeNewTime);
        Assert.True(await bob.CanProposeNewTimeAsync(request.Id));
        Assert.Equal(["AcceptItem", "TentativelyAcceptItem", "DeclineItem"], (await bob.GetResponseObjectsAsync(request.Id)).Where(r => r.EndsWith("AcceptItem", StringComparison.Ordinal) || r == "DeclineItem"));
        var tentative = Assert.Single(await bob.FindCalendarItemsAsync(At("2031-03-10T00:00:00Z"), At("2031-03-11T00:00:00Z"), subject));
        Assert.Equal(request.Uid, tentative.Uid);

        // 4. Bob proposes 11:00–12:00, tentatively; Carol accepts as is.
        var answer = await bob.ProposeNewTimeAsync(request.Id, At("2031-03-10T11:00:00Z"), At("2031-03-10T12:00:00Z"), MeetingResponse.Tentative, "Mornings are taken.");
        Assert.Single(answer.CalendarItems);
        Assert.Empty(await bob.FindMeetingRequestsAsync(subject));
        Assert.Equal("Tentative", (await bob.GetItemAsync(answer.CalendarItems[0])).MyResponseType);
        var carolRequest = Assert.Single(await carol.FindMeetingRequestsAsync(subject));
        await carol.RespondAsync(carolRequest.Id, MeetingResponse.Accept);

        // 5. The organizer reads the proposals: Bob's, from his MeetingResponse and from the tracking; none from Carol.
        var proposals = await alice.GetProposalsAsync(meetingId);
        Assert.Equal(subject, proposals.Meeting.Subject);
        var proposal = Assert.Single(proposals.Proposals);
        Assert.Equal(Bob, proposal.Attendee.Address);
        Assert.Equal("Tentative", proposal.ResponseType);
        Assert.Equal(Utc("2031-03-10T11:00:00Z"), proposal.ProposedStart);
        Assert.Equal(Utc("2031-03-10T12:00:00Z"), proposal.ProposedEnd);
        Assert.Equal("Mornings are taken.", proposal.Message);
        Assert.True(proposal.Tracked);
        Assert.NotNull(proposal.ResponseMessageId);
        Assert.NotNull(proposal.RespondedAt);
        Assert.Equal("Accept", proposals.Meeting.RequiredAttendees.Single(a => a.Mailbox.Is(Carol)).ResponseType);
        var everyMeeting = await alice.FindProposalsAsync();
        Assert.Equal(Bob, Assert.Single(Assert.Single(everyMeeting, m => m.Meeting.Id.Id == meetingId.Id).Proposals).Attendee.Address);
        var responses = await alice.FindMeetingResponsesAsync(subject);
        Assert.Equal(2, responses.Count);
        Assert.All(responses, r => Assert.Equal(meetingId.Id, r.AssociatedCalendarItemId?.Id));

        // 6. The organizer checks everyone's availability at the proposed time, then applies it.
        var availability = await alice.GetAvailabilityAsync([Alice, Bob, Carol], At("2031-03-10T00:00:00Z"), At("2031-03-11T00:00:00Z"));
        Assert.Equal([Alice, Bob, Carol], availability.Mailboxes.Select(m => m.Address));
        Assert.All(availability.Mailboxes, m => Assert.Null(m.Error));
        var aliceBusy = Assert.Single(availability.Mailboxes[0].View!.Events!, e => e.Details?.Subject == subject);
        Assert.Equal(Utc("2031-03-10T09:00:00Z"), aliceBusy.Start);
        Assert.DoesNotContain(availability.Mailboxes.SelectMany(m => m.View!.Events!), e => e.Start < Utc("2031-03-10T12:00:00Z") && e.End > Utc("2031-03-10T11:00:00Z"));
        Assert.NotEmpty(availability.Suggestions);

        var moved = await alice.ApplyProposalAsync(meetingId, proposal);
        Assert.Equal(meetingId.Id, moved.Id);
        Assert.NotEqual(meetingId.ChangeKey, moved.ChangeKey);
        var meeting = await alice.GetItemAsync(moved);
        Assert.Equal(Utc("2031-03-10T11:00:00Z"), meeting.Start);
        Assert.Equal(Utc("2031-03-10T12:00:00Z"), meeting.End);
        Assert.Empty((await alice.GetProposalsAsync(moved)).Proposals);
        Assert.DoesNotContain(await alice.FindProposalsAsync(), m => m.Meeting.Id.Id == meetingId.Id);

        // Every attendee gets the update at the new time.
        foreach (var attendee in new[] { bob, carol })
        {
            var update = Assert.Single(await attendee.FindMeetingRequestsAsync(subject));
            Assert.Equal(Utc("2031-03-10T11:00:00Z"), update.Start);
        }

        // Cancelling takes the meeting off the organizer's calendar and sends a cancellation to each attendee.
        var bobState = (await bob.SyncAsync(EwsFolder.Inbox)).SyncState;
        await alice.CancelAsync(moved, "Plans changed.");
        Assert.Empty(await alice.FindCalendarItemsAsync(subject));
        var gone = await Assert.ThrowsAsync<EwsResponseException>(() => alice.GetItemAsync(moved));
        Assert.Equal(ResponseCodes.ErrorItemNotFound, gone.Code);
        var changes = await bob.SyncAsync(EwsFolder.Inbox, bobState);
        Assert.Contains(changes.Changes, c => c.Type == SyncChangeType.Create && c.Item!.Kind == ItemKind.MeetingCancellation && c.Item.Subject!.EndsWith(subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_proposal_later_withdrawn_by_a_plain_answer_is_not_listed()
    {
        using var alice = fixture.Client(Alice);
        using var bob = fixture.Client(Bob);
        var subject = Unique("Withdrawn");
        var meetingId = await alice.CreateMeetingAsync(new NewMeeting(subject, At("2031-04-01T09:00:00Z"), At("2031-04-01T10:00:00Z"), [Bob]));
        var request = Assert.Single(await bob.FindMeetingRequestsAsync(subject));
        await bob.ProposeNewTimeAsync(request.Id, At("2031-04-01T14:00:00Z"), At("2031-04-01T15:00:00Z"), MeetingResponse.Tentative);
        Assert.Equal("Tentative", Assert.Single((await alice.GetProposalsAsync(meetingId)).Proposals).ResponseType);

        // Bob changes his mind and accepts the original time from his calendar item.
        var calendarItem = Assert.Single(await bob.FindCalendarItemsAsync(subject));
        await bob.RespondAsync(calendarItem.Id, MeetingResponse.Accept);
        Assert.Empty((await alice.GetProposalsAsync(meetingId)).Proposals);
    }

    [Fact]
    public async Task Before_Exchange2016_proposals_come_from_the_meeting_responses_alone()
    {
        using var alice = fixture.Client(Alice, ExchangeVersion.Exchange2013_SP1);
        using var bob = fixture.Client(Bob, ExchangeVersion.Exchange2013_SP1);
        var subject = Unique("Exchange 2013");
        var meetingId = await alice.CreateMeetingAsync(new NewMeeting(subject, At("2031-04-02T09:00:00Z"), At("2031-04-02T10:00:00Z"), [Bob]));
        var request = Assert.Single(await bob.FindMeetingRequestsAsync(subject));
        Assert.True(request.CanProposeNewTime);
        await bob.ProposeNewTimeAsync(request.Id, At("2031-04-02T14:00:00Z"), At("2031-04-02T15:00:00Z"), MeetingResponse.Decline, "Only afternoons.");

        var proposals = await alice.GetProposalsAsync(meetingId);
        Assert.Null(proposals.Meeting.RequiredAttendees.Single().ProposedStart);
        var proposal = Assert.Single(proposals.Proposals);
        Assert.False(proposal.Tracked);
        Assert.Equal(("Decline", Utc("2031-04-02T14:00:00Z"), "Only afternoons."), (proposal.ResponseType, proposal.ProposedStart, proposal.Message));
    }

    [Fact]
    public async Task Items_come_back_in_UTC_whatever_time_zone_context_the_client_sends()
    {
        using var paris = fixture.Client(Alice, timeZone: "Europe/Paris");
        using var utc = fixture.Client(Alice);
        var subject = Unique("Zoned");
        var id = await paris.CreateMeetingAsync(new NewMeeting(subject, At("2031-07-01T09:00:00+02:00"), At("2031-07-01T10:00:00+02:00"), [Bob]) { TimeZone = "Europe/Paris" });

        var viaParis = await paris.GetItemAsync(id);
        var viaUtc = await utc.GetItemAsync(id);
        Assert.Equal(Utc("2031-07-01T07:00:00Z"), viaParis.Start);
        Assert.Equal(viaUtc.Start, viaParis.Start);
        Assert.Equal("Romance Standard Time", viaUtc.StartTimeZoneId);
        Assert.Equal(DateTimeKind.Utc, viaParis.Start!.Value.Kind);
    }

    [Fact]
    public async Task Sync_pages_through_a_folder_until_no_changes_are_left()
    {
        using var carol = fixture.Client(Carol);
        var folder = EwsFolder.Calendar;
        var state = (string?)null;
        var more = true;
        while (more)
        {
            var page = await carol.SyncAsync(folder, state);
            state = page.SyncState;
            more = page.MoreChanges;
        }

        var subjects = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var subject = Unique("Sync " + i);
            subjects.Add(subject);
            await carol.CreateMeetingAsync(new NewMeeting(subject, At("2031-05-01T09:00:00Z").AddDays(i), At("2031-05-01T10:00:00Z").AddDays(i), []));
        }

        var seen = new List<SyncChange>();
        var batches = 0;
        do
        {
            var page = await carol.SyncAsync(folder, state, maxChanges: 2);
            Assert.True(page.Changes.Count <= 2);
            seen.AddRange(page.Changes);
            state = page.SyncState;
            more = page.MoreChanges;
            batches++;
        }
        while (more);

        Assert.Equal(3, batches);
        Assert.Equal(subjects, seen.Where(c => c.Type == SyncChangeType.Create).Select(c => c.Item!.Subject));
        Assert.Empty((await carol.SyncAsync(folder, state)).Changes);
    }

    [Fact]
    public async Task Per_item_errors_surface_as_EwsResponseException_with_their_code()
    {
        using var alice = fixture.Client(Alice);
        using var bob = fixture.Client(Bob);

        var malformed = await Assert.ThrowsAsync<EwsResponseException>(() => alice.GetItemAsync(new ItemId("not-an-id")));
        Assert.Equal(ResponseCodes.ErrorInvalidIdMalformed, malformed.Code);

        var subject = Unique("No proposals");
        await alice.CreateMeetingAsync(new NewMeeting(subject, At("2031-06-02T09:00:00Z"), At("2031-06-02T10:00:00Z"), [Bob]) { AllowNewTimeProposal = false });
        var request = Assert.Single(await bob.FindMeetingRequestsAsync(subject));
        Assert.False(request.CanProposeNewTime);
        Assert.False(await bob.CanProposeNewTimeAsync(request.Id));
        var refused = await Assert.ThrowsAsync<EwsResponseException>(() => bob.ProposeNewTimeAsync(request.Id, At("2031-06-02T11:00:00Z"), At("2031-06-02T12:00:00Z"), MeetingResponse.Tentative));
        Assert.StartsWith("Error", refused.Code, StringComparison.Ordinal);
        Assert.NotEqual(ResponseCodes.ErrorInternalServerError, refused.Code);

        var state = await Assert.ThrowsAsync<EwsResponseException>(() => bob.SyncAsync(EwsFolder.Inbox, "Zm9yZ2Vk"));
        Assert.Equal("ErrorInvalidSyncStateData", state.Code);
    }

    [Fact]
    public async Task Whole_request_failures_surface_as_EwsFaultException_and_HTTP_failures_as_EwsHttpException()
    {
        using var alice = fixture.Client(Alice);
        var tooLong = await Assert.ThrowsAsync<EwsFaultException>(() => alice.GetAvailabilityAsync([Bob], At("2031-01-01T00:00:00Z"), At("2031-03-01T00:00:00Z")));
        Assert.Equal("ErrorTimeIntervalTooBig", tooLong.Code);
        Assert.NotNull(alice.ServerVersion); // faults carry ServerVersionInfo too

        using var wrong = fixture.Client(Alice, password: "wrong");
        var denied = await Assert.ThrowsAsync<EwsHttpException>(() => wrong.FindMeetingRequestsAsync());
        Assert.Equal(401, denied.StatusCode);
    }

    [Fact]
    public async Task Proposing_needs_Exchange2013_and_the_client_says_so_before_sending()
    {
        using var old = fixture.Client(Bob, ExchangeVersion.Exchange2010_SP2);
        await Assert.ThrowsAsync<NotSupportedException>(() => old.ProposeNewTimeAsync(new ItemId("x"), At("2031-01-01T09:00:00Z"), At("2031-01-01T10:00:00Z"), MeetingResponse.Accept));
        Assert.False(await old.CanProposeNewTimeAsync(new ItemId("x")));
        await Assert.ThrowsAsync<ArgumentException>(() => old.ApplyProposalAsync(new ItemId("x"), At("2031-01-01T10:00:00Z"), At("2031-01-01T09:00:00Z")));
    }

    [Fact]
    public async Task An_item_deleted_between_FindItem_and_GetItem_is_left_out_of_the_listing()
    {
        const string envelope = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"><s:Body>{0}</s:Body></s:Envelope>";
        var found = string.Format(System.Globalization.CultureInfo.InvariantCulture, envelope,
            "<m:FindItemResponse><m:ResponseMessages><m:FindItemResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode>"
            + "<m:RootFolder TotalItemsInView=\"2\" IncludesLastItemInRange=\"true\"><t:Items><t:MeetingRequest><t:ItemId Id=\"A\"/></t:MeetingRequest><t:MeetingRequest><t:ItemId Id=\"B\"/></t:MeetingRequest></t:Items></m:RootFolder>"
            + "</m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>");
        var got = string.Format(System.Globalization.CultureInfo.InvariantCulture, envelope,
            "<m:GetItemResponse><m:ResponseMessages>"
            + "<m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage>"
            + "<m:GetItemResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:MeetingRequest><t:ItemId Id=\"B\" ChangeKey=\"1\"/><t:Subject>Still here</t:Subject></t:MeetingRequest></m:Items></m:GetItemResponseMessage>"
            + "</m:ResponseMessages></m:GetItemResponse>");
        using var client = ClientHarness.Client(new SchemaCheckingHandler(new CannedHandler([found, got])));

        var request = Assert.Single(await client.FindMeetingRequestsAsync());
        Assert.Equal(new ItemId("B", "1"), request.Id);

        // Asked for by id, the missing item is an error.
        using var direct = ClientHarness.Client(new CannedHandler(got));
        Assert.Equal(ResponseCodes.ErrorItemNotFound, (await Assert.ThrowsAsync<EwsResponseException>(() => direct.GetItemsAsync([new ItemId("A"), new ItemId("B")]))).Code);
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_call()
    {
        using var alice = fixture.Client(Alice);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => alice.FindMeetingRequestsAsync(null, cts.Token));
    }

    [Fact]
    public async Task Bearer_credentials_are_sent_as_an_Authorization_bearer_header()
    {
        var server = new CannedHandler("<unused/>", HttpStatusCode.Unauthorized);
        using var client = new EwsClient(
            new EwsClientOptions { Url = new Uri("https://outlook.invalid/EWS/Exchange.asmx"), Credentials = EwsCredentials.Bearer("eyJ0eXAi.token") },
            new HttpClient(server));
        var error = await Assert.ThrowsAsync<EwsHttpException>(() => client.FindMeetingRequestsAsync());
        Assert.Equal(401, error.StatusCode);
        Assert.Equal("Bearer", server.Messages[0].Headers.Authorization!.Scheme);
        Assert.Equal("eyJ0eXAi.token", server.Messages[0].Headers.Authorization!.Parameter);
        Assert.DoesNotContain("token", EwsCredentials.Bearer("eyJ0eXAi.token").ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pw", EwsCredentials.Basic("u", "pw").ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/EWS/Exchange.asmx")]
    [InlineData("http://127.0.0.1:5000/", "http://127.0.0.1:5000/EWS/Exchange.asmx")]
    [InlineData("https://mail.example.com/EWS/Exchange.asmx", "https://mail.example.com/EWS/Exchange.asmx")]
    [InlineData("http://host:8080/custom/ews", "http://host:8080/custom/ews")]
    public void A_bare_server_address_is_completed_to_the_EWS_endpoint(string given, string endpoint) =>
        Assert.Equal(new Uri(endpoint), EwsClient.EndpointFrom(given));

    [Theory]
    [InlineData("127.0.0.1:5000")]
    [InlineData("ftp://host/")]
    [InlineData("not a url")]
    public void Something_that_is_not_an_http_url_is_refused(string given) =>
        Assert.Throws<ArgumentException>(() => EwsClient.EndpointFrom(given));

    [Fact]
    public async Task GetOccurrenceOnAsync_finds_an_occurrence_by_the_date_the_pattern_gave_it()
    {
        // Mondays 2033-03-07, 03-14, 03-21, 03-28 at 09:00 UTC; the second moved to 14:00, the third deleted.
        var master = (await fixture.CallAsync(Alice, Requests.CreateMeeting(Unique("Dated"), [Bob], "2033-03-07T09:00:00Z", "2033-03-07T10:00:00Z", """
            <t:Recurrence>
              <t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>
              <t:NumberedRecurrence><t:StartDate>2033-03-07</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence>
            </t:Recurrence>
            """, invitations: "SendToNone"))).Ok().ItemId().Id;
        (await fixture.CallAsync(Alice, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange>
                <t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="2"/>
                <t:Updates>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2033-03-14T14:00:00Z</t:Start></t:CalendarItem></t:SetItemField>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2033-03-14T15:00:00Z</t:End></t:CalendarItem></t:SetItemField>
                </t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();
        (await fixture.CallAsync(Alice, $"""
            <m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToNone">
              <m:ItemIds><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="3"/></m:ItemIds>
            </m:DeleteItem>
            """)).Ok();
        using var alice = fixture.Client(Alice);
        var id = new ItemId(master);

        var first = await alice.GetOccurrenceOnAsync(id, new DateOnly(2033, 3, 7));
        Assert.Equal((Utc("2033-03-07T09:00:00Z"), (DateTime?)Utc("2033-03-07T09:00:00Z")), (first.RecurrenceId!.Value, first.Start));
        var moved = await alice.GetOccurrenceOnAsync(id, new DateOnly(2033, 3, 14));
        Assert.Equal((Utc("2033-03-14T09:00:00Z"), (DateTime?)Utc("2033-03-14T14:00:00Z"), "Exception"), (moved.RecurrenceId!.Value, moved.Start, moved.CalendarItemType));
        Assert.Equal((await alice.GetOccurrenceAsync(id, 2)).Id.Id, moved.Id.Id);
        var deleted = await Assert.ThrowsAsync<EwsResponseException>(() => alice.GetOccurrenceOnAsync(id, new DateOnly(2033, 3, 21)));
        Assert.Equal(ResponseCodes.ErrorCalendarOccurrenceIsDeletedFromRecurrence, deleted.Code);
        var none = await Assert.ThrowsAsync<EwsResponseException>(() => alice.GetOccurrenceOnAsync(id, new DateOnly(2033, 3, 22)));
        Assert.Equal(ResponseCodes.ErrorItemNotFound, none.Code);
    }
}
