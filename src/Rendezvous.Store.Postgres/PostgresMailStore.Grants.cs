using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>Grants (issue 18 §3, §4; migration 3's table): the statements both stores share (<see cref="GrantSql"/>), in this store's writer and connections.</summary>
public sealed partial class PostgresMailStore
{
    private static readonly GrantSql Grants = new(PostgresDialect.Instance);

    public async Task<bool> AddGrantAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        SharingRows.CheckGrant(kind, principalMailboxId);

        var added = false;
        await WriteAsync(async (connection, tx) => added = await Grants.AddAsync(connection, tx, granteeMailboxId, kind, principalMailboxId, cancellationToken),
            cancellationToken);
        return added;
    }

    public async Task<int> RemoveGrantsAsync(string granteeMailboxId, GrantKind kind, string? principalMailboxId, CancellationToken cancellationToken)
    {
        var removed = 0;
        await WriteAsync(async (connection, tx) => removed = await Grants.RemoveAsync(connection, tx, granteeMailboxId, kind, principalMailboxId, cancellationToken),
            cancellationToken);
        return removed;
    }

    /// <summary>A change set's grants (inside <see cref="ApplyAsync"/>'s savepoint, after its delegate rows).</summary>
    private static Task WriteGrantsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, CancellationToken cancellationToken) =>
        Grants.WriteAsync(connection, tx, changes, cancellationToken);

    public async Task<IReadOnlyList<GrantRecord>> ListGrantsAsync(string granteeMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Grants.ListAsync(connection, granteeMailboxId, cancellationToken);
    }

    public async Task<IReadOnlyList<GrantRecord>> ListGrantsOverAsync(string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Grants.ListOverAsync(connection, principalMailboxId, cancellationToken);
    }

    public async Task<bool> HasGrantAsync(string granteeMailboxId, GrantKind kind, string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Grants.HasAsync(connection, granteeMailboxId, kind, principalMailboxId, cancellationToken);
    }
}
