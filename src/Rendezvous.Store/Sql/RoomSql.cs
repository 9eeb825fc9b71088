using System.Data.Common;

namespace Rendezvous.Store.Sql;

/// <summary>Rooms and room lists: both stores' statements, over the store's connection and writer.</summary>
internal sealed class RoomSql
{
    private const string Columns =
        """
        SELECT u.mailbox_id, u.address, u.display_name, u.password_hash, r.capacity
        FROM rooms r JOIN users u ON u.mailbox_id = r.mailbox_id
        """;

    // The CAST types a NULL capacity for PostgreSQL.
    private const string SetRoom = "INSERT INTO rooms (mailbox_id, capacity) VALUES (@m, CAST(@c AS integer)) ON CONFLICT (mailbox_id) DO UPDATE SET capacity = excluded.capacity;";
    private const string InsertList = "INSERT INTO room_lists VALUES (@a, @d);";

    private readonly SqlDialect sql;
    private readonly string room;
    private readonly string rooms;
    private readonly string listRooms;
    private readonly string lists;
    private readonly string userByAddress;
    private readonly string removeList;
    private readonly string bothExist;
    private readonly string addMember;
    private readonly string removeMember;
    private readonly string listExists;

    public RoomSql(SqlDialect sql)
    {
        this.sql = sql;
        var byAddress = sql.AddressOrder("u.address");
        room = Columns + " WHERE r.mailbox_id = @m;";
        rooms = $"{Columns} ORDER BY {byAddress};";
        listRooms = $"{Columns} JOIN room_list_members l ON l.mailbox_id = r.mailbox_id WHERE {sql.AddressEquals("l.list_address", "@l")} ORDER BY {byAddress};";
        lists = $"SELECT address, display_name FROM room_lists ORDER BY {sql.AddressOrder("address")};";
        userByAddress = $"SELECT 1 FROM users WHERE {sql.AddressEquals("address", "@a")};";
        removeList = $"DELETE FROM room_lists WHERE {sql.AddressEquals("address", "@a")};";
        bothExist = $"SELECT EXISTS (SELECT 1 FROM room_lists WHERE {sql.AddressEquals("address", "@l")}) AND EXISTS (SELECT 1 FROM rooms WHERE mailbox_id = @m);";
        addMember = $"INSERT INTO room_list_members (list_address, mailbox_id) SELECT address, @m FROM room_lists WHERE {sql.AddressEquals("address", "@l")} ON CONFLICT DO NOTHING;";
        removeMember = $"DELETE FROM room_list_members WHERE {sql.AddressEquals("list_address", "@l")} AND mailbox_id = @m;";
        listExists = $"SELECT 1 FROM room_lists WHERE {sql.AddressEquals("address", "@l")};";
    }

    public async Task<RoomRecord?> GetAsync(DbConnection connection, string mailboxId, CancellationToken cancellationToken) =>
        (await QueryAsync(connection, room, cancellationToken, ("m", mailboxId))).FirstOrDefault();

    public Task<IReadOnlyList<RoomRecord>> ListAsync(DbConnection connection, CancellationToken cancellationToken) =>
        QueryAsync(connection, rooms, cancellationToken);

    public async Task SetAsync(DbConnection connection, DbTransaction tx, string mailboxId, int? capacity, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, SetRoom, ("m", mailboxId), ("c", capacity));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RoomListRecord>> ListListsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, null, lists);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var found = new List<RoomListRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new RoomListRecord(reader.GetString(0), reader.GetString(1)));
        }

        return found;
    }

    public async Task AddListAsync(DbConnection connection, DbTransaction tx, string address, string displayName, CancellationToken cancellationToken)
    {
        // One address names one recipient: a list may not take a user's address.
        await using (var user = sql.Command(connection, tx, userByAddress, ("a", address)))
        {
            if (await user.ExecuteScalarAsync(cancellationToken) is not null)
            {
                throw new DuplicateException($"{address} is a user's address.");
            }
        }

        try
        {
            await using var cmd = sql.Command(connection, tx, InsertList, ("a", address), ("d", displayName));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (DbException e) when (sql.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A room list with the address {address} already exists.");
        }
    }

    public async Task<bool> RemoveListAsync(DbConnection connection, DbTransaction tx, string address, CancellationToken cancellationToken)
    {
        await using var cmd = sql.Command(connection, tx, removeList, ("a", address));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>Adds or removes a list's room; false when the list or the room does not exist.</summary>
    public async Task<bool> SetMemberAsync(DbConnection connection, DbTransaction tx, string listAddress, string roomMailboxId, bool member, CancellationToken cancellationToken)
    {
        await using (var exists = sql.Command(connection, tx, bothExist, ("l", listAddress), ("m", roomMailboxId)))
        {
            // SQLite answers 1, PostgreSQL true.
            if (await exists.ExecuteScalarAsync(cancellationToken) is not (1L or true))
            {
                return false;
            }
        }

        await using var cmd = sql.Command(connection, tx, member ? addMember : removeMember, ("l", listAddress), ("m", roomMailboxId));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    /// <summary>A list's rooms; null when there is no such list.</summary>
    public async Task<IReadOnlyList<RoomRecord>?> ListRoomsAsync(DbConnection connection, string listAddress, CancellationToken cancellationToken)
    {
        await using (var exists = sql.Command(connection, null, listExists, ("l", listAddress)))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                return null;
            }
        }

        return await QueryAsync(connection, listRooms, cancellationToken, ("l", listAddress));
    }

    private async Task<IReadOnlyList<RoomRecord>> QueryAsync(DbConnection connection, string statement, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var cmd = sql.Command(connection, null, statement, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var found = new List<RoomRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var user = new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            found.Add(new RoomRecord(user, reader.IsDBNull(4) ? null : reader.GetInt32(4)));
        }

        return found;
    }
}
