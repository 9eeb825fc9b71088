using System.Text.Json;
using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Store.Postgres;

/// <summary>Folders, items, associated items and the write of a change set.</summary>
public sealed partial class PostgresMailStore
{
    // Folders

    internal const string FolderColumns =
        """
        SELECT f.id, f.mailbox_id, f.parent_id, f.display_name, f.folder_class, f.distinguished_name, f.change_number, f.extended,
               f.total_count, f.unread_count, (SELECT COUNT(*)::integer FROM folders c WHERE c.parent_id = f.id), f.modified_ticks, f.content_ticks
        FROM folders f
        """;

    public async Task<Folder?> GetFolderAsync(string folderId, CancellationToken cancellationToken) =>
        (await QueryFolders(FolderColumns + " WHERE f.id = @id;", cancellationToken, ("id", folderId))).FirstOrDefault();

    public async Task<Folder?> GetDistinguishedFolderAsync(string mailboxId, string name, CancellationToken cancellationToken) =>
        (await QueryFolders(FolderColumns + " WHERE f.mailbox_id = @m AND f.distinguished_name = @n;", cancellationToken, ("m", mailboxId), ("n", name))).FirstOrDefault();

    public async Task<IReadOnlyDictionary<(string MailboxId, string Name), string>> GetDistinguishedFolderIdsAsync(IReadOnlyCollection<(string MailboxId, string Name)> folders, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<(string, string), string>();
        if (folders.Count == 0)
        {
            return ids;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(
            "SELECT f.mailbox_id, f.distinguished_name, f.id FROM folders f JOIN unnest(@m::text[], @n::text[]) AS k(m, n) ON f.mailbox_id = k.m AND f.distinguished_name = k.n;", null,
            ("m", folders.Select(static f => f.MailboxId).ToArray()), ("n", folders.Select(static f => f.Name).ToArray()));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
        }

        return ids;
    }

    public async Task<IReadOnlyList<Folder>> GetChildFoldersAsync(string folderId, bool deep, CancellationToken cancellationToken)
    {
        // SQLite's BINARY order is the bytes' order: "C" here.
        var children = (await QueryFolders(FolderColumns + " WHERE f.parent_id = @p ORDER BY f.display_name COLLATE \"C\";", cancellationToken, ("p", folderId))).ToList();
        if (!deep)
        {
            return children;
        }

        var all = new List<Folder>();
        foreach (var child in children)
        {
            all.Add(child);
            all.AddRange(await GetChildFoldersAsync(child.Id, true, cancellationToken));
        }

        return all;
    }

    private async Task<IReadOnlyList<Folder>> QueryFolders(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var folders = new List<Folder>();
        while (await reader.ReadAsync(cancellationToken))
        {
            folders.Add(ReadFolder(reader));
        }

        return folders;
    }

    /// <summary>A folder from the <see cref="FolderColumns"/> columns, starting at column <paramref name="offset"/>.</summary>
    private static Folder ReadFolder(NpgsqlDataReader reader, int offset = 0) => new()
    {
        Id = reader.GetString(offset),
        MailboxId = reader.GetString(offset + 1),
        ParentId = reader.IsDBNull(offset + 2) ? null : reader.GetString(offset + 2),
        DisplayName = reader.GetString(offset + 3),
        FolderClass = reader.IsDBNull(offset + 4) ? null : reader.GetString(offset + 4),
        DistinguishedName = reader.IsDBNull(offset + 5) ? null : reader.GetString(offset + 5),
        ChangeNumber = reader.GetInt64(offset + 6),
        ExtendedProperties = reader.IsDBNull(offset + 7) ? [] : JsonSerializer.Deserialize<List<ExtendedProperty>>(reader.GetString(offset + 7), Json) ?? [],
        TotalCount = reader.GetInt32(offset + 8),
        UnreadCount = reader.GetInt32(offset + 9),
        ChildFolderCount = reader.GetInt32(offset + 10),
        LastModified = new DateTime(reader.GetInt64(offset + 11), DateTimeKind.Utc),
        ContentModified = new DateTime(reader.GetInt64(offset + 12), DateTimeKind.Utc),
    };

