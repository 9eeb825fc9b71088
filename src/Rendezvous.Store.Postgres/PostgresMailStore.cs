using System.Data;
using System.Text.Json;
using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// The store on PostgreSQL, for a server of several nodes over one database: the contract of <see cref="SqliteMailStore"/>
/// (its item format, numbering, change log, stamps, attachments) on Npgsql. Writes run concurrently, each in its own
/// READ COMMITTED transaction: each mailbox's counter row is locked by the write that numbers from it, so numbers
/// follow commit order per mailbox whatever node writes, and a write that lost a deadlock is run again here
/// (<see cref="WriteAsync"/>). Multi-statement reads run in one REPEATABLE READ snapshot. No state of the process is
/// needed for correctness: numbering is in the database.
/// </summary>
public sealed partial class PostgresMailStore : IMailStore
{
    private static JsonSerializerOptions Json => SqliteMailStore.Json;

    private readonly NpgsqlDataSource dataSource;
    private readonly PostgresGroupCommit writer;
    private readonly PostgresChangeListener listener;

    private PostgresMailStore(NpgsqlDataSource dataSource, string connectionString, TimeProvider time)
    {
        this.dataSource = dataSource;
        writer = new PostgresGroupCommit(dataSource);
        listener = new PostgresChangeListener(connectionString, time);
        Time = time;
    }

    private TimeProvider Time { get; }

    /// <summary>How many writes were run again after a deadlock or serialization failure (what the retry test counts).</summary>
    internal long RetriedWrites => writer.Retried;

    /// <summary>
    /// Opens the store of the database <paramref name="connectionString"/> names and applies the migrations it lacks.
    /// <paramref name="time"/> stamps folders' modification times (the system clock by default).
    /// </summary>
    public static async Task<PostgresMailStore> OpenAsync(string connectionString, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var dataSource = CreateDataSource(connectionString);
        try
        {
            await PostgresMigrations.ApplyAsync(dataSource, cancellationToken);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }

        var store = new PostgresMailStore(dataSource, connectionString, time ?? TimeProvider.System);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            // Made once and kept, so that sync states handed out survive a restart (and only this store accepts them).
            await using var cmd = connection.Command(
                "INSERT INTO secrets VALUES ('syncstate', @k) ON CONFLICT (name) DO NOTHING; SELECT value FROM secrets WHERE name = 'syncstate';", null,
                ("k", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            store.SyncStateKey = (byte[])(await cmd.ExecuteScalarAsync(cancellationToken))!;
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Applies the migrations the database lacks and nothing else (<c>rdv migrate</c>); returns how many.</summary>
    public static async Task<int> MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = CreateDataSource(connectionString);
        return await PostgresMigrations.ApplyAsync(dataSource, cancellationToken);
    }

    /// <summary>The database a connection string names, without its password: what a server says it serves from.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"PostgreSQL {builder.Database} on {builder.Host}:{builder.Port}";
    }

    private static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // The same few statements run again and again: prepared once per connection, they skip parsing and planning.
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 128;
            builder.AutoPrepareMinUsages = 2;
        }

        // The store changes no session state (no SET, no temporary table): a connection given back
        // to the pool needs no reset round trip before its next use.
        if (!new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey("No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }

        return NpgsqlDataSource.Create(builder);
    }

    public ReadOnlyMemory<byte> SyncStateKey { get; private set; }

    /// <summary>
    /// Runs <paramref name="work"/> in the writer's next transaction (<see cref="PostgresGroupCommit"/>) and returns once
    /// it is durable. A deadlock or serialization failure rolls it back to its savepoint and runs it again (the work must
    /// set everything it writes each time); a full disk is the store's <see cref="StoreFullException"/>.
    /// </summary>
    private Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, Task> work, CancellationToken cancellationToken) =>
        writer.WriteAsync(work, cancellationToken);

