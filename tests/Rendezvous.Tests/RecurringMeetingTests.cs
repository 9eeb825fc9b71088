using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// A recurring meeting between three mailboxes over HTTP (issue 16 item 6), every response schema-checked by the
/// fixture: the series invited and accepted, one occurrence answered, a new time proposed for one occurrence and
/// applied by the organizer (that occurrence alone moves, for everyone), one occurrence cancelled, then the series.
/// </summary>
[Collection(ServerCollection.Name)]
public class RecurringMeetingTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;

    // Four Mondays, 09:00-10:00 UTC: 2031-03-17, 03-24, 03-31, 04-07.
    private const string WeeklyFourMondays = """
        <t:Recurrence>
          <t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>
          <t:NumberedRecurrence><t:StartDate>2031-03-17</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence>
        </t:Recurrence>
        """;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private Task<XElement> GetAsync(string user, string id, string version = "Exchange2016") => server.GetItemAsync(user, id, version);

    private async Task<XElement> OccurrenceAsync(string user, string masterId, int index, string version = "Exchange2016") =>
        (await server.CallAsync(user, $"""
            <m:GetItem>
              <m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>
              <m:ItemIds><t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="{index}"/></m:ItemIds>
            </m:GetItem>
            """, version)).Ok().Element(M + "Items")!.Elements().Single();

    private async Task<IReadOnlyList<XElement>> InboxAsync(string user, string tag)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var found = (await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: "inbox", shape: "IdOnly"))).Ok();
        var items = new List<XElement>();
        foreach (var id in found.Descendants(T + "ItemId"))
        {
            items.Add(await GetAsync(user, (string)id.Attribute("Id")!));
        }

        return items;
    }

    private static string Respond(string kind, string referenceId, string extra = "") =>
        $"""
        <m:CreateItem MessageDisposition="SendAndSaveCopy">
          <m:Items><t:{kind}><t:ReferenceItemId Id="{referenceId}"/>{extra}</t:{kind}></m:Items>
        </m:CreateItem>
        """;

    private static string AssociatedId(XElement message) => (string)message.Element(T + "AssociatedCalendarItemId")!.Attribute("Id")!;

    [Fact]
    public async Task A_recurring_meeting_from_invitation_through_a_proposal_for_one_occurrence_to_cancellation()
    {
        var tag = Tag();
        var created = (await server.CallAsync(Alice, Requests.CreateMeeting("Weekly sync " + tag, [Bob, Carol], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok();
        var aliceMaster = created.ItemId().Id;

        // One request for the series, carrying its Recurrence; each attendee's calendar gets a series of the same UID.
        var bobsRequest = Assert.Single(await InboxAsync(Bob, tag));
        Assert.Equal(("MeetingRequest", "RecurringMaster", "NewMeetingRequest"), (bobsRequest.Name.LocalName, bobsRequest.T("CalendarItemType")!, bobsRequest.T("MeetingRequestType")!));
        Assert.NotNull(bobsRequest.Element(T + "Recurrence")?.Element(T + "WeeklyRecurrence"));
        var bobMaster = AssociatedId(bobsRequest);
        var carolMaster = AssociatedId(Assert.Single(await InboxAsync(Carol, tag)));
        var bobsSeries = await GetAsync(Bob, bobMaster);
        Assert.Equal(("RecurringMaster", (await GetAsync(Alice, aliceMaster)).T("UID")), (bobsSeries.T("CalendarItemType")!, bobsSeries.T("UID")));

        // Bob accepts the series: Alice's master tracks it.
        (await server.CallAsync(Bob, Respond("AcceptItem", bobsRequest.ItemId().Id))).Ok();
        Assert.Equal("Accept", (await GetAsync(Alice, aliceMaster)).AttendeeRow(Bob).Element(T + "ResponseType")!.Value);
        Assert.Equal("Accept", (await GetAsync(Bob, bobMaster)).T("MyResponseType"));

        // Carol tentatively accepts the second occurrence alone: the answer is that occurrence's, on both sides.
        var carolsSecond = (await OccurrenceAsync(Carol, carolMaster, 2)).ItemId().Id;
        (await server.CallAsync(Carol, Respond("TentativelyAcceptItem", carolsSecond))).Ok();
        Assert.Equal("Tentative", (await OccurrenceAsync(Carol, carolMaster, 2)).T("MyResponseType"));
        Assert.Equal("NoResponseReceived", (await OccurrenceAsync(Carol, carolMaster, 1)).T("MyResponseType"));
        Assert.Equal("Tentative", (await OccurrenceAsync(Alice, aliceMaster, 2)).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
        Assert.Equal("Unknown", (await OccurrenceAsync(Alice, aliceMaster, 1)).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
        var carolsAnswer = Assert.Single(await InboxAsync(Alice, tag), m => m.T("RecurrenceId") is not null);
        Assert.Equal(("MeetingResponse", "2031-03-24T09:00:00Z"), (carolsAnswer.Name.LocalName, carolsAnswer.T("RecurrenceId")!));

        // Bob proposes 14:00-15:00 for the third occurrence: the response names it, Alice's occurrence shows the proposal.
        var bobsThird = (await OccurrenceAsync(Bob, bobMaster, 3)).ItemId().Id;
        (await server.CallAsync(Bob, Respond("TentativelyAcceptItem", bobsThird,
            "<t:ProposedStart>2031-03-31T14:00:00Z</t:ProposedStart><t:ProposedEnd>2031-03-31T15:00:00Z</t:ProposedEnd>"))).Ok();
        var proposal = Assert.Single(await InboxAsync(Alice, tag), m => m.T("ProposedStart") is not null);
        Assert.Equal(("2031-03-31T09:00:00Z", "2031-03-31T14:00:00Z", "2031-03-31T15:00:00Z"), (proposal.T("RecurrenceId")!, proposal.T("ProposedStart")!, proposal.T("ProposedEnd")!));
        Assert.StartsWith("New Time Proposed: ", proposal.T("Subject"), StringComparison.Ordinal);
        var alicesThird = await OccurrenceAsync(Alice, aliceMaster, 3);
        Assert.Equal(AssociatedId(proposal), alicesThird.ItemId().Id);
        var bobsRow = alicesThird.AttendeeRow(Bob);
        Assert.Equal(("Tentative", "2031-03-31T14:00:00Z"), (bobsRow.Element(T + "ResponseType")!.Value, bobsRow.Element(T + "ProposedStart")!.Value));
        Assert.Null((await OccurrenceAsync(Alice, aliceMaster, 2)).AttendeeRow(Bob).Element(T + "ProposedStart"));
        Assert.Equal("Accept", (await GetAsync(Alice, aliceMaster)).AttendeeRow(Bob).Element(T + "ResponseType")!.Value);

        // Alice applies it: the third occurrence alone moves, for everyone, as an exception; the update is for it only.
        (await server.CallAsync(Alice, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange>
                <t:OccurrenceItemId RecurringMasterId="{aliceMaster}" InstanceIndex="3"/>
                <t:Updates>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2031-03-31T14:00:00Z</t:Start></t:CalendarItem></t:SetItemField>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2031-03-31T15:00:00Z</t:End></t:CalendarItem></t:SetItemField>
                </t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();
        foreach (var (user, master) in new[] { (Alice, aliceMaster), (Bob, bobMaster), (Carol, carolMaster) })
        {
            var third = await OccurrenceAsync(user, master, 3);
            Assert.Equal((user, "Exception", "2031-03-31T14:00:00Z", "2031-03-31T15:00:00Z"), (user, third.T("CalendarItemType")!, third.T("Start")!, third.T("End")!));
            var second = await OccurrenceAsync(user, master, 2);
            Assert.Equal((user, "2031-03-24T09:00:00Z"), (user, second.T("Start")!));
            Assert.Equal((user, "2031-04-07T09:00:00Z"), (user, (await OccurrenceAsync(user, master, 4)).T("Start")!));
        }

        var update = Assert.Single(await InboxAsync(Bob, tag), m => m.Name.LocalName == "MeetingRequest" && m.T("IsOutOfDate") == "false" && m.T("RecurrenceId") is not null);
        Assert.Equal(("FullUpdate", "2031-03-31T09:00:00Z", "2031-03-31T14:00:00Z"), (update.T("MeetingRequestType")!, update.T("RecurrenceId")!, update.T("Start")!));
        Assert.Null(update.Element(T + "Recurrence"));
        Assert.Null((await OccurrenceAsync(Alice, aliceMaster, 3)).AttendeeRow(Bob).Element(T + "ProposedStart"));
        // Bob's answer to the series stands for the others; the moved occurrence asks him again.
        Assert.Equal("Accept", (await OccurrenceAsync(Bob, bobMaster, 2)).T("MyResponseType"));
        Assert.Equal("NoResponseReceived", (await OccurrenceAsync(Bob, bobMaster, 3)).T("MyResponseType"));

        // Alice cancels the fourth occurrence: the attendees' occurrence is removed, recorded as deleted, and they are told.
        (await server.CallAsync(Alice, $"""
            <m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy">
              <m:ItemIds><t:OccurrenceItemId RecurringMasterId="{aliceMaster}" InstanceIndex="4"/></m:ItemIds>
            </m:DeleteItem>
            """)).Ok();
        foreach (var (user, master) in new[] { (Alice, aliceMaster), (Bob, bobMaster), (Carol, carolMaster) })
        {
            var response = await server.CallAsync(user, $"""
                <m:GetItem>
                  <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
                  <m:ItemIds><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="4"/></m:ItemIds>
                </m:GetItem>
                """);
            Assert.Equal((user, "ErrorCalendarOccurrenceIsDeletedFromRecurrence"), (user, response.Code()));
            Assert.Equal((user, "2031-03-24T09:00:00Z"), (user, (await OccurrenceAsync(user, master, 2)).T("Start")!));
        }

        var cancellation = Assert.Single(await InboxAsync(Carol, tag), m => m.Name.LocalName == "MeetingCancellation");
        Assert.Equal("2031-04-07T09:00:00Z", cancellation.T("RecurrenceId"));
        Assert.Equal("false", (await GetAsync(Carol, carolMaster)).T("IsCancelled"));

        // Then the series: each attendee's series is cancelled.
        (await server.CallAsync(Alice, $"""
            <m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy">
              <m:ItemIds><t:ItemId Id="{aliceMaster}"/></m:ItemIds>
            </m:DeleteItem>
            """)).Ok();
        Assert.Equal("true", (await GetAsync(Bob, bobMaster)).T("IsCancelled"));
        var seriesCancellation = Assert.Single(await InboxAsync(Bob, tag), m => m.Name.LocalName == "MeetingCancellation" && m.T("RecurrenceId") is null);
        Assert.Equal("RecurringMaster", seriesCancellation.T("CalendarItemType"));
    }

    [Fact]
    public async Task CancelCalendarItem_of_one_occurrence_cancels_that_occurrence_alone()
    {
        var tag = Tag();
        var aliceMaster = (await server.CallAsync(Alice, Requests.CreateMeeting("Review " + tag, [Carol], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok().ItemId().Id;
        var carolMaster = AssociatedId(Assert.Single(await InboxAsync(Carol, tag)));
        var alicesSecond = (await OccurrenceAsync(Alice, aliceMaster, 2)).ItemId().Id;

        var answer = (await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:CancelCalendarItem><t:Body BodyType="Text">Off that week</t:Body><t:ReferenceItemId Id="{alicesSecond}"/></t:CancelCalendarItem></m:Items>
            </m:CreateItem>
            """)).Ok();

        Assert.Equal(aliceMaster, answer.ItemId().Id);
        var cancellation = Assert.Single(await InboxAsync(Carol, tag), m => m.Name.LocalName == "MeetingCancellation");
        Assert.Equal(("2031-03-24T09:00:00Z", "Off that week"), (cancellation.T("RecurrenceId")!, cancellation.T("Body")!.Trim()));
        foreach (var (user, master) in new[] { (Alice, aliceMaster), (Carol, carolMaster) })
        {
            var second = await server.CallAsync(user, $"""
                <m:GetItem>
                  <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
                  <m:ItemIds><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="2"/></m:ItemIds>
                </m:GetItem>
                """);
            Assert.Equal((user, "ErrorCalendarOccurrenceIsDeletedFromRecurrence"), (user, second.Code()));
            Assert.Equal((user, "false"), (user, (await GetAsync(user, master)).T("IsCancelled")!));
        }
    }

    private static string UpdateOccurrence(string masterId, int index, string field, string value, string mode = "SendToAllAndSaveCopy") => $"""
        <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="{mode}">
          <m:ItemChanges><t:ItemChange>
            <t:OccurrenceItemId RecurringMasterId="{masterId}" InstanceIndex="{index}"/>
            <t:Updates><t:SetItemField><t:FieldURI FieldURI="{field}"/><t:CalendarItem>{value}</t:CalendarItem></t:SetItemField></t:Updates>
          </t:ItemChange></m:ItemChanges>
        </m:UpdateItem>
        """;

    [Fact]
    public async Task The_answer_to_one_occurrence_carries_the_masters_current_ChangeKey()
    {
        var tag = Tag();
        (await server.CallAsync(Alice, Requests.CreateMeeting("Stand-up " + tag, [Carol], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok();
        var carolMaster = AssociatedId(Assert.Single(await InboxAsync(Carol, tag)));
        var second = (await OccurrenceAsync(Carol, carolMaster, 2)).ItemId();

        var (id, changeKey) = (await server.CallAsync(Carol, Respond("AcceptItem", second.Id))).Ok().ItemId();

        // The answer changed the master (its exception holds the answer): the occurrence's ChangeKey is the master's new one.
        Assert.Equal(second.Id, id);
        Assert.NotEqual(second.ChangeKey, changeKey);
        Assert.Equal((await GetAsync(Carol, carolMaster)).ItemId().ChangeKey, changeKey);
        Assert.Equal(changeKey, (await OccurrenceAsync(Carol, carolMaster, 2)).ItemId().ChangeKey);
    }

    [Fact]
    public async Task Attendees_added_to_or_removed_from_one_occurrence_get_a_request_or_a_cancellation_for_it()
    {
        var tag = Tag();
        var aliceMaster = (await server.CallAsync(Alice, Requests.CreateMeeting("Planning " + tag, [Bob], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok().ItemId().Id;
        var bobMaster = AssociatedId(Assert.Single(await InboxAsync(Bob, tag)));

        // The second occurrence is Carol's instead of Bob's.
        (await server.CallAsync(Alice, UpdateOccurrence(aliceMaster, 2, "calendar:RequiredAttendees",
            $"<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>{Carol}</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>"))).Ok();

        var request = Assert.Single(await InboxAsync(Carol, tag));
        Assert.Equal(("MeetingRequest", "NewMeetingRequest", "2031-03-24T09:00:00Z"), (request.Name.LocalName, request.T("MeetingRequestType")!, request.T("RecurrenceId")!));
        Assert.Null(request.Element(T + "Recurrence"));
        var carols = await GetAsync(Carol, AssociatedId(request));
        Assert.Equal(("2031-03-24T09:00:00Z", "2031-03-24T09:00:00Z"), (carols.T("Start")!, carols.T("RecurrenceId")!));
        Assert.Null(carols.Element(T + "Recurrence"));

        var cancellation = Assert.Single(await InboxAsync(Bob, tag), m => m.Name.LocalName == "MeetingCancellation");
        Assert.Equal("2031-03-24T09:00:00Z", cancellation.T("RecurrenceId"));
        var bobsSecond = await server.CallAsync(Bob, $"""
            <m:GetItem>
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
              <m:ItemIds><t:OccurrenceItemId RecurringMasterId="{bobMaster}" InstanceIndex="2"/></m:ItemIds>
            </m:GetItem>
            """);
        Assert.Equal("ErrorCalendarOccurrenceIsDeletedFromRecurrence", bobsSecond.Code());
        Assert.Equal("2031-03-31T09:00:00Z", (await OccurrenceAsync(Bob, bobMaster, 3)).T("Start"));

        // Carol's answer is tracked on that occurrence of Alice's series, nowhere else.
        (await server.CallAsync(Carol, Respond("AcceptItem", request.ItemId().Id))).Ok();
        Assert.Equal("Accept", (await OccurrenceAsync(Alice, aliceMaster, 2)).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
        Assert.DoesNotContain((await GetAsync(Alice, aliceMaster)).Descendants(T + "EmailAddress"), e => e.Value == Carol);
    }

    [Fact]
    public async Task Answering_the_series_keeps_the_answer_given_to_one_occurrence()
    {
        var tag = Tag();
        var aliceMaster = (await server.CallAsync(Alice, Requests.CreateMeeting("Review " + tag, [Carol], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok().ItemId().Id;
        var seriesRequest = Assert.Single(await InboxAsync(Carol, tag));
        var carolMaster = AssociatedId(seriesRequest);
        (await server.CallAsync(Carol, Respond("TentativelyAcceptItem", (await OccurrenceAsync(Carol, carolMaster, 3)).ItemId().Id))).Ok();

        (await server.CallAsync(Carol, Respond("AcceptItem", seriesRequest.ItemId().Id))).Ok();

        Assert.Equal(("Tentative", "Accept"), ((await OccurrenceAsync(Carol, carolMaster, 3)).T("MyResponseType"), (await OccurrenceAsync(Carol, carolMaster, 2)).T("MyResponseType")));
        Assert.Equal("Tentative", (await OccurrenceAsync(Alice, aliceMaster, 3)).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
        Assert.Equal("Accept", (await OccurrenceAsync(Alice, aliceMaster, 2)).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
    }

    [Fact]
    public async Task A_new_series_time_drops_the_exceptions_for_everyone_and_cancels_them()
    {
        var tag = Tag();
        var aliceMaster = (await server.CallAsync(Alice, Requests.CreateMeeting("Retro " + tag, [Bob], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok().ItemId().Id;
        var bobMaster = AssociatedId(Assert.Single(await InboxAsync(Bob, tag)));
        (await server.CallAsync(Alice, UpdateOccurrence(aliceMaster, 2, "item:Subject", $"<t:Subject>Retro {tag} (Room 9)</t:Subject>"))).Ok();
        Assert.Equal("Exception", (await OccurrenceAsync(Bob, bobMaster, 2)).T("CalendarItemType"));

        (await server.CallAsync(Alice, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange>
                <t:ItemId Id="{aliceMaster}"/>
                <t:Updates>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2031-03-17T10:00:00Z</t:Start></t:CalendarItem></t:SetItemField>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2031-03-17T11:00:00Z</t:End></t:CalendarItem></t:SetItemField>
                </t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();

        foreach (var (user, master) in new[] { (Alice, aliceMaster), (Bob, bobMaster) })
        {
            Assert.Null((await GetAsync(user, master)).Element(T + "ModifiedOccurrences"));
            var second = await OccurrenceAsync(user, master, 2);
            Assert.Equal((user, "Occurrence", "2031-03-24T10:00:00Z", "Retro " + tag), (user, second.T("CalendarItemType")!, second.T("Start")!, second.T("Subject")!));
        }

        var cancellation = Assert.Single(await InboxAsync(Bob, tag), m => m.Name.LocalName == "MeetingCancellation");
        Assert.Equal("2031-03-24T09:00:00Z", cancellation.T("RecurrenceId"));
    }

    [Fact]
    public async Task Regression_series_updates_reach_attendees_invited_to_one_exception_only()
    {
        var tag = Tag();
        var aliceMaster = (await server.CallAsync(Alice, Requests.CreateMeeting("Design " + tag, [Bob], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok().ItemId().Id;
        var bobMaster = AssociatedId(Assert.Single(await InboxAsync(Bob, tag)));
        // Carol joins Bob on the second occurrence alone, and accepts it: she holds that occurrence as an orphan instance.
        (await server.CallAsync(Alice, UpdateOccurrence(aliceMaster, 2, "calendar:RequiredAttendees",
            $"<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:Attendee><t:Attendee><t:Mailbox><t:EmailAddress>{Carol}</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>"))).Ok();
        var invitation = Assert.Single(await InboxAsync(Carol, tag));
        var carolsInstance = AssociatedId(invitation);
        (await server.CallAsync(Carol, Respond("AcceptItem", invitation.ItemId().Id))).Ok();

        // Alice renames and relocates the series.
        (await server.CallAsync(Alice, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange>
                <t:ItemId Id="{aliceMaster}"/>
                <t:Updates>
                  <t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>Design review {tag}</t:Subject></t:CalendarItem></t:SetItemField>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Room 7</t:Location></t:CalendarItem></t:SetItemField>
                </t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();

        // Carol's instance follows, keeps her answer and its own time, and she is told of it for that occurrence.
        var instance = await GetAsync(Carol, carolsInstance);
        Assert.Equal(("Design review " + tag, "Room 7", "Accept", "2031-03-24T09:00:00Z", "2031-03-24T09:00:00Z"),
            (instance.T("Subject")!, instance.T("Location")!, instance.T("MyResponseType")!, instance.T("Start")!, instance.T("RecurrenceId")!));
        var update = Assert.Single(await InboxAsync(Carol, tag), m => m.Name.LocalName == "MeetingRequest" && m.T("IsOutOfDate") == "false");
        Assert.Equal(("InformationalUpdate", "2031-03-24T09:00:00Z", "Room 7", carolsInstance),
            (update.T("MeetingRequestType")!, update.T("RecurrenceId")!, update.T("Location")!, AssociatedId(update)));
        Assert.Null(update.Element(T + "Recurrence"));

        // The series' attendee hears through the series update alone, and the exception keeps Carol's tracking.
        Assert.Single(await InboxAsync(Bob, tag), m => m.Name.LocalName == "MeetingRequest" && m.T("RecurrenceId") is null && m.T("MeetingRequestType") != "NewMeetingRequest");
        Assert.Equal("Room 7", (await OccurrenceAsync(Bob, bobMaster, 2)).T("Location"));
        Assert.Equal("Accept", (await OccurrenceAsync(Alice, aliceMaster, 2)).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
    }

    [Fact]
    public async Task Regression_cancelling_the_series_reaches_attendees_invited_to_one_exception_only()
    {
        var tag = Tag();
        var aliceMaster = (await server.CallAsync(Alice, Requests.CreateMeeting("Offsite " + tag, [Bob], "2031-03-17T09:00:00Z", "2031-03-17T10:00:00Z", WeeklyFourMondays))).Ok().ItemId().Id;
        (await server.CallAsync(Alice, UpdateOccurrence(aliceMaster, 3, "calendar:RequiredAttendees",
            $"<t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:Attendee><t:Attendee><t:Mailbox><t:EmailAddress>{Carol}</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>"))).Ok();
        var invitation = Assert.Single(await InboxAsync(Carol, tag));
        var carolsInstance = AssociatedId(invitation);
        (await server.CallAsync(Carol, Respond("AcceptItem", invitation.ItemId().Id))).Ok();

        (await server.CallAsync(Alice, $"""
            <m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy">
              <m:ItemIds><t:ItemId Id="{aliceMaster}"/></m:ItemIds>
            </m:DeleteItem>
            """)).Ok();

        // Carol's instance is cancelled, and she is told for that occurrence.
        Assert.Equal("true", (await GetAsync(Carol, carolsInstance)).T("IsCancelled"));
        var cancellation = Assert.Single(await InboxAsync(Carol, tag), m => m.Name.LocalName == "MeetingCancellation");
        Assert.Equal("2031-03-31T09:00:00Z", cancellation.T("RecurrenceId"));
        Assert.Single(await InboxAsync(Bob, tag), m => m.Name.LocalName == "MeetingCancellation" && m.T("RecurrenceId") is null);
    }
}

/// <summary><see cref="RecurringMeetingTests"/> with the server on PostgreSQL.</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresRecurringMeetingTests(PostgresServerFixture server) : RecurringMeetingTests(server);
