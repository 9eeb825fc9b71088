using System.Data;
using Npgsql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// The one way the PostgreSQL store makes a command: SQL with <c>@name</c> parameters and (name, value) pairs, null
/// sent as SQL NULL. Npgsql's own pool keeps the connections and (Max Auto Prepare) their prepared statements.
/// </summary>
internal static class PostgresSql
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, NpgsqlTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter(name.TrimStart('@'), value ?? DBNull.Value));
        }

        return cmd;
    }

    /// <summary>A read of several statements in one snapshot (what SQLite's deferred read transaction gave).</summary>
    public static ValueTask<NpgsqlTransaction> BeginSnapshotAsync(this NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    /// <summary>
    /// Whether a failure is one PostgreSQL asks the client to retry: a serialization failure (40001) or a deadlock
    /// (40P01), after which the transaction was rolled back whole.
    /// </summary>
    public static bool IsRetryable(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    public static bool IsUniqueViolation(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    /// <summary>A full disk (53100) or another "insufficient resources" state that refused the write.</summary>
    public static bool IsFull(Exception e) => e is PostgresException { SqlState: PostgresErrorCodes.DiskFull };
}
