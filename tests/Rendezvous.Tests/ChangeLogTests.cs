using System.Globalization;
using System.Xml.Linq;
using Rendezvous.Store;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Numbering in the store's transaction and the per-mailbox change log (issue 14 §2), over HTTP: what a second process
/// writing the same data folder does to a synchronizing client, and what the log records of each operation.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ChangeLogTests(ServerFixture server)
{
    private const string Alice = ServerFixture.Alice;
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    [Fact]
    public async Task A_sync_still_reports_an_item_created_after_rdv_user_add_ran_in_another_process()
    {
        // Defect: the server numbered in memory, so the numbers `rdv user add` (its own process, the same file) gave its
        // folders were ahead of the server's; a sync state taken after them covered the items alice made next: 0 changes.
        var first = await SyncToEndAsync(null);
        var added = await Processes.RunAsync(
            Processes.Rdv("user", "add", $"added-{Guid.NewGuid():N}@example.com", "--password-stdin", "--data", server.DataDirectory), "pw\n");
        Assert.True(added.ExitCode == 0, added.Stderr);

        // The client keeps polling: nothing of alice's calendar changed, and its state moves on past the other process's numbers.
        var polled = await SyncToEndAsync(first.State);
        Assert.Empty(polled.Changes);

        var id = (await server.CallAsync(Alice, Requests.CreateAppointment("after rdv user add", "2031-02-03T09:00:00Z", "2031-02-03T10:00:00Z"))).Ok().ItemId().Id;
        var next = await SyncToEndAsync(polled.State);
        Assert.Equal([("Create", id)], next.Changes);
        var fromFirst = await SyncToEndAsync(first.State);
        Assert.Equal([("Create", id)], fromFirst.Changes);
        Assert.Empty((await SyncToEndAsync(next.State)).Changes);
    }

    [Fact]
    public async Task The_log_records_each_changes_intent_in_commit_order_and_outlives_the_folders_it_names()
    {
        var mailbox = (await server.Server.Store.FindUserAsync(Alice, CancellationToken.None))!.MailboxId;
        var start = (await server.Server.Store.GetChangeLogAsync(mailbox, 0, int.MaxValue, CancellationToken.None)).Position;

        var folder = await CallIdAsync(
            $"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id=\"msgfolderroot\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Log {Guid.NewGuid():N}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>",
            "FolderId");
        var other = await CallIdAsync(
            $"<m:CreateFolder><m:ParentFolderId><t:FolderId Id=\"{folder}\"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Inner</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>",
            "FolderId");
        var item = await CallIdAsync(
            $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId><t:FolderId Id=\"{folder}\"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>logged</t:Subject></t:Message></m:Items></m:CreateItem>",
            "ItemId");
        await UpdateAsync(item, "item:Subject", "<t:Subject>logged again</t:Subject>");
        await UpdateAsync(item, "message:IsRead", "<t:IsRead>true</t:IsRead>");
        var copy = await CallIdAsync($"<m:CopyItem><m:ToFolderId><t:FolderId Id=\"{other}\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{item}\"/></m:ItemIds></m:CopyItem>", "ItemId");
        var moved = await CallIdAsync($"<m:MoveItem><m:ToFolderId><t:FolderId Id=\"{other}\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{item}\"/></m:ItemIds></m:MoveItem>", "ItemId");
        (await server.CallAsync(Alice, $"<m:DeleteItem DeleteType=\"HardDelete\"><m:ItemIds><t:ItemId Id=\"{copy}\"/></m:ItemIds></m:DeleteItem>")).Ok();
        (await server.CallAsync(Alice,
            $"""
            <m:UpdateFolder><m:FolderChanges><t:FolderChange><t:FolderId Id="{other}"/><t:Updates>
              <t:SetFolderField><t:FieldURI FieldURI="folder:DisplayName"/><t:Folder><t:DisplayName>Renamed</t:DisplayName></t:Folder></t:SetFolderField>
            </t:Updates></t:FolderChange></m:FolderChanges></m:UpdateFolder>
            """)).Ok();
        (await server.CallAsync(Alice, $"<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds><t:FolderId Id=\"{folder}\"/></m:FolderIds></m:DeleteFolder>")).Ok();

        var log = await server.Server.Store.GetChangeLogAsync(mailbox, start, int.MaxValue, CancellationToken.None);
        Assert.True(log.IncludesLast);
        var mine = log.Entries.Where(e => new[] { folder, other, item, copy, moved }.Contains(e.Id)).ToList();
        Assert.Equal(
            [
                (ChangeKind.Created, true, folder, (string?)null, (string?)null),
                (ChangeKind.Created, true, other, null, null),
                (ChangeKind.Created, false, item, null, null),
                (ChangeKind.Modified, false, item, null, null),
                (ChangeKind.ReadFlagChanged, false, item, null, null),
                (ChangeKind.Copied, false, copy, item, folder),
                (ChangeKind.Moved, false, moved, item, folder),
                (ChangeKind.Deleted, false, copy, null, other),
                (ChangeKind.Modified, true, other, null, null),
                (ChangeKind.Deleted, true, folder, null, mine[0].FolderId),
                (ChangeKind.Deleted, true, other, null, folder),
            ],
            mine.OrderBy(e => e.Seq).ThenBy(e => e.Id == other).Select(e => (e.Kind, e.IsFolder, e.Id, e.SourceId, e.SourceFolderId)));
        Assert.Equal(other, mine.Single(e => e.Kind == ChangeKind.Moved).FolderId);
        Assert.Equal(other, mine.Single(e => e.Kind == ChangeKind.Copied).FolderId);

        // Numbers are unique and rise with each change; a folder tree's deletion is one change (one number).
        var seqs = mine.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(mine.Count - 1, seqs.Distinct().Count());
        Assert.True(log.Position >= seqs[^1]);

        // Paging never splits a change, and covers the same entries.
        var paged = new List<ChangeLogEntry>();
        var position = start;
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await server.Server.Store.GetChangeLogAsync(mailbox, position, 1, CancellationToken.None);
            Assert.NotEmpty(page.Entries);
            Assert.Single(page.Entries.Select(e => e.Seq).Distinct());
            paged.AddRange(page.Entries);
            position = page.Position;
            if (page.IncludesLast)
            {
                break;
            }
        }

        Assert.Equal(log.Entries, paged);
    }

    [Fact]
    public async Task The_meeting_workflow_logs_its_moves_as_moves_with_the_old_id_and_folder()
    {
        var store = server.Server.Store;
        var bob = (await store.FindUserAsync(ServerFixture.Bob, CancellationToken.None))!.MailboxId;
        var inbox = (await store.GetDistinguishedFolderAsync(bob, "inbox", CancellationToken.None))!.Id;
        var deleted = (await store.GetDistinguishedFolderAsync(bob, "deleteditems", CancellationToken.None))!.Id;
        var start = (await store.GetChangeLogAsync(bob, 0, int.MaxValue, CancellationToken.None)).Position;
        var subject = "Logged meeting " + Guid.NewGuid().ToString("N");
        (await server.CallAsync(Alice, Requests.CreateMeeting(subject, [ServerFixture.Bob], "2031-04-01T09:00:00Z", "2031-04-01T10:00:00Z"))).Ok();
        var restriction = $"<t:IsEqualTo><t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURIOrConstant><t:Constant Value=\"{subject}\"/></t:FieldURIOrConstant></t:IsEqualTo>";
        var request = (string)(await server.CallAsync(ServerFixture.Bob, Requests.FindItem(restriction: restriction, folder: "inbox", shape: "IdOnly"))).Ok().Descendants(T + "ItemId").Single().Attribute("Id")!;
        (await server.CallAsync(ServerFixture.Bob,
            $"<m:CreateItem MessageDisposition=\"SendOnly\"><m:Items><t:DeclineItem><t:ReferenceItemId Id=\"{request}\"/></t:DeclineItem></m:Items></m:CreateItem>")).Ok();

        var log = await store.GetChangeLogAsync(bob, start, int.MaxValue, CancellationToken.None);
        var move = Assert.Single(log.Entries, e => e.SourceId == request);
        Assert.Equal((ChangeKind.Moved, false, deleted, inbox), (move.Kind, move.IsFolder, move.FolderId, move.SourceFolderId));
        Assert.DoesNotContain(log.Entries, e => e.Id == request && e.Kind == ChangeKind.Deleted);
    }

    [Fact]
    public async Task Every_change_moves_the_ChangeKey_on_and_a_stale_one_is_still_refused()
    {
        var created = (await server.CallAsync(Alice, Requests.CreateAppointment("keys", "2031-03-03T09:00:00Z", "2031-03-03T10:00:00Z"))).Ok().ItemId();
        var keys = new List<string> { created.ChangeKey };
        for (var i = 0; i < 3; i++)
        {
            var updated = (await server.CallAsync(Alice, Requests.SetField(created.Id, keys[^1], "item:Subject", $"<t:Subject>keys {i}</t:Subject>", "NeverOverwrite"))).Ok().ItemId();
            Assert.Equal(created.Id, updated.Id);
            keys.Add(updated.ChangeKey);
        }

        Assert.Equal(keys.Count, keys.Distinct().Count());
        var got = (await server.CallAsync(Alice, Requests.GetItem(created.Id, "IdOnly"))).Ok().ItemId();
        Assert.Equal(keys[^1], got.ChangeKey);
        var stale = await server.CallAsync(Alice, Requests.SetField(created.Id, keys[0], "item:Subject", "<t:Subject>stale</t:Subject>", "NeverOverwrite"));
        Assert.Equal("ErrorIrresolvableConflict", stale.Code());

        // AutoResolve: a field changed since the stale key is refused, another one merges (the store numbered those fields).
        var conflict = await server.CallAsync(Alice, Requests.SetField(created.Id, keys[1], "item:Subject", "<t:Subject>again</t:Subject>"));
        Assert.Equal("ErrorIrresolvableConflict", conflict.Code());
        var merged = (await server.CallAsync(Alice, Requests.SetField(created.Id, keys[1], "calendar:Location", "<t:Location>Room 2</t:Location>"))).Ok().ItemId();
        Assert.NotEqual(keys[^1], merged.ChangeKey);
    }

    private async Task<string> CallIdAsync(string body, string idElement) =>
        (string)(await server.CallAsync(Alice, body)).Ok().Descendants(T + idElement).First().Attribute("Id")!;

    private async Task UpdateAsync(string id, string field, string value) =>
        (await server.CallAsync(Alice,
            $"""
            <m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="{field}"/><t:Message>{value}</t:Message></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();

    /// <summary>Alice's calendar synced page after page to the end: every change as (kind, id), and the last state.</summary>
    private async Task<(string State, List<(string Kind, string Id)> Changes)> SyncToEndAsync(string? state)
    {
        var all = new List<(string, string)>();
        for (var pages = 0; pages < 1000; pages++)
        {
            var message = (await server.CallAsync(Alice,
                $"""
                <m:SyncFolderItems>
                  <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
                  <m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId>
                  {(state is null ? "" : $"<m:SyncState>{state}</m:SyncState>")}
                  <m:MaxChangesReturned>{512.ToString(CultureInfo.InvariantCulture)}</m:MaxChangesReturned>
                </m:SyncFolderItems>
                """)).Ok();
            state = message.Element(M + "SyncState")!.Value;
            all.AddRange(message.Element(M + "Changes")!.Elements().Select(c => (c.Name.LocalName, (string)c.Descendants(T + "ItemId").First().Attribute("Id")!)));
            if (message.Element(M + "IncludesLastItemInRange")!.Value == "true")
            {
                return (state, all);
            }
        }

        throw new InvalidOperationException("The sync never reached its end.");
    }
}
