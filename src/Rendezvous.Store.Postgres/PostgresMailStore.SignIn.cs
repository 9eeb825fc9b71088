using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>Failed sign-ins, counted in the database (migration 5): every node throttles the same guesses (issue 19 §5; <see cref="SignInSql"/>).</summary>
public sealed partial class PostgresMailStore
{
    private static readonly SignInSql SignIns = new(PostgresDialect.Instance);

    public async Task<(long AccountLockedUntil, long ClientLockedUntil)> GetSignInLockoutsAsync(byte[] accountKey, byte[]? clientKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await SignIns.LockoutsAsync(connection, accountKey, clientKey, cancellationToken);
    }

    public async Task<(int Failures, long LockedUntil)> AddSignInFailureAsync(byte[] key, long now, long forgetAfter, Func<int, TimeSpan> lockoutFor, CancellationToken cancellationToken)
    {
        var result = (Failures: 0, LockedUntil: 0L);
        await WriteAsync(async (connection, tx) => result = await SignIns.AddFailureAsync(connection, tx, key, now, forgetAfter, lockoutFor, cancellationToken), cancellationToken);
        return result;
    }

    public Task ForgetSignInFailuresAsync(byte[] key, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => SignIns.ForgetAsync(connection, tx, key, cancellationToken), cancellationToken);
}
