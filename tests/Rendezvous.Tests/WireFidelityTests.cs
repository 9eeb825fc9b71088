using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Issue 15 §7: the wire as strict parsers (ews-javascript-api, eM Client) need it: namespaces declared where Exchange
/// declares them, no empty containers, and the response objects answered as Exchange answers them.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class WireFidelityTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private static string Tag() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>The response as text, for what a parsed document hides (where a namespace is declared); still schema-checked.</summary>
    private async Task<string> RawAsync(string user, string body)
    {
        var envelope = Soap.Envelope(body);
        await server.PostAsync(user, envelope);
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(envelope, Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + ServerFixture.Password)));
        using var response = await server.Http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task ConvertId_wrote_xsi_type_before_the_xmlns_xsi_that_declares_it()
    {
        var (id, _) = await server.CreateAppointmentAsync(Alice, "convert " + Tag());
        var text = await RawAsync(Alice, $"""
            <m:ConvertId DestinationFormat="EwsId">
              <m:SourceIds><t:AlternateId Format="EwsId" Id="{id}" Mailbox="{Alice}"/></m:SourceIds>
            </m:ConvertId>
            """);
        var declaration = text.IndexOf("xmlns:xsi=", StringComparison.Ordinal);
        var use = text.IndexOf("xsi:type=", StringComparison.Ordinal);
        Assert.True(declaration >= 0 && use > declaration, text);
        // Declared once, above the response (as Exchange does), never again on the element that uses it.
        Assert.Equal(1, CountOf(text, "xmlns:xsi="));
        var alternate = text[text.LastIndexOf("<m:AlternateId", StringComparison.Ordinal)..];
        alternate = alternate[..(alternate.IndexOf('>', StringComparison.Ordinal) + 1)];
        Assert.DoesNotContain("xmlns", alternate, StringComparison.Ordinal);
        Assert.StartsWith("<m:AlternateId xsi:type=\"t:AlternateIdType\"", alternate, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_xsi_type_the_server_writes_has_its_prefix_declared_on_an_ancestor()
    {
        // ConvertId is the one response with xsi:type (GetUserConfiguration's xsi:nil is another xsi attribute); a fault's
        // envelope declares it too. Other responses do not: see the next test.
        var (id, _) = await server.CreateAppointmentAsync(Alice, "xsi " + Tag());
        var text = await RawAsync(Alice, $"<m:ConvertId DestinationFormat=\"EwsLegacyId\"><m:SourceIds><t:AlternateId Format=\"EwsId\" Id=\"{id}\" Mailbox=\"{Alice}\"/></m:SourceIds></m:ConvertId>");
        var envelope = text[..(text.IndexOf('>', text.IndexOf("<s:Envelope", StringComparison.Ordinal)) + 1)];
        Assert.Contains("xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"", envelope, StringComparison.Ordinal);
        var fault = await RawAsync(Alice, "<m:GetItem><m:ItemShape><t:BaseShape>Nonsense</t:BaseShape></m:ItemShape><m:ItemIds/></m:GetItem>");
        Assert.Contains("xmlns:xsi=", fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_calendar_view_does_not_declare_xsi_so_the_writer_stays_below_its_namespace_hashtable()
    {
        // Issue 14: one declaration more on the envelope put .NET's XmlWriter into its hashtable mode (from the 16th
        // namespace entry, one per prefixed element on the stack) at a view's Organizer/Mailbox/Name depth: 7% of the CPU.
        await server.CreateAppointmentAsync(Alice, "no xsi " + Tag());
        var text = await RawAsync(Alice, "<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id=\"calendar\"/></m:ParentFolderIds></m:FindItem>");
        Assert.Contains("<t:CalendarItem>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xmlns:xsi=", text, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Elements that may be empty on the wire: the response object markers (AcceptItem, ...) carry nothing.</summary>
    private static void AssertNoEmptyContainer(XElement item)
    {
        foreach (var e in item.Descendants())
        {
            if (e.Parent?.Name == T + "ResponseObjects")
            {
                continue;
            }

            var empty = !e.HasElements && e.Value.Length == 0 && !e.Attributes().Any(a => !a.IsNamespaceDeclaration);
            Assert.False(empty, $"empty <{e.Name.LocalName}/> in\n{item}");
        }
    }

    [Fact]
    public async Task GetItem_wrote_back_the_empty_containers_a_client_sent()
    {
        var tag = Tag();
        // An empty Attachments is refused as the request is read (NonEmptyArrayOfAttachmentsType); what may be empty is tried.
        var empties = "<t:Categories/>";
        var calendar = Requests.CreateAppointment("empties " + tag, "2030-02-01T09:00:00Z", "2030-02-01T10:00:00Z", extra: empties)
            // Empty attendee lists are refused as the request is read (at least one Attendee), as is an empty Attachments.
            ;
        var created = await server.CallAsync(Alice, calendar);
        Assert.True(created.FaultCode is null, created.Document.ToString());
        var calendarId = created.Ok().ItemId().Id;
        var message = $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>empties {tag}</t:Subject>{empties}<t:ToRecipients/><t:CcRecipients/><t:BccRecipients/><t:ReplyTo/></t:Message></m:Items>
            </m:CreateItem>
            """;
        var messageId = (await server.CallAsync(Alice, message)).Ok().ItemId().Id;
        foreach (var id in new[] { calendarId, messageId })
        {
            var item = (await server.CallAsync(Alice, Requests.GetItem(id))).Ok().Element(M + "Items")!.Elements().Single();
            Assert.Equal("empties " + tag, item.T("Subject"));
            AssertNoEmptyContainer(item);
        }
    }

    [Fact]
    public async Task UpdateItem_to_no_recipients_left_an_empty_DisplayTo_behind()
    {
        var tag = Tag();
        var message = $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>emptied {tag}</t:Subject><t:Categories><t:String>Red</t:String></t:Categories><t:ToRecipients><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items>
            </m:CreateItem>
            """;
        var (id, changeKey) = (await server.CallAsync(Alice, message)).Ok().ItemId();
        var update = $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="message:ToRecipients"/><t:Message><t:ToRecipients/></t:Message></t:SetItemField>
                <t:SetItemField><t:FieldURI FieldURI="item:Categories"/><t:Message><t:Categories/></t:Message></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """;
        (await server.CallAsync(Alice, update)).Ok();
        var item = (await server.CallAsync(Alice, Requests.GetItem(id))).Ok().Element(M + "Items")!.Elements().Single();
        Assert.Null(item.Element(T + "ToRecipients"));
        Assert.Null(item.Element(T + "Categories"));
        AssertNoEmptyContainer(item);
    }

    [Fact]
    public async Task A_task_DueDate_sent_with_an_offset_came_back_as_sent_so_ews_javascript_api_read_no_date()
    {
        // ews-javascript-api writes "2030-01-25T17:00:00.000+00:00" and appends a Z to what it reads; Exchange answers
        // every time in UTC with a Z. The kept element also redeclared the types namespace on itself.
        var tag = Tag();
        var create = $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="tasks"/></m:SavedItemFolderId>
              <m:Items><t:Task><t:Subject>due {tag}</t:Subject><t:DueDate>2030-01-25T17:00:00.000+00:00</t:DueDate><t:StartDate>2030-01-21T11:30:00+02:00</t:StartDate></t:Task></m:Items>
            </m:CreateItem>
            """;
        var (id, _) = (await server.CallAsync(Alice, create)).Ok().ItemId();
        var task = (await server.CallAsync(Alice, Requests.GetItem(id))).Ok().Element(M + "Items")!.Elements().Single();
        Assert.Equal("2030-01-25T17:00:00Z", task.T("DueDate"));
        Assert.Equal("2030-01-21T09:30:00Z", task.T("StartDate"));
        var text = await RawAsync(Alice, Requests.GetItem(id));
        Assert.Contains("<t:DueDate>2030-01-25T17:00:00Z</t:DueDate>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<DueDate xmlns=", text, StringComparison.Ordinal);
    }

    private async Task<(string MeetingId, string Tag)> MeetingWithBobAsync()
    {
        var tag = Tag();
        var id = (await server.CallAsync(Alice, Requests.CreateMeeting("Cancelled " + tag, [Bob], "2030-03-04T09:00:00Z", "2030-03-04T10:00:00Z"))).Ok().ItemId().Id;
        return (id, tag);
    }

    private async Task<List<XElement>> FindAsync(string user, string folder, string tag) =>
        [.. (await server.CallAsync(user, Requests.FindItem(folder: folder, restriction: $"<t:Contains ContainmentMode=\"Substring\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>")))
            .Ok().Descendants(T + "Items").Single().Elements()];

    [Fact]
    public async Task CancelCalendarItem_answered_an_empty_Items_so_CancelMeeting_threw()
    {
        var (meetingId, tag) = await MeetingWithBobAsync();
        var cancel = $"<m:CreateItem MessageDisposition=\"SendAndSaveCopy\"><m:Items><t:CancelCalendarItem><t:ReferenceItemId Id=\"{meetingId}\"/><t:NewBodyContent BodyType=\"HTML\">Called off</t:NewBodyContent></t:CancelCalendarItem></m:Items></m:CreateItem>";
        var answer = (await server.CallAsync(Alice, cancel)).Ok();
        // As Microsoft's sample: the calendar item, which is now the cancelled one in Deleted Items.
        var returned = Assert.Single(answer.Element(M + "Items")!.Elements());
        Assert.Equal("CalendarItem", returned.Name.LocalName);
        var item = (await server.CallAsync(Alice, Requests.GetItem(returned.ItemId().Id))).Ok().Element(M + "Items")!.Elements().Single();
        Assert.Equal("true", item.T("IsCancelled"));
        var deleted = (await FindAsync(Alice, "deleteditems", tag)).Single(i => i.Name.LocalName == "CalendarItem");
        Assert.Equal(deleted.ItemId().Id, returned.ItemId().Id);
    }

    [Fact]
    public async Task RemoveItem_answered_an_empty_Items_so_RemoveMeetingFromCalendar_threw()
    {
        var (meetingId, tag) = await MeetingWithBobAsync();
        (await server.CallAsync(Alice, $"<m:CreateItem MessageDisposition=\"SendOnly\"><m:Items><t:CancelCalendarItem><t:ReferenceItemId Id=\"{meetingId}\"/></t:CancelCalendarItem></m:Items></m:CreateItem>")).Ok();
        var cancellation = (await FindAsync(Bob, "inbox", tag)).Single(i => i.Name.LocalName == "MeetingCancellation");
        var remove = $"<m:CreateItem MessageDisposition=\"SendAndSaveCopy\"><m:Items><t:RemoveItem><t:ReferenceItemId Id=\"{cancellation.ItemId().Id}\"/></t:RemoveItem></m:Items></m:CreateItem>";
        var answer = (await server.CallAsync(Bob, remove)).Ok();
        var returned = answer.Element(M + "Items")!.Elements().ToList();
        Assert.Equal("CalendarItem", returned[0].Name.LocalName);
        var inDeleted = await FindAsync(Bob, "deleteditems", tag);
        Assert.All(returned, r => Assert.Contains(inDeleted, d => d.ItemId().Id == r.ItemId().Id));
        Assert.Empty(await FindAsync(Bob, "calendar", tag));
    }
}
