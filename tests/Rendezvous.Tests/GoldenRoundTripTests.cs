using System.Text;
using System.Xml.Linq;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Golden round trips per item type (issue 15 §2): a CreateItem carrying every element the schema lets a client set
/// on the type (tests/data/golden/TYPE.request.xml, written by tools/gen-golden-requests.py from the schema's
/// sequence), then GetItem AllProperties (with the elements AllProperties leaves out, as AdditionalProperties),
/// normalized (ids, change keys, the times the server sets) and compared with TYPE.expected.xml. The meeting messages
/// are the ones the workflow creates from a meeting. A mismatch prints the difference; RDV_UPDATE_GOLDEN=1 rewrites
/// the expected files (review their diff before committing them).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class GoldenRoundTripTests(ServerFixture server)
{
    private const string Version = "Exchange2016";

    private static readonly XNamespace T = EwsResponse.T;

    public static readonly TheoryData<string> Types = ["Item", "Message", "CalendarItem", "Contact", "DistributionList", "Task", "PostItem"];

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Every_element_a_client_may_set_comes_back_from_GetItem_AllProperties(string type)
    {
        var item = XElement.Parse(await File.ReadAllTextAsync(TestData.Path("golden", type + ".request.xml")));
        var folder = type switch
        {
            "Item" => "notes",
            "Message" => "drafts",
            "CalendarItem" => "calendar",
            "Contact" or "DistributionList" => "contacts",
            "Task" => "tasks",
            _ => "inbox",
        };
        var body = $"""
            <m:CreateItem MessageDisposition="SaveOnly" SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SavedItemFolderId>
              <m:Items>{item.ToString(SaveOptions.DisableFormatting)}</m:Items>
            </m:CreateItem>
            """;
        // The request is schema-valid: what it carries is what a client may send.
        Assert.Empty(SchemaValidator.Validate(XDocument.Parse(Soap.Envelope(body, Version))));

        var (id, _) = (await server.CallAsync(ServerFixture.Carol, body, Version)).Ok().ItemId();
        var read = await server.GetItemAsync(ServerFixture.Carol, id, Version, "AllProperties", OnlyOnRequest(Enum.Parse<ItemKind>(type)));
        Golden.Check(type, Normalize(read));
    }

    [Fact]
    public async Task The_meeting_messages_a_meeting_makes_read_back_as_their_types()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var subject = "Golden meeting " + run;
        var created = await server.CallAsync(ServerFixture.Alice,
            Requests.CreateMeeting(subject, [ServerFixture.Bob], "2030-02-04T09:00:00Z", "2030-02-04T10:00:00Z",
                "<t:StartTimeZone Id=\"Romance Standard Time\"/><t:EndTimeZone Id=\"Romance Standard Time\"/>"), Version);
        var (meeting, meetingKey) = created.Ok().ItemId();

        var request = await FindBySubjectAsync(ServerFixture.Bob, "inbox", subject);
        Golden.Check("MeetingRequest", Normalize(await ReadAsync(ServerFixture.Bob, request), run));

        (await server.CallAsync(ServerFixture.Bob, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:AcceptItem><t:ReferenceItemId Id="{request}"/></t:AcceptItem></m:Items>
            </m:CreateItem>
            """, Version)).Ok();
        var response = await FindBySubjectAsync(ServerFixture.Alice, "inbox", subject);
        Golden.Check("MeetingResponse", Normalize(await ReadAsync(ServerFixture.Alice, response), run));

        (await server.CallAsync(ServerFixture.Alice, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy">
              <m:Items><t:CancelCalendarItem><t:ReferenceItemId Id="{meeting}" ChangeKey="{meetingKey}"/></t:CancelCalendarItem></m:Items>
            </m:CreateItem>
            """, Version)).Ok();
        var cancellation = await FindBySubjectAsync(ServerFixture.Bob, "inbox", subject, "IPM.Schedule.Meeting.Canceled");
        Golden.Check("MeetingCancellation", Normalize(await ReadAsync(ServerFixture.Bob, cancellation), run));
    }

    private Task<XElement> ReadAsync(string user, string id) =>
        server.GetItemAsync(user, id, Version, "AllProperties", OnlyOnRequest(ItemKind.MeetingRequest));

    private async Task<string> FindBySubjectAsync(string user, string folder, string subject, string? itemClass = null)
    {
        var restriction = $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{subject}\"/></t:Contains>";
        if (itemClass is not null)
        {
            restriction = $"<t:And>{restriction}<t:IsEqualTo><t:FieldURI FieldURI=\"item:ItemClass\"/><t:FieldURIOrConstant><t:Constant Value=\"{itemClass}\"/></t:FieldURIOrConstant></t:IsEqualTo></t:And>";
        }

        var found = await server.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "IdOnly"), Version);
        return (string)Assert.Single(found.Ok().Descendants(T + "ItemId")).Attribute("Id")!;
    }

    /// <summary>The FieldURIs of the elements AllProperties leaves out, for AdditionalProperties.</summary>
    private static string OnlyOnRequest(ItemKind kind) =>
        string.Concat(ItemSchema.Order(kind).OfType<PropertyDef>().Where(d => d.OnlyOnRequest).Select(d => $"<t:FieldURI FieldURI=\"{d.Uri}\"/>"));

    // What the server sets on its own: ids and change keys (new each run), and the times of creation and change.
    private static readonly HashSet<string> IdElements = ["ItemId", "ParentFolderId", "AssociatedCalendarItemId"];

    private static readonly HashSet<string> ServerTimes =
        ["DateTimeReceived", "DateTimeSent", "DateTimeCreated", "LastModifiedTime", "DateTimeStamp", "PostedTime", "AppointmentReplyTime", "LastResponseTime"];

    private static readonly HashSet<string> ServerIdentities = ["UID", "InternetMessageId", "ConversationIndex"];

    /// <summary>The item with what changes from run to run replaced by placeholders; <paramref name="run"/> (a unique subject's part) too.</summary>
    private static XElement Normalize(XElement item, string? run = null)
    {
        var copy = new XElement(item);
        // A kept element declares its namespace again on the wire (harmless): the files show each element once.
        copy.Descendants().Attributes().Where(a => a.IsNamespaceDeclaration && a.Value == T.NamespaceName).Remove();
        // A master's occurrence fields carry ids of their own (issue 16).
        var occurrenceIds = copy.Elements().Where(e => e.Name.LocalName is "FirstOccurrence" or "LastOccurrence" or "ModifiedOccurrences").Descendants(T + "ItemId");
        foreach (var e in copy.Elements().Where(e => IdElements.Contains(e.Name.LocalName)).Concat(occurrenceIds).ToList())
        {
            e.SetAttributeValue("Id", "{id}");
            if (e.Attribute("ChangeKey") is not null)
            {
                e.SetAttributeValue("ChangeKey", "{changekey}");
            }
        }

        foreach (var e in copy.Descendants().Where(e => ServerTimes.Contains(e.Name.LocalName) && !e.HasElements))
        {
            e.Value = "{time}";
        }

        // MimeContent is written from the item, server times and ids included: that it is there is the golden fact,
        // its content is MimeContentTests' to check.
        foreach (var e in copy.Elements().Where(e => e.Name.LocalName == "MimeContent"))
        {
            e.Value = "{mime}";
        }

        if (run is not null)
        {
            foreach (var e in copy.Elements().Where(e => ServerIdentities.Contains(e.Name.LocalName)))
            {
                e.Value = "{" + e.Name.LocalName + "}";
            }

            // The conversation the server starts for a message it makes (issue 17 §3) is new each run.
            foreach (var e in copy.Elements(T + "ConversationId"))
            {
                e.SetAttributeValue("Id", "{ConversationId}");
            }

            foreach (var text in copy.DescendantNodes().OfType<XText>())
            {
                text.Value = text.Value.Replace(run, "{run}", StringComparison.Ordinal);
            }
        }

        return copy;
    }
}

