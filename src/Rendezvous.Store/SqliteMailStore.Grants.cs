using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store;

/// <summary>Grants: the statements both stores share (<see cref="GrantSql"/>), in this store's writer and connections.</summary>
public sealed partial class SqliteMailStore
{
    private static readonly GrantSql Grants = new(SqliteDialect.Instance);

    public async Task<bool> AddGrantAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        SharingRows.CheckGrant(kind, principalMailboxId);

        var added = false;
        await WriteAsync(async (connection, tx) => added = await Grants.AddAsync(connection.Connection, tx, granteeMailboxId, kind, principalMailboxId, cancellationToken),
            cancellationToken);
        return added;
    }

    public async Task<int> RemoveGrantsAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        var removed = 0;
        await WriteAsync(async (connection, tx) => removed = await Grants.RemoveAsync(connection.Connection, tx, granteeMailboxId, kind, principalMailboxId, cancellationToken),
            cancellationToken);
        return removed;
    }

    /// <summary>A change set's grants (inside <see cref="ApplyAsync"/>'s transaction, after its delegate rows).</summary>
    private static Task WriteGrantsAsync(PooledConnection connection, SqliteTransaction tx, ChangeSet changes, CancellationToken cancellationToken) =>
        Grants.WriteAsync(connection.Connection, tx, changes, cancellationToken);

    public async Task<IReadOnlyList<GrantRecord>> ListGrantsAsync(string granteeMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Grants.ListAsync(connection.Connection, granteeMailboxId, cancellationToken);
    }

    public async Task<IReadOnlyList<GrantRecord>> ListGrantsOverAsync(string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Grants.ListOverAsync(connection.Connection, principalMailboxId, cancellationToken);
    }

    public async Task<bool> HasGrantAsync(string granteeMailboxId, GrantKind kind, string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Grants.HasAsync(connection.Connection, granteeMailboxId, kind, principalMailboxId, cancellationToken);
    }
}
