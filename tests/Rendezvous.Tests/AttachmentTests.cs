using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using MimeKit;
using Rendezvous.Services;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Issue 15 §3: file and item attachments, created with CreateAttachment or inline in CreateItem, listed by GetItem
/// (headers only), read by GetAttachment, removed by DeleteAttachment, carried by sends, invitations, copies and moves.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AttachmentTests(ServerFixture server, AttachmentTests.SmallLimits small) : IClassFixture<AttachmentTests.SmallLimits>
{
    private const string Alice = ServerFixture.Alice;
    private const string Bob = ServerFixture.Bob;
    private const string Carol = ServerFixture.Carol;
    private static readonly XNamespace M = EwsResponse.M;
    private static readonly XNamespace T = EwsResponse.T;

    /// <summary>A server with small attachment limits and room for a request of a few megabytes.</summary>
    public sealed class SmallLimits : IAsyncLifetime
    {
        public const int MaxBytes = 3 * 1024 * 1024;
        public const int MaxCount = 3;
        public const int ResponseBudget = 100_000;

        public ServerFixture Server { get; } = new(o =>
        {
            o.Limits = new Protocol.XmlLimits(MaxRequestBytes: 8 * 1024 * 1024, MaxDepth: 64);
            o.Attachments = new AttachmentLimits { MaxAttachmentBytes = MaxBytes, MaxAttachmentsPerItem = MaxCount };
            o.RequestLimits = new Protocol.RequestLimits { MaxResponseItemBytes = ResponseBudget };
        });

        public Task InitializeAsync() => Server.InitializeAsync();

        public Task DisposeAsync() => Server.DisposeAsync();
    }

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    private static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string File(string name, byte[] content, string extra = "") =>
        $"<t:FileAttachment><t:Name>{name}</t:Name>{extra}<t:Content>{Convert.ToBase64String(content)}</t:Content></t:FileAttachment>";

    private static async Task<(string Id, string ChangeKey)> SaveMessageAsync(ServerFixture on, string user, string subject, string attachments = "", string folder = "drafts")
    {
        var response = (await on.CallAsync(user, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Body BodyType="Text">hello</t:Body>{(attachments.Length > 0 ? "<t:Attachments>" + attachments + "</t:Attachments>" : "")}</t:Message></m:Items>
            </m:CreateItem>
            """)).Ok();
        return response.Descendants(T + "Message").Single().ItemId();
    }

    private static string CreateAttachment(string parentId, string attachments) =>
        $"""<m:CreateAttachment><m:ParentItemId Id="{parentId}"/><m:Attachments>{attachments}</m:Attachments></m:CreateAttachment>""";

    private static string GetAttachment(string id, string shape = "") =>
        $"""<m:GetAttachment>{shape}<m:AttachmentIds><t:AttachmentId Id="{id}"/></m:AttachmentIds></m:GetAttachment>""";

    private static string DeleteAttachment(string id) =>
        $"""<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="{id}"/></m:AttachmentIds></m:DeleteAttachment>""";

    private static string AttachmentIdOf(XElement attachment) => attachment.Element(T + "AttachmentId")!.Attribute("Id")!.Value;

    private static async Task<byte[]> ContentAsync(ServerFixture on, string user, string attachmentId) =>
        Convert.FromBase64String((await on.CallAsync(user, GetAttachment(attachmentId))).Ok().Descendants(T + "Content").Single().Value);

    /// <summary>The attachment headers GetItem lists for the item, by name.</summary>
    private static async Task<Dictionary<string, XElement>> HeadersAsync(ServerFixture on, string user, string itemId)
    {
        var item = (await on.CallAsync(user, Requests.GetItem(itemId))).Ok();
        return item.Descendants(T + "Attachments").SingleOrDefault()?.Elements().ToDictionary(e => e.T("Name")!) ?? [];
    }

    private static async Task<string> FindBySubjectAsync(ServerFixture on, string user, string folder, string subject)
    {
        var restriction = $"""<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{subject}"/></t:FieldURIOrConstant></t:IsEqualTo>""";
        var found = (await on.CallAsync(user, Requests.FindItem(restriction: restriction, folder: folder, shape: "IdOnly"))).Ok();
        return found.Descendants(T + "ItemId").Single().Attribute("Id")!.Value;
    }

    private static long StoredRows(ServerFixture on, string itemId)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(on.DataDirectory, "rendezvous.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM attachments WHERE item_id = $i;";
        cmd.Parameters.AddWithValue("$i", itemId);
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task A_file_attachment_added_to_an_item_moves_its_ChangeKey_and_reads_back_byte_for_byte()
    {
        var (id, before) = await SaveMessageAsync(server, Carol, Unique("Report"));
        var content = Bytes(5000);
        var created = (await server.CallAsync(Carol, CreateAttachment(id, File("report.pdf", content)))).Ok();
        var attachmentId = created.Descendants(T + "AttachmentId").Single();
        Assert.Equal(id, attachmentId.Attribute("RootItemId")!.Value);
        var rootKey = attachmentId.Attribute("RootItemChangeKey")!.Value;
        Assert.NotEqual(before, rootKey);

        var item = (await server.CallAsync(Carol, Requests.GetItem(id))).Ok().Descendants(T + "Message").Single();
        Assert.Equal(rootKey, item.Element(T + "ItemId")!.Attribute("ChangeKey")!.Value);
        Assert.Equal("true", item.T("HasAttachments"));
        var header = item.Element(T + "Attachments")!.Element(T + "FileAttachment")!;
        Assert.Equal(["AttachmentId", "Name", "ContentType", "Size", "LastModifiedTime", "IsInline"], header.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("application/pdf", header.T("ContentType"));
        Assert.Equal("5000", header.T("Size"));
        Assert.Equal("false", header.T("IsInline"));
        Assert.True(int.Parse(item.Element(T + "Size")!.Value, CultureInfo.InvariantCulture) > 5000);

        Assert.Equal(content, await ContentAsync(server, Carol, AttachmentIdOf(header)));
    }

    [Fact]
    public async Task An_item_without_attachments_has_no_empty_Attachments_element()
    {
        var (id, _) = await SaveMessageAsync(server, Carol, Unique("Plain"));
        var item = (await server.CallAsync(Carol, Requests.GetItem(id))).Ok().Descendants(T + "Message").Single();
        Assert.Null(item.Element(T + "Attachments"));
        Assert.Equal("false", item.T("HasAttachments"));
    }

    [Fact]
    public async Task Attachments_inline_in_CreateItem_are_answered_with_their_ids_and_an_attached_calendar_item_round_trips()
    {
        var subject = Unique("Inline");
        var response = (await server.CallAsync(Carol, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Attachments>
                {File("notes.txt", "plain notes"u8.ToArray())}
                <t:ItemAttachment><t:Name>The meeting</t:Name><t:CalendarItem>
                  <t:Subject>Attached review</t:Subject><t:Body BodyType="Text">Bring slides</t:Body>
                  <t:Start>2030-03-04T09:00:00Z</t:Start><t:End>2030-03-04T10:00:00Z</t:End><t:Location>Room 9</t:Location>
                </t:CalendarItem></t:ItemAttachment>
              </t:Attachments></t:Message></m:Items>
            </m:CreateItem>
            """)).Ok();
        var ids = response.Descendants(T + "AttachmentId").Select(a => a.Attribute("Id")!.Value).ToList();
        Assert.Equal(2, ids.Count);

        var id = response.Descendants(T + "Message").Single().ItemId().Id;
        var headers = await HeadersAsync(server, Carol, id);
        Assert.Equal("text/plain", headers["notes.txt"].T("ContentType"));
        Assert.Equal("ItemAttachment", headers["The meeting"].Name.LocalName);
        Assert.Null(headers["The meeting"].Element(T + "CalendarItem"));

        var attached = (await server.CallAsync(Carol, GetAttachment(ids[1]))).Ok().Descendants(T + "CalendarItem").Single();
        Assert.Null(attached.Element(T + "ItemId"));
        Assert.Equal("Attached review", attached.T("Subject"));
        Assert.Equal("Bring slides", attached.T("Body"));
        Assert.Equal("2030-03-04T09:00:00Z", attached.T("Start"));
        Assert.Equal("Room 9", attached.T("Location"));
        Assert.Equal("plain notes"u8.ToArray(), await ContentAsync(server, Carol, ids[0]));
    }

    [Fact]
    public async Task Only_inline_attachments_leave_HasAttachments_false_and_keep_their_ContentId()
    {
        var (id, _) = await SaveMessageAsync(server, Carol, Unique("Logo"),
            File("logo.png", Bytes(300), "<t:ContentId>logo@rendezvous</t:ContentId><t:IsInline>true</t:IsInline>"));
        var item = (await server.CallAsync(Carol, Requests.GetItem(id))).Ok();
        Assert.Equal("false", item.T("HasAttachments"));
        var header = item.Descendants(T + "FileAttachment").Single();
        Assert.Equal("logo@rendezvous", header.T("ContentId"));
        Assert.Equal("true", header.T("IsInline"));
        Assert.Equal("image/png", header.T("ContentType"));
    }

    [Fact]
    public async Task DeleteAttachment_answers_the_root_item_and_the_attachment_is_gone()
    {
        var (id, _) = await SaveMessageAsync(server, Carol, Unique("Detach"), File("a.txt", "a"u8.ToArray()) + File("b.txt", "b"u8.ToArray()));
        var headers = await HeadersAsync(server, Carol, id);
        var deleted = (await server.CallAsync(Carol, DeleteAttachment(AttachmentIdOf(headers["a.txt"])))).Ok();
        var root = deleted.Element(M + "RootItemId")!;
        Assert.Equal(id, root.Attribute("RootItemId")!.Value);
        var item = (await server.CallAsync(Carol, Requests.GetItem(id))).Ok();
        Assert.Equal(root.Attribute("RootItemChangeKey")!.Value, item.Descendants(T + "ItemId").First().Attribute("ChangeKey")!.Value);
        Assert.Equal(["b.txt"], (await HeadersAsync(server, Carol, id)).Keys);

        var again = await server.CallAsync(Carol, GetAttachment(AttachmentIdOf(headers["a.txt"])));
        Assert.Equal("ErrorInvalidAttachmentId", again.Code());
        Assert.Equal("ErrorInvalidAttachmentId", (await server.CallAsync(Carol, DeleteAttachment(AttachmentIdOf(headers["a.txt"])))).Code());
    }

    [Fact]
    public async Task A_malformed_attachment_id_is_ErrorInvalidIdMalformed()
    {
        Assert.Equal("ErrorInvalidIdMalformed", (await server.CallAsync(Carol, GetAttachment("AAMk="))).Code());
        Assert.Equal("ErrorInvalidIdMalformed", (await server.CallAsync(Carol, DeleteAttachment("AAMk="))).Code());
    }

    [Fact]
    public async Task Bob_cannot_read_delete_or_add_to_alices_attachments()
    {
        var (id, _) = await SaveMessageAsync(server, Alice, Unique("Private"), File("salary.xlsx", Bytes(100)));
        var attachmentId = AttachmentIdOf((await HeadersAsync(server, Alice, id))["salary.xlsx"]);

        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(Bob, GetAttachment(attachmentId))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(Bob, DeleteAttachment(attachmentId))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(Bob, CreateAttachment(id, File("virus.exe", Bytes(10))))).Code());

        Assert.Equal(["salary.xlsx"], (await HeadersAsync(server, Alice, id)).Keys);
        Assert.Equal(Bytes(100), await ContentAsync(server, Alice, attachmentId));
    }

    [Fact]
    public async Task An_attachment_over_the_limits_fails_alone_with_ErrorAttachmentSizeLimitExceeded()
    {
        var on = small.Server;
        var (id, _) = await SaveMessageAsync(on, Carol, Unique("Limits"));
        var response = await on.CallAsync(Carol, CreateAttachment(id, File("small.bin", Bytes(10)) + File("big.bin", Bytes(SmallLimits.MaxBytes + 1))));
        Assert.Equal("NoError", response.Code(0));
        Assert.Equal("ErrorAttachmentSizeLimitExceeded", response.Code(1));

        var count = await on.CallAsync(Carol, CreateAttachment(id, File("2.bin", Bytes(1)) + File("3.bin", Bytes(1)) + File("4.bin", Bytes(1))));
        Assert.Equal(["NoError", "NoError", "ErrorAttachmentSizeLimitExceeded"], Enumerable.Range(0, 3).Select(i => count.Code(i)));
        Assert.Equal(["2.bin", "3.bin", "small.bin"], (await HeadersAsync(on, Carol, id)).Keys.Order());

        // Inline in CreateItem, too large an attachment fails the item, and nothing is created.
        var subject = Unique("Too big");
        var inline = await on.CallAsync(Carol, $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>{subject}</t:Subject>
              <t:Attachments>{File("big.bin", Bytes(SmallLimits.MaxBytes + 1))}</t:Attachments></t:Message></m:Items></m:CreateItem>
            """);
        Assert.Equal("ErrorAttachmentSizeLimitExceeded", inline.Code());
    }

    [Fact]
    public async Task A_large_attachment_is_spooled_and_streamed_back_unchanged()
    {
        var on = small.Server;
        var content = Bytes(2 * 1024 * 1024, seed: 7);
        var (id, _) = await SaveMessageAsync(on, Carol, Unique("Large"), File("large.bin", content));
        var header = (await HeadersAsync(on, Carol, id))["large.bin"];
        Assert.Equal(content.Length.ToString(CultureInfo.InvariantCulture), header.T("Size"));
        Assert.Equal(content, await ContentAsync(on, Carol, AttachmentIdOf(header)));
    }

    [Fact]
    public async Task Sending_a_message_delivers_its_attachments_to_each_recipient_and_the_sent_copy()
    {
        var subject = Unique("Shared deck");
        var content = Bytes(2000, seed: 3);
        (await server.CallAsync(Carol, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>{subject}</t:Subject>
              <t:Attachments>{File("deck.pptx", content)}</t:Attachments>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox><t:Mailbox><t:EmailAddress>{Alice}</t:EmailAddress></t:Mailbox></t:ToRecipients>
            </t:Message></m:Items></m:CreateItem>
            """)).Ok();

        foreach (var (user, folder) in new[] { (Bob, "inbox"), (Alice, "inbox"), (Carol, "sentitems") })
        {
            var id = await FindBySubjectAsync(server, user, folder, subject);
            var header = (await HeadersAsync(server, user, id))["deck.pptx"];
            Assert.Equal(content, await ContentAsync(server, user, AttachmentIdOf(header)));
        }
    }

    [Fact]
    public async Task SendItem_of_a_draft_delivers_the_attachment_added_to_it()
    {
        var subject = Unique("Draft with file");
        var response = (await server.CallAsync(Carol, $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>{subject}</t:Subject>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        var (id, _) = response.Descendants(T + "Message").Single().ItemId();
        var key = (await server.CallAsync(Carol, CreateAttachment(id, File("later.txt", "added later"u8.ToArray())))).Ok()
            .Descendants(T + "AttachmentId").Single().Attribute("RootItemChangeKey")!.Value;
        (await server.CallAsync(Carol, $"""
            <m:SendItem SaveItemToFolder="false"><m:ItemIds><t:ItemId Id="{id}" ChangeKey="{key}"/></m:ItemIds></m:SendItem>
            """)).Ok();

        var delivered = await FindBySubjectAsync(server, Bob, "inbox", subject);
        var header = (await HeadersAsync(server, Bob, delivered))["later.txt"];
        Assert.Equal("added later"u8.ToArray(), await ContentAsync(server, Bob, AttachmentIdOf(header)));
        Assert.Equal(0, StoredRows(server, id));
    }

    [Fact]
    public async Task A_meeting_request_carries_the_organizers_attachments_to_the_invitation_and_the_calendar_item()
    {
        var subject = Unique("Planning with agenda");
        var agenda = Bytes(700, seed: 11);
        (await server.CallAsync(Carol, $"""
            <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy"><m:Items><t:CalendarItem>
              <t:Subject>{subject}</t:Subject><t:Body BodyType="Text">Agenda attached</t:Body>
              <t:Attachments>{File("agenda.docx", agenda)}</t:Attachments>
              <t:Start>2030-05-06T09:00:00Z</t:Start><t:End>2030-05-06T10:00:00Z</t:End>
              <t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>{Bob}</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>
            </t:CalendarItem></m:Items></m:CreateItem>
            """)).Ok();

        foreach (var (user, folder) in new[] { (Carol, "calendar"), (Bob, "inbox"), (Bob, "calendar"), (Carol, "sentitems") })
        {
            var id = await FindBySubjectAsync(server, user, folder, subject);
            var header = (await HeadersAsync(server, user, id))["agenda.docx"];
            Assert.Equal(agenda, await ContentAsync(server, user, AttachmentIdOf(header)));
        }
    }

    [Fact]
    public async Task Copies_and_moves_keep_attachments_and_deleting_an_item_deletes_its_attachment_rows()
    {
        var content = Bytes(900, seed: 5);
        var (id, _) = await SaveMessageAsync(server, Carol, Unique("Kept"), File("kept.bin", content));
        var copied = (await server.CallAsync(Carol, $"""
            <m:CopyItem><m:ToFolderId><t:DistinguishedFolderId Id="inbox"/></m:ToFolderId><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:CopyItem>
            """)).Ok().Descendants(T + "ItemId").Single().Attribute("Id")!.Value;
        var moved = (await server.CallAsync(Carol, $"""
            <m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="junkemail"/></m:ToFolderId><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:MoveItem>
            """)).Ok().Descendants(T + "ItemId").Single().Attribute("Id")!.Value;

        Assert.Equal(0, StoredRows(server, id));
        foreach (var item in new[] { copied, moved })
        {
            Assert.Equal(content, await ContentAsync(server, Carol, AttachmentIdOf((await HeadersAsync(server, Carol, item))["kept.bin"])));
        }

        (await server.CallAsync(Carol, $"""
            <m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="{moved}"/></m:ItemIds></m:DeleteItem>
            """)).Ok();
        Assert.Equal(0, StoredRows(server, moved));
        Assert.Equal(1, StoredRows(server, copied));
    }

    [Fact]
    public async Task FindItem_never_lists_attachments_but_says_the_item_has_some()
    {
        var subject = Unique("Found");
        await SaveMessageAsync(server, Carol, subject, File("x.txt", "x"u8.ToArray()));
        var restriction = $"""<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{subject}"/></t:FieldURIOrConstant></t:IsEqualTo>""";
        var found = (await server.CallAsync(Carol, Requests.FindItem(restriction: restriction, folder: "drafts", shape: "AllProperties"))).Ok();
        var item = found.Descendants(T + "Message").Single();
        Assert.Null(item.Element(T + "Attachments"));
        Assert.Equal("true", item.T("HasAttachments"));
    }

    [Fact]
    public async Task An_attached_item_with_an_attachment_of_its_own_is_readable_at_every_level()
    {
        var (id, _) = await SaveMessageAsync(server, Carol, Unique("Nested"), $"""
            <t:ItemAttachment><t:Name>outer</t:Name><t:Message><t:Subject>Level 1</t:Subject><t:Attachments>
              <t:ItemAttachment><t:Name>inner</t:Name><t:Message><t:Subject>Level 2</t:Subject><t:Attachments>
                {File("deep.txt", "deep"u8.ToArray())}
              </t:Attachments></t:Message></t:ItemAttachment>
            </t:Attachments></t:Message></t:ItemAttachment>
            """);
        var outer = (await server.CallAsync(Carol, GetAttachment(AttachmentIdOf((await HeadersAsync(server, Carol, id))["outer"])))).Ok();
        Assert.Equal("Level 1", outer.Descendants(T + "Message").First().T("Subject"));
        var innerId = AttachmentIdOf(outer.Descendants(T + "Message").First().Element(T + "Attachments")!.Elements().Single());
        var inner = (await server.CallAsync(Carol, GetAttachment(innerId))).Ok().Descendants(T + "Message").First();
        Assert.Equal("Level 2", inner.T("Subject"));
        var deepId = AttachmentIdOf(inner.Element(T + "Attachments")!.Elements().Single());
        Assert.Equal("deep"u8.ToArray(), await ContentAsync(server, Carol, deepId));

        // Deleting the outer attachment takes those inside it.
        (await server.CallAsync(Carol, DeleteAttachment(AttachmentIdOf((await HeadersAsync(server, Carol, id))["outer"])))).Ok();
        Assert.Equal(0, StoredRows(server, id));
    }

    [Fact]
    public async Task Adding_and_removing_an_attachment_is_a_modification_that_a_sync_reports()
    {
        var folderId = (await server.CallAsync(Alice, $"""
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>{Unique("Synced")}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>
            """)).Ok().Descendants(T + "FolderId").Single().Attribute("Id")!.Value;
        var id = (await server.CallAsync(Alice, $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:FolderId Id="{folderId}"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>Synced</t:Subject></t:Message></m:Items></m:CreateItem>
            """)).Ok().Descendants(T + "ItemId").Single().Attribute("Id")!.Value;

        async Task<(string State, List<(string Kind, string Id)> Changes)> SyncAsync(string? state)
        {
            var message = (await server.CallAsync(Alice, $"""
                <m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
                  <m:SyncFolderId><t:FolderId Id="{folderId}"/></m:SyncFolderId>{(state is null ? "" : $"<m:SyncState>{state}</m:SyncState>")}
                  <m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>
                """)).Ok();
            return (message.Element(M + "SyncState")!.Value,
                [.. message.Element(M + "Changes")!.Elements().Select(c => (c.Name.LocalName, c.Descendants(T + "ItemId").Single().Attribute("Id")!.Value))]);
        }

        var (state, first) = await SyncAsync(null);
        Assert.Equal([("Create", id)], first);
        var attachmentId = (await server.CallAsync(Alice, CreateAttachment(id, File("new.txt", "n"u8.ToArray())))).Ok().Descendants(T + "AttachmentId").Single().Attribute("Id")!.Value;
        var (afterAdd, added) = await SyncAsync(state);
        Assert.Equal([("Update", id)], added);
        (await server.CallAsync(Alice, DeleteAttachment(attachmentId))).Ok();
        var (_, removed) = await SyncAsync(afterAdd);
        Assert.Equal([("Update", id)], removed);
    }

    [Fact]
    public async Task Attachment_bytes_do_not_count_against_a_GetItems_response_budget()
    {
        var on = small.Server;
        var first = await SaveMessageAsync(on, Carol, Unique("Budget 1"), File("one.bin", Bytes(SmallLimits.ResponseBudget * 2)));
        var second = await SaveMessageAsync(on, Carol, Unique("Budget 2"), File("two.bin", Bytes(SmallLimits.ResponseBudget * 2)));
        var response = await on.CallAsync(Carol, $"""
            <m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>
              <m:ItemIds><t:ItemId Id="{first.Id}"/><t:ItemId Id="{second.Id}"/></m:ItemIds></m:GetItem>
            """);
        Assert.Equal(["NoError", "NoError"], [response.Code(0), response.Code(1)]);
        Assert.All(response.Document.Descendants(T + "Message"), m => Assert.True(int.Parse(m.Element(T + "Size")!.Value, CultureInfo.InvariantCulture) > SmallLimits.ResponseBudget * 2));
    }

    [Fact]
    public async Task Deleting_a_folder_deletes_the_attachments_of_its_items()
    {
        var folderId = (await server.CallAsync(Carol, $"""
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>{Unique("Doomed")}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>
            """)).Ok().Descendants(T + "FolderId").Single().Attribute("Id")!.Value;
        var id = (await server.CallAsync(Carol, $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:FolderId Id="{folderId}"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>Doomed</t:Subject><t:Attachments>{File("gone.bin", Bytes(64))}</t:Attachments></t:Message></m:Items></m:CreateItem>
            """)).Ok().Descendants(T + "ItemId").Single().Attribute("Id")!.Value;
        Assert.Equal(1, StoredRows(server, id));
        (await server.CallAsync(Carol, $"""
            <m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="{folderId}"/></m:FolderIds></m:DeleteFolder>
            """)).Ok();
        Assert.Equal(0, StoredRows(server, id));
    }

    [Fact]
    public async Task An_update_of_a_meeting_brings_the_organizers_new_attachment_to_the_attendees_calendar_item()
    {
        var subject = Unique("Updated with minutes");
        var meetingId = (await server.CallAsync(Alice, Requests.CreateMeeting(subject, [Bob], "2030-05-07T09:00:00Z", "2030-05-07T10:00:00Z"))).Ok()
            .Descendants(T + "ItemId").First().Attribute("Id")!.Value;
        var bobsCalendarItem = await FindBySubjectAsync(server, Bob, "calendar", subject);
        Assert.Empty(await HeadersAsync(server, Bob, bobsCalendarItem));

        var key = (await server.CallAsync(Alice, CreateAttachment(meetingId, File("minutes.txt", "minutes"u8.ToArray())))).Ok()
            .Descendants(T + "AttachmentId").Single().Attribute("RootItemChangeKey")!.Value;
        (await server.CallAsync(Alice, Requests.SetField(meetingId, key, "calendar:Location", "<t:Location>Room 12</t:Location>")
            .Replace("SendMeetingInvitationsOrCancellations=\"SendToNone\"", "SendMeetingInvitationsOrCancellations=\"SendToAllAndSaveCopy\"", StringComparison.Ordinal))).Ok();

        var header = (await HeadersAsync(server, Bob, bobsCalendarItem))["minutes.txt"];
        Assert.Equal("minutes"u8.ToArray(), await ContentAsync(server, Bob, AttachmentIdOf(header)));
    }

    // Issue 15 §3 and §4 together: a message's attachments as MIME parts of its MimeContent, out and back in. What the
    // server writes is read again by a second parser, python3's own `email` package (tests/interop/mime/check_mime.py).

    private static readonly byte[] Pdf = Bytes(6000, 21);
    private static readonly byte[] Png = Bytes(3000, 22);
    private static readonly byte[] Csv = "a,b\r\n1,2\r\n"u8.ToArray();

    /// <summary>A draft with a file, an inline image its HTML body shows, and an attached message that has a file of its own.</summary>
    private static string MessageWithEverything(string subject) => $"""
        <m:CreateItem MessageDisposition="SaveOnly">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId>
          <m:Items><t:Message><t:Subject>{subject}</t:Subject>
            <t:Body BodyType="HTML">&lt;p&gt;See &lt;img src="cid:logo@rdv.test"&gt;&lt;/p&gt;</t:Body>
            <t:Attachments>
              {File("report.pdf", Pdf)}
              {File("logo.png", Png, "<t:ContentId>logo@rdv.test</t:ContentId><t:IsInline>true</t:IsInline>")}
              <t:ItemAttachment><t:Name>Forwarded note</t:Name><t:Message><t:Subject>Inner {subject}</t:Subject><t:Body BodyType="Text">inner text</t:Body>
                <t:Attachments>{File("numbers.csv", Csv)}</t:Attachments></t:Message></t:ItemAttachment>
            </t:Attachments></t:Message></m:Items>
        </m:CreateItem>
        """;

    /// <summary>What Exchange, Outlook and Thunderbird lay out for that message (the second parser's view).</summary>
    private const string EverythingTree =
        "multipart/mixed[multipart/related[text/html,image/png(inline;logo.png;<logo@rdv.test>)],application/pdf(attachment;report.pdf),"
        + "message/rfc822(attachment;Forwarded note)[multipart/mixed[text/plain,text/csv(attachment;numbers.csv)]]]";

    private static string GetItemsWithMime(params string[] ids) => $"""
        <m:GetItem>
          <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape>
          <m:ItemIds>{string.Concat(ids.Select(id => $"<t:ItemId Id=\"{id}\"/>"))}</m:ItemIds>
        </m:GetItem>
        """;

    private static string CreateFromMime(byte[] mime, string folder = "drafts") => $"""
        <m:CreateItem MessageDisposition="SaveOnly">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SavedItemFolderId>
          <m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">{Convert.ToBase64String(mime)}</t:MimeContent></t:Message></m:Items>
        </m:CreateItem>
        """;

    private static async Task<List<byte[]>> MimeOfAsync(ServerFixture on, string user, params string[] ids)
    {
        var response = await on.CallAsync(user, GetItemsWithMime(ids));
        Assert.All(response.Messages, m => Assert.Equal("Success", (string?)m.Attribute("ResponseClass")));
        Assert.Equal(ids.Length, response.Messages.Count);
        return [.. response.Messages.Select(m => Convert.FromBase64String(m.Descendants(T + "MimeContent").Single().Value))];
    }

    /// <summary>python3's email package reads each message: its structure (one JSON object a message, no defects).</summary>
    private static async Task<List<System.Text.Json.Nodes.JsonNode>> EmailPackageAsync(params byte[][] messages)
    {
        var dir = Directory.CreateTempSubdirectory("rdv-eml-");
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tests", "interop", "mime", "check_mime.py"));
            for (var i = 0; i < messages.Length; i++)
            {
                var path = Path.Combine(dir.FullName, $"{i}.eml");
                await System.IO.File.WriteAllBytesAsync(path, messages[i]);
                info.ArgumentList.Add(path);
            }

            var (exitCode, stdout, stderr) = await Processes.RunAsync(info, timeoutSeconds: 60);
            Assert.True(exitCode == 0, $"python3's email package refused a message:\n{stdout}\n{stderr}");
            var parsed = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
            foreach (var p in parsed)
            {
                Assert.Equal("[]", p["defects"]!.ToJsonString());
            }

            return parsed;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A MIME tree as one line: type(disposition;filename;&lt;cid&gt;)[children].</summary>
    private static string Render(System.Text.Json.Nodes.JsonNode node)
    {
        var marks = new[] { (string?)node["disposition"], (string?)node["filename"], node["cid"] is { } cid ? "<" + (string)cid! + ">" : null }.Where(m => m is not null).ToList();
        var text = (string)node["type"]! + (marks.Count > 0 ? "(" + string.Join(';', marks) + ")" : "");
        return node["parts"] is System.Text.Json.Nodes.JsonArray parts ? text + "[" + string.Join(',', parts.Select(p => Render(p!))) + "]" : text;
    }

    /// <summary>Every leaf of a MIME tree with a filename: filename to the SHA-256 of its decoded bytes.</summary>
    private static Dictionary<string, string> Files(System.Text.Json.Nodes.JsonNode node)
    {
        var files = new Dictionary<string, string>();
        if (node["parts"] is System.Text.Json.Nodes.JsonArray parts)
        {
            foreach (var p in parts)
            {
                foreach (var (k, v) in Files(p!))
                {
                    files[k] = v;
                }
            }
        }
        else if (node["filename"] is { } name)
        {
            files[(string)name!] = (string)node["sha256"]!;
        }

        return files;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private static readonly Dictionary<string, string> EverythingFiles = new()
    {
        ["logo.png"] = Sha256(Png),
        ["report.pdf"] = Sha256(Pdf),
        ["numbers.csv"] = Sha256(Csv),
    };

    [Fact]
    public async Task A_messages_MimeContent_carries_its_file_its_inline_image_in_multipart_related_and_its_attached_message_as_message_rfc822()
    {
        var subject = Unique("Everything");
        var id = (await server.CallAsync(Carol, MessageWithEverything(subject))).Ok().Descendants(T + "Message").Single().ItemId().Id;

        var mime = (await MimeOfAsync(server, Carol, id)).Single();
        var parsed = (await EmailPackageAsync(mime)).Single();
        Assert.Equal(subject, (string?)parsed["subject"]);
        Assert.Equal(EverythingTree, Render(parsed["tree"]!));
        Assert.Equal(EverythingFiles, Files(parsed["tree"]!));
        var attached = parsed["tree"]!["parts"]![2]!;
        Assert.Equal("Inner " + subject, (string?)attached["subject"]);
        Assert.Contains("cid:logo@rdv.test", (string?)parsed["tree"]!["parts"]![0]!["parts"]![0]!["text"], StringComparison.Ordinal);

        // MimeKit reads the same: the inline image is the HTML body's related part.
        using var message = MimeMessage.Load(new MemoryStream(mime));
        Assert.Equal(["report.pdf", "Forwarded note"], message.Attachments.Select(a => a is MessagePart m ? m.ContentDisposition!.FileName : ((MimePart)a).FileName));
        Assert.Equal("logo.png", message.BodyParts.OfType<MimePart>().Single(p => p.ContentId == "logo@rdv.test").FileName);
    }

    [Fact]
    public async Task A_message_created_from_MimeContent_with_attachment_parts_has_them_as_its_attachments_and_gives_the_same_MIME_back()
    {
        var subject = Unique("Round trip");
        var original = (await server.CallAsync(Carol, MessageWithEverything(subject))).Ok().Descendants(T + "Message").Single().ItemId().Id;
        var mime = (await MimeOfAsync(server, Carol, original)).Single();

        var created = (await server.CallAsync(Carol, CreateFromMime(mime))).Ok().Descendants(T + "Message").Single();
        // CreateItem lists them in the order of the parts.
        Assert.Equal(["logo.png", "report.pdf", "Forwarded note"], created.Element(T + "Attachments")!.Elements().Select(a => a.Element(T + "Name")!.Value));
        var copy = created.ItemId().Id;

        var item = (await server.CallAsync(Carol, Requests.GetItem(copy))).Ok().Descendants(T + "Message").Single();
        Assert.Equal(subject, item.Element(T + "Subject")!.Value);
        Assert.Equal("true", item.Element(T + "HasAttachments")!.Value);
        Assert.Contains("cid:logo@rdv.test", item.Element(T + "Body")!.Value, StringComparison.Ordinal);
        var headers = await HeadersAsync(server, Carol, copy);
        Assert.Equal(("FileAttachment", "application/pdf", "false", null), Describe(headers["report.pdf"]));
        Assert.Equal(("FileAttachment", "image/png", "true", "logo@rdv.test"), Describe(headers["logo.png"]));
        Assert.Equal("ItemAttachment", headers["Forwarded note"].Name.LocalName);
        Assert.Equal(Pdf, await ContentAsync(server, Carol, AttachmentIdOf(headers["report.pdf"])));
        Assert.Equal(Png, await ContentAsync(server, Carol, AttachmentIdOf(headers["logo.png"])));

        // The attached message is an item again, with its own file.
        var inner = (await server.CallAsync(Carol, GetAttachment(AttachmentIdOf(headers["Forwarded note"])))).Ok().Descendants(T + "Message").Single();
        Assert.Equal("Inner " + subject, inner.Element(T + "Subject")!.Value);
        var csv = inner.Element(T + "Attachments")!.Elements(T + "FileAttachment").Single();
        Assert.Equal("numbers.csv", csv.T("Name"));
        Assert.Equal(Csv, await ContentAsync(server, Carol, AttachmentIdOf(csv)));

        // Out again, both in one GetItem: the same parts, byte for byte.
        var both = await MimeOfAsync(server, Carol, original, copy);
        var parsed = await EmailPackageAsync([.. both]);
        Assert.All(parsed, p => Assert.Equal(EverythingTree, Render(p["tree"]!)));
        Assert.All(parsed, p => Assert.Equal(EverythingFiles, Files(p["tree"]!)));
    }

    private static (string Kind, string? Type, string? Inline, string? ContentId) Describe(XElement header) =>
        (header.Name.LocalName, header.T("ContentType"), header.T("IsInline"), header.T("ContentId"));

    [Fact]
    public async Task GetAttachment_with_IncludeMimeContent_answers_the_attached_items_MimeContent_with_its_own_attachments()
    {
        var subject = Unique("Attached MIME");
        var id = (await server.CallAsync(Carol, MessageWithEverything(subject))).Ok().Descendants(T + "Message").Single().ItemId().Id;
        var attachment = AttachmentIdOf((await HeadersAsync(server, Carol, id))["Forwarded note"]);

        var plain = (await server.CallAsync(Carol, GetAttachment(attachment))).Ok();
        Assert.Empty(plain.Descendants(T + "MimeContent"));

        var withMime = (await server.CallAsync(Carol, GetAttachment(attachment, "<m:AttachmentShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:AttachmentShape>"))).Ok();
        var message = withMime.Descendants(T + "ItemAttachment").Single().Element(T + "Message")!;
        var mime = message.Element(T + "MimeContent")!;
        Assert.Equal("UTF-8", (string?)mime.Attribute("CharacterSet"));
        Assert.Equal("Inner " + subject, message.Element(T + "Subject")!.Value);
        var parsed = (await EmailPackageAsync(Convert.FromBase64String(mime.Value))).Single();
        Assert.Equal("Inner " + subject, (string?)parsed["subject"]);
        Assert.Equal("multipart/mixed[text/plain,text/csv(attachment;numbers.csv)]", Render(parsed["tree"]!));
        Assert.Equal(new Dictionary<string, string> { ["numbers.csv"] = Sha256(Csv) }, Files(parsed["tree"]!));
    }

    [Fact]
    public async Task A_Thunderbird_draft_saved_as_MimeContent_keeps_its_text_file_and_forwarded_message_as_attachments()
    {
        var subject = Unique("Trip notes");
        var resume = "Résumé of the trip\r\n"u8.ToArray();
        // As Thunderbird 128 saves a draft: a flowed text body, a text file with an RFC 2231 name, a forwarded message.
        var mime = Encoding.UTF8.GetBytes($"""
            From: Carol <{Carol}>
            To: Bob <{Bob}>
            Subject: {subject}
            Message-ID: <{Guid.NewGuid():N}@thunderbird.test>
            Date: Tue, 1 Dec 2026 10:00:00 +0100
            User-Agent: Mozilla Thunderbird
            MIME-Version: 1.0
            Content-Language: en-US
            Content-Type: multipart/mixed; boundary="------------Ab0Cd1Ef2"

            This is a multi-part message in MIME format.
            --------------Ab0Cd1Ef2
            Content-Type: text/plain; charset=UTF-8; format=flowed
            Content-Transfer-Encoding: 7bit

            Notes attached.

            --------------Ab0Cd1Ef2
            Content-Type: text/plain; charset=UTF-8; name="=?UTF-8?B?UsOpc3Vtw6kudHh0?="
            Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.txt
            Content-Transfer-Encoding: base64

            {Convert.ToBase64String(resume)}
            --------------Ab0Cd1Ef2
            Content-Type: message/rfc822; name="Earlier.eml"
            Content-Disposition: attachment; filename="Earlier.eml"

            From: Bob <{Bob}>
            To: Carol <{Carol}>
            Subject: Earlier plans
            Date: Mon, 30 Nov 2026 09:00:00 +0100
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8

            Shall we go?

            --------------Ab0Cd1Ef2--

            """.ReplaceLineEndings("\r\n"));

        var id = (await server.CallAsync(Carol, CreateFromMime(mime))).Ok().Descendants(T + "Message").Single().ItemId().Id;
        var item = (await server.CallAsync(Carol, Requests.GetItem(id))).Ok().Descendants(T + "Message").Single();
        Assert.Equal(subject, item.Element(T + "Subject")!.Value);
        Assert.StartsWith("Notes attached.", item.Element(T + "Body")!.Value, StringComparison.Ordinal);
        Assert.Equal("true", item.Element(T + "HasAttachments")!.Value);
        var headers = await HeadersAsync(server, Carol, id);
        Assert.Equal(["Earlier.eml", "Résumé.txt"], headers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("FileAttachment", "text/plain", "false", null), Describe(headers["Résumé.txt"]));
        Assert.Equal(resume, await ContentAsync(server, Carol, AttachmentIdOf(headers["Résumé.txt"])));
        var earlier = (await server.CallAsync(Carol, GetAttachment(AttachmentIdOf(headers["Earlier.eml"])))).Ok().Descendants(T + "Message").Single();
        Assert.Equal("Earlier plans", earlier.Element(T + "Subject")!.Value);
        Assert.StartsWith("Shall we go?", earlier.Element(T + "Body")!.Value, StringComparison.Ordinal);
        Assert.Equal(Bob, earlier.Element(T + "From")!.T("EmailAddress"));
    }

    [Fact]
    public async Task Attachment_parts_of_a_MimeContent_are_held_to_the_limits_of_CreateAttachment()
    {
        var on = small.Server;
        static byte[] Mixed(string subject, params (string Name, int Length)[] files) => Encoding.ASCII.GetBytes(
            $"Subject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
            + string.Concat(files.Select(f => $"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{f.Name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{Convert.ToBase64String(Bytes(f.Length), Base64FormattingOptions.InsertLineBreaks)}\r\n"))
            + "--b--\r\n");

        var tooMany = Unique("Four parts");
        Assert.Equal("ErrorAttachmentSizeLimitExceeded", (await on.CallAsync(Carol, CreateFromMime(Mixed(tooMany, ("1.bin", 1), ("2.bin", 1), ("3.bin", 1), ("4.bin", 1))))).Code());
        var tooBig = Unique("Big part");
        Assert.Equal("ErrorAttachmentSizeLimitExceeded", (await on.CallAsync(Carol, CreateFromMime(Mixed(tooBig, ("big.bin", SmallLimits.MaxBytes + 1))))).Code());
        foreach (var subject in new[] { tooMany, tooBig })
        {
            var restriction = $"""<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="{subject}"/></t:FieldURIOrConstant></t:IsEqualTo>""";
            Assert.Empty((await on.CallAsync(Carol, Requests.FindItem(restriction: restriction, folder: "drafts", shape: "IdOnly"))).Ok().Descendants(T + "ItemId"));
        }

        // Within the limits, the same message is taken whole.
        var fits = Unique("Three parts");
        var id = (await on.CallAsync(Carol, CreateFromMime(Mixed(fits, ("1.bin", 10), ("2.bin", 20), ("3.bin", 30))))).Ok().Descendants(T + "Message").Single().ItemId().Id;
        Assert.Equal(Bytes(20), await ContentAsync(on, Carol, AttachmentIdOf((await HeadersAsync(on, Carol, id))["2.bin"])));
    }

    [Fact]
    public async Task A_GetItem_of_MimeContent_counts_the_attachments_bytes_it_carries_against_MaxResponseItemBytes()
    {
        var on = small.Server;
        var first = (await SaveMessageAsync(on, Carol, Unique("Budget"), File("a.bin", Bytes(60_000)))).Id;
        var second = (await SaveMessageAsync(on, Carol, Unique("Budget"), File("b.bin", Bytes(60_000)))).Id;

        var headersOnly = await on.CallAsync(Carol, $"""
            <m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape>
              <m:ItemIds><t:ItemId Id="{first}"/><t:ItemId Id="{second}"/></m:ItemIds></m:GetItem>
            """);
        Assert.Equal(["NoError", "NoError"], [headersOnly.Code(0), headersOnly.Code(1)]);

        var withMime = await on.CallAsync(Carol, GetItemsWithMime(first, second));
        Assert.Equal(["NoError", "ErrorBatchProcessingStopped"], [withMime.Code(0), withMime.Code(1)]);
        // The first carries its attachment: 60,000 bytes are 80,000 of base64 in the MIME, base64 again in the XML.
        Assert.True(withMime.Messages[0].Descendants(T + "MimeContent").Single().Value.Length > 100_000);
    }

    [Theory]
    [InlineData("%%%not base64%%%")]
    [InlineData("U3ViamVjdDogeA")] // base64 cut short
    [InlineData("U3Vi=amVj")] // padding inside
    public async Task A_messages_MimeContent_decoded_as_the_request_is_read_still_fails_that_item_alone_when_it_is_not_base64(string content)
    {
        var subject = Unique("Fine");
        var response = await server.CallAsync(Carol, $"""
            <m:CreateItem MessageDisposition="SaveOnly">
              <m:Items>
                <t:Message><t:MimeContent CharacterSet="UTF-8">{content}</t:MimeContent></t:Message>
                <t:Message><t:MimeContent CharacterSet="UTF-8">{Convert.ToBase64String(Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nbody\r\n"), Base64FormattingOptions.InsertLineBreaks)}</t:MimeContent></t:Message>
              </m:Items>
            </m:CreateItem>
            """);
        Assert.Equal("ErrorMimeContentInvalidBase64String", response.Code(0));
        Assert.Equal("NoError", response.Code(1));
        var item = (await server.CallAsync(Carol, Requests.GetItem(response.Messages[1].Descendants(T + "Message").Single().ItemId().Id))).Ok();
        Assert.Equal(subject, item.T("Subject"));
    }

    [Fact]
    public async Task Messages_attached_more_than_ten_deep_in_a_MimeContent_are_ErrorAttachmentNestLevelLimitExceeded()
    {
        static string Nested(int depth) => depth == 0
            ? "Subject: innermost\r\nContent-Type: text/plain\r\n\r\nbottom\r\n"
            : $"Subject: level {depth}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b{depth}\"\r\n\r\n--b{depth}\r\nContent-Type: text/plain\r\n\r\nup\r\n--b{depth}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n{Nested(depth - 1)}--b{depth}--\r\n";

        Assert.Equal("ErrorAttachmentNestLevelLimitExceeded", (await server.CallAsync(Carol, CreateFromMime(Encoding.ASCII.GetBytes(Nested(11))))).Code());
        var id = (await server.CallAsync(Carol, CreateFromMime(Encoding.ASCII.GetBytes(Nested(10))))).Ok().Descendants(T + "Message").Single().ItemId().Id;
        Assert.Equal(["level 9"], (await HeadersAsync(server, Carol, id)).Keys);
    }

    [Fact]
    public async Task A_calendar_items_iCalendar_MimeContent_leaves_its_attachments_out_as_DavMail_hands_it_to_CalDAV_clients_verbatim()
    {
        var subject = Unique("Agenda attached");
        var created = (await server.CallAsync(Carol, $"""
            <m:CreateItem SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
              <m:Items><t:CalendarItem><t:Subject>{subject}</t:Subject>
                <t:Attachments>{File("agenda.pdf", Pdf)}</t:Attachments>
                <t:Start>2030-09-02T09:00:00Z</t:Start><t:End>2030-09-02T10:00:00Z</t:End></t:CalendarItem></m:Items>
            </m:CreateItem>
            """)).Ok();
        var id = created.Descendants(T + "CalendarItem").Single().ItemId().Id;

        var ics = Encoding.UTF8.GetString((await MimeOfAsync(server, Carol, id)).Single());
        Assert.StartsWith("BEGIN:VCALENDAR", ics, StringComparison.Ordinal);
        Assert.Contains("SUMMARY:" + subject, ics, StringComparison.Ordinal);
        Assert.DoesNotContain("ATTACH", ics, StringComparison.Ordinal);
        Assert.Equal(["agenda.pdf"], (await HeadersAsync(server, Carol, id)).Keys);
    }
}
