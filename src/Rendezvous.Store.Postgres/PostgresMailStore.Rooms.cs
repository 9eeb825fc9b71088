using Rendezvous.Store.Sql;

namespace Rendezvous.Store.Postgres;

/// <summary>Rooms and room lists: the statements both stores share (<see cref="RoomSql"/>), in this store's writer and connections.</summary>
public sealed partial class PostgresMailStore
{
    private static readonly RoomSql Rooms = new(PostgresDialect.Instance);

    public async Task<RoomRecord?> GetRoomAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Rooms.GetAsync(connection, mailboxId, cancellationToken);
    }

    public async Task<IReadOnlyList<RoomRecord>> ListRoomsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Rooms.ListAsync(connection, cancellationToken);
    }

    public Task SetRoomAsync(string mailboxId, int? capacity, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => Rooms.SetAsync(connection, tx, mailboxId, capacity, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<RoomListRecord>> ListRoomListsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Rooms.ListListsAsync(connection, cancellationToken);
    }

    public Task AddRoomListAsync(string address, string displayName, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => Rooms.AddListAsync(connection, tx, address, displayName, cancellationToken), cancellationToken);

    public async Task<bool> RemoveRoomListAsync(string address, CancellationToken cancellationToken)
    {
        var changed = false;
        await WriteAsync(async (connection, tx) => changed = await Rooms.RemoveListAsync(connection, tx, address, cancellationToken), cancellationToken);
        return changed;
    }

    public async Task<bool> SetRoomListMemberAsync(string listAddress, string roomMailboxId, bool member, CancellationToken cancellationToken)
    {
        var done = false;
        await WriteAsync(async (connection, tx) => done = await Rooms.SetMemberAsync(connection, tx, listAddress, roomMailboxId, member, cancellationToken), cancellationToken);
        return done;
    }

    public async Task<IReadOnlyList<RoomRecord>?> GetRoomListRoomsAsync(string listAddress, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await Rooms.ListRoomsAsync(connection, listAddress, cancellationToken);
    }
}
