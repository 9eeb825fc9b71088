using Rendezvous.Store.Sql;

namespace Rendezvous.Store;

/// <summary>Failed sign-ins, counted in the store (migration 18): the throttle every process serving the store shares (<see cref="SignInSql"/>).</summary>
public sealed partial class SqliteMailStore
{
    private static readonly SignInSql SignIns = new(SqliteDialect.Instance);

    public async Task<(long AccountLockedUntil, long ClientLockedUntil)> GetSignInLockoutsAsync(byte[] accountKey, byte[]? clientKey, CancellationToken cancellationToken)
    {
        await using var connection = await pool.RentAsync(cancellationToken);
        return await SignIns.LockoutsAsync(connection.Connection, accountKey, clientKey, cancellationToken);
    }

    public async Task<(int Failures, long LockedUntil)> AddSignInFailureAsync(byte[] key, long now, long forgetAfter, Func<int, TimeSpan> lockoutFor, CancellationToken cancellationToken)
    {
        var result = (Failures: 0, LockedUntil: 0L);
        await WriteAsync(async (connection, tx) => result = await SignIns.AddFailureAsync(connection.Connection, tx, key, now, forgetAfter, lockoutFor, cancellationToken), cancellationToken);
        return result;
    }

    public Task ForgetSignInFailuresAsync(byte[] key, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => SignIns.ForgetAsync(connection.Connection, tx, key, cancellationToken), cancellationToken);
}
