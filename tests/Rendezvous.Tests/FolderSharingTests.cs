using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The folder operations and attachments that honour folder permissions in another mailbox (issue 18's leftovers):
/// DeleteFolder, EmptyFolder, MoveFolder, CopyFolder, SyncFolderHierarchy, CreateAttachment and DeleteAttachment, each
/// over HTTP both ways: the right granted works, not granted is refused, and with nothing granted the answer is the one
/// a folder or item that does not exist gets.
/// </summary>
[Collection(ServerCollection.Name)]
public class FolderSharingTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;

    private async Task<string> NewUserAsync(string name)
    {
        var address = $"{name}-{Guid.NewGuid():N}"[..20] + "@example.com";
        await server.Server.Store.AddUserAsync(address, name, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
        return address;
    }

    private static string Distinguished(string folder, string mailbox) =>
        $"<t:DistinguishedFolderId Id=\"{folder}\"><t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>";

    private static string Id(string folderId) => $"<t:FolderId Id=\"{folderId}\"/>";

    private static string Permission(string user, string level) =>
        $"<t:Permission><t:UserId><t:PrimarySmtpAddress>{user}</t:PrimarySmtpAddress></t:UserId><t:PermissionLevel>{level}</t:PermissionLevel></t:Permission>";

    private static string Permissions(params string[] entries) =>
        $"<t:PermissionSet><t:Permissions>{string.Concat(entries)}</t:Permissions></t:PermissionSet>";

    /// <summary>A folder <paramref name="owner"/> makes under <paramref name="parent"/> with the permission set given (none: the defaults).</summary>
    private async Task<string> FolderAsync(string owner, string parent, string name, string permissions = "") =>
        (string)(await server.CallAsync(owner, $"""
            <m:CreateFolder><m:ParentFolderId>{parent}</m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>{name}</t:DisplayName>{permissions}</t:Folder></m:Folders></m:CreateFolder>
            """)).Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;

    private async Task<string> MessageAsync(string owner, string folder, string subject, string sensitivity = "Normal") =>
        (await server.CallAsync(owner, $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId>{folder}</m:SavedItemFolderId>
              <m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Sensitivity>{sensitivity}</t:Sensitivity></t:Message></m:Items></m:CreateItem>
            """)).Ok().ItemId().Id;

    private async Task<List<string>> SubjectsAsync(string user, string folder) =>
        [.. (await server.CallAsync(user, $"<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds>{folder}</m:ParentFolderIds></m:FindItem>"))
            .Ok().Descendants(T + "Subject").Select(s => s.Value).Order(StringComparer.Ordinal)];

    private async Task<List<string>> SubfoldersAsync(string user, string folder, string traversal = "Shallow") =>
        [.. (await server.CallAsync(user, $"<m:FindFolder Traversal=\"{traversal}\"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds>{folder}</m:ParentFolderIds></m:FindFolder>"))
            .Ok().Descendants(T + "DisplayName").Select(s => s.Value).Order(StringComparer.Ordinal)];

    private static string DeleteFolder(string folderId) =>
        $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds>{Id(folderId)}</m:FolderIds></m:DeleteFolder>";

    private static string EmptyFolder(string folder, bool subFolders = false) =>
        $"<m:EmptyFolder DeleteType=\"MoveToDeletedItems\" DeleteSubFolders=\"{(subFolders ? "true" : "false")}\"><m:FolderIds>{folder}</m:FolderIds></m:EmptyFolder>";

    private static string MoveOrCopyFolder(string operation, string target, string folderId) =>
        $"<m:{operation}><m:ToFolderId>{target}</m:ToFolderId><m:FolderIds>{Id(folderId)}</m:FolderIds></m:{operation}>";

    [Fact]
    public async Task DeleteFolder_in_anothers_mailbox_needs_IsFolderOwner_and_nothing_granted_is_a_folder_not_found()
    {
        var owner = await NewUserAsync("owner");
        var coOwner = await NewUserAsync("coowner");
        var editor = await NewUserAsync("editor");
        var outsider = await NewUserAsync("outsider");
        var projects = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Projects", Permissions(Permission(coOwner, "Owner"), Permission(editor, "PublishingEditor")));

        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(outsider, DeleteFolder(projects))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(editor, DeleteFolder(projects))).Code());
        Assert.Equal(["Projects"], await SubfoldersAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>"));

        Assert.Equal("NoError", (await server.CallAsync(coOwner, DeleteFolder(projects))).Code());
        Assert.Empty(await SubfoldersAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>"));
    }

    [Fact]
    public async Task EmptyFolder_in_anothers_mailbox_needs_DeleteItems_All_moves_to_the_owners_Deleted_Items_and_leaves_private_items()
    {
        var owner = await NewUserAsync("owner");
        var editor = await NewUserAsync("editor");
        var author = await NewUserAsync("author");
        var outsider = await NewUserAsync("outsider");
        var shared = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Shared", Permissions(Permission(editor, "Editor"), Permission(author, "Author")));
        await MessageAsync(owner, Id(shared), "Minutes");
        await MessageAsync(owner, Id(shared), "Payslip", sensitivity: "Private");
        var sub = await FolderAsync(owner, Id(shared), "Sub");

        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(outsider, EmptyFolder(Id(shared)))).Code());
        // Author deletes its own items only: emptying the folder is more than that.
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(author, EmptyFolder(Id(shared)))).Code());
        // The Editor may delete every item but owns no subfolder: with DeleteSubFolders nothing is done.
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(editor, EmptyFolder(Id(shared), subFolders: true))).Code());
        Assert.Equal(["Minutes", "Payslip"], await SubjectsAsync(owner, Id(shared)));

        Assert.Equal("NoError", (await server.CallAsync(editor, EmptyFolder(Id(shared)))).Code());
        Assert.Equal(["Payslip"], await SubjectsAsync(owner, Id(shared)));
        Assert.Contains("Minutes", await SubjectsAsync(owner, "<t:DistinguishedFolderId Id=\"deleteditems\"/>"));
        Assert.Empty(await SubjectsAsync(editor, "<t:DistinguishedFolderId Id=\"deleteditems\"/>"));
        Assert.Equal(["Sub"], await SubfoldersAsync(owner, Id(shared)));
        Assert.NotEmpty(sub);
    }

    [Fact]
    public async Task MoveFolder_in_anothers_mailbox_needs_IsFolderOwner_and_CanCreateSubFolders_at_the_target_and_stays_in_that_mailbox()
    {
        var owner = await NewUserAsync("owner");
        var manager = await NewUserAsync("manager");
        var editor = await NewUserAsync("editor");
        var outsider = await NewUserAsync("outsider");
        var moved = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Moved", Permissions(Permission(manager, "Owner"), Permission(editor, "Editor")));
        var target = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Archive", Permissions(Permission(manager, "PublishingEditor"), Permission(editor, "PublishingEditor")));
        var closed = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Closed", Permissions(Permission(manager, "Editor")));

        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(outsider, MoveOrCopyFolder("MoveFolder", Id(target), moved))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(editor, MoveOrCopyFolder("MoveFolder", Id(target), moved))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(manager, MoveOrCopyFolder("MoveFolder", Id(closed), moved))).Code());
        Assert.Equal("ErrorCrossMailboxMoveCopy", (await server.CallAsync(manager, MoveOrCopyFolder("MoveFolder", "<t:DistinguishedFolderId Id=\"inbox\"/>", moved))).Code());
        Assert.Equal(["Archive", "Closed", "Moved"], await SubfoldersAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>"));

        Assert.Equal("NoError", (await server.CallAsync(manager, MoveOrCopyFolder("MoveFolder", Id(target), moved))).Code());
        Assert.Equal(["Moved"], await SubfoldersAsync(owner, Id(target)));
    }

    [Fact]
    public async Task CopyFolder_in_anothers_mailbox_copies_only_what_the_caller_may_see_and_read()
    {
        var owner = await NewUserAsync("owner");
        var reviewer = await NewUserAsync("reviewer");
        var outsider = await NewUserAsync("outsider");
        var source = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Reports", Permissions(Permission(reviewer, "Reviewer")));
        await MessageAsync(owner, Id(source), "Q1");
        await MessageAsync(owner, Id(source), "Salaries", sensitivity: "Private");
        await FolderAsync(owner, Id(source), "Hidden");
        var seen = await FolderAsync(owner, Id(source), "Seen", Permissions(Permission(reviewer, "Reviewer")));
        await MessageAsync(owner, Id(seen), "Q2");
        var target = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Copies", Permissions(Permission(reviewer, "PublishingEditor")));
        var noSubfolders = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Flat", Permissions(Permission(reviewer, "Editor")));

        Assert.Equal("ErrorFolderNotFound", (await server.CallAsync(outsider, MoveOrCopyFolder("CopyFolder", Id(target), source))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, MoveOrCopyFolder("CopyFolder", Id(noSubfolders), source))).Code());
        Assert.Equal("ErrorCrossMailboxMoveCopy", (await server.CallAsync(reviewer, MoveOrCopyFolder("CopyFolder", "<t:DistinguishedFolderId Id=\"inbox\"/>", source))).Code());
        Assert.Empty(await SubfoldersAsync(owner, Id(noSubfolders)));

        var copy = (string)(await server.CallAsync(reviewer, MoveOrCopyFolder("CopyFolder", Id(target), source))).Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;
        // The copy is the owner's: the Reports and Seen the reviewer could read, without the private item or the hidden folder.
        Assert.Equal(["Q1"], await SubjectsAsync(owner, Id(copy)));
        Assert.Equal(["Seen"], await SubfoldersAsync(owner, Id(copy)));
        Assert.Equal(["Hidden", "Seen"], await SubfoldersAsync(owner, Id(source)));
    }

    [Fact]
    public async Task SyncFolderHierarchy_of_anothers_folder_gives_only_the_folders_the_caller_may_see()
    {
        var owner = await NewUserAsync("owner");
        var viewer = await NewUserAsync("viewer");
        var outsider = await NewUserAsync("outsider");
        var inbox = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Team", Permissions(Permission(viewer, "Reviewer")));
        await FolderAsync(owner, Id(inbox), "Visible", Permissions(Permission(viewer, "Reviewer")));
        await FolderAsync(owner, Id(inbox), "Secret");
        string Sync(string folder) =>
            $"<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:SyncFolderId>{folder}</m:SyncFolderId></m:SyncFolderHierarchy>";

        var synced = (await server.CallAsync(viewer, Sync(Id(inbox)))).Ok();
        Assert.Equal(["Visible"], synced.Descendants(T + "Create").Select(c => c.Descendants(T + "DisplayName").Single().Value));
        var mine = (await server.CallAsync(owner, Sync(Id(inbox)))).Ok();
        Assert.Equal(["Secret", "Visible"], mine.Descendants(T + "Create").Select(c => c.Descendants(T + "DisplayName").Single().Value).Order(StringComparer.Ordinal));

        Assert.Equal("ErrorSyncFolderNotFound", (await server.CallAsync(outsider, Sync(Id(inbox)))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(outsider, Sync(Distinguished("inbox", owner)))).Code());
        // Without SyncFolderId it is the caller's own hierarchy, as before.
        var own = (await server.CallAsync(viewer, "<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape></m:SyncFolderHierarchy>")).Ok();
        Assert.DoesNotContain("Visible", own.Descendants(T + "DisplayName").Select(d => d.Value));
    }

    [Fact]
    public async Task CreateAttachment_and_DeleteAttachment_on_anothers_item_need_EditItems_and_nothing_granted_is_an_item_not_found()
    {
        var owner = await NewUserAsync("owner");
        var editor = await NewUserAsync("editor");
        var reviewer = await NewUserAsync("reviewer");
        var outsider = await NewUserAsync("outsider");
        var shared = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Shared", Permissions(Permission(editor, "Editor"), Permission(reviewer, "Reviewer")));
        var itemId = await MessageAsync(owner, Id(shared), "Contract");
        string Create(string name) =>
            $"<m:CreateAttachment><m:ParentItemId Id=\"{itemId}\"/><m:Attachments><t:FileAttachment><t:Name>{name}</t:Name><t:Content>{Convert.ToBase64String("draft"u8.ToArray())}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>";
        string Delete(string id) => $"<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id=\"{id}\"/></m:AttachmentIds></m:DeleteAttachment>";
        async Task<List<string>> NamesAsync() => [.. (await server.GetItemAsync(owner, itemId)).Descendants(T + "FileAttachment").Select(a => a.Element(T + "Name")!.Value)];

        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(outsider, Create("outsider.txt"))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, Create("reviewer.txt"))).Code());
        Assert.Empty(await NamesAsync());

        var attachmentId = (string)(await server.CallAsync(editor, Create("terms.txt"))).Ok().Descendants(T + "AttachmentId").Single().Attribute("Id")!;
        Assert.Equal(["terms.txt"], await NamesAsync());

        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(outsider, Delete(attachmentId))).Code());
        Assert.Equal("ErrorAccessDenied", (await server.CallAsync(reviewer, Delete(attachmentId))).Code());
        Assert.Equal(["terms.txt"], await NamesAsync());
        Assert.Equal("NoError", (await server.CallAsync(editor, Delete(attachmentId))).Code());
        Assert.Empty(await NamesAsync());
    }
    [Fact]
    public async Task Concurrent_appends_to_a_permission_set_all_land()
    {
        // The defect: AppendToFolderField read the set, then wrote it whole, so of two appends at once one was lost.
        var owner = await NewUserAsync("owner");
        var folder = await FolderAsync(owner, "<t:DistinguishedFolderId Id=\"inbox\"/>", "Busy");
        var grantees = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            grantees.Add(await NewUserAsync("reader" + i));
        }

        string Append(string grantee) => $"""
            <m:UpdateFolder><m:FolderChanges><t:FolderChange>{Id(folder)}<t:Updates>
              <t:AppendToFolderField><t:FieldURI FieldURI="folder:PermissionSet"/><t:Folder>{Permissions(Permission(grantee, "Reviewer"))}</t:Folder></t:AppendToFolderField>
            </t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>
            """;
        var responses = await Task.WhenAll(grantees.Select(g => server.CallAsync(owner, Append(g))));
        Assert.All(responses, r => Assert.Equal("NoError", r.Code()));

        var set = (await server.CallAsync(owner, $"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI=\"folder:PermissionSet\"/></t:AdditionalProperties></m:FolderShape><m:FolderIds>{Id(folder)}</m:FolderIds></m:GetFolder>")).Ok();
        Assert.Equal(grantees.Order(StringComparer.Ordinal), set.Descendants(T + "PrimarySmtpAddress").Select(a => a.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_newly_allowed_folder_and_attachment_action_in_another_mailbox_is_an_access_log_line()
    {
        var data = Path.Combine(Path.GetTempPath(), "rdv-folder-log-" + Guid.NewGuid().ToString("N"));
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var logged = await Server.RendezvousServer.StartAsync(new Server.ServerOptions { Urls = "http://127.0.0.1:0", DataDirectory = data },
            b => b.AddProvider(new LineLoggerProvider(lines)).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information));
        try
        {
            const string owner = "owner@example.com", manager = "manager@example.com";
            foreach (var user in new[] { owner, manager })
            {
                await logged.Store.AddUserAsync(user, user, PasswordHasher.Hash(ServerFixture.Password, 1000), CancellationToken.None);
            }

            async Task<EwsResponse> Call(string user, string body) => await EwsHttp.PostAsync(server.Http, logged.EwsUrl, user, Soap.Envelope(body));
            async Task<string> Folder(string name) =>
                (string)(await Call(owner, $"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"inbox\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>{name}</t:DisplayName>{Permissions(Permission(manager, "Owner"))}</t:Folder></m:Folders></m:CreateFolder>"))
                    .Ok().Descendants(T + "FolderId").Single().Attribute("Id")!;
            var shared = await Folder("Shared");
            var target = await Folder("Target");
            var itemId = (await Call(owner, $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId>{Id(shared)}</m:SavedItemFolderId><m:Items><t:Message><t:Subject>Logged</t:Subject></t:Message></m:Items></m:CreateItem>")).Ok().ItemId().Id;
            List<string> Logged() => [.. lines.Where(l => l.Contains("through a permission", StringComparison.Ordinal))];
            Assert.Empty(Logged());

            (await Call(manager, $"<m:CreateAttachment><m:ParentItemId Id=\"{itemId}\"/><m:Attachments><t:FileAttachment><t:Name>a.txt</t:Name><t:Content>YQ==</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>")).Ok();
            Assert.Contains(Logged(), l => l.StartsWith("Information Rendezvous.Server.AccessLog: CreateAttachment: manager@example.com in the mailbox of owner@example.com, folder Shared", StringComparison.Ordinal) && l.EndsWith("EditItem", StringComparison.Ordinal));
            (await Call(manager, "<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:SyncFolderId>" + Id(shared) + "</m:SyncFolderId></m:SyncFolderHierarchy>")).Ok();
            Assert.Contains(Logged(), l => l.Contains("SyncFolderHierarchy: manager@example.com in the mailbox of owner@example.com, folder Shared", StringComparison.Ordinal));
            (await Call(manager, MoveOrCopyFolder("CopyFolder", Id(target), shared))).Ok();
            Assert.Contains(Logged(), l => l.Contains("CopyFolder: manager@example.com in the mailbox of owner@example.com, folder Target", StringComparison.Ordinal) && l.EndsWith("CreateSubFolders", StringComparison.Ordinal));
            (await Call(manager, EmptyFolder(Id(shared)))).Ok();
            Assert.Contains(Logged(), l => l.Contains("EmptyFolder: manager@example.com in the mailbox of owner@example.com, folder Shared", StringComparison.Ordinal) && l.EndsWith("DeleteItem", StringComparison.Ordinal));
            (await Call(manager, DeleteFolder(shared))).Ok();
            Assert.Contains(Logged(), l => l.Contains("DeleteFolder: manager@example.com in the mailbox of owner@example.com, folder Shared", StringComparison.Ordinal) && l.EndsWith("Own", StringComparison.Ordinal));

            // A refusal acts on nothing: no line.
            var before = Logged().Count;
            Assert.Equal("ErrorFolderNotFound", (await Call(manager, DeleteFolder(shared))).Code());
            Assert.Equal(before, Logged().Count);
        }
        finally
        {
            await logged.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}

/// <summary>The same on the PostgreSQL store.</summary>
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresFolderSharingTests(PostgresServerFixture server) : FolderSharingTests(server);
