using Npgsql;
using Rendezvous.Domain;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>Delegates (issue 18 §2, migration 4's tables): the statements both stores share (<see cref="DelegateSql"/>), in this store's writer and connections.</summary>
public sealed partial class PostgresMailStore
{
    private static readonly DelegateSql Delegates = new(PostgresDialect.Instance);

    public async Task<Delegation> GetDelegationAsync(string principalMailboxId, CancellationToken cancellationToken)
    {
        // Both reads in one snapshot.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginSnapshotAsync(cancellationToken);
        var delegation = await Delegates.GetAsync(connection, tx, principalMailboxId, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return delegation;
    }

    public async Task<IReadOnlyList<string>> GetPrincipalsOfAsync(string delegateMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Delegates.PrincipalsOfAsync(connection, delegateMailboxId, cancellationToken);
    }

    public async Task<bool> SaveDelegateAsync(string principalMailboxId, DelegateEntry entry, bool add, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) =>
            done = await Delegates.WriteOneAsync(connection, tx, new DelegateWrite(principalMailboxId, entry, add ? DelegateWriteKind.Add : DelegateWriteKind.Update), cancellationToken),
            cancellationToken);
        return done;
    }

    public async Task<bool> RemoveDelegateAsync(string principalMailboxId, string delegateMailboxId, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) =>
            done = await Delegates.WriteOneAsync(connection, tx, new DelegateWrite(principalMailboxId, new DelegateEntry(delegateMailboxId, false, false), DelegateWriteKind.Remove), cancellationToken),
            cancellationToken);
        return done;
    }

    /// <summary>A change set's delegate rows (inside <see cref="ApplyAsync"/>'s savepoint): one not as expected fails the set.</summary>
    private static Task WriteDelegatesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ChangeSet changes, CancellationToken cancellationToken) =>
        Delegates.WriteAsync(connection, tx, changes, cancellationToken);

    public Task SetDeliverMeetingRequestsAsync(string principalMailboxId, string deliverMeetingRequests, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => Delegates.SetDeliveryAsync(connection, tx, principalMailboxId, deliverMeetingRequests, cancellationToken), cancellationToken);
}
