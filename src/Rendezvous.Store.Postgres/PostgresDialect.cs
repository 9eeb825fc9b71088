using System.Data.Common;
using Npgsql;
using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>
/// PostgreSQL's spelling of what SQLite's columns say themselves: addresses compare through lower() (SQLite's NOCASE),
/// text orders under "C" (SQLite's BINARY); and the row locks that make several nodes' writers take turns.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect()
    {
    }

    /// <remarks>A command made for the call (Npgsql's pool keeps the prepared statements, Max Auto Prepare), as <see cref="PostgresSql.Command"/> makes it.</remarks>
    public override SqlCommand Command(DbConnection connection, DbTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var cmd = new NpgsqlCommand(sql, (NpgsqlConnection)connection, (NpgsqlTransaction?)tx);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }

        return new SqlCommand(cmd, kept: false);
    }

    public override bool IsUniqueViolation(Exception e) => PostgresSql.IsUniqueViolation(e);

    public override string AddressEquals(string column, string parameter) => $"lower({column}) = lower({parameter})";

    public override string AddressOrder(string column) => $"lower({column}) COLLATE \"C\"";

    public override string BytewiseOrder(string column) => $"{column} COLLATE \"C\"";

    public override string AddressConflict(string column) => $"((lower({column})))";

    public override string InsertionOrder(string alias) => $"{alias}.pos";

    // NO KEY UPDATE: the lock keeps no insert that references the row waiting.
    public override string? LockRow(string table, string column, string parameter) => $"SELECT 1 FROM {table} WHERE {column} = {parameter} FOR NO KEY UPDATE;";
}
