using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Tests;

/// <summary>The SyncState codec and the store's synchronization bookkeeping, without HTTP.</summary>
public sealed class SyncStoreTests : IDisposable
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private readonly TempFolder folder = new("rdv-sync-");

    private string Data => folder.Path;

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_sync_state_round_trips()
    {
        var state = new SyncState(SyncStateKind.Items, "mbx-1", "fld-é", 1234567890123);
        Assert.Equal(state, SyncStates.Decode(SyncStates.Encode(state, Key), Key));
        var hierarchy = new SyncState(SyncStateKind.Hierarchy, "mbx-1", "", 0);
        Assert.Equal(hierarchy, SyncStates.Decode(SyncStates.Encode(hierarchy, Key), Key));
    }

    [Fact]
    public void A_paged_sync_state_round_trips_with_how_far_the_client_was_told()
    {
        var paging = new SyncState(SyncStateKind.Items, "mbx-1", "fld-1", 90, 12);
        Assert.Equal(paging, SyncStates.Decode(SyncStates.Encode(paging, Key), Key));
        Assert.Equal(77, new SyncState(SyncStateKind.Items, "m", "f", 77).Entered);
        // Never told of more than it knows: a state with Entered above its watermark is not one we make.
        Assert.Null(SyncStates.Decode(SyncStates.Encode(new SyncState(SyncStateKind.Items, "m", "f", 5, 6), Key), Key));
    }

    [Fact]
    public void A_version_1_sync_state_made_before_paged_syncs_were_exact_is_still_accepted()
    {
        // Version 1: version, kind, watermark, then each id with its length, signed; it knew everything up to its watermark.
        byte[] body = [1, (byte)SyncStateKind.Items, 0, 0, 0, 0, 0, 0, 0, 42, 0, 5, .. "mbx-1"u8, 0, 5, .. "fld-1"u8];
        var text = Convert.ToBase64String([.. body, .. System.Security.Cryptography.HMACSHA256.HashData(Key, body)]);
        Assert.Equal(new SyncState(SyncStateKind.Items, "mbx-1", "fld-1", 42, 42), SyncStates.Decode(text, Key));
    }

    [Fact]
    public void Any_changed_bit_another_key_or_a_cut_makes_a_state_invalid()
    {
        var bytes = Convert.FromBase64String(SyncStates.Encode(new SyncState(SyncStateKind.Items, "mbx-1", "fld-1", 42), Key));
        for (var i = 0; i < bytes.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var tampered = (byte[])bytes.Clone();
                tampered[i] ^= (byte)(1 << bit);
                Assert.Null(SyncStates.Decode(Convert.ToBase64String(tampered), Key));
            }
        }

        var other = (byte[])Key.Clone();
        other[0] ^= 1;
        Assert.Null(SyncStates.Decode(Convert.ToBase64String(bytes), other));
        Assert.Null(SyncStates.Decode(Convert.ToBase64String(bytes[..^1]), Key));
        Assert.Null(SyncStates.Decode(Convert.ToBase64String(bytes[1..]), Key));
        Assert.Null(SyncStates.Decode("", Key));
        Assert.Null(SyncStates.Decode("%%%", Key));
    }

    /// <summary>
    /// Turns a current store back into one of version 7, before the change log (migration index 7): the store-wide
    /// counters, the tombstone tables and their trigger, as that version's SQL made them (the log is dropped; and what
    /// migration 10 added: the folders' stamps, the associated items; and migration 11's series columns).
    /// </summary>
    internal const string BackToVersion7 =
        """
        DROP INDEX items_series; ALTER TABLE items DROP COLUMN series_start_ticks; ALTER TABLE items DROP COLUMN series_end_ticks;
        DROP TABLE associated_items; ALTER TABLE folders DROP COLUMN modified_ticks; ALTER TABLE folders DROP COLUMN content_ticks;
        DROP TRIGGER items_moved; DROP TABLE change_log;
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO counters VALUES ('change', (SELECT IFNULL(MAX(value), 0) FROM mailbox_counters));
        INSERT INTO counters VALUES ('sync', (SELECT IFNULL(MAX(value), 0) FROM mailbox_counters));
        DROP TABLE mailbox_counters;
        CREATE TABLE item_tombstones (
            folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            created_seq INTEGER NOT NULL
        );
        CREATE INDEX item_tombstones_sync ON item_tombstones(folder_id, seq);
        CREATE TABLE folder_tombstones (
            mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            folder_id TEXT NOT NULL,
            parent_id TEXT,
            seq INTEGER NOT NULL,
            created_seq INTEGER NOT NULL
        );
        CREATE INDEX folder_tombstones_sync ON folder_tombstones(mailbox_id, seq);
        CREATE TRIGGER items_left_folder AFTER UPDATE OF folder_id ON items WHEN OLD.folder_id <> NEW.folder_id
        BEGIN
            INSERT INTO item_tombstones VALUES (OLD.folder_id, OLD.id, NEW.sync_seq, OLD.created_seq);
        END;
        PRAGMA user_version = 7;

        """;

    [Fact]
    public async Task Items_stored_before_the_sync_migration_sync_as_creations_and_later_changes_follow()
    {
        string folderId;
        await using (var store = await SqliteMailStore.OpenAsync(Data, CancellationToken.None))
        {
            var user = await store.AddUserAsync("old@example.com", "Old", "x", CancellationToken.None);
            folderId = (await store.GetDistinguishedFolderAsync(user.MailboxId, "inbox", CancellationToken.None))!.Id;
            var changes = new ChangeSet();
            changes.Inserts.Add(StoreTests.NewItem(store, user.MailboxId, folderId, "before"));
            changes.Inserts.Add(StoreTests.NewItem(store, user.MailboxId, folderId, "before too"));
            await store.ApplyAsync(changes, CancellationToken.None);
        }

        // Back to the schema of version 2, as a store made before synchronization existed (so without the later
        // migrations either: working hours, index 3; the unread index, index 4, which index 5 dropped; the kept counts, index 5, which dropped items_folder; items_entered, index 6).
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(Data, "rendezvous.db")}"))
        {
            await connection.OpenAsync();
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = BackToVersion7 +
                """
                DROP INDEX items_entered; DROP TRIGGER items_left_folder; DROP INDEX items_sync; DROP INDEX folders_sync;
                DROP TABLE item_tombstones; DROP TABLE folder_tombstones; DROP TABLE secrets;
                ALTER TABLE items DROP COLUMN sync_seq; ALTER TABLE items DROP COLUMN created_seq; ALTER TABLE items DROP COLUMN content_seq;
                ALTER TABLE folders DROP COLUMN sync_seq; ALTER TABLE folders DROP COLUMN created_seq;
                DELETE FROM counters WHERE name = 'sync';
                DROP TABLE mailbox_settings;
                DROP TRIGGER items_counted_in; DROP TRIGGER items_counted_out; DROP TRIGGER items_recounted; DROP TRIGGER items_lengthened;
                ALTER TABLE folders DROP COLUMN total_count; ALTER TABLE folders DROP COLUMN unread_count; ALTER TABLE folders DROP COLUMN longest_ticks;
                CREATE INDEX items_folder ON items(folder_id);
                PRAGMA user_version = 2;
                """;
            await cmd.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        await using (var store = await SqliteMailStore.OpenAsync(Data, CancellationToken.None))
        {
            Assert.Equal((2, 2), await StoreTests.CountsAsync(store, folderId));
            var first = await store.GetItemChangesAsync(folderId, 0, 10, [], CancellationToken.None);
            Assert.True(first.IncludesLast);
            Assert.Equal(["before", "before too"], first.Changes.Select(c => c.Item!.Subject));
            Assert.All(first.Changes, c => Assert.Equal(SyncChangeKind.Create, c.Kind));

            var user = (await store.FindUserAsync("old@example.com", CancellationToken.None))!;
            var changes = new ChangeSet();
            changes.Inserts.Add(StoreTests.NewItem(store, user.MailboxId, folderId, "after"));
            await store.ApplyAsync(changes, CancellationToken.None);
            var next = await store.GetItemChangesAsync(folderId, first.Watermark, 10, [], CancellationToken.None);
            Assert.Equal(["after"], next.Changes.Select(c => c.Item!.Subject));
            Assert.Equal((3, 3), await StoreTests.CountsAsync(store, folderId));

            var hierarchy = await store.GetFolderChangesAsync(user.MailboxId, (await store.GetDistinguishedFolderAsync(user.MailboxId, "msgfolderroot", CancellationToken.None))!.Id, 0, CancellationToken.None);
            Assert.Contains(hierarchy.Changes, c => c.FolderId == folderId && c.Kind == SyncChangeKind.Create);
        }
    }
}
