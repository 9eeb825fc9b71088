using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.MultiNode;

/// <summary>Three nodes over one PostgreSQL, with the mailboxes the meeting tests need (made once, by rdv user add).</summary>
public sealed class ThreeNodes : IAsyncLifetime
{
    public const string Alice = "alice@example.com";
    public const string Bob = "bob@example.com";
    public const string Carol = "carol@example.com";

    public static readonly string[] Crowd = [.. Enumerable.Range(0, 20).Select(i => $"crowd{i:00}@example.com")];

    private NodeCluster? cluster;

    public NodeCluster Cluster => cluster ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => cluster = await NodeCluster.StartAsync(3, [Alice, Bob, Carol, .. Crowd]);

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }
}

/// <summary>
/// Meetings on a server of three nodes (issue 19 §5): each step of a meeting may reach any node, and the steps on one
/// meeting take turns across nodes (the store's advisory lock), so the organizer's item tracks every answer.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class MultiNodeMeetingTests(ThreeNodes nodes) : IClassFixture<ThreeNodes>
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;
    private const string Alice = ThreeNodes.Alice;
    private const string Bob = ThreeNodes.Bob;
    private const string Carol = ThreeNodes.Carol;
    private const string Proposal = "<t:ProposedStart>2030-03-04T14:00:00Z</t:ProposedStart><t:ProposedEnd>2030-03-04T15:00:00Z</t:ProposedEnd>";

    private NodeCluster Cluster => nodes.Cluster;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task The_propose_new_time_loop_with_each_step_on_a_different_node()
    {
        var tag = Tag();
        // Step 1, node 0: Alice invites Bob and Carol.
        var (meetingId, firstChangeKey) = (await Cluster[0].CallAsync(Alice, Requests.CreateMeeting("Roadmap " + tag, [Bob, Carol], "2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z", attendeeResponseType: "Accept"))).Ok().ItemId();

        // Step 2, node 1: Bob proposes a new time.
        var request = Assert.Single(await FindAsync(Cluster[1], Bob, "inbox", tag));
        (await Cluster[1].CallAsync(Bob, Requests.Respond("TentativelyAcceptItem", request.ItemId().Id, extra: Proposal))).Ok();

        // Step 3, node 2: Alice sees the proposal, tracked on her item, and moves the meeting to it.
        var proposal = Assert.Single(await FindAsync(Cluster[2], Alice, "inbox", tag));
        Assert.Equal(("IPM.Schedule.Meeting.Resp.Tent", "2030-03-04T14:00:00Z"), (proposal.T("ItemClass")!, proposal.T("ProposedStart")!));
        var tracked = await GetAsync(Cluster[2], Alice, meetingId, "Exchange2016");
        Assert.NotEqual(firstChangeKey, tracked.ItemId().ChangeKey);
        Assert.Equal("2030-03-04T14:00:00Z", tracked.AttendeeRow(Bob).Element(T + "ProposedStart")!.Value);
        (await Cluster[2].CallAsync(Alice, $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy">
              <m:ItemChanges><t:ItemChange>
                <t:ItemId Id="{meetingId}" ChangeKey="{tracked.ItemId().ChangeKey}"/>
                <t:Updates>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2030-03-04T14:00:00Z</t:Start></t:CalendarItem></t:SetItemField>
                  <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2030-03-04T15:00:00Z</t:End></t:CalendarItem></t:SetItemField>
                </t:Updates>
              </t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();

        // Step 4, node 0: Bob gets the full update, his calendar follows, and he accepts.
        var fresh = (await FindAsync(Cluster[0], Bob, "inbox", tag)).Single();
        Assert.Equal(("FullUpdate", "2030-03-04T14:00:00Z"), (fresh.T("MeetingRequestType")!, fresh.T("Start")!));
        Assert.Equal("2030-03-04T14:00:00Z", (await GetAsync(Cluster[0], Bob, (string)fresh.Element(T + "AssociatedCalendarItemId")!.Attribute("Id")!)).T("Start"));
        (await Cluster[0].CallAsync(Bob, Requests.Respond("AcceptItem", fresh.ItemId().Id, "SendOnly"))).Ok();

        // Step 5: Carol (node 2), who never answered, has the update too; Alice (node 1) has Bob's acceptance, tracked.
        Assert.Equal("FullUpdate", (await FindAsync(Cluster[2], Carol, "inbox", tag)).Single(r => r.T("IsOutOfDate") == "false").T("MeetingRequestType"));
        var accepted = (await FindAsync(Cluster[1], Alice, "inbox", tag)).Single(r => r.T("ItemClass") == "IPM.Schedule.Meeting.Resp.Pos");
        Assert.Null(accepted.Element(T + "ProposedStart"));
        var final = await GetAsync(Cluster[1], Alice, meetingId, "Exchange2016");
        Assert.Equal(("2030-03-04T14:00:00Z", "1"), (final.T("Start")!, final.T("AppointmentSequenceNumber")!));
        Assert.Equal("Accept", final.AttendeeRow(Bob).Element(T + "ResponseType")!.Value);
    }

    [Fact]
    public async Task Twenty_attendees_answering_one_meeting_over_three_nodes_are_all_tracked()
    {
        var tag = Tag();
        var attendees = ThreeNodes.Crowd;
        var (meetingId, changeKey) = (await Cluster[0].CallAsync(Alice, Requests.CreateMeeting("Crowd " + tag, attendees, "2030-03-05T09:00:00Z", "2030-03-05T10:00:00Z", attendeeResponseType: "Accept"))).Ok().ItemId();
        // Each attendee signs in to the node that will take its answer first (its PBKDF2 check is paid before the race).
        var requests = await Task.WhenAll(attendees.Select(async (a, i) => (await FindAsync(Cluster.RoundRobin(i), a, "inbox", tag)).Single().ItemId().Id));

        var responses = await Task.WhenAll(attendees.Select((a, i) =>
            Cluster.RoundRobin(i).CallAsync(a, Requests.Respond(i % 2 == 0 ? "AcceptItem" : "TentativelyAcceptItem", requests[i], "SendOnly", i % 4 == 1 ? Proposal : ""))));

        Assert.All(responses, r => r.Ok());
        foreach (var node in Cluster.Nodes)
        {
            var meeting = await GetAsync(node, Alice, meetingId, "Exchange2016");
            Assert.NotEqual(changeKey, meeting.ItemId().ChangeKey);
            for (var i = 0; i < attendees.Length; i++)
            {
                var row = meeting.AttendeeRow(attendees[i]);
                Assert.Equal(i % 2 == 0 ? "Accept" : "Tentative", row.Element(T + "ResponseType")!.Value);
                Assert.Equal(i % 4 == 1, row.Element(T + "ProposedStart") is not null);
            }
        }

        Assert.Equal(20, (await FindAsync(Cluster[2], Alice, "inbox", tag)).Count);
    }

    private static async Task<IReadOnlyList<XElement>> FindAsync(NodeCluster.Node node, string user, string folder, string tag)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var found = (await node.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "IdOnly"))).Ok();
        var items = new List<XElement>();
        foreach (var id in found.Descendants(T + "ItemId"))
        {
            items.Add(await GetAsync(node, user, (string)id.Attribute("Id")!));
        }

        return items;
    }

    private static async Task<XElement> GetAsync(NodeCluster.Node node, string user, string id, string version = "Exchange2013_SP1") =>
        (await node.CallAsync(user, Requests.GetItem(id), version)).Ok().Element(M + "Items")!.Elements().Single();
}
