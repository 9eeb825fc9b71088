using System.Net;
using System.Xml.Linq;
using Rendezvous.Protocol;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.Security;

/// <summary>
/// Extreme dates: what the server cannot show in every zone is refused on input, and a stored value is always written,
/// so no one can make another user's folders unlistable. (Trust issue, defect 6.)
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class DateSecurityTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;

    private static string Context(string zone) => $"<t:TimeZoneContext><t:TimeZoneDefinition Id=\"{zone}\"/></t:TimeZoneContext>";

    private async Task<string> NewUserAsync()
    {
        var address = $"dates-{Guid.NewGuid():N}@example.com";
        await server.Server.Store.AddUserAsync(address, "Dates", PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    private Task<EwsResponse> CallInAsync(string user, string body, string zone) =>
        server.PostAsync(user, Soap.Envelope(body, "Exchange2013_SP1", Context(zone)));

    private async Task AssertFoldersListableAsync(string user)
    {
        foreach (var zone in new[] { "Eastern Standard Time", "Tokyo Standard Time", "Dateline Standard Time", "Line Islands Standard Time" })
        {
            foreach (var folder in new[] { "calendar", "inbox" })
            {
                var find = await CallInAsync(user, Requests.FindItem(folder: folder, shape: "AllProperties"), zone);
                Assert.True(find.Code() == "NoError", $"FindItem {folder} in {zone}: {find.Document}");
                var sync = await CallInAsync(user, $"""
                    <m:SyncFolderItems>
                      <m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>
                      <m:SyncFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SyncFolderId>
                      <m:MaxChangesReturned>100</m:MaxChangesReturned>
                    </m:SyncFolderItems>
                    """, zone);
                Assert.True(sync.Code() == "NoError", $"SyncFolderItems {folder} in {zone}: {sync.Document}");
            }
        }
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z")]
    [InlineData("9999-12-31T22:00:00Z", "9999-12-31T23:00:00Z")]
    [InlineData("1600-12-31T23:00:00Z", "1601-01-01T01:00:00Z")]
    [InlineData("4501-01-01T00:00:00Z", "4501-01-01T01:00:00Z")]
    public async Task Bob_cannot_invite_alice_to_a_meeting_at_an_extreme_date_that_breaks_her_folders(string start, string end)
    {
        var alice = await NewUserAsync();
        var response = await server.CallAsync(ServerFixture.Bob, Requests.CreateMeeting("extreme " + start, [alice], start, end));
        Assert.Equal("ErrorCalendarOutOfRange", response.Code());
        await AssertFoldersListableAsync(alice);
    }

    [Fact]
    public async Task A_year_9999_wall_clock_time_east_of_UTC_is_refused()
    {
        var response = await server.CallAsync(ServerFixture.Bob, Requests.CreateAppointment("tokyo 9999", "9999-12-31T23:00:00", "9999-12-31T23:30:00",
            "<t:StartTimeZone Id=\"Tokyo Standard Time\"/>"));
        Assert.Equal("ErrorCalendarOutOfRange", response.Code());
    }

    [Fact]
    public async Task The_edges_of_the_stored_range_are_kept_and_shown_in_every_zone()
    {
        var alice = await NewUserAsync();
        var early = await server.CallAsync(ServerFixture.Bob, Requests.CreateMeeting("earliest", [alice], "1601-01-01T00:00:00Z", "1601-01-01T01:00:00Z"));
        Assert.Equal("NoError", early.Code());
        var late = await server.CallAsync(ServerFixture.Bob, Requests.CreateMeeting("latest", [alice], "4500-12-31T23:00:00Z", "4501-01-01T00:00:00Z"));
        Assert.Equal("NoError", late.Code());
        await AssertFoldersListableAsync(alice);
    }

    [Fact]
    public async Task Moving_a_meeting_to_year_1_by_UpdateItem_is_refused()
    {
        var created = (await server.CallAsync(ServerFixture.Bob, Requests.CreateAppointment("to move", "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z"))).Ok();
        var id = created.Descendants(T + "ItemId").Single();
        var response = await server.CallAsync(ServerFixture.Bob, $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{(string)id.Attribute("Id")!}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>0001-01-01T00:00:00Z</t:Start></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """);
        Assert.Equal("ErrorCalendarOutOfRange", response.Code());
    }

    [Fact]
    public async Task A_date_stored_before_dates_were_bounded_is_still_written_in_every_zone()
    {
        // Data written by an earlier version can hold any DateTime: responses must still be written (in UTC if need be).
        var alice = await NewUserAsync();
        var user = (await server.Server.Store.FindUserAsync(alice, CancellationToken.None))!;
        var store = server.Server.Store;
        var changes = new ChangeSet();
        foreach (var (folder, start) in new[] { ("calendar", DateTime.MinValue), ("calendar", DateTime.MaxValue.AddHours(-1)), ("inbox", DateTime.MinValue) })
        {
            var item = StoreTests.NewItem(store, user.MailboxId, (await store.GetDistinguishedFolderAsync(user.MailboxId, folder, CancellationToken.None))!.Id, "stored " + start.Year);
            item.Kind = folder == "calendar" ? ItemKind.CalendarItem : ItemKind.MeetingRequest;
            item.Start = DateTime.SpecifyKind(start, DateTimeKind.Utc);
            item.End = DateTime.SpecifyKind(start.AddMinutes(30), DateTimeKind.Utc);
            item.DateTimeReceived = DateTime.SpecifyKind(start, DateTimeKind.Utc);
            changes.Inserts.Add(item);
        }

        await store.ApplyAsync(changes, CancellationToken.None);
        await AssertFoldersListableAsync(alice);
        var shown = await CallInAsync(alice, Requests.FindItem(folder: "calendar", shape: "AllProperties"), "Tokyo Standard Time");
        Assert.Contains(shown.Document.Descendants(T + "Start"), s => s.Value.StartsWith("9999-12-31T", StringComparison.Ordinal) && s.Value.EndsWith('Z'));
        Assert.Equal(HttpStatusCode.OK, shown.Status);
    }
}
