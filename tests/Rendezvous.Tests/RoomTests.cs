using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Rooms over HTTP (issue 17 §5), every response schema-checked by the fixture: GetRoomLists and GetRooms, and rooms
/// that book themselves: accepting when free, declining a conflict, following a moved meeting and a cancellation.
/// </summary>
[Collection(ServerCollection.Name)]
public class RoomTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    // Within the rooms' booking window (180 days from now), on a day of its own for each test.
    private static DateTime Day() => DateTime.UtcNow.Date.AddDays(20 + Random.Shared.Next(0, 120)).AddHours(9);

    private static string Utc(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private IMailStore Store => server.Server.Store;

    private async Task<UserRecord> RoomAsync(string tag, int? capacity = 8)
    {
        var room = await Store.AddUserAsync($"room-{tag}@example.com", "Room " + tag, "!room", CancellationToken.None);
        await Store.SetRoomAsync(room.MailboxId, capacity, CancellationToken.None);
        return room;
    }

    private static string Resources(params string[] rooms) =>
        $"<t:Resources>{string.Concat(rooms.Select(r => $"<t:Attendee><t:Mailbox><t:EmailAddress>{r}</t:EmailAddress></t:Mailbox></t:Attendee>"))}</t:Resources>";

    private async Task<string> MeetingAsync(string subject, DateTime start, int minutes, string room, string extra = "") =>
        (await server.CallAsync(Alice, Requests.CreateMeeting(subject, [Bob], Utc(start), Utc(start.AddMinutes(minutes)), Resources(room) + extra))).Ok().ItemId().Id;

    private async Task<string> RoomResponseAsync(string organizerItemId, string room) =>
        (await server.GetItemAsync(Alice, organizerItemId)).AttendeeRow(room).Element(T + "ResponseType")!.Value;

    private async Task<List<Item>> RoomCalendarAsync(UserRecord room)
    {
        var calendar = await Store.GetDistinguishedFolderAsync(room.MailboxId, "calendar", CancellationToken.None);
        return [.. await Store.GetItemsAsync(calendar!.Id, CancellationToken.None)];
    }

    private async Task<List<Item>> InboxAsync(UserRecord user)
    {
        var inbox = await Store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None);
        return [.. await Store.GetItemsAsync(inbox!.Id, CancellationToken.None)];
    }

    private async Task MoveAsync(string itemId, DateTime start, int minutes)
    {
        var body = $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{itemId}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>{Utc(start)}</t:Start></t:CalendarItem></t:SetItemField>
                <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>{Utc(start.AddMinutes(minutes))}</t:End></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;
        (await server.CallAsync(Alice, body)).Ok();
    }

    [Fact]
    public async Task A_free_room_accepts_and_the_organizer_tracks_it()
    {
        var tag = Tag();
        var room = await RoomAsync(tag);
        var start = Day();

        var meeting = await MeetingAsync("Planning " + tag, start, 60, room.Address);

        Assert.Equal("Accept", await RoomResponseAsync(meeting, room.Address));
        var booked = Assert.Single(await RoomCalendarAsync(room), i => i.Subject == "Planning " + tag);
        Assert.Equal((start, "Busy"), (booked.Start!.Value, booked.LegacyFreeBusyStatus));
        // The organizer got the room's acceptance, in the attendant's words; the room's inbox keeps no request.
        var aliceInbox = await InboxAsync((await Store.FindUserAsync(Alice, CancellationToken.None))!);
        var response = Assert.Single(aliceInbox, i => i.Kind == ItemKind.MeetingResponse && i.Subject!.Contains(tag, StringComparison.Ordinal));
        Assert.Equal("Your request was accepted.", response.Body?.Text);
        Assert.DoesNotContain(await InboxAsync(room), i => i.Kind == ItemKind.MeetingRequest);
    }

    [Fact]
    public async Task A_room_declines_a_meeting_that_conflicts_and_keeps_the_first()
    {
        var tag = Tag();
        var room = await RoomAsync(tag);
        var start = Day();
        var first = await MeetingAsync("First " + tag, start, 60, room.Address);

        var second = await MeetingAsync("Second " + tag, start.AddMinutes(30), 60, room.Address);

        Assert.Equal("Accept", await RoomResponseAsync(first, room.Address));
        Assert.Equal("Decline", await RoomResponseAsync(second, room.Address));
        var calendar = await RoomCalendarAsync(room);
        Assert.Contains(calendar, i => i.Subject == "First " + tag);
        Assert.DoesNotContain(calendar, i => i.Subject == "Second " + tag);
    }

    [Fact]
    public async Task A_room_follows_a_moved_meeting_and_declines_a_move_into_a_conflict()
    {
        var tag = Tag();
        var room = await RoomAsync(tag);
        var start = Day();
        var meeting = await MeetingAsync("Moving " + tag, start, 60, room.Address);
        var other = await MeetingAsync("Fixed " + tag, start.AddHours(4), 60, room.Address);

        // Moved to a free hour (as when the organizer applies an attendee's proposal): the room moves with it.
        await MoveAsync(meeting, start.AddHours(2), 60);
        Assert.Equal("Accept", await RoomResponseAsync(meeting, room.Address));
        Assert.Equal(start.AddHours(2), Assert.Single(await RoomCalendarAsync(room), i => i.Subject == "Moving " + tag).Start);

        // Moved onto the other meeting: the room declines the new time and gives the hour up.
        await MoveAsync(meeting, start.AddHours(4).AddMinutes(15), 30);
        Assert.Equal("Decline", await RoomResponseAsync(meeting, room.Address));
        Assert.Equal("Accept", await RoomResponseAsync(other, room.Address));
        Assert.DoesNotContain(await RoomCalendarAsync(room), i => i.Subject == "Moving " + tag);
    }

    [Fact]
    public async Task A_cancelled_meeting_frees_the_room()
    {
        var tag = Tag();
        var room = await RoomAsync(tag);
        var start = Day();
        var meeting = await MeetingAsync("Cancelled " + tag, start, 60, room.Address);

        (await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:CancelCalendarItem><t:ReferenceItemId Id="{meeting}"/></t:CancelCalendarItem></m:Items>
            </m:CreateItem>
            """)).Ok();

        Assert.DoesNotContain(await RoomCalendarAsync(room), i => i.Subject!.EndsWith(tag, StringComparison.Ordinal));
        Assert.DoesNotContain(await InboxAsync(room), i => i.Kind == ItemKind.MeetingCancellation);
        // The hour is free again: the next meeting there is accepted.
        Assert.Equal("Accept", await RoomResponseAsync(await MeetingAsync("Next " + tag, start, 60, room.Address), room.Address));
    }

    [Fact]
    public async Task A_series_is_booked_when_it_ends_within_the_booking_window_and_declined_when_open_ended()
    {
        var tag = Tag();
        var room = await RoomAsync(tag);
        var start = Day();
        var date = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var day = start.DayOfWeek;
        string Weekly(string range) => $"<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>{day}</t:DaysOfWeek></t:WeeklyRecurrence>{range}</t:Recurrence>";

        var bounded = await MeetingAsync("Weekly " + tag, start, 60, room.Address, Weekly($"<t:NumberedRecurrence><t:StartDate>{date}</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>"));
        var openEnded = await MeetingAsync("Forever " + tag, start.AddHours(3), 60, room.Address, Weekly($"<t:NoEndRecurrence><t:StartDate>{date}</t:StartDate></t:NoEndRecurrence>"));
        var clash = await MeetingAsync("Clash " + tag, start.AddDays(14).AddMinutes(30), 30, room.Address);

        Assert.Equal("Accept", await RoomResponseAsync(bounded, room.Address));
        Assert.Equal("Decline", await RoomResponseAsync(openEnded, room.Address));
        // The series' third occurrence holds the room two weeks on.
        Assert.Equal("Decline", await RoomResponseAsync(clash, room.Address));
    }

    [Fact]
    public async Task A_room_is_busy_in_free_busy_as_a_Room_attendee()
    {
        var tag = Tag();
        var room = await RoomAsync(tag);
        var start = Day();
        await MeetingAsync("Busy " + tag, start, 60, room.Address);

        var response = await server.CallAsync(Alice, AvailabilityTests.Request([(room.Address, "Room")], Utc(start.Date), Utc(start.Date.AddDays(1))), "Exchange2010");

        var events = response.Document.Descendants(T + "CalendarEvent").ToList();
        Assert.Contains(events, e => e.Element(T + "BusyType")!.Value == "Busy" && DateTime.Parse(e.Element(T + "StartTime")!.Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal) == start);
    }

    [Fact]
    public async Task A_room_cannot_sign_in()
    {
        var room = await RoomAsync(Tag());

        foreach (var password in new[] { "!room", "", ServerFixture.Password })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(Soap.Envelope("<m:GetRoomLists/>"), System.Text.Encoding.UTF8, "text/xml") };
            request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(room.Address + ":" + password)));
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task GetRoomLists_and_GetRooms_give_the_lists_and_their_rooms()
    {
        var tag = Tag();
        var (one, two) = (await RoomAsync(tag + "a"), await RoomAsync(tag + "b", capacity: null));
        var list = $"rooms-{tag}@example.com";
        await Store.AddRoomListAsync(list, "Building " + tag, CancellationToken.None);
        Assert.True(await Store.SetRoomListMemberAsync(list, one.MailboxId, true, CancellationToken.None));
        Assert.True(await Store.SetRoomListMemberAsync(list, two.MailboxId, true, CancellationToken.None));
        Assert.False(await Store.SetRoomListMemberAsync(list, (await Store.FindUserAsync(Bob, CancellationToken.None))!.MailboxId, true, CancellationToken.None));

        var lists = await server.PostAsync(Bob, Soap.Envelope("<m:GetRoomLists/>", "Exchange2010"));
        var listed = Assert.Single(lists.Document.Descendants(M + "GetRoomListsResponse"));
        Assert.Equal("NoError", listed.Element(M + "ResponseCode")!.Value);
        var address = Assert.Single(listed.Descendants(T + "Address"), a => a.Element(T + "EmailAddress")!.Value == list);
        Assert.Equal(("Building " + tag, "SMTP", "PublicDL"), (address.Element(T + "Name")!.Value, address.Element(T + "RoutingType")!.Value, address.Element(T + "MailboxType")!.Value));

        var rooms = await server.PostAsync(Bob, Soap.Envelope($"<m:GetRooms><m:RoomList><t:EmailAddress>{list.ToUpperInvariant()}</t:EmailAddress></m:RoomList></m:GetRooms>", "Exchange2010"));
        var ids = rooms.Document.Descendants(T + "Room").Select(r => r.Element(T + "Id")!).ToList();
        Assert.Equal([one.Address, two.Address], ids.Select(i => i.Element(T + "EmailAddress")!.Value));
        Assert.All(ids, i => Assert.Equal("Mailbox", i.Element(T + "MailboxType")!.Value));

        Assert.True(await Store.SetRoomListMemberAsync(list, two.MailboxId, false, CancellationToken.None));
        rooms = await server.PostAsync(Bob, Soap.Envelope($"<m:GetRooms><m:RoomList><t:EmailAddress>{list}</t:EmailAddress></m:RoomList></m:GetRooms>", "Exchange2010"));
        Assert.Equal([one.Address], rooms.Document.Descendants(T + "Room").Select(r => r.Element(T + "Id")!.Element(T + "EmailAddress")!.Value));
    }

    [Fact]
    public async Task GetRooms_of_a_list_that_does_not_exist_is_ErrorNameResolutionNoResults()
    {
        var response = await server.PostAsync(Bob, Soap.Envelope($"<m:GetRooms><m:RoomList><t:EmailAddress>nolist-{Tag()}@example.com</t:EmailAddress></m:RoomList></m:GetRooms>", "Exchange2010"));

        var message = Assert.Single(response.Document.Descendants(M + "GetRoomsResponse"));
        Assert.Equal(("Error", "ErrorNameResolutionNoResults"), ((string)message.Attribute("ResponseClass")!, message.Element(M + "ResponseCode")!.Value));
        Assert.Null(message.Element(M + "Rooms"));
    }
}

/// <summary><see cref="RoomTests"/> with the server on PostgreSQL.</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresRoomTests(PostgresServerFixture server) : RoomTests(server);
