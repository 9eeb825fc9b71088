using System.Data.Common;

namespace Rendezvous.Store.Sql;

/// <summary>Subscriptions (<see cref="SubscriptionRows"/>'s statements), run alike by both stores over their connection and writer.</summary>
internal sealed class SubscriptionSql
{
    private readonly SqlDialect sql;

    // Adding one locks its user's row where writers run at once, so that two counting a mailbox's subscriptions do not both pass its limit.
    private readonly string? lockUser;

    public SubscriptionSql(SqlDialect sql)
    {
        this.sql = sql;
        lockUser = sql.LockRow("users", "mailbox_id", "@m");
    }

    public async Task<bool> AddAsync(DbConnection connection, DbTransaction tx, SubscriptionRecord subscription, int maxPerMailbox, DateTime now, CancellationToken cancellationToken)
    {
        if (lockUser is not null)
        {
            await using var user = sql.Command(connection, tx, lockUser, ("m", subscription.MailboxId));
            await user.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var count = sql.Command(connection, tx, SubscriptionRows.CountInMailbox, ("m", subscription.MailboxId), ("now", now.Ticks)))
        {
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! >= maxPerMailbox)
            {
                return false;
            }
        }

        await using var cmd = sql.Command(connection, tx, SubscriptionRows.Insert, SubscriptionRows.InsertParameters(subscription));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The rows <paramref name="cmd"/> (a SELECT of <see cref="SubscriptionRows.Columns"/>) reads.</summary>
    public static async Task<IReadOnlyList<SubscriptionRecord>> ReadAsync(SqlCommand cmd, CancellationToken cancellationToken)
    {
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var found = new List<SubscriptionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(SubscriptionRows.Read(reader));
        }

        return found;
    }

    public async Task<bool> UpdateAsync(DbConnection connection, DbTransaction tx, string statement, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, statement, parameters);
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<bool> RemoveAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, SubscriptionRows.Remove, ("id", id));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>Whether any subscription is there to lease: most of the time there is none, and a read finds that without a write.</summary>
    public async Task<bool> AnyLeasableAsync(DbConnection connection, int kind, string holder, DateTime now, CancellationToken cancellationToken)
    {
        await using var any = sql.Command(connection, null, SubscriptionRows.AnyLeasable, ("k", kind), ("h", holder), ("now", now.Ticks));
        return await any.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task<IReadOnlyList<SubscriptionRecord>> LeaseAsync(DbConnection connection, DbTransaction tx, int kind, string holder, DateTime now, DateTime until, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, SubscriptionRows.Lease, ("k", kind), ("h", holder), ("now", now.Ticks), ("u", until.Ticks));
        return await ReadAsync(cmd, cancellationToken);
    }

    public async Task<int> RemoveExpiredAsync(DbConnection connection, DbTransaction tx, DateTime now, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, SubscriptionRows.RemoveExpired, ("now", now.Ticks));
        return await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<int, int>> CountAsync(DbConnection connection, DateTime now, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, SubscriptionRows.Count, ("now", now.Ticks));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<int, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetInt32(0)] = (int)reader.GetInt64(1);
        }

        return counts;
    }
}
