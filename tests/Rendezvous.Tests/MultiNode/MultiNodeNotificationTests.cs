using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.MultiNode;

/// <summary>
/// Notifications across nodes (issue 19 §5), with real <c>rdv serve</c> processes over one PostgreSQL
/// (<see cref="NodeCluster"/>): a streaming subscriber on one node sees a change made on another, a subscription made
/// on one node is read, opened and ended on another, and a push subscription whose node is killed is sent by the
/// survivor once the dead node's lease lapses.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class MultiNodeNotificationTests
{
    private const string Ann = "ann@example.com";
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private const string Events =
        "<t:EventTypes><t:EventType>CreatedEvent</t:EventType><t:EventType>DeletedEvent</t:EventType><t:EventType>ModifiedEvent</t:EventType></t:EventTypes>";

    [Fact]
    public async Task A_streaming_subscriber_on_node_A_sees_a_CreateItem_made_on_node_B_within_five_seconds()
    {
        await using var cluster = await NodeCluster.StartAsync(2, [Ann]);
        var (a, b) = (cluster[0], cluster[1]);
        // Made on B, opened on A: GetStreamingEvents names a subscription made elsewhere.
        var id = (await b.CallAsync(Ann, $"<m:Subscribe><m:StreamingSubscriptionRequest SubscribeToAllFolders=\"true\">{Events}</m:StreamingSubscriptionRequest></m:Subscribe>"))
            .Ok().Element(M + "SubscriptionId")!.Value;
        using var response = await OpenStreamAsync(a, id, 5);
        var parts = new NotificationTests.PartReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("OK", (await parts.NextAsync())!.Descendants(M + "ConnectionStatus").Single().Value);

        var clock = Stopwatch.StartNew();
        var created = await CreateMessageAsync(b, "made on B");
        var seen = await CreatedIdsAsync(parts, created, TimeSpan.FromSeconds(5));
        Assert.True(seen.Contains(created), $"no CreatedEvent for the item made on node B within {clock.Elapsed} (saw {string.Join(", ", seen)}):\n{a.Output}");
    }

    [Fact]
    public async Task A_pull_subscription_made_on_node_A_is_read_on_node_B_and_ended_there_for_both()
    {
        await using var cluster = await NodeCluster.StartAsync(2, [Ann]);
        var (a, b) = (cluster[0], cluster[1]);
        var subscribed = (await a.CallAsync(Ann, $"<m:Subscribe><m:PullSubscriptionRequest SubscribeToAllFolders=\"true\">{Events}<t:Timeout>10</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>")).Ok();
        var id = subscribed.Element(M + "SubscriptionId")!.Value;
        var watermark = subscribed.Element(M + "Watermark")!.Value;
        var created = await CreateMessageAsync(a, "made on A");

        var notification = (await b.CallAsync(Ann, GetEvents(id, watermark))).Ok().Element(M + "Notification")!;
        Assert.Contains(created, notification.Elements(T + "CreatedEvent").Select(e => (string?)e.Element(T + "ItemId")?.Attribute("Id")));

        // Bob may not read it on either node; Ann ends it on B, and A knows.
        (await b.CallAsync(Ann, $"<m:Unsubscribe><m:SubscriptionId>{id}</m:SubscriptionId></m:Unsubscribe>")).Ok();
        Assert.Equal("ErrorSubscriptionNotFound", (await a.CallAsync(Ann, GetEvents(id, watermark))).Code());
    }

    [Fact]
    public async Task A_streaming_connection_on_node_A_closes_when_its_subscription_is_unsubscribed_on_node_B()
    {
        await using var cluster = await NodeCluster.StartAsync(2, [Ann]);
        var (a, b) = (cluster[0], cluster[1]);
        var id = (await a.CallAsync(Ann, $"<m:Subscribe><m:StreamingSubscriptionRequest SubscribeToAllFolders=\"true\">{Events}</m:StreamingSubscriptionRequest></m:Subscribe>"))
            .Ok().Element(M + "SubscriptionId")!.Value;
        using var response = await OpenStreamAsync(a, id, 5);
        var parts = new NotificationTests.PartReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("OK", (await parts.NextAsync())!.Descendants(M + "ConnectionStatus").Single().Value);

        (await b.CallAsync(Ann, $"<m:Unsubscribe><m:SubscriptionId>{id}</m:SubscriptionId></m:Unsubscribe>")).Ok();
        // Node A finds it gone at its next check of what it holds (5 s), and says Closed, well before the 5 minutes.
        var clock = Stopwatch.StartNew();
        string? status = null;
        while (await parts.NextAsync() is { } part)
        {
            status = part.Descendants(M + "ConnectionStatus").Single().Value;
        }

        Assert.Equal("Closed", status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"closed after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_push_subscription_whose_node_is_killed_is_sent_by_the_other_node()
    {
        using var listener = new NotificationTests.PushListener();
        // Loopback pushes allowed (the listener is here), and a short lease, so that the survivor takes it over quickly.
        await using var cluster = await NodeCluster.StartAsync(2, [Ann], "--push-allow", "127.0.0.0/8", "--push-lease", "3");
        var (a, b) = (cluster[0], cluster[1]);
        (await a.CallAsync(Ann, $"<m:Subscribe><m:PushSubscriptionRequest SubscribeToAllFolders=\"true\">{Events}<t:StatusFrequency>30</t:StatusFrequency><t:URL>{listener.Url}</t:URL></m:PushSubscriptionRequest></m:Subscribe>")).Ok();

        // Sent by A (it made it, so it holds the lease), whichever node the change is made on.
        var first = await CreateMessageAsync(b, "before the kill");
        Assert.Contains(first, await PushedCreatedAsync(listener, first));

        a.Kill();
        var second = await CreateMessageAsync(b, "after the kill");
        Assert.Contains(second, await PushedCreatedAsync(listener, second));
    }

    /// <summary>The items of the CreatedEvents pushed until one names <paramref name="wanted"/> (each push within the listener's 20 s).</summary>
    private static async Task<HashSet<string>> PushedCreatedAsync(NotificationTests.PushListener listener, string wanted)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!seen.Contains(wanted))
        {
            var push = await listener.NextAsync();
            Assert.Empty(SchemaValidator.Validate(push));
            foreach (var e in push.Descendants(T + "CreatedEvent"))
            {
                seen.Add((string)e.Element(T + "ItemId")!.Attribute("Id")!);
            }
        }

        return seen;
    }

    private static async Task<HashSet<string>> CreatedIdsAsync(NotificationTests.PartReader parts, string wanted, TimeSpan within)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var until = Stopwatch.StartNew();
        while (!seen.Contains(wanted) && until.Elapsed < within)
        {
            var part = await parts.NextAsync();
            Assert.NotNull(part);
            foreach (var e in part.Descendants(T + "CreatedEvent"))
            {
                seen.Add((string)e.Element(T + "ItemId")!.Attribute("Id")!);
            }
        }

        return seen;
    }

    private static async Task<string> CreateMessageAsync(NodeCluster.Node node, string subject) =>
        (await node.CallAsync(Ann,
            $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId><t:DistinguishedFolderId Id=\"drafts\"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>{subject}</t:Subject></t:Message></m:Items></m:CreateItem>"))
            .Ok().ItemId().Id;

    private static string GetEvents(string id, string watermark) =>
        $"<m:GetEvents><m:SubscriptionId>{id}</m:SubscriptionId><m:Watermark>{watermark}</m:Watermark></m:GetEvents>";

    private static Task<HttpResponseMessage> OpenStreamAsync(NodeCluster.Node node, string id, int minutes)
    {
        var body = $"<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>{id}</t:SubscriptionId></m:SubscriptionIds><m:ConnectionTimeout>{minutes}</m:ConnectionTimeout></m:GetStreamingEvents>";
        var request = new HttpRequestMessage(HttpMethod.Post, node.EwsUrl) { Content = new StringContent(Soap.Envelope(body), Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Ann + ":" + NodeCluster.Password)));
        return node.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
