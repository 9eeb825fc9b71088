using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;
using static Rendezvous.Tests.Infrastructure.EwsResponse;

namespace Rendezvous.Tests;

/// <summary>
/// EmptyFolder, MoveFolder, CopyFolder (issue 17 §2) over HTTP, each response schema-validated, with what
/// SyncFolderHierarchy then reports; the default folders a mailbox has and the ones it has no use for.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FolderOperationTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;

    private static string Unique(string name) => $"{name} {Guid.NewGuid():N}"[..(name.Length + 9)];

    private async Task<string> CreateFolderAsync(string name, string? parent = null, string user = Alice)
    {
        var parentId = parent is null ? "<t:DistinguishedFolderId Id=\"inbox\"/>" : $"<t:FolderId Id=\"{parent}\"/>";
        var created = (await server.CallAsync(user,
            $"<m:CreateFolder><m:ParentFolderId>{parentId}</m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>{name}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>")).Ok();
        return created.Descendants(T + "FolderId").Single().Attribute("Id")!.Value;
    }

    private async Task<string> CreateMessageAsync(string folder, string subject, bool read = false)
    {
        var created = (await server.CallAsync(Alice,
            $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:FolderId Id="{folder}"/></m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Body BodyType="Text">body of {subject}</t:Body><t:IsRead>{(read ? "true" : "false")}</t:IsRead></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        return created.Descendants(T + "ItemId").First().Attribute("Id")!.Value;
    }

    private async Task<List<XElement>> FindItemsAsync(string folder, string shape = "AllProperties") =>
        [.. (await server.CallAsync(Alice,
            $"<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>{shape}</t:BaseShape></m:ItemShape><m:ParentFolderIds>{folder}</m:ParentFolderIds></m:FindItem>"))
            .Ok().Descendants(T + "Message")];

    private async Task<List<XElement>> ChildrenAsync(string folder) =>
        [.. (await server.CallAsync(Alice,
            $"<m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:ParentFolderIds>{folder}</m:ParentFolderIds></m:FindFolder>"))
            .Ok().Element(M + "RootFolder")!.Element(T + "Folders")!.Elements()];

    private static string Id(string id) => $"<t:FolderId Id=\"{id}\"/>";

    private static string Distinguished(string name) => $"<t:DistinguishedFolderId Id=\"{name}\"/>";

    private static string Empty(string folder, string deleteType = "HardDelete", bool subFolders = false) =>
        $"<m:EmptyFolder DeleteType=\"{deleteType}\" DeleteSubFolders=\"{(subFolders ? "true" : "false")}\"><m:FolderIds>{folder}</m:FolderIds></m:EmptyFolder>";

    private static string Move(string op, string to, string folder) =>
        $"<m:{op}><m:ToFolderId>{to}</m:ToFolderId><m:FolderIds>{folder}</m:FolderIds></m:{op}>";

    private static string SyncHierarchy(string folder, string? state) =>
        $"""
        <m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>
          <m:SyncFolderId>{folder}</m:SyncFolderId>{(state is null ? "" : $"<m:SyncState>{state}</m:SyncState>")}</m:SyncFolderHierarchy>
        """;

    private static (string State, List<(string Kind, string Id)> Changes) Sync(EwsResponse response)
    {
        var message = response.Ok();
        var changes = message.Element(M + "Changes")!.Elements()
            .Select(c => (c.Name.LocalName, c.Descendants(T + "FolderId").Single().Attribute("Id")!.Value)).ToList();
        return (message.Element(M + "SyncState")!.Value, changes);
    }

    [Fact]
    public async Task EmptyFolder_hard_deletes_the_items_and_keeps_the_subfolders_unless_asked()
    {
        var folder = await CreateFolderAsync(Unique("Emptied"));
        var sub = await CreateFolderAsync(Unique("Sub"), folder);
        await CreateMessageAsync(folder, "one");
        await CreateMessageAsync(folder, "two");
        await CreateMessageAsync(sub, "kept");

        (await server.CallAsync(Alice, Empty(Id(folder)))).Ok();
        Assert.Empty(await FindItemsAsync(Id(folder)));
        Assert.Single(await ChildrenAsync(Id(folder)));
        Assert.Single(await FindItemsAsync(Id(sub)));

        (await server.CallAsync(Alice, Empty(Id(folder), subFolders: true))).Ok();
        Assert.Empty(await ChildrenAsync(Id(folder)));
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(Alice, $"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>{Id(sub)}</m:FolderIds></m:GetFolder>")).Code());
    }

    [Fact]
    public async Task EmptyFolder_MoveToDeletedItems_moves_items_and_subfolders_to_Deleted_Items()
    {
        var folder = await CreateFolderAsync(Unique("Trashed"));
        var subName = Unique("TrashedSub");
        var sub = await CreateFolderAsync(subName, folder);
        var subject = Unique("to the trash");
        await CreateMessageAsync(folder, subject);

        (await server.CallAsync(Alice, Empty(Id(folder), "MoveToDeletedItems", subFolders: true))).Ok();
        Assert.Empty(await FindItemsAsync(Id(folder)));
        Assert.Contains(await FindItemsAsync(Distinguished("deleteditems")), m => m.T("Subject") == subject);
        Assert.Contains(await ChildrenAsync(Distinguished("deleteditems")), f => f.Descendants(T + "FolderId").First().Attribute("Id")!.Value == sub);
    }

    [Fact]
    public async Task EmptyFolder_SoftDelete_keeps_the_items_recoverable()
    {
        var folder = await CreateFolderAsync(Unique("Soft"));
        var subject = Unique("recoverable");
        await CreateMessageAsync(folder, subject);
        (await server.CallAsync(Alice, Empty(Id(folder), "SoftDelete"))).Ok();
        Assert.Empty(await FindItemsAsync(Id(folder)));
        Assert.Contains(await FindItemsAsync(Distinguished("recoverableitemsdeletions")), m => m.T("Subject") == subject);
    }

    [Fact]
    public async Task EmptyFolder_is_refused_on_the_roots_and_for_another_users_folder_and_reads_its_attributes()
    {
        Assert.Equal("ErrorCannotEmptyFolder", (await server.CallAsync(Alice, Empty(Distinguished("msgfolderroot"), subFolders: true))).Code());
        Assert.Equal("ErrorCannotEmptyFolder", (await server.CallAsync(Alice, Empty(Distinguished("root")))).Code());

        var bobs = await CreateFolderAsync(Unique("Bobs"), user: ServerFixture.Bob);
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(Alice, Empty(Id(bobs)))).Code());

        var bad = await server.CallAsync(Alice, "<m:EmptyFolder DeleteType=\"Shred\" DeleteSubFolders=\"false\"><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:EmptyFolder>");
        Assert.NotNull(bad.FaultCode);
    }

    [Fact]
    public async Task MoveFolder_keeps_the_id_gives_a_new_change_key_and_moves_the_contents()
    {
        var from = await CreateFolderAsync(Unique("From"));
        var to = await CreateFolderAsync(Unique("To"));
        var moved = await CreateFolderAsync(Unique("Moved"), from);
        var inside = await CreateFolderAsync(Unique("Inside"), moved);
        await CreateMessageAsync(moved, "travels");
        var before = (await server.CallAsync(Alice, $"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>{Id(moved)}</m:FolderIds></m:GetFolder>"))
            .Ok().Descendants(T + "FolderId").Single().Attribute("ChangeKey")!.Value;

        var response = (await server.CallAsync(Alice, Move("MoveFolder", Id(to), Id(moved)))).Ok();
        var id = response.Descendants(T + "FolderId").Single();
        Assert.Equal(moved, id.Attribute("Id")!.Value);
        Assert.NotEqual(before, id.Attribute("ChangeKey")!.Value);

        var folder = (await server.CallAsync(Alice, $"<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds>{Id(moved)}</m:FolderIds></m:GetFolder>")).Ok();
        Assert.Equal(to, folder.Descendants(T + "ParentFolderId").Single().Attribute("Id")!.Value);
        Assert.Empty(await ChildrenAsync(Id(from)));
        Assert.Single(await ChildrenAsync(Id(moved)), f => f.Descendants(T + "FolderId").First().Attribute("Id")!.Value == inside);
        Assert.Single(await FindItemsAsync(Id(moved)));
    }

    [Fact]
    public async Task MoveFolder_refuses_distinguished_folders_moves_into_itself_or_below_and_name_clashes()
    {
        var folder = await CreateFolderAsync(Unique("Mover"));
        var child = await CreateFolderAsync(Unique("Child"), folder);
        Assert.Equal("ErrorMoveDistinguishedFolder", (await server.CallAsync(Alice, Move("MoveFolder", Id(folder), Distinguished("calendar")))).Code());
        Assert.Equal("ErrorMoveCopyFailed", (await server.CallAsync(Alice, Move("MoveFolder", Id(folder), Id(folder)))).Code());
        Assert.Equal("ErrorMoveCopyFailed", (await server.CallAsync(Alice, Move("MoveFolder", Id(child), Id(folder)))).Code());
        Assert.Equal("ErrorMoveCopyFailed", (await server.CallAsync(Alice, Move("CopyFolder", Id(child), Id(folder)))).Code());

        var name = Unique("Twin");
        var twin = await CreateFolderAsync(name);
        await CreateFolderAsync(name, folder);
        Assert.Equal("ErrorFolderExists", (await server.CallAsync(Alice, Move("MoveFolder", Id(folder), Id(twin)))).Code());

        var bobs = await CreateFolderAsync(Unique("BobsTarget"), user: ServerFixture.Bob);
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(Alice, Move("MoveFolder", Id(bobs), Id(twin)))).Code());
        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(ServerFixture.Bob, Move("MoveFolder", Id(bobs), Id(twin)))).Code());
    }

    [Fact]
    public async Task CopyFolder_copies_the_folder_its_subfolders_and_their_items()
    {
        var source = await CreateFolderAsync(Unique("Source"));
        var sub = await CreateFolderAsync(Unique("SourceSub"), source);
        await CreateMessageAsync(source, "top item");
        await CreateMessageAsync(sub, "nested item");
        var target = await CreateFolderAsync(Unique("Target"));

        var response = (await server.CallAsync(Alice, Move("CopyFolder", Id(target), Id(source)))).Ok();
        var copy = response.Descendants(T + "FolderId").Single().Attribute("Id")!.Value;
        Assert.NotEqual(source, copy);

        var copies = await ChildrenAsync(Id(copy));
        var subCopy = Assert.Single(copies);
        Assert.NotEqual(sub, subCopy.Descendants(T + "FolderId").First().Attribute("Id")!.Value);
        Assert.Equal("top item", Assert.Single(await FindItemsAsync(Id(copy))).T("Subject"));
        Assert.Equal("nested item", Assert.Single(await FindItemsAsync(Id(subCopy.Descendants(T + "FolderId").First().Attribute("Id")!.Value))).T("Subject"));
        // The source is untouched.
        Assert.Single(await FindItemsAsync(Id(source)));
        Assert.Single(await FindItemsAsync(Id(sub)));
    }

    [Fact]
    public async Task SyncFolderHierarchy_sees_a_folder_moved_within_out_of_and_into_its_scope_and_emptied_subfolders_deleted()
    {
        var scope = await CreateFolderAsync(Unique("SyncScope"));
        var a = await CreateFolderAsync(Unique("A"), scope);
        var b = await CreateFolderAsync(Unique("B"), scope);
        var outside = await CreateFolderAsync(Unique("Outside"));
        var first = Sync(await server.CallAsync(Alice, SyncHierarchy(Id(scope), null)));

        // a into b, both in the scope.
        (await server.CallAsync(Alice, Move("MoveFolder", Id(b), Id(a)))).Ok();
        var within = Sync(await server.CallAsync(Alice, SyncHierarchy(Id(scope), first.State)));
        Assert.Equal([("Update", a)], within.Changes);

        (await server.CallAsync(Alice, Move("MoveFolder", Id(outside), Id(a)))).Ok();
        var outOf = Sync(await server.CallAsync(Alice, SyncHierarchy(Id(scope), within.State)));
        Assert.Equal([("Delete", a)], outOf.Changes);

        (await server.CallAsync(Alice, Move("MoveFolder", Id(scope), Id(a)))).Ok();
        var into = Sync(await server.CallAsync(Alice, SyncHierarchy(Id(scope), outOf.State)));
        Assert.Equal([("Create", a)], into.Changes);

        (await server.CallAsync(Alice, Empty(Id(scope), subFolders: true))).Ok();
        var emptied = Sync(await server.CallAsync(Alice, SyncHierarchy(Id(scope), into.State)));
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), emptied.Changes.Where(c => c.Kind == "Delete").Select(c => c.Id).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("archive", "Folder")]
    [InlineData("conversationhistory", "Folder")]
    [InlineData("syncissues", "Folder")]
    [InlineData("conflicts", "Folder")]
    [InlineData("localfailures", "Folder")]
    [InlineData("serverfailures", "Folder")]
    [InlineData("recipientcache", "ContactsFolder")]
    [InlineData("quickcontacts", "ContactsFolder")]
    [InlineData("imcontactlist", "ContactsFolder")]
    [InlineData("searchfolders", "Folder")]
    [InlineData("todosearch", "TasksFolder")]
    [InlineData("recoverableitemsversions", "Folder")]
    [InlineData("recoverableitemspurges", "Folder")]
    public async Task Every_default_folder_an_Exchange_mailbox_has_exists(string name, string element)
    {
        var folder = (await server.CallAsync(Alice, $"<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds>{Distinguished(name)}</m:FolderIds></m:GetFolder>")).Ok();
        Assert.Single(folder.Descendants(T + element));
    }

    [Theory]
    [InlineData("archivemsgfolderroot", "ErrorFolderNotFound")]
    [InlineData("archiveinbox", "ErrorFolderNotFound")]
    [InlineData("teamchat", "ErrorFolderNotFound")]
    [InlineData("onedriveroot", "ErrorFolderNotFound")]
    [InlineData("publicfoldersroot", "ErrorNoPublicFolderReplicaAvailable")]
    public async Task A_distinguished_folder_the_mailbox_has_no_use_for_is_answered_as_Exchange_does(string name, string code)
    {
        var response = await server.CallAsync(Alice, $"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>{Distinguished(name)}</m:FolderIds></m:GetFolder>");
        Assert.Equal(code, response.Code());
    }

    [Fact]
    public async Task A_mailbox_holds_the_system_folders_of_an_Exchange_mailbox_which_cannot_be_deleted()
    {
        var all = (await server.CallAsync(Alice,
            "<m:FindFolder Traversal=\"Deep\"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id=\"root\"/></m:ParentFolderIds></m:FindFolder>"))
            .Ok().Element(M + "RootFolder")!.Element(T + "Folders")!.Elements().ToList();
        // exchangelib's test_find_folders: an Exchange mailbox has more than 40.
        Assert.True(all.Count > 40, $"{all.Count} folders");
        var gal = Assert.Single(all, f => f.T("DisplayName") == "GAL Contacts");
        Assert.Equal("IPF.Contact.GalContacts", gal.T("FolderClass"));
        var views = Assert.Single(all, f => f.T("DisplayName") == "Common Views");
        var id = views.Descendants(T + "FolderId").First().Attribute("Id")!.Value;
        Assert.Equal("ErrorDeleteDistinguishedFolder", (await server.CallAsync(Alice, $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds>{Id(id)}</m:FolderIds></m:DeleteFolder>")).Code());
    }

    [Fact]
    public async Task FindFolder_Contains_honours_the_containment_mode_and_comparison()
    {
        static string Find(string mode, string comparison, string value) =>
            $"""
            <m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>
              <m:Restriction><t:Contains ContainmentMode="{mode}" ContainmentComparison="{comparison}"><t:FieldURI FieldURI="folder:DisplayName"/><t:Constant Value="{value}"/></t:Contains></m:Restriction>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>
            """;
        int Count(EwsResponse r) => r.Ok().Descendants(T + "DisplayName").Count();
        Assert.Equal(1, Count(await server.CallAsync(Alice, Find("Prefixed", "Exact", "Top of"))));
        Assert.Equal(0, Count(await server.CallAsync(Alice, Find("Prefixed", "Exact", "top of"))));
        Assert.Equal(1, Count(await server.CallAsync(Alice, Find("Prefixed", "IgnoreCase", "top of"))));
        Assert.Equal(0, Count(await server.CallAsync(Alice, Find("Prefixed", "IgnoreCase", "of Information"))));
    }
}
