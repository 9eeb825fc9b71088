using System.Data.Common;
using Rendezvous.Domain;

namespace Rendezvous.Store.Sql;

/// <summary>Users and their mailbox settings: both stores' statements (a user's default folders stay each store's).</summary>
internal sealed class UserSql
{
    private const string Columns = "SELECT mailbox_id, address, display_name, password_hash, culture FROM users";
    private const string Insert = "INSERT INTO users (mailbox_id, address, display_name, password_hash, culture) VALUES (@m, @a, @d, @h, @c);";
    private const string SetCulture = "UPDATE users SET culture = @c WHERE mailbox_id = @m;";
    private const string WorkingHours = "SELECT working_hours FROM mailbox_settings WHERE mailbox_id = @m;";

    // The CAST types a NULL for PostgreSQL.
    private const string SetWorkingHours =
        "INSERT INTO mailbox_settings (mailbox_id, working_hours) VALUES (@m, CAST(@w AS text)) ON CONFLICT (mailbox_id) DO UPDATE SET working_hours = excluded.working_hours;";

    private readonly SqlDialect sql;
    private readonly string byAddress;
    private readonly string byMailbox;
    private readonly string all;
    private readonly string roomListByAddress;
    private readonly string setPassword;
    private readonly string removeGrantsOver;
    private readonly string remove;

    public UserSql(SqlDialect sql)
    {
        this.sql = sql;
        byAddress = $"{Columns} WHERE {sql.AddressEquals("address", "@a")};";
        byMailbox = Columns + " WHERE mailbox_id = @m;";
        all = $"{Columns} ORDER BY {sql.AddressOrder("address")};";
        roomListByAddress = $"SELECT 1 FROM room_lists WHERE {sql.AddressEquals("address", "@a")};";
        setPassword = $"UPDATE users SET password_hash = @h WHERE {sql.AddressEquals("address", "@a")};";
        removeGrantsOver = $"DELETE FROM grants WHERE principal_mailbox_id IN (SELECT mailbox_id FROM users WHERE {sql.AddressEquals("address", "@a")});";
        remove = $"DELETE FROM users WHERE {sql.AddressEquals("address", "@a")};";
    }

    public async Task<UserRecord?> FindAsync(DbConnection connection, string address, CancellationToken cancellationToken) =>
        (await QueryAsync(connection, byAddress, cancellationToken, ("a", address))).FirstOrDefault();

    public async Task<UserRecord?> FindByMailboxAsync(DbConnection connection, string mailboxId, CancellationToken cancellationToken) =>
        (await QueryAsync(connection, byMailbox, cancellationToken, ("m", mailboxId))).FirstOrDefault();

    public Task<IReadOnlyList<UserRecord>> ListAsync(DbConnection connection, CancellationToken cancellationToken) =>
        QueryAsync(connection, all, cancellationToken);

    /// <summary>The user's row (its folders are the store's to add, in the same transaction).</summary>
    public async Task InsertAsync(DbConnection connection, DbTransaction tx, UserRecord user, CancellationToken cancellationToken)
    {
        // One address names one recipient: a user may not take a room list's address.
        await using (var list = sql.Command(connection, tx, roomListByAddress, ("a", user.Address)))
        {
            if (await list.ExecuteScalarAsync(cancellationToken) is not null)
            {
                throw new DuplicateException($"{user.Address} is a room list's address.");
            }
        }

        try
        {
            await using var cmd = sql.Command(connection, tx, Insert,
                ("m", user.MailboxId), ("a", user.Address), ("d", user.DisplayName), ("h", user.PasswordHash), ("c", user.Culture));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException e) when (sql.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A user with the address {user.Address} already exists.");
        }
    }

    public async Task SetCultureAsync(DbConnection connection, DbTransaction tx, string mailboxId, string culture, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, SetCulture, ("c", culture), ("m", mailboxId));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The default folders take the culture's names, as Exchange's Set-MailboxRegionalConfiguration
    /// -LocalizeDefaultFolderName does: folder updates, so synchronizing clients see the new names.
    /// </summary>
    public static async Task RenameDefaultFoldersAsync(IMailStore store, string mailboxId, string culture, CancellationToken cancellationToken)
    {
        var changes = new ChangeSet();
        foreach (var definition in DefaultFolders.All.Where(d => d.Localized is not null))
        {
            if (await store.GetDistinguishedFolderAsync(mailboxId, definition.Key, cancellationToken) is { } folder && folder.DisplayName != definition.DisplayName(culture))
            {
                folder.DisplayName = definition.DisplayName(culture);
                changes.FolderUpdates.Add(folder);
            }
        }

        await store.ApplyAsync(changes, cancellationToken);
    }

    public async Task<bool> SetPasswordHashAsync(DbConnection connection, DbTransaction tx, string address, string passwordHash, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, setPassword, ("h", passwordHash), ("a", address));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<bool> RemoveAsync(DbConnection connection, DbTransaction tx, string address, CancellationToken cancellationToken)
    {
        // The rights others hold over this mailbox go with it (its own go by the foreign key).
        await using (var grants = sql.Command(connection, tx, removeGrantsOver, ("a", address)))
        {
            await grants.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var cmd = sql.Command(connection, tx, remove, ("a", address));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>The mailbox's working hours as stored (JSON), or null.</summary>
    public async Task<string?> WorkingHoursAsync(DbConnection connection, string mailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, WorkingHours, ("m", mailboxId));
        return await cmd.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task SetWorkingHoursAsync(DbConnection connection, DbTransaction tx, string mailboxId, string? json, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, SetWorkingHours, ("m", mailboxId), ("w", json));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<UserRecord>> QueryAsync(DbConnection connection, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var cmd = sql.Command(connection, null, statement, parameters);
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
}
