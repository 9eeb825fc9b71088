using System.Globalization;
using System.Text;

namespace Rendezvous.Store;

/// <summary>
/// Subscriptions (migration 19, <see cref="SubscriptionRows"/>'s statements) and the wake-up: this process's writes
/// call the watchers once durable. Another process writing the file is not heard here; the watchers' own poll sees it.
/// </summary>
public sealed partial class SqliteMailStore
{
    private readonly Lock watchersGate = new();
    private Action<IReadOnlyCollection<string>?>[] watchers = [];

    public async Task<bool> AddSubscriptionAsync(SubscriptionRecord subscription, int maxPerMailbox, DateTime now, CancellationToken cancellationToken)
    {
        var added = false;
        await writer!.WriteAsync(async (connection, tx) =>
        {
            await using (var count = connection.Command(SubscriptionRows.CountInMailbox, tx, ("@m", subscription.MailboxId), ("@now", now.Ticks)))
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

        var sql = new StringBuilder("SELECT " + SubscriptionRows.Columns + " FROM subscriptions WHERE " + SubscriptionRows.Live + " AND id IN (");
        var parameters = new List<(string, object?)> { ("@now", now.Ticks) };
        var i = 0;
        foreach (var id in ids)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"@i{i++}");
            sql.Append(i == 1 ? name : "," + name);
            parameters.Add((name, id));
        }

        sql.Append(");");
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command(sql.ToString(), null, [.. parameters]);
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
        await writer!.WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(sql, tx, parameters);
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return changed > 0;
    }

    public async Task<bool> RemoveSubscriptionAsync(string id, CancellationToken cancellationToken)
    {
        var removed = 0;
        await writer!.WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(SubscriptionRows.Remove, tx, ("@id", id));
            removed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return removed > 0;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> LeaseSubscriptionsAsync(int kind, string holder, DateTime now, DateTime until, CancellationToken cancellationToken)
    {
        (string, object?)[] parameters = [("@k", kind), ("@h", holder), ("@now", now.Ticks)];
        await using (var connection = await pool.RentAsync(cancellationToken))
        await using (var any = connection.Command(SubscriptionRows.AnyLeasable, null, parameters))
        {
            // Most of the time there is nothing to lease: a read, not a write.
            if (await any.ExecuteScalarAsync(cancellationToken) is null)
            {
                return [];
            }
        }

        var held = new List<SubscriptionRecord>();
        await writer!.WriteAsync(async (connection, tx) =>
        {
            held.Clear();
            await using var cmd = connection.Command(SubscriptionRows.Lease, tx, [.. parameters, ("@u", until.Ticks)]);
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
        await writer!.WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(SubscriptionRows.RemoveExpired, tx, ("@now", now.Ticks));
            removed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return removed;
    }

    public async Task<IReadOnlyDictionary<int, int>> CountSubscriptionsAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command(SubscriptionRows.Count, null, ("@now", now.Ticks));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<int, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetInt32(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    public IDisposable WatchChanges(Action<IReadOnlyCollection<string>?> changed)
    {
        lock (watchersGate)
        {
            watchers = [.. watchers, changed];
        }

        return new Unwatch(this, changed);
    }

    /// <summary>After a write of this process is durable: whoever watches reads the log (which mailboxes, it finds there).</summary>
    private void Wake()
    {
        foreach (var watcher in Volatile.Read(ref watchers))
        {
            watcher(null);
        }
    }

    private sealed class Unwatch(SqliteMailStore store, Action<IReadOnlyCollection<string>?> changed) : IDisposable
    {
        public void Dispose()
        {
            lock (store.watchersGate)
            {
                store.watchers = [.. store.watchers.Where(w => !ReferenceEquals(w, changed))];
            }
        }
    }
}