    private async Task InsertFolder(NpgsqlConnection connection, NpgsqlTransaction tx, WriteScope scope, Folder folder, CancellationToken cancellationToken)
    {
        folder.ChangeNumber = await NumberAsync(connection, tx, scope, folder.MailboxId, cancellationToken);
        folder.LastModified = folder.ContentModified = new DateTime(NowTicks(), DateTimeKind.Utc);
        await using var cmd = connection.Command("""
            INSERT INTO folders (id, mailbox_id, parent_id, display_name, folder_class, distinguished_name, change_number, extended, sync_seq, created_seq, modified_ticks, content_ticks)
            VALUES (@id, @m, @p::text, @n, @c::text, @d::text, @seq, @x::text, @seq, @seq, @now, @now);
            INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id) VALUES (@m, @seq, 1, 1, @id, @p::text);
            """, tx,
            ("id", folder.Id), ("m", folder.MailboxId), ("p", folder.ParentId), ("n", folder.DisplayName), ("c", folder.FolderClass),
            ("d", folder.DistinguishedName), ("seq", folder.ChangeNumber), ("now", folder.LastModified.Ticks),
            ("x", folder.ExtendedProperties.Count == 0 ? null : JsonSerializer.Serialize(folder.ExtendedProperties, Json)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The time a write stamps on folders: now, to the second (what clients read of it).</summary>
    private long NowTicks()
    {
        var ticks = Time.GetUtcNow().UtcTicks;
        return ticks - (ticks % TimeSpan.TicksPerSecond);
    }

    /// <summary>
    /// Stamps the folders whose contents changed in this write (a stamp moves on by a second at least) and counts the
    /// items it inserted into them.
    /// </summary>
    private async Task StampContentsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FolderStamps touched, CancellationToken cancellationToken)
    {
        if (touched.Count == 0)
        {
            return;
        }

        await using var cmd = connection.Command(StampContentsSql, tx, touched.Parameters(NowTicks()));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    // Items

    private const string ItemColumns = "SELECT id, mailbox_id, folder_id, change_number, data, created_seq FROM items";

    public async Task<Item?> GetItemAsync(string itemId, CancellationToken cancellationToken) =>
        (await QueryItems(ItemColumns + " WHERE id = @id;", cancellationToken, ("id", itemId))).FirstOrDefault();

    public Task<IReadOnlyList<Item>> GetItemsAsync(string folderId, CancellationToken cancellationToken) =>
        QueryItems(ItemColumns + " WHERE folder_id = @f;", cancellationToken, null, true, ("f", folderId));

    // start_ticks > @s - longest is implied by end_ticks > @s; said outright, it bounds the index range from below.
    // Masters left out: the series query answers for them.
    internal const string WindowCondition =
        " WHERE folder_id = @f AND start_ticks < @e AND start_ticks > @s - (SELECT longest_ticks FROM folders WHERE id = @f) AND end_ticks > @s AND series_start_ticks IS NULL ORDER BY start_ticks;";

    internal const string WindowQuery = ItemColumns + WindowCondition;

    public Task<IReadOnlyList<Item>> GetItemsInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        QueryItems(WindowQuery, cancellationToken, null, true, ("f", folderId), ("s", start.Ticks), ("e", end.Ticks));

    public Task<IReadOnlyList<Item>> GetItemsInWindowAsync(string folderId, DateTime start, DateTime end, ItemProjection? only, CancellationToken cancellationToken) =>
        QueryItems(WindowQuery, cancellationToken, only, true, ("f", folderId), ("s", start.Ticks), ("e", end.Ticks));

    public Task<IReadOnlyList<Item>> GetFreeBusyInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        QueryItems(WindowQuery, cancellationToken, ItemFormat.FreeBusy, true, ("f", folderId), ("s", start.Ticks), ("e", end.Ticks));

    private const string SeriesWindowCondition = " WHERE folder_id = @f AND series_start_ticks IS NOT NULL AND series_start_ticks < @e AND (series_end_ticks IS NULL OR series_end_ticks > @s);";

    public Task<IReadOnlyList<Item>> GetSeriesInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        QueryItems(ItemColumns + SeriesWindowCondition, cancellationToken, ("f", folderId), ("s", start.Ticks), ("e", end.Ticks));

    public async Task<IReadOnlyList<(string Id, long ChangeNumber)>> GetSeriesVersionsInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command("SELECT id, change_number FROM items" + SeriesWindowCondition, null, ("f", folderId), ("s", start.Ticks), ("e", end.Ticks));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var versions = new List<(string, long)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return versions;
    }

    public async Task<IReadOnlyList<SeriesVersion>> GetSeriesVersionsAsync(string folderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Covered by items_series: an index-only scan.
        await using var cmd = connection.Command(
            "SELECT id, change_number, series_start_ticks, series_end_ticks FROM items WHERE folder_id = @f AND series_start_ticks IS NOT NULL;", null, ("f", folderId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var versions = new List<SeriesVersion>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new SeriesVersion(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));
        }

        return versions;
    }

    public async Task<IReadOnlyList<PlacedItem>> GetMeetingItemsAsync(string mailboxId, string uid, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(
            "SELECT i.id, i.mailbox_id, i.folder_id, i.change_number, i.data, i.created_seq, f.distinguished_name FROM items i JOIN folders f ON f.id = i.folder_id WHERE i.mailbox_id = @m AND i.uid = @u;",
            null, ("m", mailboxId), ("u", uid));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var items = new List<PlacedItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new PlacedItem(ReadItem(reader), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return items;
    }

    /// <summary>
    /// An item from columns id, mailbox_id, folder_id, change_number, data, and created_seq at <paramref name="entered"/>.
    /// <paramref name="sameFolderAs"/>, for a query of one folder, is the row read before, whose mailbox and folder ids are shared.
    /// </summary>
    private static Item ReadItem(NpgsqlDataReader reader, ItemProjection? only = null, int entered = 5, Item? sameFolderAs = null)
    {
        var item = ItemFormat.Deserialize(reader.GetFieldValue<byte[]>(4), only);
        item.Id = reader.GetString(0);
        item.MailboxId = sameFolderAs?.MailboxId ?? reader.GetString(1);
        item.FolderId = sameFolderAs?.FolderId ?? reader.GetString(2);
        item.ChangeNumber = reader.GetInt64(3);
        item.NumberInFolder(reader.GetInt64(entered));
        return item;
    }

    private Task<IReadOnlyList<Item>> QueryItems(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        QueryItems(sql, cancellationToken, null, false, parameters);

    private async Task<IReadOnlyList<Item>> QueryItems(string sql, CancellationToken cancellationToken, ItemProjection? only, bool oneFolder, params (string, object?)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var items = new List<Item>();
        Item? previous = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            previous = ReadItem(reader, only, sameFolderAs: oneFolder ? previous : null);
            items.Add(previous);
        }

        return items;
    }

    // What a read-flag-only update may change besides IsRead: equal without these, the update is a ReadFlagChange.
    private static readonly string WithoutNonContent = string.Concat(ItemFormat.NonContentPathArrays.Select(p =>
        " #- '{" + string.Join(',', p.Select(k => "\"" + k.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}'"));

    // One statement each, so that a batch may send them (a batch's statement is one statement).
    private static readonly string UpdateItemRowSql = $"""
        UPDATE items SET folder_id = @f, kind = @k, start_ticks = @s, end_ticks = @e, is_unread = @u, change_number = @seq, data = @d, uid = @uid::text,
            series_start_ticks = @ss::bigint, series_end_ticks = @se::bigint, sync_seq = @seq,
            created_seq = CASE WHEN folder_id = @f THEN created_seq ELSE @seq END,
            content_seq = CASE WHEN folder_id = @f AND (data::jsonb{WithoutNonContent}) = (@d::jsonb{WithoutNonContent}) THEN content_seq ELSE @seq END
        WHERE id = @id AND mailbox_id = @m AND change_number = @expected;
        """;

    private const string UpdateItemLogSql = """
        INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id)
        SELECT mailbox_id, @seq, CASE WHEN content_seq = @seq THEN 2 ELSE 3 END, 0, id, folder_id FROM items WHERE id = @id AND sync_seq = @seq AND created_seq <> @seq;
        """;

    private static readonly string UpdateItemSql = UpdateItemRowSql + "\n" + UpdateItemLogSql;

    // The batched write's update and its log row as one statement: the log row from the updated row itself, not a second
    // lookup of it (19 blocks a call in the propose loop). A move's row is logged by the update trigger instead (its
    // created_seq is the change's). The count is what the update found: 0 when the decision was made on a stale row.
    private static readonly string UpdateItemLoggedSql = "WITH u AS (" + UpdateItemRowSql.Trim().TrimEnd(';') + """

         RETURNING mailbox_id, id, folder_id, content_seq, created_seq),
        l AS (INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id)
            SELECT mailbox_id, @seq, CASE WHEN content_seq = @seq THEN 2 ELSE 3 END, 0, id, folder_id FROM u WHERE created_seq <> @seq)
        SELECT count(*) FROM u;
        """;

    private const string InsertItemSql = """
        INSERT INTO items (id, mailbox_id, folder_id, kind, start_ticks, end_ticks, is_unread, change_number, data, uid, sync_seq, created_seq, content_seq, series_start_ticks, series_end_ticks)
        VALUES (@id, @m, @f, @k, @s::bigint, @e::bigint, @u, @seq, @d, @uid::text, @seq, @seq, @seq, @ss::bigint, @se::bigint);
        """;

    private const string InsertItemLogSql = """
        INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id, source_id, source_folder_id, source_entered)
        VALUES (@m, @seq, @kind, 0, @id, @f, @src::text, COALESCE(@srcf::text, (SELECT folder_id FROM items WHERE id = @src::text)), @srce::bigint);
        """;

    private const string DeleteItemSql = "DELETE FROM items WHERE id = @id RETURNING mailbox_id, folder_id, created_seq;";

    private const string DeleteItemLogSql = "INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, source_folder_id, source_entered) VALUES (@m, @seq, 6, 0, @id, @f, @e);";

    // Migration 7: the counts of inserted items are written here, one row version a folder a write, rather than by a row
    // trigger per item (a meeting's write made up to 23 versions of its attendees' folder rows, each with its trigger call).
    private const string StampContentsSql = """
        UPDATE folders f SET content_ticks = GREATEST(@now, f.content_ticks + 10000000),
            total_count = f.total_count + d.n, unread_count = f.unread_count + d.u, longest_ticks = GREATEST(f.longest_ticks, d.l)
        FROM unnest(@f::text[], @n::integer[], @u::integer[], @l::bigint[]) AS d(id, n, u, l) WHERE f.id = d.id;
        """;

    // The counters the group holds, set to what a write took (sent with its rows, in the same round trip).
    private const string SetCountersSql = "UPDATE mailbox_counters SET value = c.v FROM unnest(@m::text[], @v::bigint[]) AS c(m, v) WHERE mailbox_id = c.m;";

    // The counters of new mailboxes (held by no one else), made by this write; an existing row is left alone and not returned.
    private const string NumberNewManySql = """
        INSERT INTO mailbox_counters (mailbox_id, value) SELECT m, n FROM unnest(@m::text[], @n::bigint[]) AS c(m, n) ORDER BY m COLLATE "C"
        ON CONFLICT (mailbox_id) DO NOTHING RETURNING mailbox_id, value;
        """;

    private static (string, object?)[] ItemParameters(Item item, string data)
    {
        var (kind, start, end, unread, uid) = ItemFormat.IndexedColumns(item);
        var (seriesStart, seriesEnd) = ItemFormat.SeriesColumns(item);
        return
        [
            ("id", item.Id), ("m", item.MailboxId), ("f", item.FolderId), ("k", kind), ("s", start), ("e", end), ("u", unread),
            ("d", data), ("uid", uid), ("ss", seriesStart), ("se", seriesEnd),
        ];
    }

    /// <summary>Whether the item's field changes wait for the number of the change that writes it.</summary>
    private static bool Marked(Item item) => item.HasFieldChanges && item.FieldChanges.ContainsValue(ChangeSet.ThisChange);

    public Task ApplyAsync(ChangeSet changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
        {
            return Task.CompletedTask;
        }

        // Serialized here, on the request's thread. An item whose field changes name this change is serialized in the
        // write, once numbered; those marks are kept, since a write run again after a deadlock numbers afresh.
        var inserts = changes.Inserts.Select(i => (Item: i, Data: Marked(i) ? null : ItemFormat.Serialize(i))).ToList();
        var updates = changes.Updates.Select(u => (u.Item, Data: Marked(u.Item) ? null : ItemFormat.Serialize(u.Item), u.ExpectedChangeNumber)).ToList();
        var marks = changes.Inserts.Concat(changes.Updates.Select(u => u.Item)).Where(Marked)
            .Select(i => (Item: i, Fields: i.FieldChanges.Where(static f => f.Value == ChangeSet.ThisChange).Select(static f => f.Key).ToList())).ToList();
        var deleted = changes.Deletes.ToHashSet(StringComparer.Ordinal);
        // A move is the copy of a deleted source (its first copy, should a set copy it twice), within one mailbox.
        var moved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (copyId, sourceId) in changes.Sources.Where(s => deleted.Contains(s.Value)))
        {
            moved.TryAdd(sourceId, copyId);
        }

        var mailboxOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in changes.Inserts)
        {
            mailboxOf.TryAdd(item.Id, item.MailboxId);
        }

        // What the write will number, for the group to lock before any write runs: the deletes' mailboxes are read there.
        var claim = new CounterClaim(
            changes.Inserts.Select(i => i.MailboxId).Concat(changes.Updates.Select(u => u.Item.MailboxId))
                .Concat(changes.FolderInserts.Select(f => f.MailboxId)).Concat(changes.FolderUpdates.Select(f => f.MailboxId)),
            changes.Deletes, changes.FolderDeletes);

        if (ItemsOnly(changes))
        {
            return writer.WriteAsync((connection, tx, scope) => ApplyItemsAsync(connection, tx, scope, changes, inserts, updates, marks, moved, mailboxOf, cancellationToken),
                claim, ownSavepoint: true, cancellationToken);
        }

        return WriteAsync(async (connection, tx, scope) =>
        {
            foreach (var (item, fields) in marks)
            {
                foreach (var field in fields)
                {
                    item.FieldChanges[field] = ChangeSet.ThisChange;
                }
            }

            await WriteAttachmentsAsync(connection, tx, changes, deleted, cancellationToken);
            foreach (var folder in changes.FolderInserts)
            {
                await InsertFolder(connection, tx, scope, folder, cancellationToken);
            }

            // After the folder inserts (a new folder's set may be among them), in this write's savepoint.
            await WritePermissionsAsync(connection, tx, changes, cancellationToken);
            await WriteDelegatesAsync(connection, tx, changes, cancellationToken);
            await WriteGrantsAsync(connection, tx, changes, cancellationToken);
            foreach (var folder in changes.FolderUpdates)
            {
                folder.ChangeNumber = await NumberAsync(connection, tx, scope, folder.MailboxId, cancellationToken);
                // Logged before the row changes, so that a move records where the folder was.
                await using var cmd = connection.Command("""
                    INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id, source_folder_id, source_entered)
                    SELECT mailbox_id, @seq, CASE WHEN parent_id IS NOT DISTINCT FROM @p::text THEN 2 ELSE 4 END, 1, id, @p::text,
                        CASE WHEN parent_id IS NOT DISTINCT FROM @p::text THEN NULL ELSE parent_id END, created_seq
                    FROM folders WHERE id = @id AND mailbox_id = @m;
                    UPDATE folders SET parent_id = @p::text, display_name = @n, folder_class = @c::text, change_number = @seq, extended = @x::text, sync_seq = @seq,
                        modified_ticks = GREATEST(@now, modified_ticks + 10000000) WHERE id = @id AND mailbox_id = @m;
                    """, tx,
                    ("id", folder.Id), ("m", folder.MailboxId), ("p", folder.ParentId), ("n", folder.DisplayName), ("c", folder.FolderClass), ("seq", folder.ChangeNumber), ("now", NowTicks()),
                    ("x", folder.ExtendedProperties.Count == 0 ? null : JsonSerializer.Serialize(folder.ExtendedProperties, Json)));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            // Folders whose contents this write changes (their ctag moves on).
            var touched = new FolderStamps();

            // Where the sources of moves were: their move is logged once, with the insert of their copy.
            var departed = new Dictionary<string, (string FolderId, long Entered)>(StringComparer.Ordinal);
            foreach (var id in changes.Deletes)
            {
                string mailboxId, folderId;
                long entered;
                await using (var cmd = connection.Command(DeleteItemSql, tx, ("id", id)))
                await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        // Someone else deleted or moved it since it was read: the decision was made on stale state.
                        throw new ConcurrencyException(id, gone: true);
                    }

                    (mailboxId, folderId, entered) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
                }

                touched.Touch(folderId);
                if (moved.TryGetValue(id, out var copyId) && mailboxOf.GetValueOrDefault(copyId) == mailboxId)
                {
                    departed[id] = (folderId, entered);
                    continue;
                }

                await using var log = connection.Command(DeleteItemLogSql, tx,
                    ("m", mailboxId), ("seq", await NumberAsync(connection, tx, scope, mailboxId, cancellationToken)), ("id", id), ("f", folderId), ("e", entered));
                await log.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var id in changes.FolderDeletes)
            {
                string mailboxId;
                await using (var owner = connection.Command("SELECT mailbox_id FROM folders WHERE id = @id;", tx, ("id", id)))
                {
                    if (await owner.ExecuteScalarAsync(cancellationToken) is not string m)
                    {
                        continue;
                    }

                    mailboxId = m;
                }

                // Subfolders first (their items go with them through the foreign key), one number for the whole tree.
                await using var cmd = connection.Command("""
                    WITH RECURSIVE tree(id) AS (SELECT @id::text UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id)
                    INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, source_folder_id, source_entered)
                    SELECT mailbox_id, @seq, 6, 1, id, parent_id, created_seq FROM folders WHERE id IN (SELECT id FROM tree);
                    WITH RECURSIVE tree(id) AS (SELECT @id::text UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id)
                    DELETE FROM folders WHERE id IN (SELECT id FROM tree);
                    """, tx, ("id", id), ("seq", await NumberAsync(connection, tx, scope, mailboxId, cancellationToken)));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            // The items' numbers, one block per mailbox, in the order they are written.
            var next = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var mailbox in changes.Inserts.Concat(changes.Updates.Select(u => u.Item)).GroupBy(i => i.MailboxId, StringComparer.Ordinal))
            {
                next[mailbox.Key] = await NumberAsync(connection, tx, scope, mailbox.Key, cancellationToken, mailbox.Count()) - mailbox.Count() + 1;
            }

            foreach (var (item, data) in inserts)
            {
                var (seq, bytes) = NumberInsert(item, data, next, touched);
                var source = changes.Sources.GetValueOrDefault(item.Id);
                var (kind, sourceFolder, sourceEntered) = InsertKind(item.Id, source, departed, moved);
                await using var cmd = connection.Command(InsertItemSql + "\n" + InsertItemLogSql,
                    tx, [.. ItemParameters(item, bytes), ("seq", seq),
                        ("kind", (int)kind), ("src", source), ("srcf", sourceFolder), ("srce", sourceEntered)]);
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var (item, data, expected) in updates)
            {
                var seq = next[item.MailboxId]++;
                var remarked = Number(item, seq);
                await using var cmd = connection.Command(UpdateItemSql,
                    tx, [.. ItemParameters(item, remarked || data is null ? ItemFormat.Serialize(item) : data), ("expected", expected), ("seq", seq)]);
                if (await cmd.ExecuteNonQueryAsync(cancellationToken) < 1)
                {
                    throw new ConcurrencyException(item.Id);
                }

                touched.Touch(item.FolderId);
            }

            await StampContentsAsync(connection, tx, touched, cancellationToken);
        }, claim, cancellationToken);
    }

    /// <summary>
    /// Whether a change set writes items alone (inserts, updates, deletes; no folder, attachment, permission, delegate or
    /// grant write): what a meeting's steps write, sent by <see cref="ApplyItemsAsync"/> in one or two round trips.
    /// </summary>
    /// <summary>
    /// An inserted item's number in its mailbox (the next of its block) and the bytes to store: serialized again when
    /// numbering marked it (the number is in its data). Both writers' paths, one at a time and batched, take it from here.
    /// </summary>
    private static (long Seq, string Data) NumberInsert(Item item, string? data, Dictionary<string, long> next, FolderStamps touched)
    {
        var seq = next[item.MailboxId]++;
        var remarked = Number(item, seq);
        item.NumberInFolder(seq);
        touched.Inserted(item);
        return (seq, remarked || data is null ? ItemFormat.Serialize(item) : data);
    }

    /// <summary>An inserted item's change-log entry: created, or moved (from the folder its source left) or copied.</summary>
    private static (ChangeKind Kind, string? SourceFolder, long? SourceEntered) InsertKind(
        string itemId, string? source, Dictionary<string, (string FolderId, long Entered)> departed, Dictionary<string, string> moved) =>
        source is null ? (ChangeKind.Created, null, null)
        : departed.TryGetValue(source, out var from) && moved[source] == itemId ? (ChangeKind.Moved, from.FolderId, from.Entered)
        : (ChangeKind.Copied, null, null);

    // The batched write's inserts and their log rows, two statements whatever their number (a meeting's invitation
    // writes 22): one row each from arrays, the log's in the items' order (its pos orders the entries of one change).
    private const string InsertItemsSql = """
        INSERT INTO items (id, mailbox_id, folder_id, kind, start_ticks, end_ticks, is_unread, change_number, data, uid, sync_seq, created_seq, content_seq, series_start_ticks, series_end_ticks)
        SELECT id, m, f, k, s, e, u, seq, d, uid, seq, seq, seq, ss, se
        FROM unnest(@id::text[], @m::text[], @f::text[], @k::integer[], @s::bigint[], @e::bigint[], @u::integer[], @seq::bigint[], @d::text[], @uid::text[], @ss::bigint[], @se::bigint[])
            AS r(id, m, f, k, s, e, u, seq, d, uid, ss, se);
        """;

    private const string InsertItemLogsSql = """
        INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id, source_id, source_folder_id, source_entered)
        SELECT m, seq, kind, 0, id, f, src, COALESCE(srcf, (SELECT i.folder_id FROM items i WHERE i.id = r.src)), srce
        FROM unnest(@m::text[], @seq::bigint[], @kind::integer[], @id::text[], @f::text[], @src::text[], @srcf::text[], @srce::bigint[]) WITH ORDINALITY
            AS r(m, seq, kind, id, f, src, srcf, srce, ord)
        ORDER BY ord;
        """;

    private static void AddInserts(StatementBatch batch, ChangeSet changes, List<(Item Item, string? Data)> inserts, Dictionary<string, long> next, FolderStamps touched,
        Dictionary<string, (string FolderId, long Entered)> departed, Dictionary<string, string> moved)
    {
        var n = inserts.Count;
        var (ids, mailboxes, folders, datas) = (new string[n], new string[n], new string[n], new string[n]);
        var (kinds, unread, logKinds) = (new int[n], new int[n], new int[n]);
        var (starts, ends, seriesStarts, seriesEnds, enteredFrom) = (new long?[n], new long?[n], new long?[n], new long?[n], new long?[n]);
        var (seqs, uids, sources, sourceFolders) = (new long[n], new string?[n], new string?[n], new string?[n]);
        for (var i = 0; i < n; i++)
        {
            var (item, data) = inserts[i];
            var (seq, bytes) = NumberInsert(item, data, next, touched);
            var source = changes.Sources.GetValueOrDefault(item.Id);
            var (kind, sourceFolder, sourceEntered) = InsertKind(item.Id, source, departed, moved);
            (ids[i], mailboxes[i], folders[i], datas[i], seqs[i]) = (item.Id, item.MailboxId, item.FolderId, bytes, seq);
            (kinds[i], starts[i], ends[i], unread[i], uids[i]) = ItemFormat.IndexedColumns(item);
            (seriesStarts[i], seriesEnds[i]) = ItemFormat.SeriesColumns(item);
            (logKinds[i], sources[i], sourceFolders[i], enteredFrom[i]) = ((int)kind, source, sourceFolder, sourceEntered);
        }

        batch.Add(InsertItemsSql, null, ("id", ids), ("m", mailboxes), ("f", folders), ("k", kinds), ("s", starts), ("e", ends), ("u", unread), ("seq", seqs),
            ("d", datas), ("uid", uids), ("ss", seriesStarts), ("se", seriesEnds));
        batch.Add(InsertItemLogsSql, null, ("m", mailboxes), ("seq", seqs), ("kind", logKinds), ("id", ids), ("f", folders), ("src", sources),
            ("srcf", sourceFolders), ("srce", enteredFrom));
    }

    private static bool ItemsOnly(ChangeSet changes) =>
        changes.FolderInserts.Count == 0 && changes.FolderUpdates.Count == 0 && changes.FolderDeletes.Count == 0 && changes.Attachments.Count == 0
        && changes.Permissions.Count == 0 && changes.PermissionChecks.Count == 0 && changes.Delegates.Count == 0 && changes.DeliverySettings.Count == 0
        && changes.Grants.Count == 0 && !changes.Inserts.Any(i => i.Attachments is not null && changes.Sources.ContainsKey(i.Id));

    /// <summary>
    /// The write of an items-only change set, as the general one in <see cref="ApplyAsync"/> (the same statements, numbers
    /// and log rows), in batches: the savepoint and the deletes; then the counters' new values (taken from those the group
    /// locked, <see cref="GroupCounters"/>), every insert, update, log row and the contents stamp. An insert-only write is
    /// one round trip. A delete or update that finds its row changed fails the write (rolled back to its savepoint by the
    /// group commit).
    /// </summary>
    private async Task ApplyItemsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, WriteScope scope, ChangeSet changes,
        List<(Item Item, string? Data)> inserts, List<(Item Item, string? Data, long ExpectedChangeNumber)> updates, List<(Item Item, List<string> Fields)> marks,
        Dictionary<string, string> moved, Dictionary<string, string> mailboxOf, CancellationToken cancellationToken)
    {
        foreach (var (item, fields) in marks)
        {
            foreach (var field in fields)
            {
                item.FieldChanges[field] = ChangeSet.ThisChange;
            }
        }

        var batch = new StatementBatch(scope);
        var touched = new FolderStamps();
        var departed = new Dictionary<string, (string FolderId, long Entered)>(StringComparer.Ordinal);
        var gone = new List<(string Id, string MailboxId, string FolderId, long Entered)>();
        if (changes.Deletes.Count > 0)
        {
            // The group locked the counters of the deleted items' mailboxes already (its claim names the deletes).
            var found = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in changes.Deletes)
            {
                batch.Add(DeleteItemSql, r =>
                {
                    found.Add(id);
                    gone.Add((id, r.GetString(0), r.GetString(1), r.GetInt64(2)));
                }, ("id", id));
            }

            await batch.ExecuteAsync(connection, tx, cancellationToken);
            if (changes.Deletes.FirstOrDefault(id => !found.Contains(id)) is { } missing)
            {
                // Someone else deleted or moved it since it was read: the decision was made on stale state.
                throw new ConcurrencyException(missing, gone: true);
            }
        }

        // How many numbers each mailbox takes: one per delete logged (a move's is its copy's), then one per item.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var logDeletes = new List<(string Id, string MailboxId, string FolderId, long Entered)>();
        foreach (var d in gone)
        {
            touched.Touch(d.FolderId);
            scope.Logged(d.MailboxId);
            if (moved.TryGetValue(d.Id, out var copyId) && mailboxOf.GetValueOrDefault(copyId) == d.MailboxId)
            {
                departed[d.Id] = (d.FolderId, d.Entered);
                continue;
            }

            logDeletes.Add(d);
            counts[d.MailboxId] = counts.GetValueOrDefault(d.MailboxId) + 1;
        }

        foreach (var item in changes.Inserts.Concat(changes.Updates.Select(u => u.Item)))
        {
            counts[item.MailboxId] = counts.GetValueOrDefault(item.MailboxId) + 1;
            scope.Logged(item.MailboxId);
        }

        // The numbers: taken from the counters the group holds, their new values sent with the rows below; a mailbox
        // whose counter does not exist yet gets it here (a round trip), and any other fails the write (run again, claimed).
        var next = new Dictionary<string, long>(StringComparer.Ordinal);
        var fresh = counts.Where(c => !scope.Counters.Holds(c.Key)).ToList();
        if (fresh.Count > 0)
        {
            batch.Add(NumberNewManySql, r => scope.Counters.Set(r.GetString(0), r.GetInt64(1)),
                ("m", fresh.Select(static c => c.Key).ToArray()), ("n", fresh.Select(static c => (long)c.Value).ToArray()));
            await batch.ExecuteAsync(connection, tx, cancellationToken);
            foreach (var (mailbox, count) in fresh)
            {
                next[mailbox] = scope.Counters.Holds(mailbox) ? scope.Counters.Current(mailbox) - count + 1 : throw new UndeclaredMailboxException(mailbox);
            }
        }

        var set = counts.Where(c => !next.ContainsKey(c.Key)).Select(c => (Mailbox: c.Key, First: scope.Counters.Take(c.Key, c.Value))).ToList();
        NpgsqlBatchCommand? setCounters = null;
        if (set.Count > 0)
        {
            foreach (var (mailbox, first) in set)
            {
                next[mailbox] = first;
            }

            setCounters = batch.Add(SetCountersSql, null, ("m", set.Select(static s => s.Mailbox).ToArray()), ("v", set.Select(s => scope.Counters.Current(s.Mailbox)).ToArray()));
        }

        foreach (var (id, mailboxId, folderId, entered) in logDeletes)
        {
            batch.Add(DeleteItemLogSql, null, ("m", mailboxId), ("seq", next[mailboxId]++), ("id", id), ("f", folderId), ("e", entered));
        }

        if (inserts.Count > 0)
        {
            AddInserts(batch, changes, inserts, next, touched, departed, moved);
        }

        var updated = new List<(long Count, string Id)>();
        foreach (var (item, data, expected) in updates)
        {
            var seq = next[item.MailboxId]++;
            var remarked = Number(item, seq);
            var parameters = ItemParameters(item, remarked || data is null ? ItemFormat.Serialize(item) : data);
            var id = item.Id;
            batch.Add(UpdateItemLoggedSql, r => updated.Add((r.GetInt64(0), id)), [.. parameters, ("expected", expected), ("seq", seq)]);
            touched.Touch(item.FolderId);
        }

        if (touched.Count > 0)
        {
            batch.Add(StampContentsSql, null, touched.Parameters(NowTicks()));
        }

        await batch.ExecuteAsync(connection, tx, cancellationToken);
        if (setCounters is not null && setCounters.RecordsAffected < set.Count)
        {
            // A counter the group locked is gone: its mailbox was removed by a write before this one.
            throw new ConcurrencyException(set[0].Mailbox, gone: true);
        }

        if (updated.FirstOrDefault(static c => c.Count < 1) is { Id: { } stale })
        {
            throw new ConcurrencyException(stale);
        }
    }

    // Associated (FAI) items: one per item class and folder (user configuration objects).

    private const string AssociatedColumns = "SELECT id, mailbox_id, folder_id, change_number, data, 0::bigint FROM associated_items";

    public async Task<IReadOnlyList<Item>> GetAssociatedItemsAsync(string folderId, CancellationToken cancellationToken) =>
        Associated(await QueryItems(AssociatedColumns + " WHERE folder_id = @f ORDER BY item_class COLLATE \"C\";", cancellationToken, ("f", folderId)));

    public async Task<Item?> GetAssociatedItemAsync(string folderId, string itemClass, CancellationToken cancellationToken) =>
        Associated(await QueryItems(AssociatedColumns + " WHERE folder_id = @f AND item_class = @c;", cancellationToken, ("f", folderId), ("c", itemClass))).FirstOrDefault();

    private static IReadOnlyList<Item> Associated(IReadOnlyList<Item> items)
    {
        foreach (var item in items)
        {
            item.MarkAssociated();
        }

        return items;
    }

    public async Task SaveAssociatedItemAsync(Item item, long? expectedChangeNumber, CancellationToken cancellationToken)
    {
        await WriteAsync(async (connection, tx, scope) =>
        {
            var seq = await NumberAsync(connection, tx, scope, item.MailboxId, cancellationToken);
            item.ChangeNumber = seq;
            var data = ItemFormat.Serialize(item);
            if (expectedChangeNumber is { } expected)
            {
                await using var update = connection.Command(
                    "UPDATE associated_items SET change_number = @seq, data = @d WHERE id = @id AND change_number = @expected;", tx,
                    ("id", item.Id), ("seq", seq), ("d", data), ("expected", expected));
                if (await update.ExecuteNonQueryAsync(cancellationToken) < 1)
                {
                    throw new ConcurrencyException(item.Id);
                }

                return;
            }

            try
            {
                await using var insert = connection.Command(
                    "INSERT INTO associated_items (id, mailbox_id, folder_id, item_class, change_number, data) VALUES (@id, @m, @f, @c, @seq, @d);", tx,
                    ("id", item.Id), ("m", item.MailboxId), ("f", item.FolderId), ("c", item.ItemClass), ("seq", seq), ("d", data));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (PostgresSql.IsUniqueViolation(e))
            {
                throw new DuplicateException($"The folder already holds an associated item of class {item.ItemClass}.");
            }
        }, new CounterClaim([item.MailboxId]), cancellationToken);
    }

    public async Task<bool> DeleteAssociatedItemAsync(string itemId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command("DELETE FROM associated_items WHERE id = @id;", tx, ("id", itemId));
            deleted = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return deleted > 0;
    }
}

/// <summary>
/// The folders a write changed the contents of, and what its inserts add to each one's counts and longest item: the
/// parameters of the one statement that stamps and counts them (what the insert trigger did before migration 7).
/// </summary>
internal sealed class FolderStamps
{
    private readonly Dictionary<string, (int Count, int Unread, long Longest)> folders = new(StringComparer.Ordinal);

    public int Count => folders.Count;

    /// <summary>A folder whose contents changed (a delete or an update in it): stamped, its counts as they are.</summary>
    public void Touch(string folderId) => folders.TryAdd(folderId, (0, 0, 0));

    /// <summary>An item inserted into its folder: counted there, as the trigger counted it (unread, its length, or 0 without one).</summary>
    public void Inserted(Item item)
    {
        var (_, start, end, unread, _) = ItemFormat.IndexedColumns(item);
        var (count, unreadCount, longest) = folders.GetValueOrDefault(item.FolderId);
        folders[item.FolderId] = (count + 1, unreadCount + unread, Math.Max(longest, end - start ?? 0));
    }

    public (string, object?)[] Parameters(long now) =>
    [
        ("f", folders.Keys.ToArray()), ("n", folders.Values.Select(static v => v.Count).ToArray()),
        ("u", folders.Values.Select(static v => v.Unread).ToArray()), ("l", folders.Values.Select(static v => v.Longest).ToArray()), ("now", now),
    ];
}
