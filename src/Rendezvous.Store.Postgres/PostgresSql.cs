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

/// <summary>
/// Statements sent as one <see cref="NpgsqlBatch"/>: one round trip for many (Npgsql prepares each, as a command's).
/// A statement that returns rows (a SELECT, a RETURNING) must be added with a reader of its rows, any other without:
/// the rows are matched to their statements in order, and PostgreSQL sends none for the others. Given a write's scope,
/// its first round trip starts with the write's savepoint.
/// </summary>
internal sealed class StatementBatch(WriteScope? scope = null)
{
    private readonly List<(NpgsqlBatchCommand Command, Action<NpgsqlDataReader>? Row)> statements = [];

    public int Count => statements.Count;

    public NpgsqlBatchCommand Add(string sql, Action<NpgsqlDataReader>? row, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }

        statements.Add((command, row));
        return command;
    }

    /// <summary>Sends the statements and reads their rows; the batch is empty again after.</summary>
    public async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        if (statements.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, tx);
        if (scope is { SavepointSent: false })
        {
            // Marked sent before it is: from here a failure may follow it, and must roll back to it.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(scope.Savepoint()));
        }

        foreach (var (command, _) in statements)
        {
            batch.BatchCommands.Add(command);
        }

        var readers = statements.Where(static s => s.Row is not null).Select(static s => s.Row!).ToList();
        statements.Clear();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var next = 0;
        do
        {
            if (reader.FieldCount == 0)
            {
                continue;
            }

            var row = readers[next++];
            while (await reader.ReadAsync(cancellationToken))
            {
                row(reader);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));
    }
}
