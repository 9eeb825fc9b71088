namespace Rendezvous.Store;

/// <summary>Failed sign-ins, counted in the store (migration 18): the throttle every process serving the store shares.</summary>
public sealed partial class SqliteMailStore
{
    public async Task<(long AccountLockedUntil, long ClientLockedUntil)> GetSignInLockoutsAsync(byte[] accountKey, byte[]? clientKey, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        await using var cmd = connection.Command("SELECT key = $a, locked_until FROM signin_failures WHERE key IN ($a, $c);", null,
            ("$a", accountKey), ("$c", (object?)clientKey ?? DBNull.Value));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var (account, client) = (0L, 0L);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt64(0) == 1)
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

    public async Task<(int Failures, long LockedUntil)> AddSignInFailureAsync(byte[] key, long now, long forgetAfter, Func<int, TimeSpan> lockoutFor, CancellationToken cancellationToken)
    {
        var result = (Failures: 0, LockedUntil: 0L);
        await WriteAsync(async (connection, tx) =>
        {
            var stale = now - forgetAfter;
            await using (var prune = connection.Command("DELETE FROM signin_failures WHERE last_failure < $s AND locked_until <= $n AND key <> $k;", tx, ("$s", stale), ("$n", now), ("$k", key)))
            {
                await prune.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var add = connection.Command("""
                INSERT INTO signin_failures VALUES ($k, 1, $n, 0)
                ON CONFLICT(key) DO UPDATE SET
                    failures = CASE WHEN last_failure < $s AND locked_until <= $n THEN 1 ELSE failures + 1 END,
                    locked_until = CASE WHEN last_failure < $s AND locked_until <= $n THEN 0 ELSE locked_until END,
                    last_failure = $n
                RETURNING failures, locked_until;
                """, tx, ("$k", key), ("$n", now), ("$s", stale)))
            await using (var reader = await add.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                result = (reader.GetInt32(0), reader.GetInt64(1));
            }

            var lockout = lockoutFor(result.Failures);
            if (lockout > TimeSpan.Zero && now + (long)lockout.TotalMilliseconds > result.LockedUntil)
            {
                result.LockedUntil = now + (long)lockout.TotalMilliseconds;
                await using var set = connection.Command("UPDATE signin_failures SET locked_until = $u WHERE key = $k;", tx, ("$u", result.LockedUntil), ("$k", key));
                await set.ExecuteNonQueryAsync(cancellationToken);
            }
        }, cancellationToken);
        return result;
    }

    public Task ForgetSignInFailuresAsync(byte[] key, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command("DELETE FROM signin_failures WHERE key = $k;", tx, ("$k", key));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
}
