using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.Security;

/// <summary>
/// A meeting is its UID and its organizer: a user who learns the UID of someone else's meeting (an attendee reads it
/// from their copy) can reuse it for a meeting of their own, but nothing they send changes the other organizer's
/// meeting or the attendees' copies of it. Over HTTP against the real server; every response is schema-checked.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class MeetingIdentitySecurityTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    private static string Attendees(params string[] addresses) =>
        $"<t:RequiredAttendees>{string.Concat(addresses.Select(a => $"<t:Attendee><t:Mailbox><t:EmailAddress>{a}</t:EmailAddress></t:Mailbox></t:Attendee>"))}</t:RequiredAttendees>";

    /// <summary>A meeting created by <paramref name="user"/>, optionally with a UID of the client's choosing (elements in schema order).</summary>
    private async Task<(string Id, string ChangeKey)> CreateMeetingAsync(string user, string subject, string start, string location, string[] required, string? uid = null)
    {
        var body = $"""
            <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items>
                <t:CalendarItem>
                  <t:Subject>{subject}</t:Subject>
                  <t:Body BodyType="Text">Agenda of {user}</t:Body>
                  {(uid is null ? "" : $"<t:UID>{uid}</t:UID>")}
                  <t:Start>{start}</t:Start>
                  <t:End>{DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}</t:End>
                  <t:Location>{location}</t:Location>
                  {Attendees(required)}
                </t:CalendarItem>
              </m:Items>
            </m:CreateItem>
            """;
        return (await server.CallAsync(user, body)).Ok().ItemId();
    }

    private async Task<IReadOnlyList<XElement>> FindAsync(string user, string folder, string tag)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var found = (await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "IdOnly"))).Ok();
        var items = new List<XElement>();
        foreach (var id in found.Descendants(T + "ItemId"))
        {
            items.Add(await server.GetItemAsync(user, (string)id.Attribute("Id")!, "Exchange2016"));
        }

        return items;
    }

    private static string OrganizerOf(XElement item) => item.Element(T + "Organizer")!.T("EmailAddress")!;

    private static string Respond(string kind, string referenceId) =>
        $"""<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:{kind}><t:ReferenceItemId Id="{referenceId}"/></t:{kind}></m:Items></m:CreateItem>""";

    private static string Cancel(string id) =>
        $"""<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:CancelCalendarItem><t:ReferenceItemId Id="{id}"/></t:CancelCalendarItem></m:Items></m:CreateItem>""";

    private static string Update(string id, string changeKey, string field, string value, string mode = "SendToAllAndSaveCopy") =>
        $"""
        <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="{mode}">
          <m:ItemChanges><t:ItemChange>
            <t:ItemId Id="{id}" ChangeKey="{changeKey}"/>
            <t:Updates><t:SetItemField><t:FieldURI FieldURI="{field}"/><t:CalendarItem>{value}</t:CalendarItem></t:SetItemField></t:Updates>
          </t:ItemChange></m:ItemChanges>
        </m:UpdateItem>
        """;

    /// <summary>Alice's meeting with Bob and Carol, and its UID as Bob reads it from his own copy.</summary>
    private async Task<(string Id, string ChangeKey, string Uid)> AlicesMeetingAsync(string tag)
    {
        var (id, changeKey) = await CreateMeetingAsync(Alice, "Budget " + tag, "2030-05-06T09:00:00Z", "Room 1", [Bob, Carol]);
        var bobsCopy = Assert.Single(await FindAsync(Bob, "calendar", tag));
        return (id, changeKey, bobsCopy.T("UID")!);
    }

    /// <summary>Alice's item is exactly as she made it: same id and ChangeKey, her time, place, organizer and tracking.</summary>
    private async Task AssertAlicesMeetingUntouchedAsync(string id, string changeKey, string tag)
    {
        var alices = await server.GetItemAsync(Alice, id, "Exchange2016");
        Assert.Equal((id, changeKey), alices.ItemId());
        Assert.Equal(("Budget " + tag, "2030-05-06T09:00:00Z", "Room 1", Alice), (alices.T("Subject")!, alices.T("Start")!, alices.T("Location")!, OrganizerOf(alices)));
        Assert.Equal(("Organizer", "false"), (alices.T("MyResponseType")!, alices.T("IsCancelled")!));
        Assert.Equal([Bob, Carol], alices.Element(T + "RequiredAttendees")!.Elements().Select(a => a.T("EmailAddress")!));
    }

    [Fact]
    public async Task Bob_cannot_overwrite_alices_meeting_by_reusing_its_uid()
    {
        var tag = Tag();
        var (aliceId, aliceKey, uid) = await AlicesMeetingAsync(tag);

        var (bobId, _) = await CreateMeetingAsync(Bob, "Budget " + tag + " (moved)", "2030-05-06T15:00:00Z", "Bob's office", [Alice, Carol], uid);

        await AssertAlicesMeetingUntouchedAsync(aliceId, aliceKey, tag);

        // Bob's meeting reaches Alice and Carol as a meeting of its own, beside Alice's.
        var alicesCalendar = await FindAsync(Alice, "calendar", tag);
        Assert.Equal(2, alicesCalendar.Count);
        var alicesCopyOfBobs = Assert.Single(alicesCalendar, i => OrganizerOf(i) == Bob);
        Assert.Equal(("2030-05-06T15:00:00Z", uid, "NoResponseReceived"), (alicesCopyOfBobs.T("Start")!, alicesCopyOfBobs.T("UID")!, alicesCopyOfBobs.T("MyResponseType")!));
        var carols = await FindAsync(Carol, "calendar", tag);
        Assert.Equal(2, carols.Count);
        var carolsCopyOfAlices = Assert.Single(carols, i => OrganizerOf(i) == Alice);
        Assert.Equal(("Budget " + tag, "2030-05-06T09:00:00Z", "Room 1"), (carolsCopyOfAlices.T("Subject")!, carolsCopyOfAlices.T("Start")!, carolsCopyOfAlices.T("Location")!));

        // Carol's request from Alice is still current: answering it answers Alice's meeting.
        var carolsRequestFromAlice = Assert.Single(await FindAsync(Carol, "inbox", tag), i => OrganizerOf(i) == Alice);
        Assert.Equal("false", carolsRequestFromAlice.T("IsOutOfDate"));
        (await server.CallAsync(Carol, Respond("AcceptItem", carolsRequestFromAlice.ItemId().Id))).Ok();
        var tracked = await server.GetItemAsync(Alice, aliceId, "Exchange2016");
        Assert.Equal("Accept", tracked.AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
        Assert.Equal("Unknown", (await server.GetItemAsync(Bob, bobId, "Exchange2016")).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);

        // Bob's cancellation cancels his meeting, not Alice's.
        (await server.CallAsync(Bob, Cancel(bobId))).Ok();
        var alicesAfter = await server.GetItemAsync(Alice, aliceId, "Exchange2016");
        Assert.Equal(("false", "Budget " + tag), (alicesAfter.T("IsCancelled")!, alicesAfter.T("Subject")!));
        Assert.Equal("true", (await server.GetItemAsync(Alice, alicesCopyOfBobs.ItemId().Id)).T("IsCancelled"));
        var carolsAfter = await FindAsync(Carol, "calendar", tag);
        Assert.Equal("false", Assert.Single(carolsAfter, i => OrganizerOf(i) == Alice).T("IsCancelled"));
        Assert.Equal("true", Assert.Single(carolsAfter, i => OrganizerOf(i) == Bob).T("IsCancelled"));
    }

    [Fact]
    public async Task Bob_cannot_overwrite_alices_meeting_by_setting_its_uid_on_his_own()
    {
        var tag = Tag();
        var (aliceId, aliceKey, uid) = await AlicesMeetingAsync(tag);
        var (bobId, bobKey) = await CreateMeetingAsync(Bob, "Lunch " + tag, "2030-05-06T12:00:00Z", "Canteen", [Alice, Carol]);

        var (_, withUid) = (await server.CallAsync(Bob, Update(bobId, bobKey, "calendar:UID", $"<t:UID>{uid}</t:UID>", "SendToNone"))).Ok().ItemId();
        (await server.CallAsync(Bob, Update(bobId, withUid, "calendar:Location", "<t:Location>Bob's office</t:Location>"))).Ok();

        await AssertAlicesMeetingUntouchedAsync(aliceId, aliceKey, tag);
        var carolsCopyOfAlices = Assert.Single(await FindAsync(Carol, "calendar", "Budget " + tag));
        Assert.Equal(("Room 1", Alice), (carolsCopyOfAlices.T("Location")!, OrganizerOf(carolsCopyOfAlices)));
        Assert.Equal("false", Assert.Single(await FindAsync(Carol, "inbox", "Budget " + tag)).T("IsOutOfDate"));

        // Bob's update went to his own meeting's attendees, as his meeting (with the new UID: a new meeting to them).
        var alicesCopyOfBobs = Assert.Single(await FindAsync(Alice, "calendar", "Lunch " + tag), i => i.T("UID") == uid);
        Assert.Equal(("Bob's office", Bob), (alicesCopyOfBobs.T("Location")!, OrganizerOf(alicesCopyOfBobs)));
    }

    [Fact]
    public async Task A_response_to_a_meeting_with_a_reused_uid_updates_only_that_meetings_organizer()
    {
        var tag = Tag();
        var (aliceId, _, uid) = await AlicesMeetingAsync(tag);
        var (bobId, _) = await CreateMeetingAsync(Bob, "Budget " + tag + " (moved)", "2030-05-06T15:00:00Z", "Bob's office", [Alice, Carol], uid);
        var requests = await FindAsync(Carol, "inbox", tag);

        (await server.CallAsync(Carol, Respond("DeclineItem", Assert.Single(requests, i => OrganizerOf(i) == Bob).ItemId().Id))).Ok();
        (await server.CallAsync(Alice, Respond("TentativelyAcceptItem", Assert.Single(await FindAsync(Alice, "inbox", tag), i => OrganizerOf(i) == Bob).ItemId().Id))).Ok();

        var alices = await server.GetItemAsync(Alice, aliceId, "Exchange2016");
        Assert.Equal("Unknown", alices.AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
        Assert.Equal("Organizer", alices.T("MyResponseType"));
        Assert.Equal("calendar", await FolderOfAsync(Alice, aliceId));
        var bobs = await server.GetItemAsync(Bob, bobId, "Exchange2016");
        Assert.Equal(("Decline", "Tentative"), (bobs.AttendeeRow(Carol).Element(T + "ResponseType")!.Value, bobs.AttendeeRow(Alice).Element(T + "ResponseType")!.Value));

        // Carol declined Bob's meeting only: her copy of Alice's stays on her calendar, its request still answerable.
        var carolsCalendar = Assert.Single(await FindAsync(Carol, "calendar", tag));
        Assert.Equal(Alice, OrganizerOf(carolsCalendar));
        var fromAlice = Assert.Single(await FindAsync(Carol, "inbox", tag));
        Assert.Equal(Alice, OrganizerOf(fromAlice));
        (await server.CallAsync(Carol, Respond("AcceptItem", fromAlice.ItemId().Id))).Ok();
        Assert.Equal("Accept", (await server.GetItemAsync(Alice, aliceId, "Exchange2016")).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
        Assert.Equal("Decline", (await server.GetItemAsync(Bob, bobId, "Exchange2016")).AttendeeRow(Carol).Element(T + "ResponseType")!.Value);
    }

    [Fact]
    public async Task An_attendee_cannot_cancel_or_update_the_organizers_meeting_through_their_copy()
    {
        var tag = Tag();
        var (aliceId, aliceKey, _) = await AlicesMeetingAsync(tag);
        var bobsCopy = Assert.Single(await FindAsync(Bob, "calendar", tag)).ItemId();

        Assert.Equal("ErrorCalendarIsNotOrganizer", (await server.CallAsync(Bob, Cancel(bobsCopy.Id))).Code());
        (await server.CallAsync(Bob, Update(bobsCopy.Id, bobsCopy.ChangeKey, "calendar:Location", "<t:Location>Elsewhere</t:Location>"))).Ok();
        var delete = $"""<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy"><m:ItemIds><t:ItemId Id="{bobsCopy.Id}"/></m:ItemIds></m:DeleteItem>""";
        (await server.CallAsync(Bob, delete)).Ok();

        await AssertAlicesMeetingUntouchedAsync(aliceId, aliceKey, tag);
        var carols = Assert.Single(await FindAsync(Carol, "calendar", tag));
        Assert.Equal(("Room 1", "false"), (carols.T("Location")!, carols.T("IsCancelled")!));
        Assert.DoesNotContain(await FindAsync(Carol, "inbox", tag), i => i.Name.LocalName == "MeetingCancellation");
    }

    [Fact]
    public void The_client_leaves_out_a_response_to_another_organizers_meeting_with_the_same_uid()
    {
        var nine = new DateTime(2031, 1, 6, 9, 0, 0, DateTimeKind.Utc);
        var meeting = new Client.EwsItem
        {
            Id = new Client.ItemId("ALICES", "CK"),
            Kind = Protocol.ItemKind.CalendarItem,
            Uid = "uid-1",
            Organizer = new Protocol.EmailAddress(null, Alice),
            Start = nine,
            End = nine.AddHours(1),
        };
        Client.EwsItem Response(string organizer) => new()
        {
            Id = new Client.ItemId("R-" + organizer),
            Kind = Protocol.ItemKind.MeetingResponse,
            From = new Protocol.EmailAddress(null, Carol),
            Uid = "uid-1",
            Organizer = new Protocol.EmailAddress(null, organizer),
            ResponseType = "Tentative",
            DateTimeSent = nine.AddDays(-1),
            Start = nine,
            End = nine.AddHours(1),
            ProposedStart = nine.AddHours(2),
            ProposedEnd = nine.AddHours(3),
        };

        Assert.Empty(Client.Proposals.Merge(meeting, [Response(Bob)]));
        Assert.Equal(Carol, Assert.Single(Client.Proposals.Merge(meeting, [Response(Alice.ToUpperInvariant())])).Attendee.Address);
    }

    private async Task<string?> FolderOfAsync(string user, string id)
    {
        var item = await server.GetItemAsync(user, id);
        var folderId = (string)item.Element(T + "ParentFolderId")!.Attribute("Id")!;
        var folder = (await server.CallAsync(user, $"""<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>""")).Ok();
        return (string?)folder.Descendants(T + "FolderId").First().Attribute("Id") == folderId ? "calendar" : null;
    }
}
