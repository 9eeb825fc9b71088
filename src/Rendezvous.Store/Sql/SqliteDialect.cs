using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Rendezvous.Store.Sql;

/// <summary>SQLite's spelling: its address columns are NOCASE, its text orders bytewise, its one writer serializes writes.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
    {
    }

    /// <remarks>
    /// The connection's kept command (<see cref="KeptSqliteConnection"/>). Its parameters are made once, named as the
    /// SQL names them, and given new values on each use, so that a use binds without allocating.
    /// </remarks>
    public override SqlCommand Command(DbConnection connection, DbTransaction? tx, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var cmd = ((KeptSqliteConnection)connection).Kept(sql);
        cmd.Transaction = (SqliteTransaction?)tx;
        var kept = cmd.Parameters;
        if (!SameNames(kept, parameters))
        {
            kept.Clear();
            foreach (var (name, _) in parameters)
            {
                kept.Add(new SqliteParameter("@" + name, null));
            }
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            kept[i].Value = parameters[i].Value ?? DBNull.Value;
        }

        return new SqlCommand(cmd, kept: true);
    }

    private static bool SameNames(SqliteParameterCollection kept, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (kept.Count != parameters.Length)
        {
            return false;
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            var name = kept[i].ParameterName;
            if (name.Length != parameters[i].Name.Length + 1 || !name.AsSpan(1).SequenceEqual(parameters[i].Name))
            {
                return false;
            }
        }

        return true;
    }

    public override bool IsUniqueViolation(Exception e) => e is SqliteException { SqliteErrorCode: 19 };

    public override string AddressEquals(string column, string parameter) => $"{column} = {parameter}";

    public override string AddressOrder(string column) => column;

    public override string BytewiseOrder(string column) => column;

    public override string AddressConflict(string column) => $"({column})";

    public override string InsertionOrder(string alias) => $"{alias}.rowid";

    public override string? LockRow(string table, string column, string parameter) => null;
}
