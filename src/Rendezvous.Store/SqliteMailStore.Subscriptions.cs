using System.Globalization;
using System.Text;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store;

/// <summary>
/// Subscriptions (migration 19, <see cref="SubscriptionRows"/>'s statements, run by <see cref="SubscriptionSql"/>) and the wake-up: this process's writes
/// call the watchers once durable. Another process writing the file is not heard here; the watchers' own poll sees it.
/// </summary>
public sealed partial class SqliteMailStore
{
    private static readonly SubscriptionSql Subscriptions = new(SqliteDialect.Instance);

    private readonly Lock watchersGate = new();
    private Action<IReadOnlyCollection<string>?>[] watchers = [];

    public async Task<bool> AddSubscriptionAsync(SubscriptionRecord subscription, int maxPerMailbox, DateTime now, CancellationToken cancellationToken)
    {
        var added = false;
        await writer!.WriteAsync(async (connection, tx) => added = await Subscriptions.AddAsync(connection.Connection, tx, subscription, maxPerMailbox, now, cancellationToken), cancellationToken);
        return added;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> GetSubscriptionsAsync(IReadOnlyCollection<string> ids, DateTime now, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        // One parameter an id (SQLite has no arrays).
        var sql = new StringBuilder("SELECT " + SubscriptionRows.Columns + " FROM subscriptions WHERE " + SubscriptionRows.Live + " AND id IN (");
        var parameters = new List<(string, object?)> { ("now", now.Ticks) };
        var i = 0;
        foreach (var id in ids)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"i{i++}");
            sql.Append(i == 1 ? "@" + name : ",@" + name);
            parameters.Add((name, id));
        }

        sql.Append(");");
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = SqliteDialect.Instance.Command(connection.Connection, null, sql.ToString(), [.. parameters]);
        return await SubscriptionSql.ReadAsync(cmd, cancellationToken);
    }

    public async Task<bool> UpdateSubscriptionAsync(string id, SubscriptionChange change, CancellationToken cancellationToken)
    {
        var (sql, parameters) = SubscriptionRows.Update(id, change);
        var changed = false;
        await writer!.WriteAsync(async (connection, tx) => changed = await Subscriptions.UpdateAsync(connection.Connection, tx, sql, parameters, cancellationToken), cancellationToken);
        return changed;
    }

    public async Task<bool> RemoveSubscriptionAsync(string id, CancellationToken cancellationToken)
    {
        var removed = false;
        await writer!.WriteAsync(async (connection, tx) => removed = await Subscriptions.RemoveAsync(connection.Connection, tx, id, cancellationToken), cancellationToken);
        return removed;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> LeaseSubscriptionsAsync(int kind, string holder, DateTime now, DateTime until, CancellationToken cancellationToken)
    {
        await using (var connection = await pool.RentAsync(cancellationToken))
        {
            if (!await Subscriptions.AnyLeasableAsync(connection.Connection, kind, holder, now, cancellationToken))
            {
                return [];
            }
        }

        IReadOnlyList<SubscriptionRecord> held = [];
        await writer!.WriteAsync(async (connection, tx) => held = await Subscriptions.LeaseAsync(connection.Connection, tx, kind, holder, now, until, cancellationToken), cancellationToken);
        return held;
    }

    public async Task<int> RemoveExpiredSubscriptionsAsync(DateTime now, CancellationToken cancellationToken)
    {
        var removed = 0;
        await writer!.WriteAsync(async (connection, tx) => removed = await Subscriptions.RemoveExpiredAsync(connection.Connection, tx, now, cancellationToken), cancellationToken);
        return removed;
    }

    public async Task<IReadOnlyDictionary<int, int>> CountSubscriptionsAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await Subscriptions.CountAsync(connection.Connection, now, cancellationToken);
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
