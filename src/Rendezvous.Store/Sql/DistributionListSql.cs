using System.Data.Common;

namespace Rendezvous.Store.Sql;

/// <summary>Distribution lists (the server's directory beside its users): both stores' statements.</summary>
internal sealed class DistributionListSql
{
    private readonly SqlDialect sql;
    private readonly string all;
    private readonly string upsertList;
    private readonly string addMember;
    private readonly string removeMember;
    private readonly string removeEmpty;

    public DistributionListSql(SqlDialect sql)
    {
        this.sql = sql;
        // Members in the order they were added.
        all = "SELECT l.address, l.display_name, m.member FROM distribution_lists l LEFT JOIN distribution_list_members m ON m.list_address = l.address"
            + $" ORDER BY {sql.AddressOrder("l.address")}, {sql.InsertionOrder("m")};";
        // The CAST types a NULL name for PostgreSQL.
        upsertList = $"INSERT INTO distribution_lists (address, display_name) VALUES (@a, @d) ON CONFLICT {sql.AddressConflict("address")}"
            + " DO UPDATE SET display_name = COALESCE(CAST(@n AS text), distribution_lists.display_name);";
        addMember = $"INSERT INTO distribution_list_members (list_address, member) SELECT address, @m FROM distribution_lists WHERE {sql.AddressEquals("address", "@a")} ON CONFLICT DO NOTHING;";
        removeMember = $"DELETE FROM distribution_list_members WHERE {sql.AddressEquals("list_address", "@a")} AND {sql.AddressEquals("member", "@m")};";
        removeEmpty = $"DELETE FROM distribution_lists WHERE {sql.AddressEquals("address", "@a")}"
            + " AND NOT EXISTS (SELECT 1 FROM distribution_list_members WHERE list_address = distribution_lists.address);";
    }

    public async Task<IReadOnlyList<DistributionListRecord>> ListAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, all);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var lists = new List<DistributionListRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var address = reader.GetString(0);
            if (lists.Count == 0 || !lists[^1].Address.Equals(address, StringComparison.OrdinalIgnoreCase))
            {
                lists.Add(new DistributionListRecord(address, reader.GetString(1), new List<string>()));
            }

            if (!reader.IsDBNull(2))
            {
                ((List<string>)lists[^1].Members).Add(reader.GetString(2));
            }
        }

        return lists;
    }

    /// <summary>Adds a member, making the list if there is none (its name, when given, replacing the list's); false when it was a member already.</summary>
    public async Task<bool> AddMemberAsync(DbConnection connection, DbTransaction tx, string listAddress, string? displayName, string member, CancellationToken cancellationToken)
    {
        await using (var list = sql.Command(connection, tx, upsertList, ("a", listAddress), ("d", displayName ?? listAddress), ("n", displayName)))
        {
            await list.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var cmd = sql.Command(connection, tx, addMember, ("a", listAddress), ("m", member));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<bool> RemoveMemberAsync(DbConnection connection, DbTransaction tx, string listAddress, string member, CancellationToken cancellationToken)
    {
        int removed;
        await using (var cmd = sql.Command(connection, tx, removeMember, ("a", listAddress), ("m", member)))
        {
            removed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        // A list without members is no list: it goes with its last member.
        await using var empty = sql.Command(connection, tx, removeEmpty, ("a", listAddress));
        await empty.ExecuteNonQueryAsync(cancellationToken);
        return removed > 0;
    }
}
