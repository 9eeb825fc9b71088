using System.Data.Common;

namespace Rendezvous.Store.Sql;

/// <summary>Failed sign-ins, counted in the store: the throttle every process or node serving it shares; both stores' statements.</summary>
internal sealed class SignInSql(SqlDialect sql)
{
    // A client without a key matches no row: no key is empty.
    private const string Lockouts = "SELECT key = @a, locked_until FROM signin_failures WHERE key = @a OR key = @c;";
    private const string Prune = "DELETE FROM signin_failures WHERE last_failure < @s AND locked_until <= @n AND key <> @k;";

    // The row's lock (the upsert's) holds to the commit: failures on several nodes at once count one after another.
    private const string Add =
        """
        INSERT INTO signin_failures VALUES (@k, 1, @n, 0)
        ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN signin_failures.last_failure < @s AND signin_failures.locked_until <= @n THEN 1 ELSE signin_failures.failures + 1 END,
            locked_until = CASE WHEN signin_failures.last_failure < @s AND signin_failures.locked_until <= @n THEN 0 ELSE signin_failures.locked_until END,
            last_failure = @n
        RETURNING failures, locked_until;
        """;

    private const string SetLock = "UPDATE signin_failures SET locked_until = @u WHERE key = @k;";
    private const string Forget = "DELETE FROM signin_failures WHERE key = @k;";

    public async Task<(long AccountLockedUntil, long ClientLockedUntil)> LockoutsAsync(DbConnection connection, byte[] accountKey, byte[]? clientKey, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, Lockouts, ("a", accountKey), ("c", clientKey ?? []));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var (account, client) = (0L, 0L);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetBoolean(0))
            {
                account = reader.GetInt64(1);
            }
            else
            {
                client = reader.GetInt64(1);
            }
        }

        return (account, client);
    }

    public async Task<(int Failures, long LockedUntil)> AddFailureAsync(DbConnection connection, DbTransaction tx, byte[] key, long now, long forgetAfter, Func<int, TimeSpan> lockoutFor, CancellationToken cancellationToken)
    {
        var stale = now - forgetAfter;
        await using (var prune = sql.Command(connection, tx, Prune, ("s", stale), ("n", now), ("k", key)))
        {
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }

        (int Failures, long LockedUntil) result;
        await using (var add = sql.Command(connection, tx, Add, ("k", key), ("n", now), ("s", stale)))
        await using (var reader = await add.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            result = (reader.GetInt32(0), reader.GetInt64(1));
        }

        var lockout = lockoutFor(result.Failures);
        if (lockout > TimeSpan.Zero && now + (long)lockout.TotalMilliseconds > result.LockedUntil)
        {
            result.LockedUntil = now + (long)lockout.TotalMilliseconds;
            await using var set = sql.Command(connection, tx, SetLock, ("u", result.LockedUntil), ("k", key));
            await set.ExecuteNonQueryAsync(cancellationToken);
        }

        return result;
    }

    public async Task ForgetAsync(DbConnection connection, DbTransaction tx, byte[] key, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, Forget, ("k", key));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
