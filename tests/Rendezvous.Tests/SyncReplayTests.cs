using System.Net;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// SyncFolderItems driven by the exact requests real clients sent (tests/data/captures): the first sync of the
/// calendar as recorded, then further pages and an incremental sync from the SyncState it returned.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SyncReplayTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    [Fact]
    public async Task EwsJavascriptApiSyncFolderItems() =>
        await ReplayFirstSyncAsync(Captures.EwsJavascriptApi, "001_SyncFolderItems.xml");

    [Fact]
    public async Task ExchangelibSyncItems()
    {
        // exchangelib looks the folders up first (GetFolder of root, then of the calendar), then syncs.
        foreach (var file in Captures.Files(Captures.Exchangelib, "sync_items").Where(f => f.Contains("GetFolder", StringComparison.Ordinal)))
        {
            AssertSucceeded(await server.PostAsync(Alice, Captures.Substitute(Captures.Read(Captures.Exchangelib, "sync_items", file))), file);
        }

        var calendarItem = await ReplayFirstSyncAsync(Captures.Exchangelib, "003_SyncFolderItems.xml");

        // It asked for Body, TextBody, UniqueBody and MimeContent among its additional properties: sync, like FindItem, returns none.
        Assert.Null(calendarItem.Element(T + "Body"));
        Assert.Null(calendarItem.Element(T + "MimeContent"));
        Assert.Equal("2030-03-04T09:00:00Z", calendarItem.Element(T + "Start")!.Value);
    }

    /// <summary>
    /// Creates an appointment, replays the capture (the calendar's first sync), follows its SyncState to the end and
    /// checks the appointment came exactly once, as a CalendarItem; then changes it and checks the next sync reports
    /// just that Update. Returns the appointment as the capture's shape wrote it.
    /// </summary>
    private async Task<XElement> ReplayFirstSyncAsync(string client, string file)
    {
        var subject = "Replayed sync " + Guid.NewGuid().ToString("N")[..8];
        var (id, changeKey) = await server.CreateAppointmentAsync(Alice, subject, "2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z");

        var response = await server.PostAsync(Alice, Captures.Substitute(Captures.Read(client, "sync_items", file)));
        AssertSucceeded(response, file);
        var message = response.Single();
        var creates = Changes(message).ToList();
        Assert.InRange(creates.Count, 1, 100); // the capture's MaxChangesReturned
        var state = message.Element(M + "SyncState")!.Value;
        var last = message.Element(M + "IncludesLastItemInRange")!.Value == "true";
        while (!last)
        {
            var page = (await server.CallAsync(Alice, SyncCalendar(state))).Ok();
            creates.AddRange(Changes(page));
            state = page.Element(M + "SyncState")!.Value;
            last = page.Element(M + "IncludesLastItemInRange")!.Value == "true";
        }

        Assert.All(creates, c => Assert.Equal(T + "Create", c.Name));
        Assert.All(creates, c => Assert.Equal(T + "CalendarItem", c.Elements().Single().Name));
        var mine = Assert.Single(creates, c => c.ItemId().Id == id).Elements().Single();
        Assert.Equal(changeKey, mine.ItemId().ChangeKey);

        (await server.CallAsync(Alice, Requests.SetField(id, changeKey, "calendar:Location", "<t:Location>Room 2</t:Location>"))).Ok();
        var next = (await server.CallAsync(Alice, SyncCalendar(state))).Ok();
        var update = Assert.Single(Changes(next));
        Assert.Equal(T + "Update", update.Name);
        Assert.Equal(id, update.ItemId().Id);
        return mine;
    }

    private static IEnumerable<XElement> Changes(XElement message) => message.Element(M + "Changes")!.Elements();

    private static string SyncCalendar(string state) =>
        $"""
        <m:SyncFolderItems>
          <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
          <m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId>
          <m:SyncState>{state}</m:SyncState>
          <m:MaxChangesReturned>100</m:MaxChangesReturned>
        </m:SyncFolderItems>
        """;

    private static void AssertSucceeded(EwsResponse response, string what)
    {
        Assert.True(response.Status == HttpStatusCode.OK && response.Messages.Count > 0, $"{what}: {response.Document}");
        foreach (var message in response.Messages)
        {
            Assert.True((string?)message.Attribute("ResponseClass") == "Success" && message.Element(M + "ResponseCode")?.Value == "NoError", $"{what}: {message}");
        }
    }
}
