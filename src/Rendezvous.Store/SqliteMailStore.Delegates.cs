using Microsoft.Data.Sqlite;
using Rendezvous.Domain;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store;

/// <summary>Delegates (issue 18 §2, migration 17's tables): the statements both stores share (<see cref="DelegateSql"/>), in this store's writer and connections.</summary>
public sealed partial class SqliteMailStore
{
    private static readonly DelegateSql Delegates = new(SqliteDialect.Instance);

    public async Task<Delegation> GetDelegationAsync(string principalMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Delegates.GetAsync(connection.Connection, null, principalMailboxId, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> GetPrincipalsOfAsync(string delegateMailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Delegates.PrincipalsOfAsync(connection.Connection, delegateMailboxId, cancellationToken);
    }

    public async Task<bool> SaveDelegateAsync(string principalMailboxId, DelegateEntry entry, bool add, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) =>
            done = await Delegates.WriteOneAsync(connection.Connection, tx, new DelegateWrite(principalMailboxId, entry, add ? DelegateWriteKind.Add : DelegateWriteKind.Update), cancellationToken),
            cancellationToken);
        return done;
    }

    public async Task<bool> RemoveDelegateAsync(string principalMailboxId, string delegateMailboxId, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) =>
            done = await Delegates.WriteOneAsync(connection.Connection, tx, new DelegateWrite(principalMailboxId, new DelegateEntry(delegateMailboxId, false, false), DelegateWriteKind.Remove), cancellationToken),
            cancellationToken);
        return done;
    }

    /// <summary>A change set's delegate rows (inside <see cref="ApplyAsync"/>'s transaction): one not as expected fails the set.</summary>
    private static Task WriteDelegatesAsync(PooledConnection connection, SqliteTransaction tx, ChangeSet changes, CancellationToken cancellationToken) =>
        Delegates.WriteAsync(connection.Connection, tx, changes, cancellationToken);

    public Task SetDeliverMeetingRequestsAsync(string principalMailboxId, string deliverMeetingRequests, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => Delegates.SetDeliveryAsync(connection.Connection, tx, principalMailboxId, deliverMeetingRequests, cancellationToken), cancellationToken);
}
