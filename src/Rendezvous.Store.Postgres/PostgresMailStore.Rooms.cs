using Npgsql;

namespace Rendezvous.Store.Postgres;

/// <summary>Rooms and room lists.</summary>
public sealed partial class PostgresMailStore
{
    private const string RoomColumns =
        """
        SELECT u.mailbox_id, u.address, u.display_name, u.password_hash, r.capacity
        FROM rooms r JOIN users u ON u.mailbox_id = r.mailbox_id
        """;

    public async Task<RoomRecord?> GetRoomAsync(string mailboxId, CancellationToken cancellationToken) =>
        (await QueryRooms(RoomColumns + " WHERE r.mailbox_id = @m;", cancellationToken, ("m", mailboxId))).FirstOrDefault();

    public Task<IReadOnlyList<RoomRecord>> ListRoomsAsync(CancellationToken cancellationToken) =>
        QueryRooms(RoomColumns + " ORDER BY lower(u.address) COLLATE \"C\";", cancellationToken);

    public Task SetRoomAsync(string mailboxId, int? capacity, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command(
                "INSERT INTO rooms (mailbox_id, capacity) VALUES (@m, @c::integer) ON CONFLICT (mailbox_id) DO UPDATE SET capacity = excluded.capacity;",
                tx, ("m", mailboxId), ("c", capacity));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public async Task<IReadOnlyList<RoomListRecord>> ListRoomListsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command("SELECT address, display_name FROM room_lists ORDER BY lower(address) COLLATE \"C\";", null);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var lists = new List<RoomListRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            lists.Add(new RoomListRecord(reader.GetString(0), reader.GetString(1)));
        }

        return lists;
    }

    public Task AddRoomListAsync(string address, string displayName, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            // One address names one recipient: a list may not take a user's address.
            await using (var user = connection.Command("SELECT 1 FROM users WHERE lower(address) = lower(@a);", tx, ("a", address)))
            {
                if (await user.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    throw new DuplicateException($"{address} is a user's address.");
                }
            }

            try
            {
                await using var cmd = connection.Command("INSERT INTO room_lists VALUES (@a, @d);", tx, ("a", address), ("d", displayName));
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (PostgresSql.IsUniqueViolation(e))
            {
                throw new DuplicateException($"A room list with the address {address} already exists.");
            }
        }, cancellationToken);

    public async Task<bool> RemoveRoomListAsync(string address, CancellationToken cancellationToken)
    {
        var changed = 0;
        await WriteAsync(async (connection, tx) =>
        {
            await using var cmd = connection.Command("DELETE FROM room_lists WHERE lower(address) = lower(@a);", tx, ("a", address));
            changed = await cmd.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return changed > 0;
    }

    public async Task<bool> SetRoomListMemberAsync(string listAddress, string roomMailboxId, bool member, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) =>
        {
            done = false;
            await using (var exists = connection.Command(
                "SELECT EXISTS (SELECT 1 FROM room_lists WHERE lower(address) = lower(@l)) AND EXISTS (SELECT 1 FROM rooms WHERE mailbox_id = @m);",
                tx, ("l", listAddress), ("m", roomMailboxId)))
            {
                if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
                {
                    return;
                }
            }

            await using var cmd = connection.Command(
                member
                    ? "INSERT INTO room_list_members (list_address, mailbox_id) SELECT address, @m FROM room_lists WHERE lower(address) = lower(@l) ON CONFLICT DO NOTHING;"
                    : "DELETE FROM room_list_members WHERE lower(list_address) = lower(@l) AND mailbox_id = @m;",
                tx, ("l", listAddress), ("m", roomMailboxId));
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            done = true;
        }, cancellationToken);
        return done;
    }

    public async Task<IReadOnlyList<RoomRecord>?> GetRoomListRoomsAsync(string listAddress, CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var exists = connection.Command("SELECT 1 FROM room_lists WHERE lower(address) = lower(@l);", null, ("l", listAddress)))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                return null;
            }
        }

        return await QueryRooms(RoomColumns + " JOIN room_list_members l ON l.mailbox_id = r.mailbox_id WHERE lower(l.list_address) = lower(@l) ORDER BY lower(u.address) COLLATE \"C\";",
            cancellationToken, ("l", listAddress));
    }

    private async Task<IReadOnlyList<RoomRecord>> QueryRooms(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.Command(sql, null, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        var rooms = new List<RoomRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var user = new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            rooms.Add(new RoomRecord(user, reader.IsDBNull(4) ? null : reader.GetInt32(4)));
        }

        return rooms;
    }
}
