using System.Data.Common;

namespace Rendezvous.Store.Sql;

/// <summary>
/// What the statements both stores share (<c>GrantSql</c>, <c>RoomSql</c>, ...) need of a store: a command on its
/// connection, and the few things SQLite and PostgreSQL spell differently. The shared statements write parameters as
/// <c>@name</c> (both engines read that) and pass their names bare. Each spelling is read once, when an area builds
/// its statements, never per call.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>A command for <paramref name="sql"/> on <paramref name="connection"/> (the store's own kind), its parameters bound.</summary>
    public abstract SqlCommand Command(DbConnection connection, DbTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters);

    /// <summary>Whether <paramref name="e"/> is a unique or primary key violation.</summary>
    public abstract bool IsUniqueViolation(Exception e);

    /// <summary>An address column compared with a parameter as addresses compare: without case (SQLite's columns are NOCASE).</summary>
    public abstract string AddressEquals(string column, string parameter);

    /// <summary>An ORDER BY term for an address column, in SQLite's NOCASE order.</summary>
    public abstract string AddressOrder(string column);

    /// <summary>An ORDER BY term for a text column in bytewise order (SQLite's BINARY, PostgreSQL's "C").</summary>
    public abstract string BytewiseOrder(string column);

    /// <summary>The conflict target of an upsert on a table whose key is an address (PostgreSQL's is a lower() index).</summary>
    public abstract string AddressConflict(string column);

    /// <summary>An ORDER BY term for the order <paramref name="alias"/>'s rows were inserted in: SQLite's rowid, PostgreSQL's bigserial pos.</summary>
    public abstract string InsertionOrder(string alias);

    /// <summary>
    /// A statement that locks <paramref name="table"/>'s row whose <paramref name="column"/> is <paramref name="parameter"/>
    /// until the commit, where concurrent writers need it (PostgreSQL's nodes); null where the store's one writer serializes writes.
    /// </summary>
    public abstract string? LockRow(string table, string column, string parameter);
}

/// <summary>
/// One use of a command. SQLite's are its connection's prepared statements, kept (disposing drops the values, so the
/// cache holds no row between requests); PostgreSQL's are made for the call and disposed. SQLite's steps run as
/// synchronous calls (Microsoft.Data.Sqlite's async methods are synchronous), so no task is made for them.
/// </summary>
internal readonly struct SqlCommand(DbCommand command, bool kept) : IAsyncDisposable
{
    public DbCommand Inner => command;

    public ValueTask<DbDataReader> ExecuteReaderAsync(CancellationToken cancellationToken)
    {
        if (kept)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new(command.ExecuteReader());
        }

        return new(command.ExecuteReaderAsync(cancellationToken));
    }

    public ValueTask<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
    {
        if (kept)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new(command.ExecuteNonQuery());
        }

        return new(command.ExecuteNonQueryAsync(cancellationToken));
    }

    public ValueTask<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
    {
        if (kept)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new(command.ExecuteScalar());
        }

        return new(command.ExecuteScalarAsync(cancellationToken));
    }

    public ValueTask DisposeAsync()
    {
        if (!kept)
        {
            return command.DisposeAsync();
        }

        var parameters = command.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters[i].Value = DBNull.Value;
        }

        return ValueTask.CompletedTask;
    }
}
