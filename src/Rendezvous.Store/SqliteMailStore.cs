using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;
using Rendezvous.Protocol;

namespace Rendezvous.Store;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged write survives
/// a killed process (and a power cut). Writes go through one writer at a time; reads run beside them.
/// Items are kept as JSON with the columns queries need (folder, window, read flag) beside it.
/// </summary>
public sealed class SqliteMailStore : IMailStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            // Computed properties (Size, Key, ElementName...) are derived on read, never stored.
            Modifiers = { static info => RemoveComputed(info) },
        },
    };

    private static readonly (string Name, string DisplayName, string? Class, bool UnderRoot)[] DistinguishedFolders =
    [
        ("inbox", "Inbox", "IPF.Note", false),
        ("calendar", "Calendar", "IPF.Appointment", false),
        ("contacts", "Contacts", "IPF.Contact", false),
        ("deleteditems", "Deleted Items", "IPF.Note", false),
        ("drafts", "Drafts", "IPF.Note", false),
        ("journal", "Journal", "IPF.Journal", false),
        ("junkemail", "Junk Email", "IPF.Note", false),
        ("notes", "Notes", "IPF.StickyNote", false),
        ("outbox", "Outbox", "IPF.Note", false),
        ("sentitems", "Sent Items", "IPF.Note", false),
        ("tasks", "Tasks", "IPF.Task", false),
    ];

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
        // Index 2 is reserved for the SyncFolderItems migration (branch wt-sync); it replaces this no-op on merge.
        """
        SELECT 1;
        """,
        // Index 3: per-mailbox settings, starting with working hours (JSON of WorkingHours; NULL: the default).
        """
        CREATE TABLE mailbox_settings (
            mailbox_id TEXT PRIMARY KEY REFERENCES users(mailbox_id) ON DELETE CASCADE,
            working_hours TEXT
        );
        """,
    ];

    private readonly string connectionString;
    private readonly SemaphoreSlim writer = new(1, 1);
    private long changeNumber;

    private SqliteMailStore(string connectionString) => this.connectionString = connectionString;

    public string Path { get; private init; } = "";

    /// <summary>Opens (creating if needed) the store in <paramref name="dataDirectory"/> and applies pending migrations.</summary>
    public static async Task<SqliteMailStore> OpenAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, "rendezvous.db"));
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30, Mode = SqliteOpenMode.ReadWriteCreate };
        var store = new SqliteMailStore(builder.ToString()) { Path = path };
        await using var connection = await store.OpenAsync(cancellationToken);
        await Exec(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            for (var i = version; i < Migrations.Length; i++)
            {
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
                await Exec(connection, Migrations[i], cancellationToken, tx);
                await Exec(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version={i + 1};"), cancellationToken, tx);
                await tx.CommitAsync(cancellationToken);
            }
        }

        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT value FROM counters WHERE name='change';";
            store.changeNumber = Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        return store;
    }

    public long NextChangeNumber() => Interlocked.Increment(ref changeNumber);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await Exec(connection, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;", cancellationToken);
        return connection;
    }

    private static async Task Exec(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? tx = null)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    // Users

    public async Task<UserRecord?> FindUserAsync(string address, CancellationToken cancellationToken) =>
        (await QueryUsers("SELECT mailbox_id, address, display_name, password_hash FROM users WHERE address = $a;", cancellationToken, ("$a", address))).FirstOrDefault();

    public async Task<UserRecord?> FindUserByMailboxAsync(string mailboxId, CancellationToken cancellationToken) =>
        (await QueryUsers("SELECT mailbox_id, address, display_name, password_hash FROM users WHERE mailbox_id = $m;", cancellationToken, ("$m", mailboxId))).FirstOrDefault();

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken) =>
        QueryUsers("SELECT mailbox_id, address, display_name, password_hash FROM users ORDER BY address;", cancellationToken);

    private async Task<IReadOnlyList<UserRecord>> QueryUsers(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var cmd = Command(connection, sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var users = new List<UserRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return users;
    }

    public async Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, CancellationToken cancellationToken)
    {
        var user = new UserRecord("mbx-" + Guid.NewGuid().ToString("N"), address, displayName, passwordHash);
        await WriteAsync(async (connection, tx) =>
        {
            try
            {
                await using var cmd = Command(connection, "INSERT INTO users VALUES ($m, $a, $d, $h);", tx,
                    ("$m", user.MailboxId), ("$a", address), ("$d", displayName), ("$h", passwordHash));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new DuplicateException($"A user with the address {address} already exists.");
            }

            var root = new Folder { Id = EwsIds.NewFolderId(), MailboxId = user.MailboxId, DisplayName = "root", DistinguishedName = "root" };
            var top = new Folder { Id = EwsIds.NewFolderId(), MailboxId = user.MailboxId, ParentId = root.Id, DisplayName = "Top of Information Store", FolderClass = "IPF.Note", DistinguishedName = "msgfolderroot" };
            // The dumpster: SoftDelete keeps items here, out of the user's folders (as Exchange's Recoverable Items).
            var recoverable = new Folder { Id = EwsIds.NewFolderId(), MailboxId = user.MailboxId, ParentId = root.Id, DisplayName = "Recoverable Items", FolderClass = "IPF.Note", DistinguishedName = "recoverableitemsroot" };
            var deletions = new Folder { Id = EwsIds.NewFolderId(), MailboxId = user.MailboxId, ParentId = recoverable.Id, DisplayName = "Deletions", FolderClass = "IPF.Note", DistinguishedName = "recoverableitemsdeletions" };
            await InsertFolder(connection, tx, root, cancellationToken);
            await InsertFolder(connection, tx, top, cancellationToken);
            await InsertFolder(connection, tx, recoverable, cancellationToken);
            await InsertFolder(connection, tx, deletions, cancellationToken);
            foreach (var (name, display, folderClass, _) in DistinguishedFolders)
            {
                await InsertFolder(connection, tx, new Folder
                {
                    Id = EwsIds.NewFolderId(),
                    MailboxId = user.MailboxId,
                    ParentId = top.Id,
                    DisplayName = display,
                    FolderClass = folderClass,
                    DistinguishedName = name,
                }, cancellationToken);
            }
        }, cancellationToken);
        return user;
    }

    public async Task<bool> SetPasswordHashAsync(string address, string passwordHash, CancellationToken cancellationToken)
    {
        var changed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = Command(connection, "UPDATE users SET password_hash = $h WHERE address = $a;", tx, ("$h", passwordHash), ("$a", address));
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return changed > 0;
    }

    public async Task<bool> RemoveUserAsync(string address, CancellationToken cancellationToken)
    {
        var changed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = Command(connection, "DELETE FROM users WHERE address = $a;", tx, ("$a", address));
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return changed > 0;
    }

    // Mailbox settings

    public async Task<WorkingHours?> GetWorkingHoursAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var cmd = Command(connection, "SELECT working_hours FROM mailbox_settings WHERE mailbox_id = $m;", null, ("$m", mailboxId));
        return await cmd.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize<WorkingHours>(json, Json) : null;
    }

    public async Task SetWorkingHoursAsync(string mailboxId, WorkingHours? workingHours, CancellationToken cancellationToken)
    {
        var json = workingHours is null ? null : JsonSerializer.Serialize(workingHours, Json);
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = Command(connection,
                "INSERT INTO mailbox_settings (mailbox_id, working_hours) VALUES ($m, $w) ON CONFLICT(mailbox_id) DO UPDATE SET working_hours = excluded.working_hours;",
                tx, ("$m", mailboxId), ("$w", json));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
    }

    // Folders

    private const string FolderColumns =
        """
        SELECT f.id, f.mailbox_id, f.parent_id, f.display_name, f.folder_class, f.distinguished_name, f.change_number, f.extended,
               (SELECT COUNT(*) FROM items i WHERE i.folder_id = f.id),
               (SELECT COUNT(*) FROM items i WHERE i.folder_id = f.id AND i.is_unread = 1),
               (SELECT COUNT(*) FROM folders c WHERE c.parent_id = f.id)
        FROM folders f
        """;

    public async Task<Folder?> GetFolderAsync(string folderId, CancellationToken cancellationToken) =>
        (await QueryFolders(FolderColumns + " WHERE f.id = $id;", cancellationToken, ("$id", folderId))).FirstOrDefault();

    public async Task<Folder?> GetDistinguishedFolderAsync(string mailboxId, string name, CancellationToken cancellationToken) =>
        (await QueryFolders(FolderColumns + " WHERE f.mailbox_id = $m AND f.distinguished_name = $n;", cancellationToken, ("$m", mailboxId), ("$n", name))).FirstOrDefault();

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
        await using var connection = await OpenAsync(cancellationToken);
        await using var cmd = Command(connection, sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var folders = new List<Folder>();
        while (await reader.ReadAsync(cancellationToken))
        {
            folders.Add(new Folder
            {
                Id = reader.GetString(0),
                MailboxId = reader.GetString(1),
                ParentId = reader.IsDBNull(2) ? null : reader.GetString(2),
                DisplayName = reader.GetString(3),
                FolderClass = reader.IsDBNull(4) ? null : reader.GetString(4),
                DistinguishedName = reader.IsDBNull(5) ? null : reader.GetString(5),
                ChangeNumber = reader.GetInt64(6),
                ExtendedProperties = reader.IsDBNull(7) ? [] : JsonSerializer.Deserialize<List<ExtendedProperty>>(reader.GetString(7), Json) ?? [],
                TotalCount = reader.GetInt32(8),
                UnreadCount = reader.GetInt32(9),
                ChildFolderCount = reader.GetInt32(10),
            });
        }

        return folders;
    }

    private async Task InsertFolder(SqliteConnection connection, SqliteTransaction tx, Folder folder, CancellationToken cancellationToken)
    {
        if (folder.ChangeNumber == 0)
        {
            folder.ChangeNumber = NextChangeNumber();
        }

        await using var cmd = Command(connection, "INSERT INTO folders VALUES ($id, $m, $p, $n, $c, $d, $cn, $x);", tx,
            ("$id", folder.Id), ("$m", folder.MailboxId), ("$p", folder.ParentId), ("$n", folder.DisplayName), ("$c", folder.FolderClass),
            ("$d", folder.DistinguishedName), ("$cn", folder.ChangeNumber),
            ("$x", folder.ExtendedProperties.Count == 0 ? null : JsonSerializer.Serialize(folder.ExtendedProperties, Json)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    // Items

    private const string ItemColumns = "SELECT id, mailbox_id, folder_id, change_number, data FROM items";

    public async Task<Item?> GetItemAsync(string itemId, CancellationToken cancellationToken) =>
        (await QueryItems(ItemColumns + " WHERE id = $id;", cancellationToken, ("$id", itemId))).FirstOrDefault();

    public Task<IReadOnlyList<Item>> GetItemsAsync(string folderId, CancellationToken cancellationToken) =>
        QueryItems(ItemColumns + " WHERE folder_id = $f;", cancellationToken, ("$f", folderId));

    public Task<IReadOnlyList<Item>> GetItemsInWindowAsync(string folderId, DateTime start, DateTime end, CancellationToken cancellationToken) =>
        QueryItems(ItemColumns + " WHERE folder_id = $f AND start_ticks < $e AND end_ticks > $s ORDER BY start_ticks;", cancellationToken,
            ("$f", folderId), ("$s", start.Ticks), ("$e", end.Ticks));

    public async Task<IReadOnlyList<PlacedItem>> GetMeetingItemsAsync(string mailboxId, string uid, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var cmd = Command(connection,
            "SELECT i.id, i.mailbox_id, i.folder_id, i.change_number, i.data, f.distinguished_name FROM items i JOIN folders f ON f.id = i.folder_id WHERE i.mailbox_id = $m AND i.uid = $u;",
            null, ("$m", mailboxId), ("$u", uid));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var items = new List<PlacedItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new PlacedItem(ReadItem(reader), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return items;
    }

    private static Item ReadItem(SqliteDataReader reader)
    {
        var item = JsonSerializer.Deserialize<Item>(reader.GetString(4), Json)!;
        item.Id = reader.GetString(0);
        item.MailboxId = reader.GetString(1);
        item.FolderId = reader.GetString(2);
        item.ChangeNumber = reader.GetInt64(3);
        return item;
    }

    private async Task<IReadOnlyList<Item>> QueryItems(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var cmd = Command(connection, sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var items = new List<Item>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadItem(reader));
        }

        return items;
    }

    public Task ApplyAsync(ChangeSet changes, CancellationToken cancellationToken) =>
        changes.IsEmpty ? Task.CompletedTask : WriteAsync(async (connection, tx) =>
        {
            foreach (var folder in changes.FolderInserts)
            {
                await InsertFolder(connection, tx, folder, cancellationToken);
            }

            foreach (var folder in changes.FolderUpdates)
            {
                await using var cmd = Command(connection, "UPDATE folders SET display_name = $n, folder_class = $c, change_number = $cn, extended = $x WHERE id = $id;", tx,
                    ("$id", folder.Id), ("$n", folder.DisplayName), ("$c", folder.FolderClass), ("$cn", folder.ChangeNumber),
                    ("$x", folder.ExtendedProperties.Count == 0 ? null : JsonSerializer.Serialize(folder.ExtendedProperties, Json)));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var id in changes.Deletes)
            {
                await using var cmd = Command(connection, "DELETE FROM items WHERE id = $id;", tx, ("$id", id));
                if (await cmd.ExecuteNonQueryAsync(cancellationToken) != 1)
                {
                    // Someone else deleted or moved it since it was read: the decision was made on stale state.
                    throw new ConcurrencyException(id, gone: true);
                }
            }

            foreach (var id in changes.FolderDeletes)
            {
                // Subfolders first (their items go with them through the foreign key).
                await using var cmd = Command(connection,
                    """
                    WITH RECURSIVE tree(id) AS (SELECT $id UNION ALL SELECT f.id FROM folders f JOIN tree t ON f.parent_id = t.id)
                    DELETE FROM folders WHERE id IN (SELECT id FROM tree);
                    """, tx, ("$id", id));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var item in changes.Inserts)
            {
                await using var cmd = Command(connection, "INSERT INTO items (id, mailbox_id, folder_id, kind, start_ticks, end_ticks, is_unread, change_number, data, uid) VALUES ($id, $m, $f, $k, $s, $e, $u, $cn, $d, $uid);", tx, ItemParameters(item));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var (item, expected) in changes.Updates)
            {
                await using var cmd = Command(connection,
                    "UPDATE items SET folder_id = $f, kind = $k, start_ticks = $s, end_ticks = $e, is_unread = $u, change_number = $cn, data = $d, uid = $uid WHERE id = $id AND mailbox_id = $m AND change_number = $expected;",
                    tx, [.. ItemParameters(item), ("$expected", expected)]);
                if (await cmd.ExecuteNonQueryAsync(cancellationToken) != 1)
                {
                    throw new ConcurrencyException(item.Id);
                }
            }

            await using var counter = Command(connection, "UPDATE counters SET value = MAX(value, $v) WHERE name = 'change';", tx, ("$v", Interlocked.Read(ref changeNumber)));
            await counter.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    private static (string, object?)[] ItemParameters(Item item) =>
    [
        ("$id", item.Id), ("$m", item.MailboxId), ("$f", item.FolderId), ("$k", (int)item.Kind),
        ("$s", item.Start?.Ticks), ("$e", (item.End ?? item.Start)?.Ticks),
        ("$u", item.Kind != ItemKind.CalendarItem && item.IsRead != true ? 1 : 0),
        ("$cn", item.ChangeNumber), ("$d", JsonSerializer.Serialize(item, Json)), ("$uid", item.Uid),
    ];

    private async Task WriteAsync(Func<SqliteConnection, SqliteTransaction, Task> work, CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var tx = connection.BeginTransaction(deferred: false);
            await work(connection, tx);
            await tx.CommitAsync(cancellationToken);
        }
        finally
        {
            writer.Release();
        }
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

    public ValueTask DisposeAsync()
    {
        writer.Dispose();
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
