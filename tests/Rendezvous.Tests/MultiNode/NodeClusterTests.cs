using System.Net;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.MultiNode;

/// <summary>The harness itself: several rdv serve processes over one PostgreSQL are one server (issue 19 §5).</summary>
[Trait("Category", "MultiNode")]
public sealed class NodeClusterTests
{
    [Fact]
    public async Task An_item_created_on_one_node_is_read_on_the_others_and_a_killed_node_leaves_them_serving()
    {
        await using var cluster = await NodeCluster.StartAsync(3, ["ann@example.com"]);
        var created = await cluster[0].CallAsync("ann@example.com", Requests.CreateAppointment("Made on node 0", "2030-02-04T09:00:00Z", "2030-02-04T10:00:00Z"));
        var (id, _) = created.Ok().ItemId();

        foreach (var node in cluster.Nodes)
        {
            var read = await node.CallAsync("ann@example.com", Requests.GetItem(id));
            Assert.Equal("Made on node 0", read.Ok().T("Subject"));
        }

        cluster[1].Kill();
        Assert.False(cluster[1].IsRunning);
        await Assert.ThrowsAsync<HttpRequestException>(() => cluster[1].CallAsync("ann@example.com", Requests.GetItem(id)));
        Assert.Equal("Made on node 0", (await cluster[2].CallAsync("ann@example.com", Requests.GetItem(id))).Ok().T("Subject"));

        // A node started later over the same database serves the same mailbox.
        var late = await cluster.StartNodeAsync();
        Assert.Equal("Made on node 0", (await late.CallAsync("ann@example.com", Requests.GetItem(id))).Ok().T("Subject"));
        var (status, _, _) = await late.SendAsync("ann@example.com", "wrong", Soap.Envelope(Requests.GetItem(id)));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }
}
