using System.Collections.Concurrent;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.MultiNode;

/// <summary>
/// kill -9 of one node of three under a write load (issue 19 §5): every write a node acknowledged is in the database
/// afterwards, the other nodes keep serving (meeting steps too: a turn the dead node held dies with its session), and a
/// node started again serves the same data.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class MultiNodeDurabilityTests
{
    private static readonly XNamespace T = EwsResponse.T;
    private const string Writer = "writer@example.com";
    private const string Organizer = "organizer@example.com";
    private static readonly string[] Attendees = [.. Enumerable.Range(0, 6).Select(i => $"guest{i}@example.com")];

    [Fact]
    public async Task Kill_9_of_one_node_under_a_write_load_loses_no_acknowledged_write_and_the_others_keep_serving()
    {
        await using var cluster = await NodeCluster.StartAsync(3, [Writer, Organizer, .. Attendees]);
        var tag = Guid.NewGuid().ToString("N")[..10];
        var (meetingId, _) = (await cluster[0].CallAsync(Organizer, Requests.CreateMeeting("Load " + tag, Attendees, "2030-04-01T09:00:00Z", "2030-04-01T10:00:00Z", attendeeResponseType: "Accept"))).Ok().ItemId();
        var invitations = await Task.WhenAll(Attendees.Select(async (a, i) => (await FindAsync(cluster.RoundRobin(i), a, "inbox", tag)).Single()));

        var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var afterKill = 0;
        var refusedByDeadNode = 0;
        var killed = false;
        using var stop = new CancellationTokenSource();

        async Task WriteLoopAsync(int writer)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var node = cluster[(writer + i) % 3];
                var subject = $"Load {tag} {writer}-{i}";
                try
                {
                    var response = await node.CallAsync(Writer, Requests.CreateAppointment(subject, "2030-04-02T09:00:00Z", "2030-04-02T10:00:00Z"));
                    acknowledged[response.Ok().ItemId().Id] = subject;
                    if (Volatile.Read(ref killed))
                    {
                        Interlocked.Increment(ref afterKill);
                    }
                }
                catch (HttpRequestException) when (node.Index == 1)
                {
                    // The killed node: what it had not answered was not acknowledged.
                    Interlocked.Increment(ref refusedByDeadNode);
                }
            }
        }

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WriteLoopAsync(w))).ToList();

        // The attendees answer during the load, some through the node about to die; one that it failed answers again elsewhere.
        var answers = Attendees.Select((a, i) => Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300 * i));
            var respond = $"""<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:AcceptItem><t:ReferenceItemId Id="{invitations[i].ItemId().Id}"/></t:AcceptItem></m:Items></m:CreateItem>""";
            try
            {
                (await cluster[1].CallAsync(a, respond)).Ok();
            }
            catch (HttpRequestException)
            {
                (await cluster[i % 2 == 0 ? 0 : 2].CallAsync(a, respond)).Ok();
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Volatile.Write(ref killed, true);
        cluster[1].Kill();
        await Task.WhenAll(answers);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.True(afterKill > 0, "no write was acknowledged after the kill");
        Assert.True(refusedByDeadNode > 0, "no write reached the killed node after it died");

        // Every acknowledged write is there, read on each surviving node and on a node started afterwards.
        var restarted = await cluster.StartNodeAsync();
        foreach (var node in new[] { cluster[0], cluster[2], restarted })
        {
            var found = (await node.CallAsync(Writer, Requests.FindItem(restriction: Contains(tag), shape: "IdOnly"))).Ok()
                .Descendants(T + "ItemId").Select(e => (string)e.Attribute("Id")!).ToHashSet(StringComparer.Ordinal);
            var missing = acknowledged.Keys.Where(id => !found.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"node {node.Index} lacks {missing.Count} of {acknowledged.Count} acknowledged writes: {string.Join(", ", missing.Take(5).Select(id => acknowledged[id]))}");

            var meeting = (await node.CallAsync(Organizer, Requests.GetItem(meetingId))).Ok();
            Assert.All(Attendees, a => Assert.Equal("Accept", meeting.Descendants(T + "CalendarItem").Single().AttendeeRow(a).Element(T + "ResponseType")!.Value));
        }
    }

    private static string Contains(string tag) =>
        $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";

    private static async Task<IReadOnlyList<XElement>> FindAsync(NodeCluster.Node node, string user, string folder, string tag)
    {
        var found = (await node.CallAsync(user, Requests.FindItem(restriction: Contains(tag), folder: folder, shape: "IdOnly"))).Ok();
        return [.. found.Descendants(T + "ItemId").Select(id => new XElement(T + "Item", id))];
    }
}
