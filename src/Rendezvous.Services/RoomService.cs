using Rendezvous.Domain;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>GetRoomLists and GetRooms: the organization's room lists and their rooms, which every user may read.</summary>
public static class RoomService
{
    public static Task<IReadOnlyList<RoomListRecord>> GetRoomListsAsync(Session session) =>
        session.Store.ListRoomListsAsync(session.Cancellation);

    /// <summary>The rooms of the room list at <paramref name="listAddress"/>.</summary>
    public static async Task<IReadOnlyList<RoomRecord>> GetRoomsAsync(Session session, string listAddress) =>
        await session.Store.GetRoomListRoomsAsync(listAddress, session.Cancellation)
            ?? throw new DomainException(ErrorCode.NameResolutionNoResults, "No results were found.");
}
