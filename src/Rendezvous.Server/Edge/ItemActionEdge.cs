using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>MarkAllItemsAsRead, MarkAsJunk, ArchiveItem, ExportItems and UploadItems read from XML and written back.</summary>
public static class ItemActionEdge
{
    /// <summary>MarkAllItemsAsRead: the flag to set and the folders (counted). SuppressReadReceipts is read for its schema only.</summary>
    public static async Task<(bool Read, List<XElement> Folders)> MarkAllItemsAsReadAsync(EwsRequest request)
    {
        var op = request.Operation;
        var read = Values.Bool(EwsRequest.Required(op, "ReadFlag"));
        _ = Values.Bool(EwsRequest.Required(op, "SuppressReadReceipts"));
        return (read, await request.IdsAsync(EwsRequest.Required(op, "FolderIds")));
    }

    /// <summary>MarkAsJunk: IsJunk, MoveItem and the items (counted).</summary>
    public static async Task<(bool IsJunk, bool Move, List<XElement> Ids)> MarkAsJunkAsync(EwsRequest request)
    {
        var op = request.Operation;
        var isJunk = Values.Bool(op, ItemReader.RequiredAttribute(op, "IsJunk"));
        var move = Values.Bool(op, ItemReader.RequiredAttribute(op, "MoveItem"));
        return (isJunk, move, await request.IdsAsync(EwsRequest.Required(op, "ItemIds")));
    }

    /// <summary>
    /// ArchiveItem: the folder the items go to and the items (counted). Despite its name, ArchiveSourceFolderId is the
    /// destination (archiveitem-operation.md's example moves to the archive's Inbox with it; exchangelib's archive()
    /// passes its to_folder).
    /// </summary>
    public static async Task<(FolderRef Destination, List<XElement> Ids)> ArchiveItemAsync(EwsRequest request)
    {
        var op = request.Operation;
        var source = ItemReader.ReadFolderRef(EwsRequest.Required(op, "ArchiveSourceFolderId").Elements().SingleOrDefault() ?? throw SoapRequest.Schema(op, "ArchiveSourceFolderId needs a folder."));
        return (source, await request.IdsAsync(EwsRequest.Required(op, "ItemIds")));
    }

    /// <summary>ExportItems: the items (counted).</summary>
    public static Task<List<XElement>> ExportItemsAsync(EwsRequest request) => request.IdsAsync(EwsRequest.Required(request.Operation, "ItemIds"));

    /// <summary>UploadItems: the items (counted, as a CreateItem's).</summary>
    public static Task<List<XElement>> UploadItemsAsync(EwsRequest request) =>
        request.BatchAsync(EwsRequest.Required(request.Operation, "Items"), request.Limits.MaxItemsPerCreate, "items", nameof(RequestLimits.MaxItemsPerCreate));

    /// <summary>One t:Item of an UploadItems.</summary>
    public static UploadEntry UploadEntry(XElement e)
    {
        var action = ItemReader.RequiredAttribute(e, "CreateAction") switch
        {
            "CreateNew" => UploadAction.CreateNew,
            "Update" => UploadAction.Update,
            "UpdateOrCreate" => UploadAction.UpdateOrCreate,
            var other => throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(other)}' is not a valid CreateActionType."),
        };
        var associated = e.Attribute("IsAssociated") is { } a && Values.Bool(e, a.Value);
        // ParentFolderId is a FolderIdType itself (Id and ChangeKey on it), not a wrapper of one.
        var parentElement = e.Element(Ews.T + "ParentFolderId") ?? throw SoapRequest.Schema(e, "An uploaded Item needs a ParentFolderId.");
        var parent = new FolderRef((string?)parentElement.Attribute("Id") ?? throw SoapRequest.Schema(parentElement, "ParentFolderId needs an Id."), null, null);
        var id = e.Element(Ews.T + "ItemId") is { } i ? ItemReader.ReadItemRef(i) : null;
        var data = e.Element(Ews.T + "Data") ?? throw SoapRequest.Schema(e, "An uploaded Item needs its Data.");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data.Value);
        }
        catch (FormatException)
        {
            throw SoapRequest.Schema(data, "Data is not valid base64.");
        }

        return new UploadEntry(parent, id, action, associated, bytes);
    }

    public static Action<EwsWriter> Done(string operation, IReadOnlyList<Outcome<bool>> outcomes) =>
        EwsRequest.Respond(operation, outcomes, static (_, _) => { });

    /// <summary>MarkAsJunk: each item's MovedItemId when it moved.</summary>
    public static Action<EwsWriter> MarkAsJunk(IReadOnlyList<Outcome<Item?>> outcomes) =>
        EwsRequest.Respond("MarkAsJunk", outcomes, static (w, item) =>
        {
            if (item is not null)
            {
                MessageId(w, "MovedItemId", item);
            }
        });

    public static Action<EwsWriter> Export(IReadOnlyList<Outcome<ExportedItem>> outcomes) =>
        EwsRequest.Respond("ExportItems", outcomes, static (w, exported) =>
        {
            MessageId(w, "ItemId", exported.Item);
            w.Xml.WriteStartElement("m", "Data", Ews.MessagesNs);
            w.Xml.WriteBase64(exported.Data, 0, exported.Data.Length);
            w.End();
        });

    public static Action<EwsWriter> Upload(IReadOnlyList<Outcome<Item>> outcomes) =>
        EwsRequest.Respond("UploadItems", outcomes, static (w, item) => MessageId(w, "ItemId", item));

    /// <summary>An m: element of ItemIdType (the response messages' own ids are in the messages namespace).</summary>
    private static void MessageId(EwsWriter w, string element, Item item)
    {
        w.StartM(element);
        w.Attr("Id", item.Id);
        w.Attr("ChangeKey", ChangeKeys.Encode(item.ChangeNumber));
        w.End();
    }
}
