using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Tests;

/// <summary>The SQLite store's migration (index 7) from tombstones to the change log. Several writers on one database: StoreContractTests.</summary>
public sealed class ChangeLogStoreTests : IDisposable
{
    private readonly TempFolder folder = new("rdv-log-");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task A_store_of_version_7_keeps_its_sync_states_ChangeKeys_and_tombstones_through_the_migration()
    {
        string inbox, root, kept, gone, doomed;
        SyncState items, hierarchy;
        long keptChange;
        await using (var store = await SqliteMailStore.OpenAsync(folder.Path, CancellationToken.None))
        {
            var user = await store.AddUserAsync("old@example.com", "Old", "x", CancellationToken.None);
            inbox = (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.Id;
            root = (await store.GetDistinguishedFolderAsync(user.MailboxId, "msgfolderroot", CancellationToken.None))!.Id;
            var changes = new ChangeSet();
            var keptItem = StoreTests.NewItem(store, user.MailboxId, inbox, "kept");
            var goneItem = StoreTests.NewItem(store, user.MailboxId, inbox, "gone");
            changes.Inserts.AddRange([keptItem, goneItem]);
            var doomedFolder = new Folder { Id = EwsIds.NewFolderId(user.MailboxId), MailboxId = user.MailboxId, ParentId = root, DisplayName = "Doomed" };
            changes.FolderInserts.Add(doomedFolder);
            await store.ApplyAsync(changes, CancellationToken.None);
            (kept, gone, doomed, keptChange) = (keptItem.Id, goneItem.Id, doomedFolder.Id, keptItem.ChangeNumber);
            var page = await store.GetItemChangesAsync(inbox, 0, 0, 512, [], CancellationToken.None);
            Assert.Equal(2, page.Changes.Count);
            items = new SyncState(SyncStateKind.Items, user.MailboxId, inbox, page.Watermark, page.Entered);
            hierarchy = new SyncState(SyncStateKind.Hierarchy, user.MailboxId, "", (await store.GetFolderChangesAsync(user.MailboxId, root, 0, CancellationToken.None)).Watermark);
        }

        // Version 7, as its code wrote: an item deleted and a folder deleted, each with a tombstone and the next sync
        // number, and the change counter ahead of the sync counter (it was handed out in memory before each write).
        await using (var connection = new SqliteConnection($"Data Source={folder.Database}"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = SyncStoreTests.BackToVersion7 +
                """
                UPDATE counters SET value = value + 1 WHERE name = 'sync';
                INSERT INTO item_tombstones SELECT folder_id, id, (SELECT value FROM counters WHERE name = 'sync'), created_seq FROM items WHERE id = $gone;
                DELETE FROM items WHERE id = $gone;
                UPDATE counters SET value = value + 1 WHERE name = 'sync';
                INSERT INTO folder_tombstones SELECT mailbox_id, id, parent_id, (SELECT value FROM counters WHERE name = 'sync'), created_seq FROM folders WHERE id = $doomed;
                DELETE FROM folders WHERE id = $doomed;
                UPDATE counters SET value = 5000 WHERE name = 'change';
                """;
            cmd.Parameters.AddWithValue("$gone", gone);
            cmd.Parameters.AddWithValue("$doomed", doomed);
            await cmd.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        await using (var store = await SqliteMailStore.OpenAsync(folder.Path, CancellationToken.None))
        {
            // The states made before still say what happened since.
            var page = await store.GetItemChangesAsync(inbox, items.Watermark, items.Entered, 512, [], CancellationToken.None);
            Assert.Equal([(SyncChangeKind.Delete, gone)], page.Changes.Select(c => (c.Kind, c.ItemId)));
            var folders = await store.GetFolderChangesAsync(items.MailboxId, root, hierarchy.Watermark, CancellationToken.None);
            Assert.Equal([(SyncChangeKind.Delete, doomed)], folders.Changes.Select(c => (c.Kind, c.FolderId)));

            // The old ChangeKey still updates its item, and new numbers are above every old one.
            var item = (await store.GetItemAsync(kept, CancellationToken.None))!;
            Assert.Equal(keptChange, item.ChangeNumber);
            item.Subject = "kept, changed";
            var update = new ChangeSet();
            update.Updates.Add((item, keptChange));
            var added = StoreTests.NewItem(store, items.MailboxId, inbox, "after");
            update.Inserts.Add(added);
            await store.ApplyAsync(update, CancellationToken.None);
            Assert.True(added.ChangeNumber > 5000);
            Assert.True(item.ChangeNumber > 5000);

            var next = await store.GetItemChangesAsync(inbox, page.Watermark, page.Entered, 512, [], CancellationToken.None);
            Assert.Equal([(SyncChangeKind.Create, added.Id), (SyncChangeKind.Update, kept)], next.Changes.Select(c => (c.Kind, c.ItemId)).OrderBy(c => c.Kind));
            var log = await store.GetChangeLogAsync(items.MailboxId, 0, 100, CancellationToken.None);
            Assert.Contains(log.Entries, e => e is { Kind: ChangeKind.Deleted, IsFolder: false } && e.Id == gone && e.SourceFolderId == inbox);
            Assert.Contains(log.Entries, e => e is { Kind: ChangeKind.Deleted, IsFolder: true } && e.Id == doomed && e.SourceFolderId == root);
        }

        await using (var connection = new SqliteConnection($"Data Source={folder.Database}"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('counters', 'item_tombstones', 'folder_tombstones', 'items_left_folder');";
            Assert.Equal(0L, await cmd.ExecuteScalarAsync());
        }
    }
}
