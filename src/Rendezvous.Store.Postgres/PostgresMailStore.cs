using System.Data;
using System.Text.Json;
using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store.Sql;

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
    /// <see cref="WriteAsync(Func{NpgsqlConnection, NpgsqlTransaction, Task}, CancellationToken)"/> for a work that numbers
    /// the mailboxes <paramref name="claim"/> names (<see cref="NumberAsync"/>).
    /// </summary>
    private Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, WriteScope, Task> work, CounterClaim? claim, CancellationToken cancellationToken) =>
        writer.WriteAsync(work, claim, ownSavepoint: false, cancellationToken);

    /// <summary>
    /// The next number of <paramref name="mailboxId"/> (the last of the next <paramref name="count"/>): moved on in the
    /// write's transaction, whose lock on the counter row holds until it commits, so numbers follow commit order
    /// whatever node writes. A write rolled back gives its numbers back. The row is one the group locked (the write's
    /// claim named it) or one this write makes (a new mailbox's); any other fails the write, which runs again with the
    /// mailbox claimed, rather than wait for a lock out of the group's order.
    /// </summary>
    internal static async Task<long> NumberAsync(NpgsqlConnection connection, NpgsqlTransaction tx, WriteScope scope, string mailboxId, CancellationToken cancellationToken, int count = 1)
    {
        var held = scope.Counters.Holds(mailboxId);
        await using var cmd = connection.Command(held ? NumberHeldSql : NumberNewSql, tx, ("m", mailboxId), ("n", (long)count));
        if (await cmd.ExecuteScalarAsync(cancellationToken) is not long value)
        {
            throw new UndeclaredMailboxException(mailboxId);
        }

        scope.Counters.Set(mailboxId, value);
        return value;
    }

    private const string NumberHeldSql =
        "INSERT INTO mailbox_counters VALUES (@m, @n) ON CONFLICT (mailbox_id) DO UPDATE SET value = mailbox_counters.value + excluded.value RETURNING value;";

    // DO NOTHING: a row that exists and is not held is not waited for (nothing is returned).
    private const string NumberNewSql = "INSERT INTO mailbox_counters VALUES (@m, @n) ON CONFLICT (mailbox_id) DO NOTHING RETURNING value;";

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

    // Users (the statements both stores share: Sql/UserSql.cs, Sql/DistributionListSql.cs)

    private static readonly UserSql Users = new(PostgresDialect.Instance);
    private static readonly DistributionListSql DistributionLists = new(PostgresDialect.Instance);

    public async Task<UserRecord?> FindUserAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Users.FindAsync(connection, address, cancellationToken);
    }

    public async Task<UserRecord?> FindUserByMailboxAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Users.FindByMailboxAsync(connection, mailboxId, cancellationToken);
    }

    public async Task<IReadOnlyList<UserRecord>> ListUsersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Users.ListAsync(connection, cancellationToken);
    }

    public Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, CancellationToken cancellationToken) =>
        AddUserAsync(address, displayName, passwordHash, DefaultFolders.DefaultCulture, cancellationToken);

    public async Task<UserRecord> AddUserAsync(string address, string displayName, string passwordHash, string culture, CancellationToken cancellationToken)
    {
        var user = new UserRecord("mbx-" + Guid.NewGuid().ToString("N"), address, displayName, passwordHash) { Culture = culture };
        // The new mailbox's counter is made by this write: nothing to claim.
        await WriteAsync(async (connection, tx, scope) =>
        {
            await Users.InsertAsync(connection, tx, user, cancellationToken);
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
                await InsertFolder(connection, tx, scope, folder, cancellationToken);
                existing[definition.Key] = folder.Id;
            }
        }, null, cancellationToken);
        return user;
    }

    public async Task<bool> SetCultureAsync(string address, string culture, CancellationToken cancellationToken)
    {
        var user = await FindUserAsync(address, cancellationToken);
        if (user is null)
        {
            return false;
        }

        await WriteAsync((connection, tx) => Users.SetCultureAsync(connection, tx, user.MailboxId, culture, cancellationToken), cancellationToken);
        await UserSql.RenameDefaultFoldersAsync(this, user.MailboxId, culture, cancellationToken);
        return true;
    }

    public async Task<bool> SetPasswordHashAsync(string address, string passwordHash, CancellationToken cancellationToken)
    {
        var changed = false;
        await WriteAsync(async (connection, tx) => changed = await Users.SetPasswordHashAsync(connection, tx, address, passwordHash, cancellationToken), cancellationToken);
        return changed;
    }

    public async Task<bool> RemoveUserAsync(string address, CancellationToken cancellationToken)
    {
        var changed = false;
        await WriteAsync(async (connection, tx) => changed = await Users.RemoveAsync(connection, tx, address, cancellationToken), cancellationToken);
        return changed;
    }

    // Distribution lists (the server's directory beside its users)

    public async Task<IReadOnlyList<DistributionListRecord>> ListDistributionListsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await DistributionLists.ListAsync(connection, cancellationToken);
    }

    public async Task<DistributionListRecord?> FindDistributionListAsync(string address, CancellationToken cancellationToken) =>
        (await ListDistributionListsAsync(cancellationToken)).FirstOrDefault(l => l.Address.Equals(address, StringComparison.OrdinalIgnoreCase));

    public async Task<bool> AddDistributionListMemberAsync(string listAddress, string? displayName, string member, CancellationToken cancellationToken)
    {
        var added = false;
        await WriteAsync(async (connection, tx) => added = await DistributionLists.AddMemberAsync(connection, tx, listAddress, displayName, member, cancellationToken), cancellationToken);
        return added;
    }

    public async Task<bool> RemoveDistributionListMemberAsync(string listAddress, string member, CancellationToken cancellationToken)
    {
        var removed = false;
        await WriteAsync(async (connection, tx) => removed = await DistributionLists.RemoveMemberAsync(connection, tx, listAddress, member, cancellationToken), cancellationToken);
        return removed;
    }

    // Mailbox settings

    public async Task<WorkingHours?> GetWorkingHoursAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Users.WorkingHoursAsync(connection, mailboxId, cancellationToken) is { } json ? JsonSerializer.Deserialize<WorkingHours>(json, Json) : null;
    }

    public async Task SetWorkingHoursAsync(string mailboxId, WorkingHours? workingHours, CancellationToken cancellationToken)
    {
        var json = workingHours is null ? null : JsonSerializer.Serialize(workingHours, Json);
        await WriteAsync((connection, tx) => Users.SetWorkingHoursAsync(connection, tx, mailboxId, json, cancellationToken), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await listener.DisposeAsync();
        await writer.DisposeAsync();
        await dataSource.DisposeAsync();
    }
}