    /// <summary>
    /// The next number of <paramref name="mailboxId"/> (the last of the next <paramref name="count"/>): read and moved on
    /// in the write's transaction, whose lock on the counter row holds until it commits, so numbers follow commit order
    /// whatever node writes. A write rolled back gives its numbers back.
    /// </summary>
    private static async Task<long> NumberAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string mailboxId, CancellationToken cancellationToken, int count = 1)
    {
        await using var cmd = connection.Command(
            "INSERT INTO mailbox_counters VALUES (@m, @n) ON CONFLICT (mailbox_id) DO UPDATE SET value = mailbox_counters.value + excluded.value RETURNING value;",
            tx, ("m", mailboxId), ("n", (long)count));
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Locks the counters of <paramref name="mailboxIds"/> in one order (ordinal), so that two writes that number several
    /// mailboxes (a meeting's organizer and attendees) wait for each other instead of deadlocking.
    /// </summary>
    private static async Task LockCountersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IEnumerable<string> mailboxIds, CancellationToken cancellationToken)
    {
        var ids = mailboxIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (ids.Length < 2)
        {
            return;
        }

        await using var cmd = connection.Command(
            "SELECT 1 FROM mailbox_counters WHERE mailbox_id = ANY(@m) ORDER BY mailbox_id COLLATE \"C\" FOR UPDATE;", tx, ("m", ids));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
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

    // Users

    private const string UserColumns = "SELECT mailbox_id, address, display_name, password_hash, culture FROM users";

    public async Task<UserRecord?> FindUserAsync(string address, CancellationToken cancellationToken) =>
        (await QueryUsers(UserColumns + " WHERE lower(address) = lower(@a);", cancellationToken, ("a", address))).FirstOrDefault();

    public async Task<UserRecord?> FindUserByMailboxAsync(string mailboxId, CancellationToken cancellationToken) =>
        (await QueryUsers(UserColumns + " WHERE mailbox_id = @m;", cancellationToken, ("m", mailboxId))).FirstOrDefault();

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken) =>
        QueryUsers(UserColumns + " ORDER BY lower(address) COLLATE \"C\";", cancellationToken);

    private async Task<IReadOnlyList<UserRecord>> QueryUsers(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var users = new List<UserRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3))
            {
                Culture = reader.IsDBNull(4) ? DefaultFolders.DefaultCulture : reader.GetString(4),
            });
        }

        return users;
    }

    public Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, CancellationToken cancellationToken) =>
        AddUserAsync(address, displayName, passwordHash, DefaultFolders.DefaultCulture, cancellationToken);

    public async Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, string culture, CancellationToken cancellationToken)
    {
        var user = new UserRecord("mbx-" + Guid.NewGuid().ToString("N"), address, displayName, passwordHash) { Culture = culture };
        await WriteAsync(async (connection, tx) =>
        {
            // One address names one recipient: a user may not take a room list's address.
            await using (var list = connection.Command("SELECT 1 FROM room_lists WHERE lower(address) = lower(@a);", tx, ("a", address)))
            {
                if (await list.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    throw new DuplicateException($"{address} is a room list's address.");
                }
            }

            try
            {
                await using var cmd = connection.Command("INSERT INTO users (mailbox_id, address, display_name, password_hash, culture) VALUES (@m, @a, @d, @h, @c);", tx,
                    ("m", user.MailboxId), ("a", address), ("d", displayName), ("h", passwordHash), ("c", culture));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (PostgresSql.IsUniqueViolation(e))
            {
                throw new DuplicateException($"A user with the address {address} already exists.");
            }

            var existing = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var definition in DefaultFolders.All)
            {
                if (definition.Parent is { } p && !existing.ContainsKey(p))
                {
                    continue;
                }

                var folder = new Folder
                {
                    Id = EwsIds.NewFolderId(user.MailboxId),
                    MailboxId = user.MailboxId,
                    ParentId = definition.Parent is { } parent ? existing[parent] : null,
                    DisplayName = definition.DisplayName(culture),
                    FolderClass = definition.FolderClass,
                    DistinguishedName = definition.Key,
                };
                await InsertFolder(connection, tx, folder, cancellationToken);
                existing[definition.Key] = folder.Id;
            }
        }, cancellationToken);
        return user;
    }

    public async Task<bool> SetCultureAsync(string address, string culture, CancellationToken cancellationToken)
    {
        var user = await FindUserAsync(address, cancellationToken);
        if (user is null)
        {
            return false;
        }

        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command("UPDATE users SET culture = @c WHERE mailbox_id = @m;", tx, ("c", culture), ("m", user.MailboxId));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

        // The default folders take the culture's names (folder updates, so synchronizing clients see the new names).
        var changes = new ChangeSet();
        foreach (var definition in DefaultFolders.All.Where(d => d.Localized is not null))
        {
            if (await GetDistinguishedFolderAsync(user.MailboxId, definition.Key, cancellationToken) is { } folder && folder.DisplayName != definition.DisplayName(culture))
            {
                folder.DisplayName = definition.DisplayName(culture);
                changes.FolderUpdates.Add(folder);
            }
        }

        await ApplyAsync(changes, cancellationToken);
        return true;
    }

    public async Task<bool> SetPasswordHashAsync(string address, string passwordHash, CancellationToken cancellationToken)
    {
        var changed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command("UPDATE users SET password_hash = @h WHERE lower(address) = lower(@a);", tx, ("h", passwordHash), ("a", address));
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return changed > 0;
    }

    public async Task<bool> RemoveUserAsync(string address, CancellationToken cancellationToken)
    {
        var changed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            // The rights others hold over this mailbox go with it (its own go by the foreign key).
            await using (var grants = connection.Command(
                "DELETE FROM grants WHERE principal_mailbox_id IN (SELECT mailbox_id FROM users WHERE lower(address) = lower(@a));", tx, ("a", address)))
            {
                await grants.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var cmd = connection.Command("DELETE FROM users WHERE lower(address) = lower(@a);", tx, ("a", address));
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return changed > 0;
    }

    // Distribution lists (the server's directory beside its users)

    public async Task<IReadOnlyList<DistributionListRecord>> ListDistributionListsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(
            "SELECT l.address, l.display_name, m.member FROM distribution_lists l LEFT JOIN distribution_list_members m ON m.list_address = l.address ORDER BY lower(l.address) COLLATE \"C\", m.pos;", null);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var lists = new List<DistributionListRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var address = reader.GetString(0);
            if (lists.Count == 0 || !lists[^1].Address.Equals(address, StringComparison.OrdinalIgnoreCase))
            {
                lists.Add(new DistributionListRecord(address, reader.GetString(1), new List<string>()));
            }

            if (!reader.IsDBNull(2))
            {
                ((List<string>)lists[^1].Members).Add(reader.GetString(2));
            }
        }

        return lists;
    }

    public async Task<DistributionListRecord?> FindDistributionListAsync(string address, CancellationToken cancellationToken) =>
        (await ListDistributionListsAsync(cancellationToken)).FirstOrDefault(l => l.Address.Equals(address, StringComparison.OrdinalIgnoreCase));

    public async Task<bool> AddDistributionListMemberAsync(string listAddress, string? displayName, string member, CancellationToken cancellationToken)
    {
        var added = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using (var list = connection.Command(
                "INSERT INTO distribution_lists (address, display_name) VALUES (@a, @d) ON CONFLICT ((lower(address))) DO UPDATE SET display_name = COALESCE(@n::text, distribution_lists.display_name);", tx,
                ("a", listAddress), ("d", displayName ?? listAddress), ("n", displayName)))
            {
                await list.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var cmd = connection.Command(
                "INSERT INTO distribution_list_members (list_address, member) SELECT address, @m FROM distribution_lists WHERE lower(address) = lower(@a) ON CONFLICT DO NOTHING;", tx,
                ("a", listAddress), ("m", member));
            added = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return added > 0;
    }

    public async Task<bool> RemoveDistributionListMemberAsync(string listAddress, string member, CancellationToken cancellationToken)
    {
        var removed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using (var cmd = connection.Command(
                "DELETE FROM distribution_list_members WHERE lower(list_address) = lower(@a) AND lower(member) = lower(@m);", tx, ("a", listAddress), ("m", member)))
            {
                removed = await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            // A list without members is no list: it goes with its last member.
            await using var empty = connection.Command(
                "DELETE FROM distribution_lists l WHERE lower(l.address) = lower(@a) AND NOT EXISTS (SELECT 1 FROM distribution_list_members m WHERE m.list_address = l.address);", tx,
                ("a", listAddress));
            await empty.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return removed > 0;
    }

    // Mailbox settings

    public async Task<WorkingHours?> GetWorkingHoursAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command("SELECT working_hours FROM mailbox_settings WHERE mailbox_id = @m;", null, ("m", mailboxId));
        return await cmd.ExecuteScalarAsync(cancellationToken) is string json ? JsonSerializer.Deserialize<WorkingHours>(json, Json) : null;
    }

    public async Task SetWorkingHoursAsync(string mailboxId, WorkingHours? workingHours, CancellationToken cancellationToken)
    {
        var json = workingHours is null ? null : JsonSerializer.Serialize(workingHours, Json);
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(
                "INSERT INTO mailbox_settings (mailbox_id, working_hours) VALUES (@m, @w::text) ON CONFLICT (mailbox_id) DO UPDATE SET working_hours = excluded.working_hours;",
                tx, ("m", mailboxId), ("w", json));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await listener.DisposeAsync();
        await writer.DisposeAsync();
        await dataSource.DisposeAsync();
    }
}
