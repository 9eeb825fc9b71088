using System.Data.Common;
using Rendezvous.Domain;

namespace Rendezvous.Store.Sql;

/// <summary>Grants (issue 18 §3, §4): both stores' statements, over the store's connection and writer.</summary>
internal sealed class GrantSql
{
    private const string Insert = "INSERT INTO grants (grantee_mailbox_id, kind, principal_mailbox_id) VALUES (@g, @k, @p) ON CONFLICT DO NOTHING;";
    private const string DeleteKind = "DELETE FROM grants WHERE grantee_mailbox_id = @g AND kind = @k;";
    private const string DeleteOne = "DELETE FROM grants WHERE grantee_mailbox_id = @g AND kind = @k AND principal_mailbox_id = @p;";
    private const string Has = "SELECT 1 FROM grants WHERE grantee_mailbox_id = @g AND kind = @k AND principal_mailbox_id IN (@p, @all);";

    private readonly SqlDialect sql;
    private readonly string byGrantee;
    private readonly string byPrincipal;

    public GrantSql(SqlDialect sql)
    {
        this.sql = sql;
        const string Columns = "SELECT grantee_mailbox_id, kind, principal_mailbox_id FROM grants";
        byGrantee = $"{Columns} WHERE grantee_mailbox_id = @m ORDER BY {sql.BytewiseOrder("kind")}, {sql.BytewiseOrder("principal_mailbox_id")};";
        byPrincipal = $"{Columns} WHERE principal_mailbox_id = @m ORDER BY {sql.BytewiseOrder("kind")}, {sql.BytewiseOrder("grantee_mailbox_id")};";
    }

    public async Task<bool> AddAsync(DbConnection connection, DbTransaction tx, string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, Insert,
            ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)), ("p", principalMailboxId ?? SharingRows.EveryMailbox));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<int> RemoveAsync(DbConnection connection, DbTransaction tx, string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = principalMailboxId is null
            ? sql.Command(connection, tx, DeleteKind, ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)))
            : sql.Command(connection, tx, DeleteOne, ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)), ("p", principalMailboxId));
        return await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A change set's grants (inside the store's ApplyAsync transaction, after its delegate rows).</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction tx, ChangeSet changes, CancellationToken cancellationToken)
    {
        foreach (var grant in changes.Grants)
        {
            await using var cmd = sql.Command(connection, tx, grant.Add ? Insert : DeleteOne,
                ("g", grant.GranteeMailboxId), ("k", SharingRows.KindName(grant.Kind)), ("p", grant.PrincipalMailboxId));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public Task<IReadOnlyList<GrantRecord>> ListAsync(DbConnection connection, string granteeMailboxId, CancellationToken cancellationToken) =>
        QueryAsync(connection, byGrantee, granteeMailboxId, cancellationToken);

    public Task<IReadOnlyList<GrantRecord>> ListOverAsync(DbConnection connection, string principalMailboxId, CancellationToken cancellationToken) =>
        QueryAsync(connection, byPrincipal, principalMailboxId, cancellationToken);

    public async Task<bool> HasAsync(DbConnection connection, string granteeMailboxId, GrantKind kind, string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, Has,
            ("g", granteeMailboxId), ("k", SharingRows.KindName(kind)), ("p", principalMailboxId), ("all", SharingRows.EveryMailbox));
        return await cmd.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private async Task<IReadOnlyList<GrantRecord>> QueryAsync(DbConnection connection, string statement, string mailboxId, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, statement, ("m", mailboxId));
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