/// <summary>Expected files in tests/data/golden: compared as text, rewritten when RDV_UPDATE_GOLDEN=1.</summary>
public static class Golden
{
    public static void Check(string name, XElement actual)
    {
        var path = TestData.Path("golden", name + ".expected.xml");
        var text = actual.ToString().Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
        if (Environment.GetEnvironmentVariable("RDV_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, text);
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the test with RDV_UPDATE_GOLDEN=1 to write it, then review it.");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (expected != text)
        {
            Assert.Fail($"{name} differs from {path} (- expected, + actual; RDV_UPDATE_GOLDEN=1 rewrites it):\n{Diff(expected, text)}");
        }
    }

    /// <summary>A line diff (longest common subsequence), only the changed lines with two lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Mark, string Line)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', a[x++]));
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] > lcs[x + 1, y]))
            {
                lines.Add(('+', b[y++]));
            }
            else
            {
                lines.Add(('-', a[x++]));
            }
        }

        var output = new StringBuilder();
        for (var k = 0; k < lines.Count; k++)
        {
            var near = Enumerable.Range(Math.Max(0, k - 2), Math.Min(lines.Count, k + 3) - Math.Max(0, k - 2)).Any(n => lines[n].Mark != ' ');
            if (near)
            {
                output.Append(lines[k].Mark).Append(' ').AppendLine(lines[k].Line);
            }
        }

        return output.ToString();
    }
}
