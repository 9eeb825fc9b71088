using System.Data.Common;
using System.Text;

namespace Rendezvous.Store;

/// <summary>
/// What both stores keep alike of subscriptions: the columns, the statements (portable SQL with <c>@name</c>
/// parameters, which SQLite and Npgsql both take, named bare in the parameter lists), and reading a row. Times are UTC ticks.
/// </summary>
internal static class SubscriptionRows
{
    public const string Columns = "id, mailbox_id, kind, position, settings, expires, holder, held_until";

    public const string Live = "(expires IS NULL OR expires > @now)";

    public const string Insert = "INSERT INTO subscriptions (" + Columns + ") VALUES (@id, @m, @k, @p, @s, @e, @h, @hu);";

    public const string CountInMailbox = "SELECT count(*) FROM subscriptions WHERE mailbox_id = @m AND " + Live + ";";

    public const string Remove = "DELETE FROM subscriptions WHERE id = @id;";

    public const string RemoveExpired = "DELETE FROM subscriptions WHERE expires IS NOT NULL AND expires <= @now;";

    public const string Count = "SELECT kind, count(*) FROM subscriptions WHERE " + Live + " GROUP BY kind;";

    // Renewed or taken: mine, nobody's, or held by a lease that passed (its node stopped renewing).
    private const string Leasable = "kind = @k AND (holder = @h OR holder IS NULL OR held_until <= @now) AND " + Live;

    public const string AnyLeasable = "SELECT 1 FROM subscriptions WHERE " + Leasable + " LIMIT 1;";

    public const string Lease = "UPDATE subscriptions SET holder = @h, held_until = @u WHERE " + Leasable + " RETURNING " + Columns + ";";

    public static (string Name, object? Value)[] InsertParameters(SubscriptionRecord s) =>
    [
        ("id", s.Id), ("m", s.MailboxId), ("k", s.Kind), ("p", s.Position), ("s", s.Settings), ("e", Ticks(s.Expires)), ("h", s.Holder), ("hu", Ticks(s.HeldUntil)),
    ];

    /// <summary>The UPDATE of <paramref name="change"/>, built from what it sets (so no parameter is an untyped NULL).</summary>
    public static (string Sql, (string Name, object? Value)[] Parameters) Update(string id, SubscriptionChange change)
    {
        var sql = new StringBuilder("UPDATE subscriptions SET id = id");
        var parameters = new List<(string, object?)> { ("id", id) };
        if (change.Position is { } position)
        {
            sql.Append(", position = CASE WHEN position < @p THEN @p ELSE position END");
            parameters.Add(("p", position));
        }

        if (change.Expires is { } expires)
        {
            sql.Append(", expires = @e");
            parameters.Add(("e", expires.Ticks));
        }

        if (change.Take is { } take)
        {
            sql.Append(", holder = @h, held_until = NULL");
            parameters.Add(("h", take));
        }
        else if (change.Release)
        {
            sql.Append(", holder = NULL, held_until = NULL");
        }

        sql.Append(" WHERE id = @id");
        if (change.IfHeldBy is { } holder)
        {
            sql.Append(" AND holder = @if");
            parameters.Add(("if", holder));
        }

        sql.Append(';');
        return (sql.ToString(), [.. parameters]);
    }

    public static SubscriptionRecord Read(DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(3), reader.GetString(4))
        {
            Expires = reader.IsDBNull(5) ? null : new DateTime(reader.GetInt64(5), DateTimeKind.Utc),
            Holder = reader.IsDBNull(6) ? null : reader.GetString(6),
            HeldUntil = reader.IsDBNull(7) ? null : new DateTime(reader.GetInt64(7), DateTimeKind.Utc),
        };

    public static long? Ticks(DateTime? time) => time?.Ticks;
}
