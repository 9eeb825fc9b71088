using Npgsql;
using Rendezvous.Domain;

namespace Rendezvous.Store.Postgres;

/// <summary>Synchronization and the change log, each read in one REPEATABLE READ snapshot.</summary>
public sealed partial class PostgresMailStore
{
    // The reads of a SyncFolderItems page, sent as one batch between a BEGIN and a COMMIT: one round trip, one read-only
    // snapshot. (One statement of the four as a UNION ALL was tried: PostgreSQL planned it anew for every call, its
    // generic plan looking dearer than a custom one, and it cost more than the four round trips it saved.)
    private const string BeginReadSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;";

    // What happened after the watermark to the items the client knows (those that entered by @e).
    private const string KnownChangesSql = """
        SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, content_seq, created_seq FROM items
        WHERE folder_id = @f AND sync_seq > @w AND created_seq <= @e AND id <> ALL(@ignore)
        ORDER BY sync_seq LIMIT @n;
        """;

    // What left the folder (deleted, or moved out under its old id) that the client knew of.
    private const string DeparturesSql = """
        SELECT COALESCE(source_id, id), seq FROM change_log
        WHERE source_folder_id = @f AND is_folder = 0 AND kind IN (4, 6) AND seq > @w AND source_entered <= @e
            AND COALESCE(source_id, id) <> ALL(@ignore)
        ORDER BY seq LIMIT @n;
        """;

    // The items that entered after @e, in the order they entered.
    private const string EnteredSql = """
        SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, created_seq FROM items
        WHERE folder_id = @f AND created_seq > @e AND id <> ALL(@ignore)
        ORDER BY created_seq LIMIT @n;
        """;

    private const string FolderPositionSql = "SELECT value FROM mailbox_counters WHERE mailbox_id = (SELECT mailbox_id FROM folders WHERE id = @f);";

    public async Task<ItemSyncPage> GetItemChangesAsync(string folderId, long watermark, long entered, int max, IReadOnlyCollection<string> ignore, CancellationToken cancellationToken)
    {
        var ignored = ignore.ToArray();
        var changes = new List<(long Seq, ItemSyncChange Change)>();
        var creates = new List<(long Seq, long Entered, ItemSyncChange Change)>();
        long position = 0;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var batch = new NpgsqlBatch(connection))
        {
            void Add(string sql, params (string Name, object Value)[] parameters)
            {
                var command = new NpgsqlBatchCommand(sql);
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.Add(new NpgsqlParameter(name, value));
                }

                batch.BatchCommands.Add(command);
            }

            // Only once the client is up to date on the items it knows is it told of new ones (see SqliteMailStore).
            // The new items' read cannot know how much room the known changes leave, so it asks for a whole page and
            // the rows past the room are not decoded.
            Add(BeginReadSnapshot);
            if (entered > 0)
            {
                Add(KnownChangesSql, ("f", folderId), ("w", watermark), ("e", entered), ("n", (long)max + 1), ("ignore", ignored));
                Add(DeparturesSql, ("f", folderId), ("w", watermark), ("e", entered), ("n", (long)max + 1), ("ignore", ignored));
            }

            Add(EnteredSql, ("f", folderId), ("e", entered), ("n", (long)max + 1), ("ignore", ignored));
            Add(FolderPositionSql, ("f", folderId));
            Add("COMMIT;");
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            if (entered > 0)
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var item = ReadItem(reader, entered: 7);
                    var kind = reader.GetInt64(6) > watermark ? SyncChangeKind.Update : SyncChangeKind.ReadFlagChange;
                    changes.Add((reader.GetInt64(5), new ItemSyncChange(kind, item.Id, item)));
                }

                await reader.NextResultAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    changes.Add((reader.GetInt64(1), new ItemSyncChange(SyncChangeKind.Delete, reader.GetString(0), null)));
                }

                await reader.NextResultAsync(cancellationToken);
            }

            // Room for the new items: what the known changes leave, plus one row to tell whether more are left.
            var room = max - changes.Count;
            while (await reader.ReadAsync(cancellationToken))
            {
                if (creates.Count <= room)
                {
                    var item = ReadItem(reader, entered: 6);
                    creates.Add((reader.GetInt64(5), reader.GetInt64(6), new ItemSyncChange(SyncChangeKind.Create, item.Id, item)));
                }
            }

            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                position = reader.GetInt64(0);
            }

            // The COMMIT's completion: the snapshot is released before the connection goes back to the pool.
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }

        changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        if (changes.Count > max)
        {
            return new ItemSyncPage([.. changes.Take(max).Select(c => c.Change)], changes[max - 1].Seq, false, entered);
        }

        // The client is now up to date on what it knows: the rest of the page tells it of items that entered later.
        var left = max - changes.Count;
        position = Math.Max(position, watermark);
        var last = creates.Count <= left;
        if (!last)
        {
            creates.RemoveRange(left, creates.Count - left);
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
