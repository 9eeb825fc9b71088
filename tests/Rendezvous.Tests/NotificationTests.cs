using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using Rendezvous.Server;
using Rendezvous.Services;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Notifications (issue 17 §1) over HTTP with the real server, every response and every push schema-validated: pull,
/// streaming and push subscriptions each see every event of one scripted sequence (creations, modifications, a read
/// flag, a move, a copy, deletes, a folder emptied, a folder created and deleted), in order; a streaming connection the
/// server ends says Closed; watermarks, ownership, expiry and the push URL guard. The server here counts a protocol
/// minute as one second (<see cref="NotificationOptions.Minute"/>) so that timeouts pass quickly, and pages events by
/// four log entries.
/// </summary>
public class NotificationTests : IAsyncLifetime
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string AllEvents =
        "<t:EventTypes><t:EventType>CopiedEvent</t:EventType><t:EventType>CreatedEvent</t:EventType><t:EventType>DeletedEvent</t:EventType>" +
        "<t:EventType>ModifiedEvent</t:EventType><t:EventType>MovedEvent</t:EventType><t:EventType>NewMailEvent</t:EventType>" +
        "<t:EventType>FreeBusyChangedEvent</t:EventType></t:EventTypes>";

    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private readonly ServerFixture server;

    public NotificationTests()
        : this(configure => new ServerFixture(configure))
    {
    }

    /// <summary>The tests on the server <paramref name="makeServer"/> makes with these tests' options (another store).</summary>
    protected NotificationTests(Func<Action<ServerOptions>, ServerFixture> makeServer) => server = makeServer(o => o.Notifications = Options());

    public Task InitializeAsync() => server.InitializeAsync();

    public Task DisposeAsync() => server.DisposeAsync();

    private static NotificationOptions Options() => new()
    {
        Minute = TimeSpan.FromSeconds(1),
        PollInterval = TimeSpan.FromMilliseconds(20),
        KeepAliveInterval = TimeSpan.FromMilliseconds(500),
        // Small pages, so that every kind of subscription pages through the scripted sequence (MoreEvents).
        MaxEntriesPerNotification = 4,
        PushFirstRetryDelay = TimeSpan.FromMilliseconds(50),
        PushMaxAttempts = 3,
        PushTargets = new PushTargetPolicy { AllowedNetworks = ["127.0.0.0/8"] },
    };

    /// <summary>An event as the tests compare them: its kind, the item or folder, where it is, and for a move or copy where it was.</summary>
    private sealed record Event(string Kind, string Id, string Parent, string? OldId = null, string? OldParent = null, bool Folder = false);

    [Fact]
    public async Task A_pull_subscription_sees_every_event_of_the_scripted_sequence_in_order()
    {
        var (a, b) = await FoldersAsync();
        var subscribe = await server.CallAsync(Alice, PullSubscribe($"<t:FolderIds><t:FolderId Id=\"{a}\"/><t:FolderId Id=\"{b}\"/></t:FolderIds>", timeout: 60));
        var message = subscribe.Ok();
        Assert.Equal([M + "ResponseCode", M + "SubscriptionId", M + "Watermark"], message.Elements().Select(e => e.Name));
        var id = message.Element(M + "SubscriptionId")!.Value;
        var start = message.Element(M + "Watermark")!.Value;

        // Nothing yet: a StatusEvent, whose watermark is where the next call starts.
        var (status, watermark, _) = await GetEventsAsync(id, start);
        Assert.Equal("StatusEvent", Assert.Single(status).Kind);

        var expected = await ScriptAsync(a, b);
        var seen = new List<Event>();
        bool more;
        do
        {
            (var events, watermark, more) = await GetEventsAsync(id, watermark);
            seen.AddRange(events.Where(e => e.Kind != "StatusEvent"));
        }
        while (more);

        Assert.Equal(expected, seen);

        // Caught up: a status; an earlier watermark gets the same events again (a client that lost a response).
        Assert.Equal("StatusEvent", Assert.Single((await GetEventsAsync(id, watermark)).Events).Kind);
        var again = new List<Event>();
        var from = start;
        do
        {
            (var events, from, more) = await GetEventsAsync(id, from);
            again.AddRange(events.Where(e => e.Kind != "StatusEvent"));
        }
        while (more);

        Assert.Equal(expected, again);

        Assert.Equal("NoError", (await server.CallAsync(Alice, Unsubscribe(id))).Ok().Element(M + "ResponseCode")!.Value);
        Assert.Equal("ErrorSubscriptionNotFound", (await server.CallAsync(Alice, GetEvents(id, watermark))).Code());
    }

    [Fact]
    public async Task A_pull_subscription_resumed_from_a_watermark_in_a_new_subscription_misses_nothing()
    {
        var (a, b) = await FoldersAsync();
        var first = (await server.CallAsync(Alice, PullSubscribe($"<t:FolderIds><t:FolderId Id=\"{a}\"/><t:FolderId Id=\"{b}\"/></t:FolderIds>", timeout: 60))).Ok();
        var watermark = first.Element(M + "Watermark")!.Value;
        (await server.CallAsync(Alice, Unsubscribe(first.Element(M + "SubscriptionId")!.Value))).Ok();

        // Changes while no subscription exists, then a new one from the old watermark, sent as exchangelib's
        // pull_subscription(watermark=...) sends it: m:Watermark, where the schema has t:Watermark.
        var expected = await ScriptAsync(a, b);
        var resume = PullSubscribe($"<t:FolderIds><t:FolderId Id=\"{a}\"/><t:FolderId Id=\"{b}\"/></t:FolderIds>", timeout: 60, watermark: watermark)
            .Replace("t:Watermark>", "m:Watermark>", StringComparison.Ordinal);
        var second = (await server.CallAsync(Alice, resume)).Ok();
        Assert.Equal(watermark, second.Element(M + "Watermark")!.Value);
        var id = second.Element(M + "SubscriptionId")!.Value;
        var seen = new List<Event>();
        bool more;
        do
        {
            (var events, watermark, more) = await GetEventsAsync(id, watermark);
            seen.AddRange(events.Where(e => e.Kind != "StatusEvent"));
        }
        while (more);

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task NewMail_and_FreeBusyChanged_come_with_creations_in_the_Inbox_and_the_Calendar_for_a_subscription_to_all_folders()
    {
        var message = (await server.CallAsync(Alice, PullSubscribe("", timeout: 60, all: true))).Ok();
        var id = message.Element(M + "SubscriptionId")!.Value;
        var watermark = message.Element(M + "Watermark")!.Value;
        var mail = Assert.Single(await CreateMessagesAsync("<t:DistinguishedFolderId Id=\"inbox\"/>", 1));
        var (appointment, _) = await server.CreateAppointmentAsync(Alice, "notified");
        var (events, _, _) = await GetEventsAsync(id, watermark);
        var inbox = events.First(e => e.Id == mail).Parent;
        Assert.Contains(new Event("CreatedEvent", mail, inbox), events);
        Assert.Contains(new Event("NewMailEvent", mail, inbox), events);
        var calendar = events.First(e => e.Id == appointment).Parent;
        Assert.Contains(new Event("CreatedEvent", appointment, calendar), events);
        Assert.Contains(new Event("FreeBusyChangedEvent", appointment, calendar), events);
        Assert.DoesNotContain(events, e => e.Kind == "NewMailEvent" && e.Id == appointment);
    }

    [Fact]
    public async Task A_streaming_subscription_sees_every_event_of_the_scripted_sequence_and_Unsubscribe_closes_its_connection()
    {
        var (a, b) = await FoldersAsync();
        var id = await StreamingSubscribeAsync($"<t:FolderIds><t:FolderId Id=\"{a}\"/><t:FolderId Id=\"{b}\"/></t:FolderIds>");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var response = await OpenStreamAsync(http, Alice, [id], 30);
        var parts = new PartReader(await response.Content.ReadAsStreamAsync());
        var first = await parts.NextAsync();
        Assert.Equal("OK", Status(first!));
        // As Exchange writes a streamed part: ews-javascript-api looks for the text "<Envelope" and "</Envelope>".
        Assert.Contains("?><Envelope ", parts.LastRaw, StringComparison.Ordinal);
        Assert.EndsWith("</Envelope>", parts.LastRaw, StringComparison.Ordinal);

        var expected = await ScriptAsync(a, b);
        var seen = new List<Event>();
        while (seen.Count < expected.Count)
        {
            var part = await parts.NextAsync();
            Assert.NotNull(part);
            Assert.Equal("OK", Status(part));
            foreach (var notification in part.Descendants(T + "Notification"))
            {
                Assert.Equal(id, notification.Element(T + "SubscriptionId")!.Value);
                seen.AddRange(Events(notification));
            }
        }

        Assert.Equal(expected, seen);

        // The connection's only subscription ends: the server says Closed and ends the response.
        (await server.CallAsync(Alice, Unsubscribe(id))).Ok();
        Assert.Equal("Closed", await LastStatusAsync(parts));
    }

    [Fact]
    public async Task Events_made_while_no_streaming_connection_is_open_come_on_the_next_one()
    {
        var (a, b) = await FoldersAsync();
        var id = await StreamingSubscribeAsync($"<t:FolderIds><t:FolderId Id=\"{a}\"/><t:FolderId Id=\"{b}\"/></t:FolderIds>");
        var expected = await ScriptAsync(a, b);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var response = await OpenStreamAsync(http, Alice, [id], 30);
        var parts = new PartReader(await response.Content.ReadAsStreamAsync());
        var seen = new List<Event>();
        while (seen.Count < expected.Count)
        {
            var part = await parts.NextAsync();
            Assert.NotNull(part);
            seen.AddRange(part.Descendants(T + "Notification").SelectMany(Events));
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Several_subscriptions_share_one_connection_each_in_its_own_Notification()
    {
        var (a, b) = await FoldersAsync();
        var first = await StreamingSubscribeAsync($"<t:FolderIds><t:FolderId Id=\"{a}\"/></t:FolderIds>");
        var second = await StreamingSubscribeAsync($"<t:FolderIds><t:FolderId Id=\"{b}\"/></t:FolderIds>");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var response = await OpenStreamAsync(http, Alice, [first, second], 30);
        var parts = new PartReader(await response.Content.ReadAsStreamAsync());
        var inA = Assert.Single(await CreateMessagesAsync($"<t:FolderId Id=\"{a}\"/>", 1));
        var inB = Assert.Single(await CreateMessagesAsync($"<t:FolderId Id=\"{b}\"/>", 1));
        var seen = new Dictionary<string, List<Event>> { [first] = [], [second] = [] };
        while (seen[first].Count + seen[second].Count < 2)
        {
            var part = await parts.NextAsync();
            Assert.NotNull(part);
            foreach (var notification in part.Descendants(T + "Notification"))
            {
                seen[notification.Element(T + "SubscriptionId")!.Value].AddRange(Events(notification));
            }
        }

        Assert.Equal([new Event("CreatedEvent", inA, a)], seen[first]);
        Assert.Equal([new Event("CreatedEvent", inB, b)], seen[second]);
    }

    [Fact]
    public async Task A_streaming_connection_ended_by_its_ConnectionTimeout_says_Closed()
    {
        var id = await StreamingSubscribeAsync("", all: true);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await OpenStreamAsync(http, Alice, [id], 1);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal("Closed", await LastStatusAsync(new PartReader(await response.Content.ReadAsStreamAsync())));
    }

    [Fact]
    public async Task A_streaming_connection_ended_by_the_server_stopping_says_Closed()
    {
        var data = Path.Combine(Path.GetTempPath(), "rdv-notify-" + Guid.NewGuid().ToString("N"));
        var own = await RendezvousServer.StartAsync(new ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = data, Notifications = Options() });
        try
        {
            await own.Store.AddUserAsync(Alice, "Alice", Store.PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var subscribe = await EwsHttp.PostAsync(http, own.EwsUrl, Alice, Soap.Envelope(StreamingSubscribe("", all: true)));
            var id = subscribe.Ok().Element(M + "SubscriptionId")!.Value;
            using var request = StreamRequest(own.EwsUrl, Alice, [id], 30);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var parts = new PartReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal("OK", Status((await parts.NextAsync())!));
            var stopping = own.DisposeAsync().AsTask();
            Assert.Equal("Closed", await LastStatusAsync(parts));
            await stopping;
        }
        finally
        {
            await own.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Streaming_ids_that_fail_are_named_in_ErrorSubscriptionIds_and_the_connection_closes()
    {
        var good = await StreamingSubscribeAsync("", all: true);
        var pull = (await server.CallAsync(Alice, PullSubscribe("", 5, all: true))).Ok().Element(M + "SubscriptionId")!.Value;
        foreach (var (ids, code, failed) in new (string[], string, string[])[]
        {
            (["AAA-"], "ErrorInvalidSubscription", ["AAA-"]),
            (["AAA-", good], "ErrorInvalidSubscription", ["AAA-"]),
            ([Unknown(), good], "ErrorSubscriptionNotFound", []),
            ([pull], "ErrorInvalidSubscription", [pull]),
        })
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var response = await OpenStreamAsync(http, Alice, ids, 1);
            var parts = new PartReader(await response.Content.ReadAsStreamAsync());
            var part = await parts.NextAsync();
            Assert.NotNull(part);
            var message = part.Descendants(M + "GetStreamingEventsResponseMessage").Single();
            Assert.Equal("Error", (string?)message.Attribute("ResponseClass"));
            Assert.Equal(code, message.Element(M + "ResponseCode")!.Value);
            var named = message.Element(M + "ErrorSubscriptionIds")!.Elements(T + "SubscriptionId").Select(e => e.Value).ToList();
            Assert.Equal(failed.Length == 0 ? [ids[0]] : failed, named);
            Assert.Equal("Closed", message.Element(M + "ConnectionStatus")!.Value);
            Assert.Null(await parts.NextAsync());
        }

        // Bob may not read Alice's subscription.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
        using (var response = await OpenStreamAsync(http, Bob, [good], 1))
        {
            var part = await new PartReader(await response.Content.ReadAsStreamAsync()).NextAsync();
            Assert.Equal("ErrorSubscriptionAccessDenied", part!.Descendants(M + "ResponseCode").Single().Value);
        }
    }

    [Fact]
    public async Task Another_users_subscription_is_ErrorSubscriptionAccessDenied_and_a_forged_watermark_ErrorInvalidWatermark()
    {
        var message = (await server.CallAsync(Alice, PullSubscribe("", 60, all: true))).Ok();
        var id = message.Element(M + "SubscriptionId")!.Value;
        var watermark = message.Element(M + "Watermark")!.Value;
        Assert.Equal("ErrorSubscriptionAccessDenied", (await server.CallAsync(Bob, GetEvents(id, watermark))).Code());
        Assert.Equal("ErrorSubscriptionAccessDenied", (await server.CallAsync(Bob, Unsubscribe(id))).Code());

        // A watermark changed by one character, one of Bob's, and one that is no watermark at all.
        var forged = (watermark[..5] + (watermark[5] == 'A' ? 'B' : 'A') + watermark[6..]).Replace("=", "", StringComparison.Ordinal);
        var bobs = (await server.CallAsync(Bob, PullSubscribe("", 60, all: true))).Ok().Element(M + "Watermark")!.Value;
        foreach (var bad in new[] { forged, bobs, "AAAA" })
        {
            Assert.Equal("ErrorInvalidWatermark", (await server.CallAsync(Alice, GetEvents(id, bad))).Code());
            Assert.Equal("ErrorInvalidWatermark", (await server.CallAsync(Alice, PullSubscribe("", 60, all: true, watermark: bad))).Code());
        }

        Assert.Equal("ErrorSubscriptionNotFound", (await server.CallAsync(Alice, GetEvents(Unknown(), watermark))).Code());
        Assert.Equal("ErrorInvalidSubscription", (await server.CallAsync(Alice, GetEvents("AAA-", watermark))).Code());
        Assert.Equal("NoError", (await server.CallAsync(Alice, GetEvents(id, watermark))).Code()); // Bob's tries changed nothing
    }

    [Fact]
    public async Task A_pull_subscription_without_GetEvents_for_its_Timeout_is_ErrorSubscriptionNotFound()
    {
        // Timeout 2 "minutes", which are seconds here.
        var message = (await server.CallAsync(Alice, PullSubscribe("", 2, all: true))).Ok();
        var id = message.Element(M + "SubscriptionId")!.Value;
        var watermark = message.Element(M + "Watermark")!.Value;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal("NoError", (await server.CallAsync(Alice, GetEvents(id, watermark))).Code()); // kept alive
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("ErrorSubscriptionNotFound", (await server.CallAsync(Alice, GetEvents(id, watermark))).Code());
    }

    [Fact]
    public async Task Subscribe_refuses_what_the_schema_allows_but_cannot_be_a_subscription()
    {
        Assert.Equal("ErrorInvalidSubscriptionRequest", (await server.CallAsync(Alice, PullSubscribe("", 5))).Code());
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(Alice, PullSubscribe($"<t:FolderIds><t:FolderId Id=\"{await OtherUsersFolderAsync()}\"/></t:FolderIds>", 5))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(Alice,
            PullSubscribe("<t:FolderIds><t:DistinguishedFolderId Id=\"inbox\"><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></t:FolderIds>", 5))).Code());
        var fault = await server.CallAsync(Alice, PullSubscribe("", 1441, all: true));
        Assert.Equal(HttpStatusCode.InternalServerError, fault.Status);
    }

    [Fact]
    public async Task A_push_subscription_posts_every_event_to_the_clients_listener_and_ends_when_it_answers_Unsubscribe()
    {
        var (a, b) = await FoldersAsync();
        using var listener = new PushListener();
        var message = (await server.CallAsync(Alice, PushSubscribe($"<t:FolderIds><t:FolderId Id=\"{a}\"/><t:FolderId Id=\"{b}\"/></t:FolderIds>", listener.Url))).Ok();
        Assert.Equal([M + "ResponseCode", M + "SubscriptionId", M + "Watermark"], message.Elements().Select(e => e.Name));
        var id = message.Element(M + "SubscriptionId")!.Value;
        // A push subscription is ended by its client's answer, not by Unsubscribe (exchangelib's test_push_subscribe).
        Assert.Equal("ErrorInvalidSubscription", (await server.CallAsync(Alice, Unsubscribe(id))).Code());

        var expected = await ScriptAsync(a, b);
        var seen = new List<Event>();
        while (seen.Count < expected.Count)
        {
            var push = await listener.NextAsync();
            Assert.Empty(SchemaValidator.Validate(push));
            var notification = push.Descendants(M + "Notification").Single();
            Assert.Equal(id, notification.Element(T + "SubscriptionId")!.Value);
            seen.AddRange(Events(notification).Where(e => e.Kind != "StatusEvent"));
        }

        Assert.Equal(expected, seen);

        listener.Answer = "Unsubscribe";
        await CreateMessagesAsync($"<t:FolderId Id=\"{a}\"/>", 1);
        await listener.NextAsync();
        await EventuallyAsync(async () => (await server.CallAsync(Alice, Unsubscribe(id))).Code() == "ErrorSubscriptionNotFound");
    }

    [Fact]
    public async Task A_push_subscription_whose_client_keeps_failing_is_ended_after_its_retries()
    {
        using var listener = new PushListener { Answer = "fail" };
        var message = (await server.CallAsync(Alice, PushSubscribe("", listener.Url, all: true))).Ok();
        var id = message.Element(M + "SubscriptionId")!.Value;
        await CreateMessagesAsync("<t:DistinguishedFolderId Id=\"drafts\"/>", 1);
        // The first attempt and its retries (PushMaxAttempts 3 here) carry the same events.
        var attempts = new List<XDocument> { await listener.NextAsync(), await listener.NextAsync(), await listener.NextAsync() };
        Assert.All(attempts, p => Assert.Empty(SchemaValidator.Validate(p)));
        Assert.Single(attempts.Select(p => p.Descendants(M + "Notification").Single().Element(T + "PreviousWatermark")!.Value).Distinct());
        await EventuallyAsync(async () => (await server.CallAsync(Alice, Unsubscribe(id))).Code() == "ErrorSubscriptionNotFound");
    }

    [Fact]
    public async Task A_push_URL_that_is_not_http_or_is_refused_by_the_policy_is_ErrorInvalidPushSubscriptionUrl()
    {
        foreach (var url in new[] { "ftp://127.0.0.1/x", "not a url", "http://user:pw@127.0.0.1/", "http://10.0.0.1/push" })
        {
            Assert.Equal("ErrorInvalidPushSubscriptionUrl", (await server.CallAsync(Alice, PushSubscribe("", url, all: true))).Code());
        }

        // The default policy: everything but loopback, link-local (cloud metadata), unspecified and multicast.
        var policy = new PushTargetPolicy();
        Assert.False(policy.Allows(IPAddress.Loopback));
        Assert.False(policy.Allows(IPAddress.IPv6Loopback));
        Assert.False(policy.Allows(IPAddress.Parse("169.254.169.254")));
        Assert.False(policy.Allows(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(policy.Allows(IPAddress.Parse("0.0.0.0")));
        Assert.False(policy.Allows(IPAddress.Parse("fe80::1")));
        Assert.True(policy.Allows(IPAddress.Parse("10.1.2.3")));
        Assert.True(policy.Allows(IPAddress.Parse("203.0.113.7")));
        Assert.False(policy.AllowsUrl("http://127.0.0.1:8080/push", out _));
        Assert.False(policy.AllowsUrl("http://[::1]/push", out _));
        Assert.True(policy.AllowsUrl("https://example.com/foo", out _));
    }

    // -------------------------------------------------------------------------------------------------------------
    // The scripted sequence
    // -------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Two messages created in A; one changed, the other marked read; the first moved to B, the second copied to B; the
    /// second deleted; B emptied (its two items deleted); a folder created in A and deleted. The item and folder events
    /// a subscription to A and B must see, in order.
    /// </summary>
    private async Task<List<Event>> ScriptAsync(string a, string b)
    {
        var ids = await CreateMessagesAsync($"<t:FolderId Id=\"{a}\"/>", 2);
        var (m1, m2) = (ids[0], ids[1]);
        await UpdateAsync(m1, "item:Subject", "<t:Subject>changed</t:Subject>");
        await UpdateAsync(m2, "message:IsRead", "<t:IsRead>true</t:IsRead>");
        var moved = await MoveOrCopyAsync("MoveItem", m1, b);
        var copy = await MoveOrCopyAsync("CopyItem", m2, b);
        await DeleteAsync(m2);
        // B emptied, item by item (EmptyFolder is another engineer's).
        await DeleteAsync(moved);
        await DeleteAsync(copy);
        var folder = (string)(await server.CallAsync(Alice,
            $"<m:CreateFolder><m:ParentFolderId><t:FolderId Id=\"{a}\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>sub</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>"))
            .Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;
        (await server.CallAsync(Alice, $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds><t:FolderId Id=\"{folder}\"/></m:FolderIds></m:DeleteFolder>")).Ok();
        return
        [
            new("CreatedEvent", m1, a),
            new("CreatedEvent", m2, a),
            new("ModifiedEvent", m1, a),
            new("ModifiedEvent", m2, a),
            new("MovedEvent", moved, b, m1, a),
            new("CopiedEvent", copy, b, m2, a),
            new("DeletedEvent", m2, a),
            new("DeletedEvent", moved, b),
            new("DeletedEvent", copy, b),
            new("CreatedEvent", folder, a, Folder: true),
            new("DeletedEvent", folder, a, Folder: true),
        ];
    }

    private async Task<(string A, string B)> FoldersAsync()
    {
        async Task<string> Create(string name) => (string)(await server.CallAsync(Alice,
            $"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"msgfolderroot\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>{name} {Guid.NewGuid():N}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>"))
            .Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;
        return (await Create("A"), await Create("B"));
    }

    private async Task<string> OtherUsersFolderAsync() =>
        (string)(await server.CallAsync(Bob, "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>"))
            .Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;

    private async Task<List<string>> CreateMessagesAsync(string folder, int count)
    {
        var messages = string.Concat(Enumerable.Range(0, count).Select(i => $"<t:Message><t:Subject>m{i}</t:Subject></t:Message>"));
        var response = await server.CallAsync(Alice, $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId>{folder}</m:SavedItemFolderId><m:Items>{messages}</m:Items></m:CreateItem>");
        return [.. response.Messages.Select(m => m.ItemId().Id)];
    }

    private async Task UpdateAsync(string id, string field, string value) =>
        (await server.CallAsync(Alice,
            $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="{field}"/><t:Message>{value}</t:Message></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();

    private async Task DeleteAsync(string id) =>
        (await server.CallAsync(Alice, $"<m:DeleteItem DeleteType=\"HardDelete\"><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:DeleteItem>")).Ok();

    private async Task<string> MoveOrCopyAsync(string operation, string id, string folder) =>
        (await server.CallAsync(Alice, $"<m:{operation}><m:ToFolderId><t:FolderId Id=\"{folder}\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:{operation}>"))
            .Ok().ItemId().Id;

    // -------------------------------------------------------------------------------------------------------------
    // Requests and parsing
    // -------------------------------------------------------------------------------------------------------------

    private static string PullSubscribe(string folders, int timeout, bool all = false, string? watermark = null) =>
        $"<m:Subscribe><m:PullSubscriptionRequest{(all ? " SubscribeToAllFolders=\"true\"" : "")}>{folders}{AllEvents}{(watermark is null ? "" : $"<t:Watermark>{watermark}</t:Watermark>")}<t:Timeout>{timeout}</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>";

    private static string PushSubscribe(string folders, string url, bool all = false) =>
        $"<m:Subscribe><m:PushSubscriptionRequest{(all ? " SubscribeToAllFolders=\"true\"" : "")}>{folders}{AllEvents}<t:StatusFrequency>30</t:StatusFrequency><t:URL>{url}</t:URL></m:PushSubscriptionRequest></m:Subscribe>";

    private static string StreamingSubscribe(string folders, bool all = false) =>
        $"<m:Subscribe><m:StreamingSubscriptionRequest{(all ? " SubscribeToAllFolders=\"true\"" : "")}>{folders}{AllEvents}</m:StreamingSubscriptionRequest></m:Subscribe>";

    private async Task<string> StreamingSubscribeAsync(string folders, bool all = false)
    {
        var message = (await server.CallAsync(Alice, StreamingSubscribe(folders, all))).Ok();
        Assert.Equal([M + "ResponseCode", M + "SubscriptionId"], message.Elements().Select(e => e.Name));
        return message.Element(M + "SubscriptionId")!.Value;
    }

    private static string GetEvents(string id, string watermark) =>
        $"<m:GetEvents><m:SubscriptionId>{id}</m:SubscriptionId><m:Watermark>{watermark}</m:Watermark></m:GetEvents>";

    private static string Unsubscribe(string id) => $"<m:Unsubscribe><m:SubscriptionId>{id}</m:SubscriptionId></m:Unsubscribe>";

    /// <summary>A well-formed subscription id that no subscription has.</summary>
    private static string Unknown() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    private async Task<(List<Event> Events, string Watermark, bool More)> GetEventsAsync(string id, string watermark)
    {
        var message = (await server.CallAsync(Alice, GetEvents(id, watermark))).Ok();
        var notification = message.Element(M + "Notification")!;
        Assert.Equal(id, notification.Element(T + "SubscriptionId")!.Value);
        Assert.Equal(watermark, notification.Element(T + "PreviousWatermark")!.Value);
        var events = Events(notification).ToList();
        var last = notification.Elements().Last().Element(T + "Watermark")!.Value;
        return (events, last, notification.Element(T + "MoreEvents")!.Value == "true");
    }

    private static IEnumerable<Event> Events(XElement notification) =>
        notification.Elements().Where(e => e.Name.LocalName.EndsWith("Event", StringComparison.Ordinal)).Select(e => new Event(
            e.Name.LocalName,
            Id(e, "ItemId") ?? Id(e, "FolderId") ?? "",
            Id(e, "ParentFolderId") ?? "",
            Id(e, "OldItemId") ?? Id(e, "OldFolderId"),
            Id(e, "OldParentFolderId"),
            e.Element(T + "FolderId") is not null));

    private static string? Id(XElement e, string name) => (string?)e.Element(T + name)?.Attribute("Id");

    private static string Status(XDocument part) => part.Descendants(M + "ConnectionStatus").Single().Value;

    private static async Task<string> LastStatusAsync(PartReader parts)
    {
        string? status = null;
        while (await parts.NextAsync() is { } part)
        {
            status = Status(part);
        }

        return status!;
    }

    private Task<HttpResponseMessage> OpenStreamAsync(HttpClient http, string user, string[] ids, int timeout)
    {
        var request = StreamRequest(server.Url, user, ids, timeout);
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static HttpRequestMessage StreamRequest(string url, string user, string[] ids, int timeout)
    {
        var body = $"<m:GetStreamingEvents><m:SubscriptionIds>{string.Concat(ids.Select(i => $"<t:SubscriptionId>{i}</t:SubscriptionId>"))}</m:SubscriptionIds><m:ConnectionTimeout>{timeout}</m:ConnectionTimeout></m:GetStreamingEvents>";
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Soap.Envelope(body), Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + ServerFixture.Password)));
        return request;
    }

    /// <summary>Asks until <paramref name="condition"/> holds, for at most 10 s (a wait, not a timing assertion).</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 10 s");
            await Task.Delay(50);
        }
    }

    /// <summary>The complete envelopes of a streamed response, one at a time, each schema-validated; null once it ends.</summary>
    internal sealed class PartReader(Stream body)
    {
        // A streamed part is an unprefixed Envelope as Exchange writes it; a last fault part is an s:Envelope.
        private static readonly string[] Ends = ["</Envelope>", "</s:Envelope>"];
        private readonly StringBuilder pending = new();
        private readonly Decoder decoder = Encoding.UTF8.GetDecoder();
        private readonly byte[] buffer = new byte[4096];
        private readonly char[] chars = new char[4096];

        /// <summary>The text of the last part read.</summary>
        public string LastRaw { get; private set; } = "";

        public async Task<XDocument?> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (true)
            {
                var text = pending.ToString();
                var (end, endLength) = Ends.Select(e => (At: text.IndexOf(e, StringComparison.Ordinal), e.Length)).Where(e => e.At >= 0).OrderBy(e => e.At).FirstOrDefault((-1, 0));
                if (end >= 0)
                {
                    pending.Remove(0, end + endLength);
                    LastRaw = text[..(end + endLength)];
                    var part = XDocument.Parse(LastRaw);
                    var errors = SchemaValidator.Validate(part);
                    Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n" + part);
                    return part;
                }

                var read = await body.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    Assert.True(pending.ToString().Trim().Length == 0, "the stream ended inside a part: " + pending);
                    return null;
                }

                pending.Append(chars, 0, decoder.GetChars(buffer, 0, read, chars, 0));
            }
        }
    }

    /// <summary>A push client on loopback: each SendNotification it receives, answered with <see cref="Answer"/> (OK, Unsubscribe, or "fail": HTTP 500).</summary>
    internal sealed class PushListener : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Channel<XDocument> received = Channel.CreateUnbounded<XDocument>();
        private readonly Task loop;

        public PushListener()
        {
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/push/";
            listener.Prefixes.Add(Url);
            listener.Start();
            loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public volatile string Answer = "OK";

        public async Task<XDocument> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            return await received.Reader.ReadAsync(timeout.Token);
        }

        private async Task LoopAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                received.Writer.TryWrite(XDocument.Parse(await reader.ReadToEndAsync()));
                var answer = Answer;
                if (answer == "fail")
                {
                    context.Response.StatusCode = 500;
                    context.Response.Close();
                    continue;
                }

                var bytes = Encoding.UTF8.GetBytes(
                    $"<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope {Soap.Namespaces}><s:Body><m:SendNotificationResult><m:SubscriptionStatus>{answer}</m:SubscriptionStatus></m:SendNotificationResult></s:Body></s:Envelope>");
                context.Response.ContentType = "text/xml; charset=utf-8";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            _ = loop;
        }
    }
}

/// <summary><see cref="NotificationTests"/> with the server on PostgreSQL, where writers commit concurrently (the hub's cursor is a transaction id).</summary>
public sealed class PostgresNotificationTests() : NotificationTests(configure => new PostgresServerFixture(configure));
