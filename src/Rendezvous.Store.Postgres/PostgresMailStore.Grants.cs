using Npgsql;
using Rendezvous.Domain;

namespace Rendezvous.Store.Postgres;

/// <summary>Grants (issue 18 §3, §4; migration 3's table), the statements of <see cref="SqliteMailStore"/>'s.</summary>
public sealed partial class PostgresMailStore
{
    public async Task<bool> AddGrantAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        SharingRows.CheckGrant(kind, principalMailboxId);

        var added = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(
                "INSERT INTO grants (grantee_mailbox_id, kind, principal_mailbox_id) VALUES (@g, @k, @p) ON CONFLICT DO NOTHING;",
                tx, ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)), ("p", principalMailboxId ?? SharingRows.EveryMailbox));
            added = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return added > 0;
    }

    public async Task<int> RemoveGrantsAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        var removed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = principalMailboxId is null
                ? connection.Command("DELETE FROM grants WHERE grantee_mailbox_id = @g AND kind = @k;", tx, ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)))
                : connection.Command("DELETE FROM grants WHERE grantee_mailbox_id = @g AND kind = @k AND principal_mailbox_id = @p;",
                    tx, ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)), ("p", principalMailboxId));
            removed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return removed;
    }

    /// <summary>A change set's grants (inside <see cref="ApplyAsync"/>'s savepoint, after its delegate rows).</summary>
    private static async Task WriteGrantsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var grant in changes.Grants)
        {
            await using var cmd = grant.Add
                ? connection.Command("INSERT INTO grants (grantee_mailbox_id, kind, principal_mailbox_id) VALUES (@g, @k, @p) ON CONFLICT DO NOTHING;",
                    tx, ("g", grant.GranteeMailboxId), ("k", SharingRows.KindName(grant.Kind)), ("p", grant.PrincipalMailboxId))
                : connection.Command("DELETE FROM grants WHERE grantee_mailbox_id = @g AND kind = @k AND principal_mailbox_id = @p;",
                    tx, ("g", grant.GranteeMailboxId), ("k", SharingRows.KindName(grant.Kind)), ("p", grant.PrincipalMailboxId));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    // Ordered bytewise, as SQLite's BINARY collation orders them.
    public Task<IReadOnlyList<GrantRecord>> ListGrantsAsync(string granteeMailboxId, CancellationToken cancellationToken) =>
        QueryGrants("SELECT grantee_mailbox_id, kind, principal_mailbox_id FROM grants WHERE grantee_mailbox_id = @m ORDER BY kind COLLATE \"C\", principal_mailbox_id COLLATE \"C\";",
            cancellationToken, ("m", granteeMailboxId));

    public Task<IReadOnlyList<GrantRecord>> ListGrantsOverAsync(string principalMailboxId, CancellationToken cancellationToken) =>
        QueryGrants("SELECT grantee_mailbox_id, kind, principal_mailbox_id FROM grants WHERE principal_mailbox_id = @m ORDER BY kind COLLATE \"C\", grantee_mailbox_id COLLATE \"C\";",
            cancellationToken, ("m", principalMailboxId));

    public async Task<bool> HasGrantAsync(string granteeMailboxId, GrantKind kind, string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(
            "SELECT 1 FROM grants WHERE grantee_mailbox_id = @g AND kind = @k AND principal_mailbox_id IN (@p, @all);",
            null, ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)), ("p", principalMailboxId), ("all", SharingRows.EveryMailbox));
        return await cmd.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private async Task<IReadOnlyList<GrantRecord>> QueryGrants(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var grants = new List<GrantRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (SharingRows.KindOf(reader.GetString(1)) is { } kind)
            {
                var principal = reader.GetString(2);
                grants.Add(new GrantRecord(reader.GetString(0), kind, principal == SharingRows.EveryMailbox ? null : principal));
            }
        }

        return grants;
    }
}
