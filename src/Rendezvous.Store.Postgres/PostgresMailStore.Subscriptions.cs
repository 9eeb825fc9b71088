using Npgsql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// Subscriptions (migration 6, <see cref="SubscriptionRows"/>'s statements, as SQLite's) and the wake-up across nodes
/// (<see cref="PostgresChangeListener"/>). What concurrent nodes need beside the SQL: adding one locks its user's row,
/// so that two nodes counting a mailbox's subscriptions do not both pass its limit; a lease is one UPDATE, whose row
/// locks give each subscription to one node.
/// </summary>
public sealed partial class PostgresMailStore
{
    /// <summary>The listener's (re)connections, for the reconnect test.</summary>
    internal int ListenerConnections => listener.Connections;

    /// <summary>The listening connection's backend (0: none), for the reconnect test.</summary>
    internal int ListenerBackendId => listener.BackendId;

    public async Task<bool> AddSubscriptionAsync(SubscriptionRecord subscription, int maxPerMailbox, DateTime now, CancellationToken cancellationToken)
    {
        var added = false;
        await WriteAsync(async (connection, tx) =>
        {
            added = false;
            await using (var user = connection.Command("SELECT 1 FROM users WHERE mailbox_id = @m FOR NO KEY UPDATE;", tx, ("m", subscription.MailboxId)))
            {
                await user.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var count = connection.Command(SubscriptionRows.CountInMailbox, tx, ("m", subscription.MailboxId), ("now", now.Ticks)))
            {
                if ((long)(await count.ExecuteScalarAsync(cancellationToken))! >= maxPerMailbox)
                {
                    return;
                }
            }

            await using var cmd = connection.Command(SubscriptionRows.Insert, tx, SubscriptionRows.InsertParameters(subscription));
            added = await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);
        return added;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> GetSubscriptionsAsync(IReadOnlyCollection<string> ids, DateTime now, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(
            "SELECT " + SubscriptionRows.Columns + " FROM subscriptions WHERE " + SubscriptionRows.Live + " AND id = ANY(@ids);", null,
            ("ids", ids.ToArray()), ("now", now.Ticks));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var found = new List<SubscriptionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(SubscriptionRows.Read(reader));
        }

        return found;
    }

    public async Task<bool> UpdateSubscriptionAsync(string id, SubscriptionChange change, CancellationToken cancellationToken)
    {
        var (sql, parameters) = SubscriptionRows.Update(id, change);
        var changed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(sql, tx, parameters);
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return changed > 0;
    }

    public async Task<bool> RemoveSubscriptionAsync(string id, CancellationToken cancellationToken)
    {
        var removed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(SubscriptionRows.Remove, tx, ("id", id));
            removed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return removed > 0;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> LeaseSubscriptionsAsync(int kind, string holder, DateTime now, DateTime until, CancellationToken cancellationToken)
    {
        (string, object?)[] parameters = [("k", kind), ("h", holder), ("now", now.Ticks)];
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var any = connection.Command(SubscriptionRows.AnyLeasable, null, parameters))
        {
            // Most of the time there is nothing to lease: a read, not a write.
            if (await any.ExecuteScalarAsync(cancellationToken) is null)
            {
                return [];
            }
        }

        var held = new List<SubscriptionRecord>();
        await WriteAsync(async (connection, tx) =>
        {
            held.Clear();
            await using var cmd = connection.Command(SubscriptionRows.Lease, tx, [.. parameters, ("u", until.Ticks)]);
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                held.Add(SubscriptionRows.Read(reader));
            }
        }, cancellationToken);
        return held;
    }

    public async Task<int> RemoveExpiredSubscriptionsAsync(DateTime now, CancellationToken cancellationToken)
    {
        var removed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(SubscriptionRows.RemoveExpired, tx, ("now", now.Ticks));
            removed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return removed;
    }

    public async Task<IReadOnlyDictionary<int, int>> CountSubscriptionsAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(SubscriptionRows.Count, null, ("now", now.Ticks));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<int, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetInt32(0)] = (int)reader.GetInt64(1);
        }

        return counts;
    }

    public IDisposable WatchChanges(Action<IReadOnlyCollection<string>?> changed) => listener.Watch(changed);
}
