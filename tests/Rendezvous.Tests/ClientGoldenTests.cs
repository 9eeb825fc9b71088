using System.Xml.Linq;
using Rendezvous.Client;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Rendezvous.Client against the responses of the seed article (tests/data/seed/propose-new-time.fr.md), the Exchange
/// 2013 traffic the project started from, with its https:// namespaces fixed to http://. The requests the client sends
/// for the same steps must say what the article's requests say, and validate against the schema.
/// </summary>
public sealed class ClientGoldenTests
{
    private static readonly XNamespace T = Ews.T;
    private static readonly ItemId SeedRequestId = new("AAMkADEzOTExYjJkL1AAA=", "CwAAAB/G6X");

    private static CannedHandler Canned(string operation) => new(Seed.WithHttpNamespaces(Seed.Response(operation)));

    [Fact]
    public async Task Seed_GetItem_response_parses_into_the_meeting_request_and_its_response_objects()
    {
        var server = Canned("GetItem");
        using var client = ClientHarness.Client(new SchemaCheckingHandler(server));

        var item = await client.GetItemAsync(SeedRequestId);

        Assert.Equal(ItemKind.MeetingRequest, item.Kind);
        Assert.Equal(SeedRequestId, item.Id);
        Assert.Equal("Competitive analysis: kick off meeting", item.Subject);
        Assert.Equal(new DateTime(2013, 11, 9, 17, 0, 0, DateTimeKind.Utc), item.Start);
        Assert.Equal(DateTimeKind.Utc, item.Start!.Value.Kind);
        Assert.Equal(new DateTime(2013, 11, 9, 17, 30, 0, DateTimeKind.Utc), item.End);
        Assert.Equal(["AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ProposeNewTime", "ReplyToItem", "ReplyAllToItem", "ForwardItem"], item.ResponseObjects);
        Assert.True(item.CanProposeNewTime);
        Assert.True(item.CanRespond);
        Assert.Equal(new ServerVersionInfo(15, 0, 815, 6, "V2_7"), client.ServerVersion);
    }

    [Fact]
    public async Task Seed_GetItem_request_is_what_the_client_sends_to_read_response_objects()
    {
        var server = Canned("GetItem");
        using var client = ClientHarness.Client(new SchemaCheckingHandler(server));

        Assert.True(await client.CanProposeNewTimeAsync(SeedRequestId));
        Assert.Equal(
            ["AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ProposeNewTime", "ReplyToItem", "ReplyAllToItem", "ForwardItem"],
            await client.GetResponseObjectsAsync(SeedRequestId));

        var sent = server.Requests[0];
        var seed = XDocument.Parse(Seed.WithHttpNamespaces(Seed.Request("GetItem")));
        Assert.Equal("Exchange2013", Header(sent, "RequestServerVersion").Attribute("Version")!.Value);
        Assert.Equal(Operation(seed).Element(Ews.M + "ItemIds")!.ToString(SaveOptions.DisableFormatting), Operation(sent).Element(Ews.M + "ItemIds")!.ToString(SaveOptions.DisableFormatting));
        Assert.Equal("IdOnly", sent.Descendants(T + "BaseShape").Single().Value);
        Assert.Equal(["item:ResponseObjects"], sent.Descendants(T + "FieldURI").Select(f => f.Attribute("FieldURI")!.Value));
    }

    [Fact]
    public async Task Seed_CreateItem_response_parses_into_the_attendee_calendar_item_and_the_request_moved_aside()
    {
        var server = Canned("CreateItem");
        using var client = ClientHarness.Client(new SchemaCheckingHandler(server));

        var result = await client.ProposeNewTimeAsync(
            SeedRequestId,
            DateTimeOffset.Parse("2013-11-28T04:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse("2013-11-28T04:30:00Z", System.Globalization.CultureInfo.InvariantCulture),
            MeetingResponse.Accept,
            "This time works better for the HiPPO.");

        Assert.Equal([new ItemId("AAMkAGRmOWE2OWAAA=", "DwAAJsmU")], result.CalendarItems);
        Assert.Equal([new ItemId("AAMkAGRmOWE2AAABB=", "AAAGJu1A")], result.Messages);
    }

    [Fact]
    public async Task Seed_CreateItem_request_is_what_the_client_sends_to_propose_a_new_time()
    {
        var server = Canned("CreateItem");
        using var client = ClientHarness.Client(new SchemaCheckingHandler(server));

        await client.ProposeNewTimeAsync(
            SeedRequestId,
            new DateTimeOffset(2013, 11, 28, 5, 0, 0, TimeSpan.FromHours(1)),
            new DateTimeOffset(2013, 11, 28, 5, 30, 0, TimeSpan.FromHours(1)),
            MeetingResponse.Accept,
            "This time works better for the HiPPO.");

        var seed = XDocument.Parse(Seed.WithHttpNamespaces(Seed.Request("CreateItem")));
        var sent = server.Requests[0];
        var expected = Operation(seed).Element(Ews.M + "Items")!.Element(T + "AcceptItem")!;
        var actual = Operation(sent).Element(Ews.M + "Items")!.Element(T + "AcceptItem")!;

        // The article's sample puts Body before ReferenceItemId and ProposedStart/End last, as the schema orders them.
        Assert.Equal(expected.Elements().Select(e => e.Name.LocalName), actual.Elements().Select(e => e.Name.LocalName));
        foreach (var name in new[] { "Body", "ProposedStart", "ProposedEnd" })
        {
            Assert.Equal(expected.Element(T + name)!.Value, actual.Element(T + name)!.Value);
        }

        Assert.Equal("Text", actual.Element(T + "Body")!.Attribute("BodyType")!.Value);
        Assert.Equal(expected.Element(T + "ReferenceItemId")!.Attributes().Select(a => a.ToString()), actual.Element(T + "ReferenceItemId")!.Attributes().Select(a => a.ToString()));

        // The article leaves MessageDisposition out, which Exchange refuses (ErrorMessageDispositionRequired for a
        // response object); the client sends it.
        Assert.Equal("SendAndSaveCopy", Operation(sent).Attribute("MessageDisposition")!.Value);
    }

    [Fact]
    public async Task The_seed_responses_as_written_with_https_namespaces_are_refused_rather_than_misread()
    {
        var server = new CannedHandler(Seed.Response("GetItem"));
        using var client = ClientHarness.Client(server);

        var error = await Assert.ThrowsAsync<EwsHttpException>(() => client.GetItemAsync(SeedRequestId));
        Assert.Contains("not a SOAP envelope", error.Message, StringComparison.Ordinal);
    }

    private static XElement Operation(XDocument envelope) => envelope.Root!.Element(Ews.Soap + "Body")!.Elements().Single();

    private static XElement Header(XDocument envelope, string name) => envelope.Root!.Element(Ews.Soap + "Header")!.Element(T + name)!;
}
