using Npgsql;
using Rendezvous.Domain;

namespace Rendezvous.Store.Postgres;

/// <summary>Synchronization and the change log, each read in one snapshot (one statement, or a REPEATABLE READ transaction).</summary>
public sealed partial class PostgresMailStore
{
    /// <summary>
    /// The four reads of <see cref="GetItemChangesAsync"/> as one statement: one round trip and one snapshot (a
    /// statement's own), with no BEGIN or COMMIT. Each row says which read it comes from (the last column): 0 an item the
    /// client knows that changed, 1 one that left the folder, 2 one that entered after <c>@e</c>, 3 the mailbox's
    /// position. The entered rows fill what room the first two leave (<c>@n</c> is the page's size plus one, so a full
    /// page of known changes leaves none and the entered read is skipped).
    /// </summary>
    private const string ItemChangesSql = """
        WITH changed AS (
            SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, content_seq, created_seq FROM items
            WHERE @e > 0 AND folder_id = @f AND sync_seq > @w AND created_seq <= @e AND id <> ALL(@ignore)
            ORDER BY sync_seq LIMIT @n),
        gone AS (
            SELECT COALESCE(source_id, id) AS id, seq FROM change_log
            WHERE @e > 0 AND source_folder_id = @f AND is_folder = 0 AND kind IN (4, 6) AND seq > @w AND source_entered <= @e
                AND COALESCE(source_id, id) <> ALL(@ignore)
            ORDER BY seq LIMIT @n),
        entered AS (
            SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, created_seq FROM items
            WHERE folder_id = @f AND created_seq > @e AND id <> ALL(@ignore)
            ORDER BY created_seq LIMIT GREATEST(@n - (SELECT count(*) FROM changed) - (SELECT count(*) FROM gone), 0))
        SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, content_seq, created_seq, 0 FROM changed
        UNION ALL SELECT id, NULL, NULL, NULL, NULL, seq, NULL, NULL, 1 FROM gone
        UNION ALL SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, NULL, created_seq, 2 FROM entered
        UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, value, NULL, NULL, 3 FROM mailbox_counters
            WHERE mailbox_id = (SELECT mailbox_id FROM folders WHERE id = @f);
        """;

