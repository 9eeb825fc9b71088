using System.Globalization;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged write survives
/// a killed process (and a power cut). Writes go through one writer, which commits concurrent writes together
/// (<see cref="GroupCommit"/>); reads run beside them.
/// Items are kept as JSON with the columns queries need (folder, window, read flag) beside it.
/// </summary>
public sealed partial class SqliteMailStore : IMailStore
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        // An item has some eighty properties and most are null: written out, they doubled its size (bench, issue 6).
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            // Computed properties (Size, Key, ElementName...) are derived on read, never stored.
            Modifiers = { static info => RemoveComputed(info) },
        },
    };

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE users (
            mailbox_id TEXT PRIMARY KEY,
            address TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL
        );
        CREATE TABLE folders (
            id TEXT PRIMARY KEY,
            mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            parent_id TEXT,
            display_name TEXT NOT NULL,
            folder_class TEXT,
            distinguished_name TEXT,
            change_number INTEGER NOT NULL,
            extended TEXT
        );
        CREATE INDEX folders_parent ON folders(parent_id);
        CREATE UNIQUE INDEX folders_distinguished ON folders(mailbox_id, distinguished_name) WHERE distinguished_name IS NOT NULL;
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            kind INTEGER NOT NULL,
            start_ticks INTEGER,
            end_ticks INTEGER,
            is_unread INTEGER NOT NULL,
            change_number INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX items_folder ON items(folder_id);
        CREATE INDEX items_window ON items(folder_id, start_ticks, end_ticks);
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO counters VALUES ('change', 0);
        """,
        """
        ALTER TABLE items ADD COLUMN uid TEXT;
        UPDATE items SET uid = json_extract(data, '$.Uid');
        CREATE INDEX items_uid ON items(mailbox_id, uid) WHERE uid IS NOT NULL;
        """,
        // Index 2: synchronization (SyncFolderItems, SyncFolderHierarchy). sync_seq is commit-ordered (allocated under the
        // writer lock), unlike change_number, so "everything above a watermark" is exactly what a client has not seen.
        // created_seq: when the row entered its current folder; content_seq: its last change other than the read flag.
        // Rows that existed before this migration get seqs in insertion order, as if just created.
        """
        ALTER TABLE items ADD COLUMN sync_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE items ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE items ADD COLUMN content_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE folders ADD COLUMN sync_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE folders ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE items SET sync_seq = rowid, created_seq = rowid, content_seq = rowid;
        UPDATE folders SET sync_seq = rowid + (SELECT IFNULL(MAX(rowid), 0) FROM items), created_seq = rowid + (SELECT IFNULL(MAX(rowid), 0) FROM items);
        INSERT INTO counters VALUES ('sync', (SELECT IFNULL(MAX(sync_seq), 0) FROM folders) + (SELECT IFNULL(MAX(sync_seq), 0) FROM items));
        CREATE INDEX items_sync ON items(folder_id, sync_seq);
        CREATE INDEX folders_sync ON folders(mailbox_id, sync_seq);
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
        CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
        -- An update that changes an item's folder is a move: the source folder must see it leave.
        CREATE TRIGGER items_left_folder AFTER UPDATE OF folder_id ON items WHEN OLD.folder_id <> NEW.folder_id
        BEGIN
            INSERT INTO item_tombstones VALUES (OLD.folder_id, OLD.id, NEW.sync_seq, OLD.created_seq);
        END;
        """,
        // Index 3: per-mailbox settings, starting with working hours (JSON of WorkingHours; NULL: the default).
        """
        CREATE TABLE mailbox_settings (
            mailbox_id TEXT PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            working_hours TEXT
        );
        """,
        // Index 4: every folder lookup counts its unread items; without an index that read each row of the folder
        // (bench: 99% of an incremental sync of a 100,000-item folder). The partial index holds unread rows only.
        """
        CREATE INDEX items_unread ON items(folder_id) WHERE is_unread = 1;
        """,
        // Index 5: what a folder lookup and a window query need, kept in the folder row by triggers so that neither reads
        // more than it returns (bench, issue 6): the counts (counting the 100,000 entries of items_folder still took
        // milliseconds; replaces index 4), and the longest item the folder ever held, which bounds a window query's
        // scan of items_window from below (without it, "starts before the window's end" read every earlier item).
        """
        ALTER TABLE folders ADD COLUMN total_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE folders ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE folders ADD COLUMN longest_ticks INTEGER NOT NULL DEFAULT 0;
        UPDATE folders SET
            total_count = (SELECT COUNT(*) FROM items i WHERE i.folder_id = folders.id),
            unread_count = (SELECT COUNT(*) FROM items i WHERE i.folder_id = folders.id AND i.is_unread = 1),
            longest_ticks = IFNULL((SELECT MAX(i.end_ticks - i.start_ticks) FROM items i WHERE i.folder_id = folders.id), 0);
        CREATE TRIGGER items_counted_in AFTER INSERT ON items
        BEGIN
            UPDATE folders SET total_count = total_count + 1, unread_count = unread_count + NEW.is_unread,
                longest_ticks = MAX(longest_ticks, IFNULL(NEW.end_ticks - NEW.start_ticks, 0))
            WHERE id = NEW.folder_id;
        END;
        CREATE TRIGGER items_counted_out AFTER DELETE ON items
        BEGIN
            UPDATE folders SET total_count = total_count - 1, unread_count = unread_count - OLD.is_unread WHERE id = OLD.folder_id;
        END;
        CREATE TRIGGER items_recounted AFTER UPDATE OF folder_id, is_unread ON items
            WHEN OLD.folder_id <> NEW.folder_id OR OLD.is_unread <> NEW.is_unread
        BEGIN
            UPDATE folders SET total_count = total_count - 1, unread_count = unread_count - OLD.is_unread WHERE id = OLD.folder_id;
            UPDATE folders SET total_count = total_count + 1, unread_count = unread_count + NEW.is_unread WHERE id = NEW.folder_id;
        END;
        -- Never shrinks (a deleted long item leaves the bound wide): a wider bound only reads more, it never misses.
        CREATE TRIGGER items_lengthened AFTER UPDATE OF folder_id, start_ticks, end_ticks ON items
            WHEN NEW.end_ticks - NEW.start_ticks > 0
        BEGIN
            UPDATE folders SET longest_ticks = NEW.end_ticks - NEW.start_ticks WHERE id = NEW.folder_id AND longest_ticks < NEW.end_ticks - NEW.start_ticks;
        END;
        DROP INDEX items_unread;
        -- items_window and items_sync both begin with folder_id: a third index on it alone only cost every write a page.
        DROP INDEX items_folder;
        """,
        // Index 6: a paged sync reports the items a client was not told of in the order they entered the folder
        // (created_seq), which, unlike sync_seq, an edit does not move: page after page without reading the folder again.
        """
        CREATE INDEX items_entered ON items(folder_id, created_seq);
        """,
        // Index 7: numbering and the change log in the write transaction (issue 14). The server counted change and sync
        // numbers in memory, so a second process writing the same file (`rdv user add` beside a running server) handed
        // out numbers the first did not know of, and a synchronizing client missed changes. Now each mailbox has one
        // counter row, read and moved on inside the transaction that writes: an item's or folder's change number and its
        // sync sequence number are one number, in commit order whatever process writes. Every counter starts above both
        // old store-wide counters, so existing ChangeKeys and sync states keep their meaning.
        // The change log records each change's intent (ChangeKind; 0 item, 1 folder); it replaces the tombstone tables
        // (their rows become Deleted entries) and names folders without a foreign key, so it outlives them.
        """
        CREATE TABLE mailbox_counters (
            mailbox_id TEXT PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO mailbox_counters SELECT mailbox_id, MAX(
            (SELECT IFNULL(MAX(value), 0) FROM counters),
            (SELECT IFNULL(MAX(MAX(sync_seq, change_number)), 0) FROM items),
            (SELECT IFNULL(MAX(MAX(sync_seq, change_number)), 0) FROM folders)) FROM users;
        CREATE TABLE change_log (
            mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            is_folder INTEGER NOT NULL,
            id TEXT NOT NULL,
            folder_id TEXT,
            source_id TEXT,
            source_folder_id TEXT,
            source_entered INTEGER
        );
        CREATE INDEX change_log_seq ON change_log(mailbox_id, seq);
        -- What left a folder (SyncFolderItems' Deletes), and the folder changes of a mailbox (SyncFolderHierarchy's).
        CREATE INDEX change_log_departures ON change_log(source_folder_id, seq) WHERE is_folder = 0 AND kind IN (4, 6);
        CREATE INDEX change_log_folders ON change_log(mailbox_id, seq) WHERE is_folder = 1;
        INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, source_folder_id, source_entered)
            SELECT f.mailbox_id, t.seq, 6, 0, t.item_id, t.folder_id, t.created_seq FROM item_tombstones t JOIN folders f ON f.id = t.folder_id ORDER BY t.seq;
        INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, source_folder_id, source_entered)
            SELECT mailbox_id, seq, 6, 1, folder_id, parent_id, created_seq FROM folder_tombstones ORDER BY seq;
        DROP TRIGGER items_left_folder;
        DROP TABLE item_tombstones;
        DROP TABLE folder_tombstones;
        DROP TABLE counters;
        -- An update that changes an item's folder is a move (no operation makes one today; the workflow moves by copy and
        -- delete): the folder it left must see it go.
        CREATE TRIGGER items_moved AFTER UPDATE OF folder_id ON items WHEN OLD.folder_id <> NEW.folder_id
        BEGIN
            INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id, source_id, source_folder_id, source_entered)
            VALUES (NEW.mailbox_id, NEW.sync_seq, 4, 0, NEW.id, NEW.folder_id, OLD.id, OLD.folder_id, OLD.created_seq);
        END;
        """,
        // Index 8: items stored keyed by property identity (ItemFormat, format 2) instead of C# property names. The rows
        // are rewritten in code (RewriteItemsAsync), in this migration's transaction; this statement only marks the step.
        ItemFormatMigration,
        // Index 9: attachments (issue 15), in a table of their own so that no item read loads their bytes: one row per
        // attachment, keyed by the root item and the attachment's local id (an attachment of an attached item is a row of
        // the same root, with its parent's id), the header beside the content (first, so that reading it reads no
        // overflow page of the content). No foreign key to items: a move re-points the rows to the new item before the
        // old one goes, in the same transaction; deleting an item (also through its folder) deletes its rows.
        // IF NOT EXISTS: a store rewound to an older version (the migration tests) may still hold them.
        """
        CREATE TABLE IF NOT EXISTS attachments (
            item_id TEXT NOT NULL,
            id TEXT NOT NULL,
            mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            parent_id TEXT,
            header BLOB NOT NULL,
            content BLOB NOT NULL,
            UNIQUE (item_id, id)
        );
        CREATE TRIGGER IF NOT EXISTS items_attachments_gone AFTER DELETE ON items
        BEGIN
            DELETE FROM attachments WHERE item_id = OLD.id;
        END;
        """,
        // Index 10: what DavMail reads (issue 15). A folder's own last change and the last change of anything in it, in
        // ticks (PR_LAST_MODIFICATION_TIME and PR_LOCAL_COMMIT_TIME_MAX, its ctag), stamped in the write transaction and
        // moving on by at least a second each time, since clients read them to the second; rows of before start at the
        // migration's time. Associated (FAI) items, such as user configuration objects, live in a table of their own:
        // kept out of the folder's items, counts, windows and synchronization, as Exchange keeps them out of Shallow.
        """
        ALTER TABLE folders ADD COLUMN modified_ticks INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE folders ADD COLUMN content_ticks INTEGER NOT NULL DEFAULT 0;
        UPDATE folders SET modified_ticks = CAST((julianday('now') - 1721425.5) * 86400 AS INTEGER) * 10000000, content_ticks = CAST((julianday('now') - 1721425.5) * 86400 AS INTEGER) * 10000000;
        CREATE TABLE associated_items (
            id TEXT PRIMARY KEY,
            mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            item_class TEXT NOT NULL,
            change_number INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE UNIQUE INDEX associated_items_class ON associated_items(folder_id, item_class);
        """,
        // Index 11: recurring series (issue 16). A master's row holds its first occurrence in start_ticks and end_ticks,
        // as before, and its whole series in these two (NULL end: no end), which the services fill; a calendar window
        // reads the masters whose series overlaps it from the partial index, which holds masters only, so that neither
        // the single items' window query nor a calendar without series pays for them. No row of before is a master
        // (a Recurrence element was kept raw, without meaning), so nothing is filled in.
        """
        ALTER TABLE items ADD COLUMN series_start_ticks INTEGER;
        ALTER TABLE items ADD COLUMN series_end_ticks INTEGER;
        -- Covering for the versions query (which masters overlap, at which change number): no row is read to answer it.
        CREATE INDEX items_series ON items(folder_id, series_start_ticks, series_end_ticks, change_number, id) WHERE series_start_ticks IS NOT NULL;
        """,
        // Index 12: the server's distribution lists (issue 17 §4, `rdv group`), its directory beside the users: a list
        // is an address and a name; its members are addresses, a user's or any other (a list's too), kept as given. A
        // list goes with its last member. ResolveNames finds lists, ExpandDL lists their members.
        """
        CREATE TABLE IF NOT EXISTS distribution_lists (
            address TEXT PRIMARY KEY COLLATE NOCASE,
            display_name TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS distribution_list_members (
            list_address TEXT NOT NULL REFERENCES distribution_lists(address) ON DELETE CASCADE,
            member TEXT NOT NULL COLLATE NOCASE,
            UNIQUE (list_address, member)
        );
        """,
        // Index 13: rooms (issue 17 §5): a room is a mailbox that books itself (a row here) and cannot sign in (its password hash is
        // none PasswordHasher accepts); room lists group rooms for GetRoomLists and GetRooms, as Exchange's room list
        // distribution groups do. IF NOT EXISTS: a store rewound to an older version (the migration tests) may still hold them.
        """
        CREATE TABLE IF NOT EXISTS rooms (
            mailbox_id TEXT PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            capacity INTEGER
        );
        CREATE TABLE IF NOT EXISTS room_lists (
            address TEXT PRIMARY KEY COLLATE NOCASE,
            display_name TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS room_list_members (
            list_address TEXT NOT NULL COLLATE NOCASE REFERENCES room_lists(address) ON DELETE CASCADE,
            mailbox_id TEXT NOT NULL REFERENCES rooms(mailbox_id) ON DELETE CASCADE,
            PRIMARY KEY (list_address, mailbox_id)
        );
        """,
        // Index 14: folders and cultures (issue 17). Each mailbox has a culture (RFC 3066; NULL: en-US), in which its
        // default folders are named; the folders an Exchange mailbox has that older mailboxes lack (Archive, Conversation
        // History, Sync Issues, the recipient cache, the search and system folders) are added in code
        // (AddDefaultFoldersAsync), and the IPM root and the dumpster lose the FolderClass Exchange does not give them.
        FoldersMigration,
        // Index 15: folder permissions (issue 18 §1): a folder's permission set, one row per grantee (a user's mailbox id,
        // '~default' or '~anonymous'); the rights are the entry's own (its level is derived from them). A folder without
        // rows has Exchange's defaults. IF NOT EXISTS: a store rewound to an older version (the migration tests) may still hold it.
        """
        CREATE TABLE IF NOT EXISTS folder_permissions (
            folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            grantee TEXT NOT NULL,
            can_create_items INTEGER NOT NULL,
            can_create_subfolders INTEGER NOT NULL,
            is_folder_owner INTEGER NOT NULL,
            is_folder_visible INTEGER NOT NULL,
            is_folder_contact INTEGER NOT NULL,
            edit_items INTEGER NOT NULL,
            delete_items INTEGER NOT NULL,
            read_items INTEGER NOT NULL,
            PRIMARY KEY (folder_id, grantee)
        );
        """,
        // Index 16: grants (issue 18 §3, §4): what an administrator lets one account do with other mailboxes, as
        // Exchange's ApplicationImpersonation role (with a management scope: a list of mailboxes) and its Send As and
        // Send on Behalf permissions. principal_mailbox_id is the mailbox the right is over, '*' for every mailbox
        // (impersonation only); it names no foreign key so that '*' fits, and a removed user's rows go in RemoveUserAsync.
        """
        CREATE TABLE IF NOT EXISTS grants (
            grantee_mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            principal_mailbox_id TEXT NOT NULL,
            PRIMARY KEY (grantee_mailbox_id, kind, principal_mailbox_id)
        );
        CREATE INDEX IF NOT EXISTS grants_principal ON grants(principal_mailbox_id, kind);
        """,
        // Index 17: delegates (issue 18 §2). A principal's delegates, in the order added (position), with the two
        // settings that are not folder permissions (the levels on the principal's folders are those folders'
        // permission entries), and the principal's DeliverMeetingRequests (no row: the default). IF NOT EXISTS: a store
        // rewound to an older version (the migration tests) may still hold them.
        """
        CREATE TABLE IF NOT EXISTS delegates (
            principal_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            delegate_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            view_private_items INTEGER NOT NULL DEFAULT 0,
            receive_copies INTEGER NOT NULL DEFAULT 0,
            position INTEGER NOT NULL,
            PRIMARY KEY (principal_id, delegate_id)
        );
        CREATE INDEX IF NOT EXISTS delegates_by_delegate ON delegates(delegate_id);
        CREATE TABLE IF NOT EXISTS delegation_settings (
            principal_id TEXT PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            deliver_meeting_requests TEXT NOT NULL
        );
        """,
        // Index 18: failed sign-ins (issue 19 §5), counted in the store so that every process serving it throttles the
        // same guesses: a keyed hash of the account or client address, its count, its last failure and its lockout's end
        // (Unix ms). Stale rows are removed by the writes (by last_failure).
        """
        CREATE TABLE IF NOT EXISTS signin_failures (
            key BLOB PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_failure INTEGER NOT NULL,
            locked_until INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS signin_failures_by_last ON signin_failures(last_failure);
        """,
        // Index 19: notification subscriptions (issue 19 §5), kept in the store so that every process serving it knows
        // them: the change log position delivered through, when each expires (NULL: a push subscription, ended by its
        // client), and who holds it (a streaming connection, or the node sending its pushes, until held_until). The
        // services' settings (folders, event types, URL, timeouts) are their own text.
        """
        CREATE TABLE IF NOT EXISTS subscriptions (
            id TEXT PRIMARY KEY,
            mailbox_id TEXT NOT NULL REFERENCES users(mailbox_id) ON DELETE CASCADE,
            kind INTEGER NOT NULL,
            position INTEGER NOT NULL,
            settings TEXT NOT NULL,
            expires INTEGER,
            holder TEXT,
            held_until INTEGER
        );
        CREATE INDEX IF NOT EXISTS subscriptions_mailbox ON subscriptions(mailbox_id);
        CREATE INDEX IF NOT EXISTS subscriptions_kind ON subscriptions(kind);
        CREATE INDEX IF NOT EXISTS subscriptions_expires ON subscriptions(expires) WHERE expires IS NOT NULL;
        """,
        // Index 20: a list's members matched by the list's address in any case, as the list itself is (NOCASE) and as
        // PostgreSQL matches them (lower()): removing a member named with the list's address in another case removed
        // nothing. SQLite cannot change a column's collation, so the table is made anew; the rowids are kept, as they
        // are the members' order.
        """
        DROP TABLE IF EXISTS distribution_list_members_nocase;
        CREATE TABLE distribution_list_members_nocase (
            list_address TEXT NOT NULL COLLATE NOCASE REFERENCES distribution_lists(address) ON DELETE CASCADE,
            member TEXT NOT NULL COLLATE NOCASE,
            UNIQUE (list_address, member)
        );
        INSERT OR IGNORE INTO distribution_list_members_nocase (rowid, list_address, member)
            SELECT rowid, list_address, member FROM distribution_list_members ORDER BY rowid;
        DROP TABLE distribution_list_members;
        ALTER TABLE distribution_list_members_nocase RENAME TO distribution_list_members;
        """,
    ];

    private const string ItemFormatMigration = "SELECT 2; -- ItemFormat";

    // The culture column is added in code (AddDefaultFoldersAsync) when missing: a store rewound to an older version
    // (the migration tests) may still have it, and SQLite has no ADD COLUMN IF NOT EXISTS.
    private const string FoldersMigration = """
        UPDATE folders SET folder_class = NULL WHERE distinguished_name IN ('msgfolderroot', 'recoverableitemsroot', 'recoverableitemsdeletions'); -- Folders
        """;

    // What a read-flag-only update may change besides IsRead: the stamps every UpdateItem writes.
    private static readonly string NonContentPaths = ItemFormat.NonContentPaths;

    private readonly SqliteConnectionPool pool;
    private readonly MeetingTurns meetingTurns = new();
    private GroupCommit? writer;

    // Idle connections beyond this are closed: each keeps its own page cache (2 MB at most by default).
    private SqliteMailStore(string connectionString) => pool = new SqliteConnectionPool(connectionString, maxIdle: 16);

    public string Path { get; private init; } = "";

    /// <summary>The migration version this build brings a store to (SQLite's user_version).</summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>The database file of the store in <paramref name="dataDirectory"/>.</summary>
    public static string PathIn(string dataDirectory) => System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, "rendezvous.db"));

    private TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Opens (creating if needed) the store in <paramref name="dataDirectory"/> and applies pending migrations.</summary>
    /// <summary>Opens (and migrates) the store in <paramref name="dataDirectory"/>. <paramref name="maxBytes"/> caps the
    /// database file: a write that would pass it is refused with <see cref="StoreFullException"/>, as on a full disk.
    /// <paramref name="time"/> stamps folders' modification times (the system clock by default).</summary>
    public static async Task<SqliteMailStore> OpenAsync(string dataDirectory, CancellationToken cancellationToken, long? maxBytes = null, TimeProvider? time = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = PathIn(dataDirectory);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30, Mode = SqliteOpenMode.ReadWriteCreate };
        var store = new SqliteMailStore(builder.ToString()) { Path = path, Time = time ?? TimeProvider.System };
        await using var pooled = await store.pool.RentAsync(cancellationToken);
        var connection = pooled.Connection;
        await Exec(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            for (var i = version; i < Migrations.Length; i++)
            {
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
                await Exec(connection, Migrations[i], cancellationToken, tx);
                if (ReferenceEquals(Migrations[i], ItemFormatMigration))
                {
                    await RewriteItemsAsync(connection, tx, cancellationToken);
                }

                if (ReferenceEquals(Migrations[i], FoldersMigration))
                {
                    await store.AddDefaultFoldersAsync(pooled, tx, cancellationToken);
                }

                await Exec(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version={i + 1};"), cancellationToken, tx);
                await tx.CommitAsync(cancellationToken);
            }
        }

        // Made once and kept, so that sync states handed out survive a restart (and only this store accepts them).
        await using (var cmd = pooled.Command("INSERT OR IGNORE INTO secrets VALUES ('syncstate', $k); SELECT value FROM secrets WHERE name = 'syncstate';", null,
            ("$k", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))))
        {
            store.SyncStateKey = (byte[])(await cmd.ExecuteScalarAsync(cancellationToken))!;
        }

        // The writer keeps its connection, whose cache no other writer invalidates: a larger one holds the indexes' upper pages.
        var writerConnection = await store.pool.RentAsync(cancellationToken);
        await using (var cmd = writerConnection.Command("PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=0;", null))
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        if (maxBytes is { } max)
        {
            await using var cmd = writerConnection.Command("PRAGMA page_size;", null);
            var pageSize = (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
            await using var cap = writerConnection.Command(string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count={Math.Max(1, max / pageSize)};"), null);
            await cap.ExecuteNonQueryAsync(cancellationToken);
        }

        store.writer = new GroupCommit(writerConnection, await store.pool.RentAsync(cancellationToken));
        return store;
    }

    public ReadOnlyMemory<byte> SyncStateKey { get; private set; }

    /// <summary>Within the process: a SQLite store is served by one process (the change numbers guard an admin command's writes).</summary>
    public Task<IAsyncDisposable> MeetingTurnAsync(string meeting, CancellationToken cancellationToken) =>
        meetingTurns.AcquireAsync(meeting, cancellationToken);

    /// <summary>
    /// The next number of <paramref name="mailboxId"/> (the last of the next <paramref name="count"/>): read and moved on
    /// in the write's transaction (only inside <see cref="WriteAsync"/>), so numbers follow commit order even when other
    /// processes write the file. A write rolled back to its savepoint gives its numbers back.
    /// </summary>
    private static async Task<long> NumberAsync(PooledConnection connection, SqliteTransaction tx, string mailboxId, CancellationToken cancellationToken, int count = 1)
    {
        await using var cmd = connection.Command(
            "INSERT INTO mailbox_counters VALUES ($m, $n) ON CONFLICT(mailbox_id) DO UPDATE SET value = value + $n RETURNING value;", tx, ("$m", mailboxId), ("$n", count));
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Gives <paramref name="item"/> its change number, in its field changes too; true when those changed.</summary>
    private static bool Number(Item item, long number)
    {
        item.ChangeNumber = number;
        var marked = item.FieldChanges.Where(static f => f.Value == ChangeSet.ThisChange).Select(static f => f.Key).ToList();
        foreach (var uri in marked)
        {
            item.FieldChanges[uri] = number;
        }

        return marked.Count > 0;
    }

    private static async Task Exec(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? tx = null)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    // Users (the statements both stores share: Sql/UserSql.cs, Sql/DistributionListSql.cs)

    private static readonly UserSql Users = new(SqliteDialect.Instance);
    private static readonly DistributionListSql DistributionLists = new(SqliteDialect.Instance);

    public async Task<UserRecord?> FindUserAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Users.FindAsync(connection.Connection, address, cancellationToken);
    }

    public async Task<UserRecord?> FindUserByMailboxAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Users.FindByMailboxAsync(connection.Connection, mailboxId, cancellationToken);
    }

    public async Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Users.ListAsync(connection.Connection, cancellationToken);
    }

    public Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, CancellationToken cancellationToken) =>
        AddUserAsync(address, displayName, passwordHash, DefaultFolders.DefaultCulture, cancellationToken);

    public async Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, string culture, CancellationToken cancellationToken)
    {
        var user = new UserRecord("mbx-" + Guid.NewGuid().ToString("N"), address, displayName, passwordHash) { Culture = culture };
        await WriteAsync(async (connection, tx) =>
        {
            await Users.InsertAsync(connection.Connection, tx, user, cancellationToken);
            await AddDefaultFoldersAsync(connection, tx, user.MailboxId, culture, new Dictionary<string, string>(StringComparer.Ordinal), cancellationToken);
        }, cancellationToken);
        return user;
    }

    /// <summary>
    /// Migration 14: the default folders each mailbox lacks, named in its culture (every mailbox of before is en-US),
    /// under the parents it has.
    /// </summary>
    private async Task AddDefaultFoldersAsync(PooledConnection connection, SqliteTransaction tx, CancellationToken cancellationToken)
    {
        await using (var cmd = connection.Command("SELECT COUNT(*) FROM pragma_table_info('users') WHERE name = 'culture';", tx))
        {
            if ((long)(await cmd.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                await using var add = connection.Command("ALTER TABLE users ADD COLUMN culture TEXT;", tx);
                await add.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        var existing = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        await using (var cmd = connection.Command("SELECT u.mailbox_id, f.distinguished_name, f.id FROM users u LEFT JOIN folders f ON f.mailbox_id = u.mailbox_id AND f.distinguished_name IS NOT NULL;", tx))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var folders = existing.TryGetValue(reader.GetString(0), out var f) ? f : existing[reader.GetString(0)] = new(StringComparer.Ordinal);
                if (!reader.IsDBNull(1))
                {
                    folders[reader.GetString(1)] = reader.GetString(2);
                }
            }
        }

        foreach (var (mailboxId, folders) in existing)
        {
            await AddDefaultFoldersAsync(connection, tx, mailboxId, DefaultFolders.DefaultCulture, folders, cancellationToken);
        }
    }

    /// <summary>The default folders of <paramref name="mailboxId"/> not in <paramref name="existing"/> (key to id, filled in as they are made).</summary>
    private async Task AddDefaultFoldersAsync(PooledConnection connection, SqliteTransaction tx, string mailboxId, string culture, Dictionary<string, string> existing, CancellationToken cancellationToken)
    {
        foreach (var definition in DefaultFolders.All)
        {
            if (existing.ContainsKey(definition.Key) || (definition.Parent is { } p && !existing.ContainsKey(p)))
            {
                continue;
            }

            var folder = new Folder
            {
                Id = EwsIds.NewFolderId(mailboxId),
                MailboxId = mailboxId,
                ParentId = definition.Parent is { } parent ? existing[parent] : null,
                DisplayName = definition.DisplayName(culture),
                FolderClass = definition.FolderClass,
                DistinguishedName = definition.Key,
            };
            await InsertFolder(connection, tx, folder, cancellationToken);
            existing[definition.Key] = folder.Id;
        }
    }

    public async Task<bool> SetCultureAsync(string address, string culture, CancellationToken cancellationToken)
    {
        var user = await FindUserAsync(address, cancellationToken);
        if (user is null)
        {
            return false;
        }

        await WriteAsync((connection, tx) => Users.SetCultureAsync(connection.Connection, tx, user.MailboxId, culture, cancellationToken), cancellationToken);
        await UserSql.RenameDefaultFoldersAsync(this, user.MailboxId, culture, cancellationToken);
        return true;
    }

    public async Task<bool> SetPasswordHashAsync(string address, string passwordHash, CancellationToken cancellationToken)
    {
        var changed = false;
        await WriteAsync(async (connection, tx) => changed = await Users.SetPasswordHashAsync(connection.Connection, tx, address, passwordHash, cancellationToken), cancellationToken);
        return changed;
    }

    public async Task<bool> RemoveUserAsync(string address, CancellationToken cancellationToken)
    {
        var changed = false;
        await WriteAsync(async (connection, tx) => changed = await Users.RemoveAsync(connection.Connection, tx, address, cancellationToken), cancellationToken);
        return changed;
    }

    // Distribution lists (the server's directory beside its users)

    public async Task<IReadOnlyList<DistributionListRecord>> ListDistributionListsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await DistributionLists.ListAsync(connection.Connection, cancellationToken);
    }

    public async Task<DistributionListRecord?> FindDistributionListAsync(string address, CancellationToken cancellationToken) =>
        (await ListDistributionListsAsync(cancellationToken)).FirstOrDefault(l => l.Address.Equals(address, StringComparison.OrdinalIgnoreCase));

    public async Task<bool> AddDistributionListMemberAsync(string listAddress, string? displayName, string member, CancellationToken cancellationToken)
    {
        var added = false;
        await WriteAsync(async (connection, tx) => added = await DistributionLists.AddMemberAsync(connection.Connection, tx, listAddress, displayName, member, cancellationToken),
            cancellationToken);
        return added;
    }

    public async Task<bool> RemoveDistributionListMemberAsync(string listAddress, string member, CancellationToken cancellationToken)
    {
        var removed = false;
        await WriteAsync(async (connection, tx) => removed = await DistributionLists.RemoveMemberAsync(connection.Connection, tx, listAddress, member, cancellationToken),
            cancellationToken);
        return removed;
    }

    // Mailbox settings

    public async Task<WorkingHours?> GetWorkingHoursAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Users.WorkingHoursAsync(connection.Connection, mailboxId, cancellationToken) is { } json ? JsonSerializer.Deserialize<WorkingHours>(json, Json) : null;
    }

    public async Task SetWorkingHoursAsync(string mailboxId, WorkingHours? workingHours, CancellationToken cancellationToken)
    {
        var json = workingHours is null ? null : JsonSerializer.Serialize(workingHours, Json);
        await WriteAsync((connection, tx) => Users.SetWorkingHoursAsync(connection.Connection, tx, mailboxId, json, cancellationToken), cancellationToken);
    }

    // Folders

    internal const string FolderColumns =
        """
        SELECT f.id, f.mailbox_id, f.parent_id, f.display_name, f.folder_class, f.distinguished_name, f.change_number, f.extended,
               f.total_count, f.unread_count, (SELECT COUNT(*) FROM folders c WHERE c.parent_id = f.id), f.modified_ticks, f.content_ticks
        FROM folders f
        """;

    public async Task<Folder?> GetFolderAsync(string folderId, CancellationToken cancellationToken) =>
        (await QueryFolders(FolderColumns + " WHERE f.id = $id;", cancellationToken, ("$id", folderId))).FirstOrDefault();

    public async Task<Folder?> GetDistinguishedFolderAsync(string mailboxId, string name, CancellationToken cancellationToken) =>
        (await QueryFolders(FolderColumns + " WHERE f.mailbox_id = $m AND f.distinguished_name = $n;", cancellationToken, ("$m", mailboxId), ("$n", name))).FirstOrDefault();

    public async Task<IReadOnlyDictionary<(string MailboxId, string Name), string>> GetDistinguishedFolderIdsAsync(IReadOnlyCollection<(string MailboxId, string Name)> folders, CancellationToken cancellationToken)
    {
        // In process, a lookup each costs no round trip.
        var ids = new Dictionary<(string, string), string>();
        foreach (var key in folders)
        {
            if (!ids.ContainsKey(key) && await GetDistinguishedFolderAsync(key.MailboxId, key.Name, cancellationToken) is { } folder)
            {
                ids[key] = folder.Id;
            }
        }

        return ids;
    }

    public async Task<IReadOnlyList<Folder>> GetChildFoldersAsync(string folderId, bool deep, CancellationToken cancellationToken)
    {
        var children = (await QueryFolders(FolderColumns + " WHERE f.parent_id = $p ORDER BY f.display_name;", cancellationToken, ("$p", folderId))).ToList();
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
        await using var connection = await pool.RentAsync(cancellationToken);
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
    private static Folder ReadFolder(SqliteDataReader reader, int offset = 0) => new()
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

    private async Task InsertFolder(PooledConnection connection, SqliteTransaction tx, Folder folder, CancellationToken cancellationToken)
    {
        folder.ChangeNumber = await NumberAsync(connection, tx, folder.MailboxId, cancellationToken);
        folder.LastModified = folder.ContentModified = new DateTime(NowTicks(), DateTimeKind.Utc);
        await using var cmd = connection.Command("""
            INSERT INTO folders (id, mailbox_id, parent_id, display_name, folder_class, distinguished_name, change_number, extended, sync_seq, created_seq, modified_ticks, content_ticks)
            VALUES ($id, $m, $p, $n, $c, $d, $seq, $x, $seq, $seq, $now, $now);
            INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id) VALUES ($m, $seq, 1, 1, $id, $p);
            """, tx,
            ("$id", folder.Id), ("$m", folder.MailboxId), ("$p", folder.ParentId), ("$n", folder.DisplayName), ("$c", folder.FolderClass),
            ("$d", folder.DistinguishedName), ("$seq", folder.ChangeNumber), ("$now", folder.LastModified.Ticks),
            ("$x", folder.ExtendedProperties.Count == 0 ? null : JsonSerializer.Serialize(folder.ExtendedProperties, Json)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The time a write stamps on folders: now, to the second (what clients read of it).</summary>
    private long NowTicks()
    {
        var ticks = Time.GetUtcNow().UtcTicks;
        return ticks - (ticks % TimeSpan.TicksPerSecond);
    }

    // A stamp moves on by a second at least, so two changes within one second still read apart.
    private const string NextStamp = "MAX($now, {0} + 10000000)";

    /// <summary>Stamps the folders whose contents <paramref name="folderIds"/> changed in this write.</summary>
    private async Task StampContentsAsync(PooledConnection connection, SqliteTransaction tx, IEnumerable<string> folderIds, CancellationToken cancellationToken)
    {
        foreach (var folderId in folderIds.Distinct(StringComparer.Ordinal))
        {
            await using var cmd = connection.Command("UPDATE folders SET content_ticks = " + string.Format(CultureInfo.InvariantCulture, NextStamp, "content_ticks") + " WHERE id = $f;",
                tx, ("$f", folderId), ("$now", NowTicks()));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    // Items

    private const string ItemColumns = "SELECT id, mailbox_id, folder_id, change_number, data, created_seq FROM items";

    public async Task<Item?> GetItemAsync(string itemId, CancellationToken cancellationToken) =>
        (await QueryItems(ItemColumns + " WHERE id = $id;", cancellationToken, ("$id", itemId))).FirstOrDefault();

    public Task<IReadOnlyList<Item>> GetItemsAsync(string folderId, CancellationToken cancellationToken) =>
        QueryItems(ItemColumns + " WHERE folder_id = $f;", cancellationToken, null, true, ("$f", folderId));

    public async Task<StoredAttachment?> GetAttachmentAsync(string itemId, string attachmentId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command("""
            SELECT mailbox_id, header, length(content), CASE WHEN json_extract(header, '$.Kind') = 'Item' THEN content END
            FROM attachments WHERE item_id = $i AND id = $a;
            """, null, ("$i", itemId), ("$a", attachmentId));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var header = ItemFormat.DeserializeAttachment(reader.GetFieldValue<byte[]>(1));
        var attached = reader.IsDBNull(3) ? null : DeserializeItem(reader.GetFieldValue<byte[]>(3));
        return new StoredAttachment(itemId, reader.GetString(0), header, reader.GetInt64(2), attached);
    }

    public async Task<Stream?> OpenAttachmentAsync(string itemId, string attachmentId, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(cancellationToken);
        try
        {
            long rowid;
            await using (var cmd = connection.Command("SELECT rowid FROM attachments WHERE item_id = $i AND id = $a;", null, ("$i", itemId), ("$a", attachmentId)))
            {
                if (await cmd.ExecuteScalarAsync(cancellationToken) is not long id)
                {
                    await connection.DisposeAsync();
                    return null;
                }

                rowid = id;
            }

            // Read in place, page by page, as the response is written: a 20 MB attachment is never one array.
            return new AttachmentStream(connection, new SqliteBlob(connection.Connection, "attachments", "content", rowid, readOnly: true));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<IAttachmentSource> OpenAttachmentSourceAsync(IReadOnlyCollection<string> itemIds, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(cancellationToken);
        SqliteTransaction? tx = null;
        try
        {
            // One read snapshot from the listing to the last byte written: an attachment deleted meanwhile is still
            // read whole (its rowid cannot name another's bytes), as a GetItem answered a moment earlier would have it.
            tx = connection.BeginTransaction(deferred: true);
            var rows = new Dictionary<(string, string), (long RowId, Item? Attached)>();
            foreach (var itemId in itemIds)
            {
                await using var cmd = connection.Command("""
                    SELECT id, rowid, CASE WHEN json_extract(header, '$.Kind') = 'Item' THEN content END
                    FROM attachments WHERE item_id = $i;
                    """, tx, ("$i", itemId));
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows[(itemId, reader.GetString(0))] = (reader.GetInt64(1), reader.IsDBNull(2) ? null : DeserializeItem(reader.GetFieldValue<byte[]>(2)));
                }
            }

            return new AttachmentSource(connection, tx, rows);
        }
        catch
        {
            if (tx is not null)
            {
                await tx.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Attachments of some items in one read snapshot; each file opened as a blob read in place.</summary>
    private sealed class AttachmentSource(PooledConnection connection, SqliteTransaction tx, Dictionary<(string, string), (long RowId, Item? Attached)> rows) : IAttachmentSource
    {
        private bool disposed;

        public Stream? OpenFile(string rootItemId, string attachmentId)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return rows.TryGetValue((rootItemId, attachmentId), out var row) && row.Attached is null
                ? new SqliteBlob(connection.Connection, "attachments", "content", row.RowId, readOnly: true)
                : null;
        }

        public Item? AttachedItem(string rootItemId, string attachmentId) =>
            rows.TryGetValue((rootItemId, attachmentId), out var row) ? row.Attached?.Clone() : null;

        public async ValueTask DisposeAsync()
        {
            if (!disposed)
            {
                disposed = true;
                await tx.DisposeAsync(); // a read: rolled back, which ends the snapshot
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>A blob read in place; returns its connection to the pool when disposed.</summary>
    private sealed class AttachmentStream(PooledConnection connection, SqliteBlob blob) : Stream
    {
        private bool disposed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => blob.Length;

        public override long Position { get => blob.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => blob.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => blob.Read(buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !disposed)
            {
                disposed = true;
                blob.Dispose();
                connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!disposed)
            {
                disposed = true;
                await blob.DisposeAsync();
                await connection.DisposeAsync();
            }

            GC.SuppressFinalize(this);
        }
    }

    // start_ticks > $s - longest is implied by end_ticks > $s; said outright, it bounds the index range from below.
    // Masters left out (series_start_ticks is set on masters only): the series query answers for them, and their rows
    // (the whole series' exceptions) were read and decoded only to be dropped (bench, issue 16).
    internal const string WindowQuery = ItemColumns
        + " WHERE folder_id = $f AND start_ticks < $e AND start_ticks > $s - (SELECT longest_ticks FROM folders WHERE id = $f) AND end_ticks > $s AND series_start_ticks IS NULL ORDER BY start_ticks;";

    public Task<IReadOnlyList<Item>> GetItemsInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        QueryItems(WindowQuery, cancellationToken, null, true,
            ("$f", folderId), ("$s", start.Ticks), ("$e", end.Ticks));

    public Task<IReadOnlyList<Item>> GetItemsInWindowAsync(string folderId, DateTime start, DateTime end, ItemProjection? only, CancellationToken cancellationToken) =>
        QueryItems(WindowQuery, cancellationToken, only, true, ("$f", folderId), ("$s", start.Ticks), ("$e", end.Ticks));

    public Task<IReadOnlyList<Item>> GetFreeBusyInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        QueryItems(WindowQuery, cancellationToken, ItemFormat.FreeBusy, true, ("$f", folderId), ("$s", start.Ticks), ("$e", end.Ticks));

    // The masters of a folder whose series starts before the window ends and has not ended before it starts: the
    // partial index items_series holds masters only; an open-ended series (NULL end) is in every later window.
    internal const string SeriesWindowQuery = ItemColumns
        + " WHERE folder_id = $f AND series_start_ticks IS NOT NULL AND series_start_ticks < $e AND (series_end_ticks IS NULL OR series_end_ticks > $s);";

    public Task<IReadOnlyList<Item>> GetSeriesInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        QueryItems(SeriesWindowQuery, cancellationToken, ("$f", folderId), ("$s", start.Ticks), ("$e", end.Ticks));

    public async Task<IReadOnlyList<(string Id, long ChangeNumber)>> GetSeriesVersionsInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command(
            "SELECT id, change_number FROM items WHERE folder_id = $f AND series_start_ticks IS NOT NULL AND series_start_ticks < $e AND (series_end_ticks IS NULL OR series_end_ticks > $s);",
            null, ("$f", folderId), ("$s", start.Ticks), ("$e", end.Ticks));
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
        await using var connection = await pool.RentAsync(cancellationToken);

        // Covered by items_series: no item row is read.
        await using var cmd = connection.Command(
            "SELECT id, change_number, series_start_ticks, series_end_ticks FROM items WHERE folder_id = $f AND series_start_ticks IS NOT NULL;",
            null, ("$f", folderId));
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
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command("SELECT i.id, i.mailbox_id, i.folder_id, i.change_number, i.data, i.created_seq, f.distinguished_name FROM items i JOIN folders f ON f.id = i.folder_id WHERE i.mailbox_id = $m AND i.uid = $u;",
            null, ("$m", mailboxId), ("$u", uid));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var items = new List<PlacedItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new PlacedItem(ReadItem(reader), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return items;
    }

    /// <summary>An item as the store keeps it (JSON text); also what the micro-benchmarks measure.</summary>
    internal static string SerializeItem(Item item) => ItemFormat.Serialize(item);

    /// <summary>An item from its stored UTF-8, whole or (<paramref name="freeBusyOnly"/>) with the free/busy properties only.</summary>
    internal static Item DeserializeItem(ReadOnlySpan<byte> utf8, bool freeBusyOnly = false) =>
        ItemFormat.Deserialize(utf8, freeBusyOnly);

    /// <summary>Migration 8: every item row rewritten from format 1 (C# names) to <see cref="ItemFormat"/>'s format 2.</summary>
    private static async Task RewriteItemsAsync(SqliteConnection connection, SqliteTransaction tx, CancellationToken cancellationToken)
    {
        var rows = new List<(string Id, string Data)>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = "SELECT id, data FROM items;";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), SerializeItem(DeserializeItem(reader.GetFieldValue<byte[]>(1)))));
            }
        }

        await using var update = connection.CreateCommand();
        update.Transaction = tx;
        update.CommandText = "UPDATE items SET data = $d WHERE id = $id;";
        var id = update.Parameters.Add("$id", SqliteType.Text);
        var data = update.Parameters.Add("$d", SqliteType.Text);
        foreach (var row in rows)
        {
            id.Value = row.Id;
            data.Value = row.Data;
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>An item from columns id, mailbox_id, folder_id, change_number, data, and created_seq at <paramref name="entered"/>.</summary>
    /// <summary>
    /// An item from its row. <paramref name="sameFolderAs"/>, for a query of one folder, is the row read before: its
    /// mailbox and folder ids are this row's too, so they are shared instead of read again (a folder id is 152
    /// characters: two strings of 326 bytes an item of a calendar view or a free/busy read, issue 14's allocations).
    /// </summary>
    private static Item ReadItem(SqliteDataReader reader, ItemProjection? only = null, int entered = 5, Item? sameFolderAs = null)
    {
        // The stored UTF-8 as it is: read as a string, it was transcoded to UTF-16 and back, and the buffer wiped after.
        // (GetBytes into a pooled buffer allocated more, not less: the reader copies the value into its own cache first.)
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

    /// <summary>The items <paramref name="sql"/> selects; <paramref name="oneFolder"/> when it selects from one folder only.</summary>
    private async Task<IReadOnlyList<Item>> QueryItems(string sql, CancellationToken cancellationToken, ItemProjection? only, bool oneFolder, params (string, object?)[] parameters)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
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

    public Task ApplyAsync(ChangeSet changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
        {
            return Task.CompletedTask;
        }

        // Serialized here, on the request's thread: the writer is one thread and every write waits for it. Only an item
        // whose field changes name this change waits for its number, and is serialized on the writer.
        var inserts = changes.Inserts.Select(i => (Item: i, Data: Marked(i) ? null : SerializeItem(i))).ToList();
        var updates = changes.Updates.Select(u => (u.Item, Data: Marked(u.Item) ? null : SerializeItem(u.Item), u.ExpectedChangeNumber)).ToList();
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

        return WriteAsync(async (connection, tx) =>
        {
            await WriteAttachmentsAsync(connection, tx, changes, deleted, cancellationToken);
            foreach (var folder in changes.FolderInserts)
            {
                await InsertFolder(connection, tx, folder, cancellationToken);
            }

            await WritePermissionsAsync(connection, tx, changes, cancellationToken);
            await WriteDelegatesAsync(connection, tx, changes, cancellationToken);
            await WriteGrantsAsync(connection, tx, changes, cancellationToken);
            foreach (var folder in changes.FolderUpdates)
            {
                folder.ChangeNumber = await NumberAsync(connection, tx, folder.MailboxId, cancellationToken);
                // Logged before the row changes, so that a move (a new parent: MoveFolder, a subfolder emptied into Deleted
                // Items) records where the folder was: SyncFolderHierarchy tells a folder that left its scope as deleted.
                await using var cmd = connection.Command("""
                    INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id, source_folder_id, source_entered)
                    SELECT mailbox_id, $seq, CASE WHEN parent_id IS $p THEN 2 ELSE 4 END, 1, id, $p, CASE WHEN parent_id IS $p THEN NULL ELSE parent_id END, created_seq
                    FROM folders WHERE id = $id AND mailbox_id = $m;
                    UPDATE folders SET parent_id = $p, display_name = $n, folder_class = $c, change_number = $seq, extended = $x, sync_seq = $seq,
                        modified_ticks = MAX($now, modified_ticks + 10000000) WHERE id = $id AND mailbox_id = $m;
                    """, tx,
                    ("$id", folder.Id), ("$m", folder.MailboxId), ("$p", folder.ParentId), ("$n", folder.DisplayName), ("$c", folder.FolderClass), ("$seq", folder.ChangeNumber), ("$now", NowTicks()),
                    ("$x", folder.ExtendedProperties.Count == 0 ? null : JsonSerializer.Serialize(folder.ExtendedProperties, Json)));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            // Folders whose contents this write changes (their ctag moves on).
            var touched = new List<string>();

            // Where the sources of moves were: their move is logged once, with the insert of their copy.
            var departed = new Dictionary<string, (string FolderId, long Entered)>(StringComparer.Ordinal);
            foreach (var id in changes.Deletes)
            {
                string mailboxId, folderId;
                long entered;
                await using (var cmd = connection.Command("DELETE FROM items WHERE id = $id RETURNING mailbox_id, folder_id, created_seq;", tx, ("$id", id)))
                await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        // Someone else deleted or moved it since it was read: the decision was made on stale state.
                        throw new ConcurrencyException(id, gone: true);
                    }

                    (mailboxId, folderId, entered) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
                }

                touched.Add(folderId);

                if (moved.TryGetValue(id, out var copyId) && mailboxOf.GetValueOrDefault(copyId) == mailboxId)
                {
                    departed[id] = (folderId, entered);
                    continue;
                }

                // The entry tells the folder's synchronizing clients the item left (if they knew of it: entered).
                await using var log = connection.Command(
                    "INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, source_folder_id, source_entered) VALUES ($m, $seq, 6, 0, $id, $f, $e);", tx,
                    ("$m", mailboxId), ("$seq", await NumberAsync(connection, tx, mailboxId, cancellationToken)), ("$id", id), ("$f", folderId), ("$e", entered));
                await log.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var id in changes.FolderDeletes)
            {
                string mailboxId;
                await using (var owner = connection.Command("SELECT mailbox_id FROM folders WHERE id = $id;", tx, ("$id", id)))
                {
                    if (await owner.ExecuteScalarAsync(cancellationToken) is not string m)
                    {
                        continue;
                    }

                    mailboxId = m;
                }

                // Subfolders first (their items go with them through the foreign key), one number for the whole tree.
                await using var cmd = connection.Command("""
                    WITH RECURSIVE tree(id) AS (SELECT $id UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id)
                    INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, source_folder_id, source_entered)
                    SELECT mailbox_id, $seq, 6, 1, id, parent_id, created_seq FROM folders WHERE id IN (SELECT id FROM tree);
                    WITH RECURSIVE tree(id) AS (SELECT $id UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id)
                    DELETE FROM folders WHERE id IN (SELECT id FROM tree);
                    """, tx, ("$id", id), ("$seq", await NumberAsync(connection, tx, mailboxId, cancellationToken)));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            // The items' numbers, one block per mailbox (a statement per mailbox, not per item), in the order they are written.
            var next = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var mailbox in changes.Inserts.Concat(changes.Updates.Select(u => u.Item)).GroupBy(i => i.MailboxId, StringComparer.Ordinal))
            {
                next[mailbox.Key] = await NumberAsync(connection, tx, mailbox.Key, cancellationToken, mailbox.Count()) - mailbox.Count() + 1;
            }

            foreach (var (item, data) in inserts)
            {
                var seq = next[item.MailboxId]++;
                var remarked = Number(item, seq);
                item.NumberInFolder(seq);
                touched.Add(item.FolderId);
                var source = changes.Sources.GetValueOrDefault(item.Id);
                var (kind, sourceFolder, sourceEntered) = source is null ? (ChangeKind.Created, null, null)
                    : departed.TryGetValue(source, out var from) && moved[source] == item.Id ? (ChangeKind.Moved, from.FolderId, from.Entered)
                    : (ChangeKind.Copied, (string?)null, (long?)null);
                await using var cmd = connection.Command("""
                    INSERT INTO items (id, mailbox_id, folder_id, kind, start_ticks, end_ticks, is_unread, change_number, data, uid, sync_seq, created_seq, content_seq, series_start_ticks, series_end_ticks)
                    VALUES ($id, $m, $f, $k, $s, $e, $u, $seq, $d, $uid, $seq, $seq, $seq, $ss, $se);
                    INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id, source_id, source_folder_id, source_entered)
                    VALUES ($m, $seq, $kind, 0, $id, $f, $src, IFNULL($srcf, (SELECT folder_id FROM items WHERE id = $src)), $srce);
                    """,
                    tx, [.. ItemParameters(item, remarked || data is null ? SerializeItem(item) : data), ("$seq", seq),
                        ("$kind", (int)kind), ("$src", source), ("$srcf", sourceFolder), ("$srce", sourceEntered)]);
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var (item, data, expected) in updates)
            {
                var seq = next[item.MailboxId]++;
                var remarked = Number(item, seq);

                // SET expressions see the old row: a folder change restarts created_seq (a move in; the trigger logs the move),
                // and content_seq stays put when nothing but the read flag (and its stamps) changed, which the log tells apart.
                await using var cmd = connection.Command($"""
                    UPDATE items SET folder_id = $f, kind = $k, start_ticks = $s, end_ticks = $e, is_unread = $u, change_number = $seq, data = $d, uid = $uid,
                        series_start_ticks = $ss, series_end_ticks = $se, sync_seq = $seq,
                        created_seq = CASE WHEN folder_id = $f THEN created_seq ELSE $seq END,
                        content_seq = CASE WHEN folder_id = $f AND json_remove(data, {NonContentPaths}) = json_remove($d, {NonContentPaths}) THEN content_seq ELSE $seq END
                    WHERE id = $id AND mailbox_id = $m AND change_number = $expected;
                    INSERT INTO change_log (mailbox_id, seq, kind, is_folder, id, folder_id)
                    SELECT mailbox_id, $seq, CASE WHEN content_seq = $seq THEN 2 ELSE 3 END, 0, id, folder_id FROM items WHERE id = $id AND sync_seq = $seq AND created_seq <> $seq;
                    """,
                    tx, [.. ItemParameters(item, remarked || data is null ? SerializeItem(item) : data), ("$expected", expected), ("$seq", seq)]);
                if (await cmd.ExecuteNonQueryAsync(cancellationToken) < 1)
                {
                    throw new ConcurrencyException(item.Id);
                }

                touched.Add(item.FolderId);
            }

            await StampContentsAsync(connection, tx, touched, cancellationToken);
        }, cancellationToken);
    }

    // Associated (FAI) items: one per item class and folder (user configuration objects).

    private const string AssociatedColumns = "SELECT id, mailbox_id, folder_id, change_number, data, 0 FROM associated_items";

    public async Task<IReadOnlyList<Item>> GetAssociatedItemsAsync(string folderId, CancellationToken cancellationToken) =>
        Associated(await QueryItems(AssociatedColumns + " WHERE folder_id = $f ORDER BY item_class;", cancellationToken, ("$f", folderId)));

    public async Task<Item?> GetAssociatedItemAsync(string folderId, string itemClass, CancellationToken cancellationToken) =>
        Associated(await QueryItems(AssociatedColumns + " WHERE folder_id = $f AND item_class = $c;", cancellationToken, ("$f", folderId), ("$c", itemClass))).FirstOrDefault();

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
        await WriteAsync(async (connection, tx) =>
        {
            var seq = await NumberAsync(connection, tx, item.MailboxId, cancellationToken);
            item.ChangeNumber = seq;
            var data = SerializeItem(item);
            if (expectedChangeNumber is { } expected)
            {
                await using var update = connection.Command(
                    "UPDATE associated_items SET change_number = $seq, data = $d WHERE id = $id AND change_number = $expected;", tx,
                    ("$id", item.Id), ("$seq", seq), ("$d", data), ("$expected", expected));
                if (await update.ExecuteNonQueryAsync(cancellationToken) < 1)
                {
                    throw new ConcurrencyException(item.Id);
                }

                return;
            }

            try
            {
                await using var insert = connection.Command(
                    "INSERT INTO associated_items (id, mailbox_id, folder_id, item_class, change_number, data) VALUES ($id, $m, $f, $c, $seq, $d);", tx,
                    ("$id", item.Id), ("$m", item.MailboxId), ("$f", item.FolderId), ("$c", item.ItemClass), ("$seq", seq), ("$d", data));
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new DuplicateException($"The folder already holds an associated item of class {item.ItemClass}.");
            }
        }, cancellationToken);
    }

    private static readonly AttachmentSql Attachments = new(SqliteDialect.Instance);

    /// <summary>The attachment rows of a change set, before its deletions (<see cref="AttachmentSql.WriteAsync"/>).</summary>
    private static Task WriteAttachmentsAsync(PooledConnection connection, SqliteTransaction tx, ChangeSet changes, HashSet<string> deleted, CancellationToken cancellationToken) =>
        Attachments.WriteAsync(connection.Connection, tx, changes, deleted,
            static (c, t, add, ct) => AddAttachmentAsync((KeptSqliteConnection)c, (SqliteTransaction)t, add, ct), cancellationToken);

    /// <summary>
    /// One new attachment: an attached item in the store's item format, or the bytes copied from their stream into a
    /// blob of their length, in place (the row is made with a zeroblob, then written a chunk at a time).
    /// </summary>
    private static async Task AddAttachmentAsync(KeptSqliteConnection connection, SqliteTransaction tx, AttachmentAdd add, CancellationToken cancellationToken)
    {
        var (header, content) = add.Attachment;
        byte[]? itemBytes = content.Item is { } attached ? Encoding.UTF8.GetBytes(SerializeItem(attached)) : null;
        long rowid;
        await using (var cmd = SqliteDialect.Instance.Command(connection, tx, """
            INSERT INTO attachments (item_id, id, mailbox_id, parent_id, header, content)
            VALUES (@i, @a, @m, @p, @h, IFNULL(@c, zeroblob(@n))) RETURNING rowid;
            """, ("i", add.Item.Id), ("a", header.Id), ("m", add.Item.MailboxId), ("p", header.ParentId),
            ("h", Encoding.UTF8.GetString(ItemFormat.SerializeAttachment(header))), ("c", itemBytes), ("n", content.Length)))
        {
            rowid = (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
        }

        if (itemBytes is not null || content.Length == 0)
        {
            return;
        }

        await using var source = content.Open!();
        using var blob = new SqliteBlob(connection, "attachments", "content", rowid);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long written = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (written + read > content.Length)
                {
                    throw new InvalidOperationException("An attachment's content is longer than it said.");
                }

                blob.Write(buffer, 0, read);
                written += read;
            }

            if (written != content.Length)
            {
                throw new InvalidOperationException("An attachment's content is shorter than it said.");
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<bool> DeleteAssociatedItemAsync(string itemId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command("DELETE FROM associated_items WHERE id = $id;", tx, ("$id", itemId));
            deleted = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return deleted > 0;
    }

    /// <summary>Whether the item's field changes wait for the number of the change that writes it.</summary>
    private static bool Marked(Item item) => item.HasFieldChanges && item.FieldChanges.ContainsValue(ChangeSet.ThisChange);

    // Synchronization

    /// <summary>The changes since <paramref name="watermark"/> for a client told of everything up to it.</summary>
    public Task<ItemSyncPage> GetItemChangesAsync(string folderId, long watermark, int max, IReadOnlyCollection<string> ignore, CancellationToken cancellationToken) =>
        GetItemChangesAsync(folderId, watermark, watermark, max, ignore, cancellationToken);

    public async Task<ItemSyncPage> GetItemChangesAsync(string folderId, long watermark, long entered, int max, IReadOnlyCollection<string> ignore, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        // One read transaction: one WAL snapshot, so the changes and the watermark returned agree.
        await using var tx = connection.BeginTransaction(deferred: true);
        var ignored = JsonSerializer.Serialize(ignore);
        var changes = new List<(long Seq, ItemSyncChange Change)>();

        // First what happened after the watermark to the items the client knows (those that entered by `entered`). A
        // paged sync cannot report an item's state as of one moment: each page reports the items it reaches as they are
        // when it is read. So the state says how far, in the order items entered, the client has been told, and no page
        // reports new items before the client is up to date on the known ones: only then does one watermark fit them all.
        if (entered > 0)
        {
            var parameters = new (string, object?)[] { ("$f", folderId), ("$w", watermark), ("$e", entered), ("$n", max + 1), ("$ignore", ignored) };
            await using (var cmd = connection.Command("""
                SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, content_seq, created_seq FROM items INDEXED BY items_sync
                WHERE folder_id = $f AND sync_seq > $w AND created_seq <= $e AND id NOT IN (SELECT value FROM json_each($ignore))
                ORDER BY sync_seq LIMIT $n;
                """, tx, parameters))
            await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var item = ReadItem(reader, entered: 7);
                    var kind = reader.GetInt64(6) > watermark ? SyncChangeKind.Update : SyncChangeKind.ReadFlagChange;
                    changes.Add((reader.GetInt64(5), new ItemSyncChange(kind, item.Id, item)));
                }
            }

            // What left the folder (deleted, or moved out under its old id); one that entered after `entered` is an item the
            // client was never told of.
            await using (var cmd = connection.Command("""
                SELECT IFNULL(source_id, id), seq FROM change_log INDEXED BY change_log_departures
                WHERE source_folder_id = $f AND is_folder = 0 AND kind IN (4, 6) AND seq > $w AND source_entered <= $e
                    AND IFNULL(source_id, id) NOT IN (SELECT value FROM json_each($ignore))
                ORDER BY seq LIMIT $n;
                """, tx, parameters))
            await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    changes.Add((reader.GetInt64(1), new ItemSyncChange(SyncChangeKind.Delete, reader.GetString(0), null)));
                }
            }

            changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
            if (changes.Count > max)
            {
                await tx.CommitAsync(cancellationToken);
                return new ItemSyncPage([.. changes.Take(max).Select(c => c.Change)], changes[max - 1].Seq, false, entered);
            }
        }

        // The client is now up to date on what it knows: the rest of the page tells it of items that entered later.
        var room = max - changes.Count;
        var creates = new List<(long Seq, long Entered, ItemSyncChange Change)>();
        await using (var cmd = connection.Command("""
            SELECT id, mailbox_id, folder_id, change_number, data, sync_seq, created_seq FROM items INDEXED BY items_entered
            WHERE folder_id = $f AND created_seq > $e AND id NOT IN (SELECT value FROM json_each($ignore))
            ORDER BY created_seq LIMIT $n;
            """, tx, ("$f", folderId), ("$e", entered), ("$n", room + 1), ("$ignore", ignored)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var item = ReadItem(reader, entered: 6);
                creates.Add((reader.GetInt64(5), reader.GetInt64(6), new ItemSyncChange(SyncChangeKind.Create, item.Id, item)));
            }
        }

        var position = Math.Max(await FolderSyncPositionAsync(connection, tx, folderId, cancellationToken), watermark);
        await tx.CommitAsync(cancellationToken);
        var last = creates.Count <= room;
        if (!last)
        {
            creates.RemoveAt(room);
        }

        // In commit order, as an incremental sync reads (the page is one step either way).
        changes.AddRange(creates.Select(c => (c.Seq, c.Change)));
        changes.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        return new ItemSyncPage([.. changes.Select(c => c.Change)], position, last, last ? position : creates.Count > 0 ? creates[^1].Entered : entered);
    }

    public async Task<FolderSyncPage> GetFolderChangesAsync(string mailboxId, string scopeFolderId, long watermark, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);

        // Parents of every folder, live or deleted after the watermark, to tell which changes fall inside the scope.
        // A mailbox holds tens of folders, not thousands of items: reading them all is cheap.
        var parents = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using (var cmd = connection.Command("SELECT id, parent_id FROM folders WHERE mailbox_id = $m;", tx, ("$m", mailboxId)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                parents[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
        }

        var changes = new List<(long Seq, FolderSyncChange Change)>();
        await using (var cmd = connection.Command("""
            SELECT id, source_folder_id, seq FROM change_log INDEXED BY change_log_folders
            WHERE mailbox_id = $m AND is_folder = 1 AND seq > $w AND kind = 6 AND source_entered <= $w ORDER BY seq;
            """, tx,
            ("$m", mailboxId), ("$w", watermark)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                parents.TryAdd(id, reader.IsDBNull(1) ? null : reader.GetString(1));
                changes.Add((reader.GetInt64(2), new FolderSyncChange(SyncChangeKind.Delete, id, null)));
            }
        }

        // Where each folder moved after the watermark was at the watermark (its first move's source): in the scope then
        // and out of it now is a Delete, the other way round a Create.
        var parentsThen = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using (var cmd = connection.Command("""
            SELECT id, source_folder_id FROM change_log INDEXED BY change_log_folders
            WHERE mailbox_id = $m AND is_folder = 1 AND seq > $w AND kind = 4 ORDER BY seq;
            """, tx, ("$m", mailboxId), ("$w", watermark)))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                parentsThen.TryAdd(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
            }
        }

        var live = new List<(long Seq, bool Known, Folder Folder)>();
        await using (var cmd = connection.Command(FolderColumns.Replace("SELECT f.id,", "SELECT f.sync_seq, f.created_seq, f.id,", StringComparison.Ordinal) + " WHERE f.mailbox_id = $m AND f.sync_seq > $w ORDER BY f.sync_seq;", tx,
            ("$m", mailboxId), ("$w", watermark)))
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

    /// <summary><see cref="SyncPositionAsync"/> of the mailbox that holds <paramref name="folderId"/>, in one statement (a sync page's last step).</summary>
    private static async Task<long> FolderSyncPositionAsync(PooledConnection connection, SqliteTransaction tx, string folderId, CancellationToken cancellationToken)
    {
        await using var cmd = connection.Command("SELECT value FROM mailbox_counters WHERE mailbox_id = (SELECT mailbox_id FROM folders WHERE id = $f);", tx, ("$f", folderId));
        return await cmd.ExecuteScalarAsync(cancellationToken) is long value ? value : 0;
    }

    /// <summary>The last number <paramref name="mailboxId"/> gave, as of the transaction's snapshot: what a sync read in it has covered.</summary>
    private static async Task<long> SyncPositionAsync(PooledConnection connection, SqliteTransaction tx, string mailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = connection.Command("SELECT value FROM mailbox_counters WHERE mailbox_id = $m;", tx, ("$m", mailboxId));
        return await cmd.ExecuteScalarAsync(cancellationToken) is long value ? value : 0;
    }

    public async Task<ChangeLogPage> GetChangeLogAsync(string mailboxId, long position, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        const string Columns = "SELECT seq, kind, is_folder, id, folder_id, source_id, source_folder_id FROM change_log INDEXED BY change_log_seq";
        var entries = await ReadLogAsync(connection, tx, Columns + " WHERE mailbox_id = $m AND seq > $p ORDER BY seq, rowid LIMIT $n;",
            cancellationToken, ("$m", mailboxId), ("$p", position), ("$n", (long)max + 1));
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
            entries = await ReadLogAsync(connection, tx, Columns + " WHERE mailbox_id = $m AND seq = $s ORDER BY rowid;", cancellationToken, ("$m", mailboxId), ("$s", cut));
            await using var more = connection.Command("SELECT EXISTS (SELECT 1 FROM change_log INDEXED BY change_log_seq WHERE mailbox_id = $m AND seq > $s);", tx, ("$m", mailboxId), ("$s", cut));
            if ((long)(await more.ExecuteScalarAsync(cancellationToken))! == 0)
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
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        var position = await SyncPositionAsync(connection, tx, mailboxId, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return position;
    }

    public async Task<ChangedMailboxes> GetChangedMailboxesAsync(long cursor, CancellationToken cancellationToken)
    {
        // The log's rowid is its commit order: one writer at a time (SQLite's lock, whatever process) appends at the end,
        // and the log is never pruned, so a row written after a cursor has a larger rowid.
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var tx = connection.BeginTransaction(deferred: true);
        await using var last = connection.Command("SELECT IFNULL(MAX(rowid), 0) FROM change_log;", tx);
        var end = (long)(await last.ExecuteScalarAsync(cancellationToken))!;
        var mailboxes = new List<string>();
        if (cursor >= 0 && end > cursor)
        {
            await using var cmd = connection.Command("SELECT DISTINCT mailbox_id FROM change_log WHERE rowid > $c AND rowid <= $e;", tx, ("$c", cursor), ("$e", end));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                mailboxes.Add(reader.GetString(0));
            }
        }

        await tx.CommitAsync(cancellationToken);
        return new ChangedMailboxes(mailboxes, Math.Max(end, cursor));
    }

    private static async Task<List<ChangeLogEntry>> ReadLogAsync(PooledConnection connection, SqliteTransaction tx, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
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

    private static (string, object?)[] ItemParameters(Item item, string data)
    {
        var (kind, start, end, unread, uid) = ItemFormat.IndexedColumns(item);
        var (seriesStart, seriesEnd) = ItemFormat.SeriesColumns(item);
        return
        [
            ("$id", item.Id), ("$m", item.MailboxId), ("$f", item.FolderId), ("$k", kind), ("$s", start), ("$e", end), ("$u", unread),
            ("$d", data), ("$uid", uid), ("$ss", seriesStart), ("$se", seriesEnd),
        ];
    }

    private async Task WriteAsync(Func<PooledConnection, SqliteTransaction, Task> work, CancellationToken cancellationToken)
    {
        await writer!.WriteAsync(work, cancellationToken);
        // Durable: notification watchers read the log now rather than at their next poll (subscription writes log nothing and skip this).
        Wake();
    }

    private static void RemoveComputed(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            var property = info.Properties[i];
            if (property.Set is null && !IsConstructorParameter(info, property))
            {
                info.Properties.RemoveAt(i);
            }
        }
    }

    private static bool IsConstructorParameter(JsonTypeInfo info, JsonPropertyInfo property) =>
        info.Type.GetConstructors().Any(c => c.GetParameters().Any(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)));

    public async ValueTask DisposeAsync()
    {
        if (writer is not null)
        {
            await writer.DisposeAsync();
        }

        await pool.DisposeAsync();
    }
}
