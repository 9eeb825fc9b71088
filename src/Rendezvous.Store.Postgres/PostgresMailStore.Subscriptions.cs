using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// Subscriptions (migration 6, <see cref="SubscriptionRows"/>'s statements, run by <see cref="SubscriptionSql"/> as SQLite runs them) and the wake-up across nodes
/// (<see cref="PostgresChangeListener"/>). What concurrent nodes need beside the SQL: adding one locks its user's row,
/// so that two nodes counting a mailbox's subscriptions do not both pass its limit; a lease is one UPDATE, whose row
/// locks give each subscription to one node.
/// </summary>
public sealed partial class PostgresMailStore
{
    private static readonly SubscriptionSql Subscriptions = new(PostgresDialect.Instance);

    /// <summary>The listener's (re)connections, for the reconnect test.</summary>
    internal int ListenerConnections => listener.Connections;

    /// <summary>The listening connection's backend (0: none), for the reconnect test.</summary>
    internal int ListenerBackendId => listener.BackendId;

    public async Task<bool> AddSubscriptionAsync(SubscriptionRecord subscription, int maxPerMailbox, DateTime now, CancellationToken cancellationToken)
    {
        var added = false;
        await WriteAsync(async (connection, tx) => added = await Subscriptions.AddAsync(connection, tx, subscription, maxPerMailbox, now, cancellationToken), cancellationToken);
        return added;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> GetSubscriptionsAsync(IReadOnlyCollection<string> ids, DateTime now, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = PostgresDialect.Instance.Command(connection, null,
            "SELECT " + SubscriptionRows.Columns + " FROM subscriptions WHERE " + SubscriptionRows.Live + " AND id = ANY(@ids);",
            ("ids", ids.ToArray()), ("now", now.Ticks));
        return await SubscriptionSql.ReadAsync(cmd, cancellationToken);
    }

    public async Task<bool> UpdateSubscriptionAsync(string id, SubscriptionChange change, CancellationToken cancellationToken)
    {
        var (sql, parameters) = SubscriptionRows.Update(id, change);
        var changed = false;
        await WriteAsync(async (connection, tx) => changed = await Subscriptions.UpdateAsync(connection, tx, sql, parameters, cancellationToken), cancellationToken);
        return changed;
    }

    public async Task<bool> RemoveSubscriptionAsync(string id, CancellationToken cancellationToken)
    {
        var removed = false;
        await WriteAsync(async (connection, tx) => removed = await Subscriptions.RemoveAsync(connection, tx, id, cancellationToken), cancellationToken);
        return removed;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> LeaseSubscriptionsAsync(int kind, string holder, DateTime now, DateTime until, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            if (!await Subscriptions.AnyLeasableAsync(connection, kind, holder, now, cancellationToken))
            {
                return [];
            }
        }

        IReadOnlyList<SubscriptionRecord> held = [];
        await WriteAsync(async (connection, tx) => held = await Subscriptions.LeaseAsync(connection, tx, kind, holder, now, until, cancellationToken), cancellationToken);
        return held;
    }

    public async Task<int> RemoveExpiredSubscriptionsAsync(DateTime now, CancellationToken cancellationToken)
    {
        var removed = 0;
        await WriteAsync(async (connection, tx) => removed = await Subscriptions.RemoveExpiredAsync(connection, tx, now, cancellationToken), cancellationToken);
        return removed;
    }

    public async Task<IReadOnlyDictionary<int, int>> CountSubscriptionsAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Subscriptions.CountAsync(connection, now, cancellationToken);
    }

    public IDisposable WatchChanges(Action<IReadOnlyCollection<string>?> changed) => listener.Watch(changed);
}