    public async Task<ItemSyncPage> GetItemChangesAsync(string folderId, long watermark, long entered, int max, IReadOnlyCollection<string> ignore, CancellationToken cancellationToken)
    {
        var changes = new List<(long Seq, ItemSyncChange Change)>();
        var creates = new List<(long Seq, long Entered, ItemSyncChange Change)>();
        long counter = 0;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var cmd = connection.Command(ItemChangesSql, null,
            ("f", folderId), ("w", watermark), ("e", entered), ("n", (long)max + 1), ("ignore", ignore.ToArray())))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                switch (reader.GetInt32(8))
                {
                    case 0:
                        // First what happened after the watermark to the items the client knows (those that entered by
                        // `entered`); only once it is up to date on those is it told of new items (see SqliteMailStore).
                        var item = ReadItem(reader, entered: 7);
                        var kind = reader.GetInt64(6) > watermark ? SyncChangeKind.Update : SyncChangeKind.ReadFlagChange;
                        changes.Add((reader.GetInt64(5), new ItemSyncChange(kind, item.Id, item)));
                        break;
                    case 1:
                        // What left the folder (deleted, or moved out under its old id) that the client knew of.
                        changes.Add((reader.GetInt64(5), new ItemSyncChange(SyncChangeKind.Delete, reader.GetString(0), null)));
                        break;
                    case 2:
                        var created = ReadItem(reader, entered: 7);
                        creates.Add((reader.GetInt64(5), reader.GetInt64(7), new ItemSyncChange(SyncChangeKind.Create, created.Id, created)));
                        break;
                    default:
                        counter = reader.GetInt64(5);
                        break;
                }
            }
        }

        changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        if (changes.Count > max)
        {
            return new ItemSyncPage([.. changes.Take(max).Select(c => c.Change)], changes[max - 1].Seq, false, entered);
        }

        // The client is now up to date on what it knows: the rest of the page tells it of items that entered later, in
        // the order they entered (a UNION ALL promises no order of its own).
        var room = max - changes.Count;
        creates.Sort(static (a, b) => a.Entered.CompareTo(b.Entered));
        var position = Math.Max(counter, watermark);
        var last = creates.Count <= room;
        if (!last)
        {
            creates.RemoveRange(room, creates.Count - room);
        }

        // In commit order, as an incremental sync reads (the page is one step either way).
        changes.AddRange(creates.Select(c => (c.Seq, c.Change)));
        changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        return new ItemSyncPage([.. changes.Select(c => c.Change)], position, last, last ? position : creates.Count > 0 ? creates[^1].Entered : entered);
    }

    public async Task<FolderSyncPage> GetFolderChangesAsync(string mailboxId, string scopeFolderId, long watermark, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginSnapshotAsync(cancellationToken);

        // Parents of every folder, live or deleted after the watermark, to tell which changes fall inside the scope.
        var parents = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using (var cmd = connection.Command("SELECT id, parent_id FROM folders WHERE mailbox_id = @m;", tx, ("m", mailboxId)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                parents[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
        }

        var changes = new List<(long Seq, FolderSyncChange Change)>();
        await using (var cmd = connection.Command("""
            SELECT id, source_folder_id, seq FROM change_log
            WHERE mailbox_id = @m AND is_folder = 1 AND seq > @w AND kind = 6 AND source_entered <= @w ORDER BY seq;
            """, tx, ("m", mailboxId), ("w", watermark)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                parents.TryAdd(id, reader.IsDBNull(1) ? null : reader.GetString(1));
                changes.Add((reader.GetInt64(2), new FolderSyncChange(SyncChangeKind.Delete, id, null)));
            }
        }

        // Where each folder moved after the watermark was at the watermark (its first move's source).
        var parentsThen = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using (var cmd = connection.Command("""
            SELECT id, source_folder_id FROM change_log
            WHERE mailbox_id = @m AND is_folder = 1 AND seq > @w AND kind = 4 ORDER BY seq, pos;
            """, tx, ("m", mailboxId), ("w", watermark)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                parentsThen.TryAdd(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
            }
        }

        var live = new List<(long Seq, bool Known, Folder Folder)>();
        await using (var cmd = connection.Command(FolderColumns.Replace("SELECT f.id,", "SELECT f.sync_seq, f.created_seq, f.id,", StringComparison.Ordinal) + " WHERE f.mailbox_id = @m AND f.sync_seq > @w ORDER BY f.sync_seq;", tx,
            ("m", mailboxId), ("w", watermark)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                live.Add((reader.GetInt64(0), reader.GetInt64(1) <= watermark, ReadFolder(reader, offset: 2)));
            }
        }

        var position = await SyncPositionAsync(connection, tx, mailboxId, cancellationToken);
        await tx.CommitAsync(cancellationToken);

        var moved = new List<(long Seq, FolderSyncChange Change)>();
        foreach (var (seq, known, folder) in live)
        {
            var now = InScope(folder.Id);
            var then = known && (parentsThen.TryGetValue(folder.Id, out var parentThen) ? parentThen == scopeFolderId || (parentThen is not null && InScope(parentThen)) : now);
            var change = (now, then) switch
            {
                (true, true) => new FolderSyncChange(SyncChangeKind.Update, folder.Id, folder),
                (true, false) => new FolderSyncChange(SyncChangeKind.Create, folder.Id, folder),
                (false, true) => new FolderSyncChange(SyncChangeKind.Delete, folder.Id, null),
                _ => null,
            };
            if (change is not null)
            {
                moved.Add((seq, change));
            }
        }

        bool InScope(string id)
        {
            // Bounded walk up the tree: a cycle cannot exist, but a corrupt row must not hang a request.
            var current = parents.GetValueOrDefault(id);
            for (var depth = 0; current is not null && depth < 256; depth++)
            {
                if (current == scopeFolderId)
                {
                    return true;
                }

                current = parents.GetValueOrDefault(current);
            }

            return false;
        }

        changes.RemoveAll(c => !InScope(c.Change.FolderId));
        changes.AddRange(moved);
        changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        return new FolderSyncPage([.. changes.Select(c => c.Change)], Math.Max(position, watermark));
    }

    /// <summary>The last number <paramref name="mailboxId"/> gave, as of the transaction's snapshot: what a read in it has covered.</summary>
    private static async Task<long> SyncPositionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string mailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = connection.Command("SELECT value FROM mailbox_counters WHERE mailbox_id = @m;", tx, ("m", mailboxId));
        return await cmd.ExecuteScalarAsync(cancellationToken) is long value ? value : 0;
    }

    private const string LogColumns = "SELECT seq, kind, is_folder, id, folder_id, source_id, source_folder_id FROM change_log";

    public async Task<ChangeLogPage> GetChangeLogAsync(string mailboxId, long position, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginSnapshotAsync(cancellationToken);
        var entries = await ReadLogAsync(connection, tx, LogColumns + " WHERE mailbox_id = @m AND seq > @p ORDER BY seq, pos LIMIT @n;",
            cancellationToken, ("m", mailboxId), ("p", position), ("n", (long)max + 1));
        if (entries.Count <= max)
        {
            var last = Math.Max(await SyncPositionAsync(connection, tx, mailboxId, cancellationToken), position);
            await tx.CommitAsync(cancellationToken);
            return new ChangeLogPage(entries, last, true);
        }

        // Never half a change: the page ends before the change it could not hold whole, or is that one change alone.
        var cut = entries[max].Seq;
        entries.RemoveAll(e => e.Seq >= cut);
        if (entries.Count == 0)
        {
            entries = await ReadLogAsync(connection, tx, LogColumns + " WHERE mailbox_id = @m AND seq = @s ORDER BY pos;", cancellationToken, ("m", mailboxId), ("s", cut));
            await using var more = connection.Command("SELECT EXISTS (SELECT 1 FROM change_log WHERE mailbox_id = @m AND seq > @s);", tx, ("m", mailboxId), ("s", cut));
            if (!(bool)(await more.ExecuteScalarAsync(cancellationToken))!)
            {
                var last = Math.Max(await SyncPositionAsync(connection, tx, mailboxId, cancellationToken), cut);
                await tx.CommitAsync(cancellationToken);
                return new ChangeLogPage(entries, last, true);
            }
        }

        await tx.CommitAsync(cancellationToken);
        return new ChangeLogPage(entries, entries[^1].Seq, false);
    }

    public async Task<long> GetChangeLogPositionAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command("SELECT value FROM mailbox_counters WHERE mailbox_id = @m;", null, ("m", mailboxId));
        return await cmd.ExecuteScalarAsync(cancellationToken) is long value ? value : 0;
    }

    /// <summary>
    /// Which mailboxes logged changes after <paramref name="cursor"/>. Writers commit concurrently here, so the log's
    /// order of insertion is not its commit order (an entry written first may commit last): the cursor is instead a
    /// transaction id, the oldest still running when the log was read (its snapshot's xmin). Every transaction below it
    /// has ended, so an entry committed later has an id at or above it and is read next time; an entry read twice only
    /// wakes its mailbox's readers once more, who read the mailbox's own log from their position. (The xmin is the
    /// cluster's: while any transaction of any database stays open, recent mailboxes are reported again; not missed.)
    /// </summary>
    public async Task<ChangedMailboxes> GetChangedMailboxesAsync(long cursor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginSnapshotAsync(cancellationToken);
        long end;
        await using (var xmin = connection.Command("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint;", tx))
        {
            end = (long)(await xmin.ExecuteScalarAsync(cancellationToken))!;
        }

        var mailboxes = new List<string>();
        if (cursor >= 0)
        {
            await using var cmd = connection.Command("SELECT DISTINCT mailbox_id FROM change_log WHERE xact >= @c;", tx, ("c", cursor));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                mailboxes.Add(reader.GetString(0));
            }
        }

        await tx.CommitAsync(cancellationToken);
        return new ChangedMailboxes(mailboxes, Math.Max(end, cursor));
    }

    private static async Task<List<ChangeLogEntry>> ReadLogAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var cmd = connection.Command(sql, tx, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ChangeLogEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ChangeLogEntry(reader.GetInt64(0), (ChangeKind)reader.GetInt32(1), reader.GetInt32(2) == 1, reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return entries;
    }
}
