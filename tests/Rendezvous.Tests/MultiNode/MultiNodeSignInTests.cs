using System.Net;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.MultiNode;

/// <summary>
/// Sign-in on a server of several nodes (issue 19 §5): failed sign-ins are counted in the store, so guesses spread
/// over the nodes meet one count, and the sign-in cache honours a password change or a removal on every node within
/// <see cref="Server.BasicAuthenticator.Freshness"/>.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class MultiNodeSignInTests
{
    private const string Ann = "ann@example.com";
    private const string Ben = "ben@example.com";
    private static readonly string Probe = Soap.Envelope("<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>");

    [Fact]
    public async Task Wrong_passwords_spread_over_three_nodes_are_throttled_on_every_node()
    {
        await using var cluster = await NodeCluster.StartAsync(3, [Ann]);

        // Five free failures and the sixth, each on the next node: no node saw more than two of them.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.RoundRobin(i).SendAsync(Ann, "guess " + i, Probe)).Status);
        }

        // The sixth set a lockout of 1 s, the seventh one of 2 s, the eighth one of 4 s: each on yet another node.
        var (status, retryAfter, body) = await cluster[0].SendAsync(Ann, NodeCluster.Password, Probe);
        Assert.True(body.Contains("locked out", StringComparison.Ordinal), $"node 0 let the right password through after six failures on three nodes: {status} {body}");
        await Task.Delay(TimeSpan.FromSeconds(retryAfter!.Value) + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster[1].SendAsync(Ann, "guess 7", Probe)).Status);
        (_, retryAfter, _) = await cluster[2].SendAsync(Ann, "guess 7 again", Probe);
        Assert.Equal(2, retryAfter);
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster[2].SendAsync(Ann, "guess 8", Probe)).Status);

        // Every node refuses the right password now, without checking it, and says for how long.
        foreach (var node in cluster.Nodes)
        {
            (status, retryAfter, body) = await node.SendAsync(Ann, NodeCluster.Password, Probe);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains("locked out", body, StringComparison.Ordinal);
            Assert.InRange(retryAfter!.Value, 1, 4);
        }

        // Once it ends, the owner signs in on any node, which clears the count for all of them.
        await Task.Delay(TimeSpan.FromSeconds(4.2));
        Assert.Equal(HttpStatusCode.OK, (await cluster[1].SendAsync(Ann, NodeCluster.Password, Probe)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cluster[0].SendAsync(Ann, "one more guess", Probe)).Status);
        Assert.Equal(HttpStatusCode.OK, (await cluster[0].SendAsync(Ann, NodeCluster.Password, Probe)).Status);
    }

    [Fact]
    public async Task A_password_change_or_a_removal_is_honoured_by_every_node_within_the_cache_freshness()
    {
        await using var cluster = await NodeCluster.StartAsync(2, [Ann, Ben]);
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(Ann, NodeCluster.Password, Probe)).Status);
            Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(Ben, NodeCluster.Password, Probe)).Status);
        }

        await cluster.RdvOkAsync(["user", "passwd", Ann, "--password-stdin"], "a new secret\n");
        await cluster.RdvOkAsync(["user", "remove", Ben]);
        await Task.Delay(Server.BasicAuthenticator.Freshness + TimeSpan.FromMilliseconds(300));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await node.SendAsync(Ann, NodeCluster.Password, Probe)).Status);
            Assert.Equal(HttpStatusCode.OK, (await node.SendAsync(Ann, "a new secret", Probe)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await node.SendAsync(Ben, NodeCluster.Password, Probe)).Status);
        }
    }
}
