using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>GetRoomLists and GetRooms: read the request, <see cref="RoomService"/>, write the one response message.</summary>
public static class RoomHandlers
{
    public static async Task<Action<EwsWriter>> GetRoomLists(EwsRequest request)
    {
        var outcome = await request.OneAsync(() => RoomService.GetRoomListsAsync(request.Session));
        return w => SoapWriter.WriteMessage(w, "GetRoomListsResponse", outcome.Error, w =>
        {
            w.StartM("RoomLists");
            foreach (var list in outcome.Value!)
            {
                w.StartT("Address");
                Recipient(w, list.DisplayName, list.Address, SchemaValues.MailboxTypeType.PublicDL);
                w.End();
            }

            w.End();
        });
    }

    public static async Task<Action<EwsWriter>> GetRooms(EwsRequest request)
    {
        var list = EwsRequest.Required(request.Operation, "RoomList");
        var address = list.Element(Ews.T + "EmailAddress")?.Value.Trim() is { Length: > 0 } a
            ? a
            : throw SoapRequest.Schema(list, "The element 'RoomList' needs an EmailAddress.");
        var outcome = await request.OneAsync(() => RoomService.GetRoomsAsync(request.Session, address));
        return w => SoapWriter.WriteMessage(w, "GetRoomsResponse", outcome.Error, w =>
        {
            w.StartM("Rooms");
            foreach (var room in outcome.Value!)
            {
                Room(w, room);
            }

            w.End();
        });
    }

    private static void Room(EwsWriter w, RoomRecord room)
    {
        w.StartT("Room");
        w.StartT("Id");
        Recipient(w, room.User.DisplayName, room.User.Address, SchemaValues.MailboxTypeType.Mailbox);
        w.End();
        w.End();
    }

    // An EmailAddressType's content.
    private static void Recipient(EwsWriter w, string name, string address, string mailboxType)
    {
        w.T("Name", name);
        w.T("EmailAddress", address);
        w.T("RoutingType", "SMTP");
        w.T("MailboxType", mailboxType);
    }
}
