using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Rendezvous.Store;

/// <summary>
/// The store's connections: opened and set up once (foreign keys, synchronous=FULL), then kept open with their
/// prepared statements, so that a query costs a bind and a step. Microsoft.Data.Sqlite's own pool would hand back an
/// open connection, but every open ran the PRAGMAs again and every command prepared its SQL again (bench, issue 6:
/// about 12% of a GetItem went to the PRAGMAs alone).
/// </summary>
internal sealed class SqliteConnectionPool(string connectionString, int maxIdle) : IAsyncDisposable
{
    private readonly ConcurrentBag<PooledConnection> idle = [];
    private int idleCount;
    private volatile bool disposed;

    public async ValueTask<PooledConnection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (idle.TryTake(out var pooled))
        {
            Interlocked.Decrement(ref idleCount);
            return pooled;
        }

        var connection = new KeptSqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var setup = connection.CreateCommand();
            setup.CommandText = "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;";
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new PooledConnection(this, connection);
    }

    internal void Return(PooledConnection pooled)
    {
        // A connection that broke, or one beyond what concurrent requests have needed, is closed rather than kept.
        if (!disposed && pooled.Connection.State == System.Data.ConnectionState.Open)
        {
            if (Interlocked.Increment(ref idleCount) <= maxIdle)
            {
                idle.Add(pooled);
                if (disposed)
                {
                    CloseIdle(); // raced with DisposeAsync
                }

                return;
            }

            Interlocked.Decrement(ref idleCount);
        }

        pooled.Close();
    }

    private void CloseIdle()
    {
        while (idle.TryTake(out var pooled))
        {
            pooled.Close();
        }
    }

    public ValueTask DisposeAsync()
    {
        disposed = true;
        CloseIdle();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A rented connection: disposing it gives it back to the pool with its prepared statements.</summary>
internal sealed class PooledConnection(SqliteConnectionPool pool, KeptSqliteConnection connection) : IAsyncDisposable
{
    public SqliteConnection Connection => connection;

    /// <summary>
    /// The connection's command for <paramref name="sql"/>, prepared on first use and kept. The readers it opens must be
    /// disposed (that resets the statement and ends its read snapshot).
    /// </summary>
    public PreparedCommand Command(string sql, SqliteTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.Kept(sql);
        cmd.Transaction = tx;
        cmd.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return new PreparedCommand(cmd);
    }

    public SqliteTransaction BeginTransaction(bool deferred) => connection.BeginTransaction(deferred);

    public ValueTask DisposeAsync()
    {
        pool.Return(this);
        return ValueTask.CompletedTask;
    }

    internal void Close() => connection.Dispose();
}

/// <summary>
/// A pooled connection with its prepared statements, so that the statements both stores share
/// (<see cref="Sql.SqliteDialect"/>, which sees only a DbConnection) find the same cache as this store's own.
/// </summary>
internal sealed class KeptSqliteConnection(string connectionString) : SqliteConnection(connectionString)
{
    private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

    /// <summary>The connection's command for <paramref name="sql"/>, made on first use and kept (SQLite prepares it at its first run).</summary>
    public SqliteCommand Kept(string sql)
    {
        if (!commands.TryGetValue(sql, out var cmd))
        {
            cmd = CreateCommand();
            cmd.CommandText = sql;
            commands[sql] = cmd;
        }

        return cmd;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var cmd in commands.Values)
            {
                cmd.Dispose();
            }

            commands.Clear();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// A use of a kept command. Disposing it keeps the prepared statement and drops the parameter values, so that the
/// cache holds no item's JSON between requests.
/// </summary>
internal readonly struct PreparedCommand(SqliteCommand command) : IAsyncDisposable
{
    public Task<SqliteDataReader> ExecuteReaderAsync(CancellationToken cancellationToken) => command.ExecuteReaderAsync(cancellationToken);

    public Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => command.ExecuteNonQueryAsync(cancellationToken);

    public Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => command.ExecuteScalarAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        command.Parameters.Clear();
        return ValueTask.CompletedTask;
    }
}
