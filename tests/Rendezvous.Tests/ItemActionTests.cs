using System.Xml.Linq;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;
using static Rendezvous.Tests.Infrastructure.EwsResponse;

namespace Rendezvous.Tests;

/// <summary>
/// MarkAllItemsAsRead, MarkAsJunk, ArchiveItem, ExportItems and UploadItems (issue 17 §3) over HTTP, each response
/// schema-validated; FindItem's Excludes; mailbox cultures.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ItemActionTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;

    private static string Unique(string name) => $"{name} {Guid.NewGuid():N}"[..(name.Length + 9)];

    private async Task<string> CreateFolderAsync(string name)
    {
        var created = (await server.CallAsync(Alice,
            $"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>{name}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>")).Ok();
        return created.Descendants(T + "FolderId").Single().Attribute("Id")!.Value;
    }

    private async Task<string> CreateMessageAsync(string folder, string subject, bool read = false, string extra = "", string attachments = "")
    {
        var created = (await server.CallAsync(Alice,
            $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>{folder}</m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Body BodyType="Text">body of {subject}</t:Body>{attachments}{extra}<t:IsRead>{(read ? "true" : "false")}</t:IsRead></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        return created.Descendants(T + "ItemId").First().Attribute("Id")!.Value;
    }

    private async Task<List<XElement>> FindAsync(string folder, string restriction = "") =>
        [.. (await server.CallAsync(Alice,
            $"<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>{restriction}<m:ParentFolderIds>{folder}</m:ParentFolderIds></m:FindItem>"))
            .Ok().Descendants(T + "Message")];

    private static string Id(string id) => $"<t:FolderId Id=\"{id}\"/>";

    private static string Distinguished(string name) => $"<t:DistinguishedFolderId Id=\"{name}\"/>";

    [Fact]
    public async Task MarkAllItemsAsRead_sets_and_clears_the_read_flag_of_every_message_of_the_folders()
    {
        var folder = await CreateFolderAsync(Unique("Unread"));
        await CreateMessageAsync(Id(folder), "one");
        await CreateMessageAsync(Id(folder), "two");
        await CreateMessageAsync(Id(folder), "three", read: true);

        static string Mark(bool read, string folders) =>
            $"<m:MarkAllItemsAsRead><m:ReadFlag>{(read ? "true" : "false")}</m:ReadFlag><m:SuppressReadReceipts>true</m:SuppressReadReceipts><m:FolderIds>{folders}</m:FolderIds></m:MarkAllItemsAsRead>";
        (await server.CallAsync(Alice, Mark(true, Id(folder)))).Ok();
        Assert.All(await FindAsync(Id(folder)), m => Assert.Equal("true", m.T("IsRead")));
        var unread = (await server.CallAsync(Alice, $"<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>{Id(folder)}</m:FolderIds></m:GetFolder>")).Ok().T("UnreadCount");
        Assert.Equal("0", unread);

        (await server.CallAsync(Alice, Mark(false, Id(folder)))).Ok();
        Assert.All(await FindAsync(Id(folder)), m => Assert.Equal("false", m.T("IsRead")));

        var bobs = await server.CallAsync(ServerFixture.Bob, Mark(true, Id(folder)));
        Assert.Equal("ErrorFolderNotFound", bobs.Code());
    }

    [Fact]
    public async Task MarkAsJunk_moves_to_Junk_Email_and_back_to_the_Inbox_and_only_flags_without_MoveItem()
    {
        var subject = Unique("spam");
        var id = await CreateMessageAsync(Distinguished("inbox"), subject);
        var junk = (await server.CallAsync(Alice, $"<m:MarkAsJunk IsJunk=\"true\" MoveItem=\"true\"><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:MarkAsJunk>")).Ok();
        var moved = junk.Element(M + "MovedItemId")!.Attribute("Id")!.Value;
        Assert.Contains(await FindAsync(Distinguished("junkemail")), m => m.T("Subject") == subject);
        Assert.DoesNotContain(await FindAsync(Distinguished("inbox")), m => m.T("Subject") == subject);

        var back = (await server.CallAsync(Alice, $"<m:MarkAsJunk IsJunk=\"false\" MoveItem=\"true\"><m:ItemIds><t:ItemId Id=\"{moved}\"/></m:ItemIds></m:MarkAsJunk>")).Ok();
        var inbox = back.Element(M + "MovedItemId")!.Attribute("Id")!.Value;
        Assert.Contains(await FindAsync(Distinguished("inbox")), m => m.T("Subject") == subject);

        var stay = (await server.CallAsync(Alice, $"<m:MarkAsJunk IsJunk=\"true\" MoveItem=\"false\"><m:ItemIds><t:ItemId Id=\"{inbox}\"/></m:ItemIds></m:MarkAsJunk>")).Ok();
        Assert.Null(stay.Element(M + "MovedItemId"));
        Assert.Contains(await FindAsync(Distinguished("inbox")), m => m.T("Subject") == subject);

        var denied = await server.CallAsync(ServerFixture.Bob, $"<m:MarkAsJunk IsJunk=\"true\" MoveItem=\"true\"><m:ItemIds><t:ItemId Id=\"{inbox}\"/></m:ItemIds></m:MarkAsJunk>");
        Assert.Equal("ErrorItemNotFound", denied.Code());
    }

    [Fact]
    public async Task ArchiveItem_moves_items_to_the_folder_ArchiveSourceFolderId_names()
    {
        var subject = Unique("archived");
        var id = await CreateMessageAsync(Distinguished("inbox"), subject);
        var response = (await server.CallAsync(Alice,
            $"<m:ArchiveItem><m:ArchiveSourceFolderId><t:DistinguishedFolderId Id=\"archive\"/></m:ArchiveSourceFolderId><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:ArchiveItem>")).Ok();
        var archived = response.Descendants(T + "ItemId").Single().Attribute("Id")!.Value;
        Assert.Contains(await FindAsync(Distinguished("archive")), m => m.T("Subject") == subject);
        Assert.DoesNotContain(await FindAsync(Distinguished("inbox")), m => m.T("Subject") == subject);

        // exchangelib's archive(to_folder=account.trash) (test_archive_via_queryset).
        (await server.CallAsync(Alice,
            $"<m:ArchiveItem><m:ArchiveSourceFolderId><t:DistinguishedFolderId Id=\"deleteditems\"/></m:ArchiveSourceFolderId><m:ItemIds><t:ItemId Id=\"{archived}\"/></m:ItemIds></m:ArchiveItem>")).Ok();
        Assert.Contains(await FindAsync(Distinguished("deleteditems")), m => m.T("Subject") == subject);
    }

    [Fact]
    public async Task ExportItems_and_UploadItems_round_trip_an_item_with_its_attachments()
    {
        var subject = Unique("exported");
        var bytes = Convert.ToBase64String("attached bytes"u8.ToArray());
        var id = await CreateMessageAsync(Distinguished("drafts"), subject,
            extra: "<t:Categories><t:String>Blue</t:String></t:Categories>",
            attachments: $"<t:Attachments><t:FileAttachment><t:Name>a.txt</t:Name><t:ContentType>text/plain</t:ContentType><t:Content>{bytes}</t:Content></t:FileAttachment></t:Attachments>");
        var exported = (await server.CallAsync(Alice, $"<m:ExportItems><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:ExportItems>")).Ok();
        Assert.Equal(id, exported.Element(M + "ItemId")!.Attribute("Id")!.Value);
        var data = exported.Element(M + "Data")!.Value;

        var target = await CreateFolderAsync(Unique("Uploads"));
        var uploaded = (await server.CallAsync(Alice,
            $"<m:UploadItems><m:Items><t:Item CreateAction=\"CreateNew\"><t:ParentFolderId Id=\"{target}\"/><t:Data>{data}</t:Data></t:Item></m:Items></m:UploadItems>")).Ok();
        var newId = uploaded.Element(M + "ItemId")!.Attribute("Id")!.Value;
        Assert.NotEqual(id, newId);

        var item = (await server.CallAsync(Alice, Requests.GetItem(newId))).Ok();
        Assert.Equal(subject, item.T("Subject"));
        Assert.Equal("Blue", item.Descendants(T + "Categories").Single().Value);
        var attachmentId = item.Descendants(T + "AttachmentId").Single().Attribute("Id")!.Value;
        var attachment = (await server.CallAsync(Alice, $"<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id=\"{attachmentId}\"/></m:AttachmentIds></m:GetAttachment>")).Ok();
        Assert.Equal(bytes, attachment.T("Content"));

        // Update replaces the content of the item named, keeping its id; UpdateOrCreate of an item that is gone makes one.
        var other = await CreateMessageAsync(Id(target), "to be replaced");
        var updated = (await server.CallAsync(Alice,
            $"<m:UploadItems><m:Items><t:Item CreateAction=\"Update\"><t:ParentFolderId Id=\"{target}\"/><t:ItemId Id=\"{other}\"/><t:Data>{data}</t:Data></t:Item></m:Items></m:UploadItems>")).Ok();
        Assert.Equal(other, updated.Element(M + "ItemId")!.Attribute("Id")!.Value);
        Assert.Equal(subject, (await server.CallAsync(Alice, Requests.GetItem(other))).Ok().T("Subject"));
        Assert.Equal(2, (await FindAsync(Id(target))).Count);

        var bad = await server.CallAsync(Alice,
            $"<m:UploadItems><m:Items><t:Item CreateAction=\"CreateNew\"><t:ParentFolderId Id=\"{target}\"/><t:Data>{Convert.ToBase64String("not an export"u8.ToArray())}</t:Data></t:Item></m:Items></m:UploadItems>");
        Assert.Equal("ErrorInvalidRequest", bad.Code());

        var bobs = await server.CallAsync(ServerFixture.Bob, $"<m:ExportItems><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:ExportItems>");
        Assert.Equal("ErrorItemNotFound", bobs.Code());
        var intoAlice = await server.CallAsync(ServerFixture.Bob,
            $"<m:UploadItems><m:Items><t:Item CreateAction=\"CreateNew\"><t:ParentFolderId Id=\"{target}\"/><t:Data>{data}</t:Data></t:Item></m:Items></m:UploadItems>");
        Assert.Equal("ErrorFolderNotFound", intoAlice.Code());
    }

    [Fact]
    public async Task FindItem_Excludes_matches_items_whose_value_has_none_of_the_bits()
    {
        var folder = await CreateFolderAsync(Unique("Bits"));
        await CreateMessageAsync(Id(folder), "importance high", extra: "<t:Importance>High</t:Importance>");
        await CreateMessageAsync(Id(folder), "plain");
        await CreateMessageAsync(Id(folder), "flagged", extra: "<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag=\"0x6801\" PropertyType=\"Integer\"/><t:Value>2</t:Value></t:ExtendedProperty>");
        await CreateMessageAsync(Id(folder), "other bits", extra: "<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag=\"0x6801\" PropertyType=\"Integer\"/><t:Value>1</t:Value></t:ExtendedProperty>");
        static string Excludes(string mask) =>
            $"<m:Restriction><t:Excludes><t:ExtendedFieldURI PropertyTag=\"0x6801\" PropertyType=\"Integer\"/><t:Bitmask Value=\"{mask}\"/></t:Excludes></m:Restriction>";
        Assert.Equal(["other bits"], (await FindAsync(Id(folder), Excludes("0x2"))).Select(m => m.T("Subject")));
        Assert.Equal(["flagged"], (await FindAsync(Id(folder), Excludes("1"))).Select(m => m.T("Subject")));
        var bad = await server.CallAsync(Alice,
            $"<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>{Excludes("bits")}<m:ParentFolderIds>{Id(folder)}</m:ParentFolderIds></m:FindItem>");
        Assert.True(bad.FaultCode is not null || bad.Code() == "ErrorInvalidRequest");
    }

    [Fact]
    public async Task A_mailbox_culture_names_its_default_folders_and_a_new_culture_renames_them()
    {
        using var data = new TempFolder("rdv-culture-");
        await using var store = await SqliteMailStore.OpenAsync(data.Path, CancellationToken.None);
        var user = await store.AddUserAsync("dana@example.com", "Dana", "x", "da-DK", CancellationToken.None);
        Assert.Equal("da-DK", (await store.FindUserAsync("dana@example.com", CancellationToken.None))!.Culture);
        Assert.Equal("Indbakke", (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.DisplayName);
        Assert.Equal("Informationslagerets øverste niveau", (await store.GetDistinguishedFolderAsync(user.MailboxId, "msgfolderroot", CancellationToken.None))!.DisplayName);

        Assert.True(await store.SetCultureAsync("dana@example.com", "de-DE", CancellationToken.None));
        Assert.Equal("Posteingang", (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.DisplayName);
        Assert.True(await store.SetCultureAsync("dana@example.com", "fr-FR", CancellationToken.None));
        Assert.Equal("Boîte de réception", (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.DisplayName);
        Assert.True(await store.SetCultureAsync("dana@example.com", "sv-SE", CancellationToken.None));
        Assert.Equal("Inkorgen", (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.DisplayName);
        // A language without names of its own gets the English ones.
        Assert.True(await store.SetCultureAsync("dana@example.com", "pt-BR", CancellationToken.None));
        Assert.Equal("Inbox", (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.DisplayName);
        Assert.False(await store.SetCultureAsync("nobody@example.com", "da-DK", CancellationToken.None));
    }

    private const int FoldersMigrationIndex = 14;

    [Fact]
    public async Task Migration_13_gives_older_mailboxes_the_default_folders_they_lack_and_a_culture()
    {
        using var data = new TempFolder("rdv-migration13-");
        string mailbox;
        await using (var store = await SqliteMailStore.OpenAsync(data.Path, CancellationToken.None))
        {
            mailbox = (await store.AddUserAsync("old@example.com", "Old", "x", CancellationToken.None)).MailboxId;
        }

        // Back to the version before migration 14 (index 14, the folders migration): the fifteen folders a mailbox had,
        // no culture column. The migrations after it (15 on: folder permissions, grants, delegates) run again on top; they create only what is missing.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={data.Database}"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA user_version;";
            Assert.True((long)(await cmd.ExecuteScalarAsync())! > FoldersMigrationIndex);
            cmd.CommandText = $"""
                DELETE FROM folders WHERE distinguished_name NOT IN ('root', 'msgfolderroot', 'recoverableitemsroot', 'recoverableitemsdeletions', 'inbox', 'calendar',
                    'contacts', 'deleteditems', 'drafts', 'journal', 'junkemail', 'notes', 'outbox', 'sentitems', 'tasks');
                UPDATE folders SET folder_class = 'IPF.Note' WHERE distinguished_name = 'msgfolderroot';
                ALTER TABLE users DROP COLUMN culture;
                PRAGMA user_version = {FoldersMigrationIndex};
                """;
            await cmd.ExecuteNonQueryAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using (var store = await SqliteMailStore.OpenAsync(data.Path, CancellationToken.None))
        {
            Assert.Equal("en-US", (await store.FindUserAsync("old@example.com", CancellationToken.None))!.Culture);
            var archive = await store.GetDistinguishedFolderAsync(mailbox, "archive", CancellationToken.None);
            Assert.Equal("Archive", archive!.DisplayName);
            var top = await store.GetDistinguishedFolderAsync(mailbox, "msgfolderroot", CancellationToken.None);
            Assert.Equal(top!.Id, archive.ParentId);
            Assert.Null(top.FolderClass);
            var contacts = await store.GetDistinguishedFolderAsync(mailbox, "contacts", CancellationToken.None);
            Assert.Equal(contacts!.Id, (await store.GetDistinguishedFolderAsync(mailbox, "recipientcache", CancellationToken.None))!.ParentId);
            Assert.Equal(Domain.DefaultFolders.All.Count - 1, (await store.GetChildFoldersAsync((await store.GetDistinguishedFolderAsync(mailbox, "root", CancellationToken.None))!.Id, deep: true, CancellationToken.None)).Count);
        }
    }
}
