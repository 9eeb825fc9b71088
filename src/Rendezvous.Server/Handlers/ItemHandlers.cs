using System.Globalization;
using System.Xml.Linq;
using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>GetItem, DeleteItem, MoveItem and CopyItem.</summary>
public static class ItemHandlers
{
    private static readonly HashSet<string> DeleteTypes = ["HardDelete", "SoftDelete", "MoveToDeletedItems"];

    public static async Task<Action<EwsWriter>> GetItem(EwsRequest request)
    {
        var shape = request.ReadShape(EwsRequest.Required(request.Operation, "ItemShape"));
        var ids = await request.IdsAsync(EwsRequest.Required(request.Operation, "ItemIds"));
        // The items are held until the response is written: past the budget, the rest are not even read.
        var budget = request.Limits.MaxResponseItemBytes;
        long loaded = 0;
        var stopped = false;
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            if (stopped)
            {
                throw BatchStopped(budget);
            }

            var item = await request.GetOwnItemAsync(ItemReader.ReadItemRef(e));
            if (loaded > 0 && loaded + item.Size > budget)
            {
                stopped = true;
                throw BatchStopped(budget);
            }

            loaded += item.Size;
            if (loaded > request.Limits.LargeResponseItemBytes)
            {
                // Many megabytes held until the response is written: only a few such requests at once.
                await request.EnterLargeAsync();
            }

            return item;
        });
        return EwsRequest.Respond("GetItem", outcomes, (w, item) => request.WriteItems(w, [item], shape), itemsOnError: true);
    }

    private static EwsException BatchStopped(long budget) =>
        new(ResponseCodes.ErrorBatchProcessingStopped, string.Create(CultureInfo.InvariantCulture,
            $"The response reached its limit of {budget} bytes of items (MaxResponseItemBytes); this item and the ones after it were not processed. Ask for them in another request."));

    public static async Task<Action<EwsWriter>> DeleteItem(EwsRequest request)
    {
        var op = request.Operation;
        var deleteType = Values.Enum(op, ItemReader.RequiredAttribute(op, "DeleteType"), DeleteTypes, "DisposalType");
        var cancellations = CreateItemHandler.OptionalEnum(op, "SendMeetingCancellations", Values.CalendarCreateOrDeleteModes, "CalendarItemCreateOrDeleteOperationType");
        var ids = await request.IdsAsync(EwsRequest.Required(op, "ItemIds"));
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            var reference = ItemReader.ReadItemRef(e);
            var item = await request.GetOwnItemAsync(reference);
            if (item.Kind == ItemKind.CalendarItem && cancellations is null)
            {
                throw new EwsException(ResponseCodes.ErrorSendMeetingCancellationsRequired, "SendMeetingCancellations is required when calendar items are deleted.");
            }

            var folder = await request.Store.GetFolderAsync(item.FolderId, request.Cancellation);
            if (item.Kind == ItemKind.CalendarItem && item.IsMeeting && cancellations != "SendToNone" && !item.IsCancelled
                && item.IsOrganizedBy(request.User.Address))
            {
                var to = deleteType == "HardDelete" ? (Place?)null
                    : Place.In(request.User.Mailbox, deleteType == "MoveToDeletedItems" && folder?.DistinguishedName != "deleteditems" ? "deleteditems" : "recoverableitemsdeletions");
                await MeetingHandlers.DeleteMeetingAsync(request, reference, cancellations!, to);
                return true;
            }

            var changes = new ChangeSet();
            if (deleteType == "MoveToDeletedItems" && folder?.DistinguishedName != "deleteditems")
            {
                var deleted = await request.ResolveFolderAsync(new FolderRef(null, "deleteditems", null, e));
                changes.Deletes.Add(item.Id);
                changes.Inserts.Add(Relocate(request, item, deleted));
            }
            else if (deleteType != "HardDelete" && folder?.DistinguishedName != "recoverableitemsdeletions")
            {
                // SoftDelete, or MoveToDeletedItems from Deleted Items: the item goes to the dumpster, recoverable.
                var dumpster = await request.ResolveFolderAsync(new FolderRef(null, "recoverableitemsdeletions", null, e));
                changes.Deletes.Add(item.Id);
                changes.Inserts.Add(Relocate(request, item, dumpster));
            }
            else
            {
                changes.Deletes.Add(item.Id);
            }

            await request.Store.ApplyAsync(changes, request.Cancellation);
            return true;
        });
        return EwsRequest.Respond("DeleteItem", outcomes, static (_, _) => { });
    }

    /// <summary>
    /// A copy of <paramref name="item"/> in <paramref name="folder"/> with a new id: a move is a copy and a delete,
    /// so a moved item has a new id, as in Exchange.
    /// </summary>
    public static Item Relocate(EwsRequest request, Item item, Folder folder)
    {
        var copy = item.Clone();
        copy.Id = EwsIds.NewItemId();
        copy.FolderId = folder.Id;
        copy.MailboxId = folder.MailboxId;
        copy.ChangeNumber = request.Store.NextChangeNumber();
        copy.LastModifiedTime = request.Now;
        return copy;
    }

    public static Task<Action<EwsWriter>> MoveItem(EwsRequest request) => MoveOrCopy(request, move: true);

    public static Task<Action<EwsWriter>> CopyItem(EwsRequest request) => MoveOrCopy(request, move: false);

    private static async Task<Action<EwsWriter>> MoveOrCopy(EwsRequest request, bool move)
    {
        var op = request.Operation;
        var target = ItemReader.ReadFolderRef(EwsRequest.Required(op, "ToFolderId").Elements().SingleOrDefault() ?? throw SoapRequest.Schema(op, "ToFolderId needs a folder."));
        var ids = await request.IdsAsync(EwsRequest.Required(op, "ItemIds"));
        var returnIds = op.Element(Protocol.Ews.M + "ReturnNewItemIds") is not { } r || Values.Bool(r);
        var folder = await request.OneAsync(() => request.ResolveFolderAsync(target));
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            var item = await request.GetOwnItemAsync(ItemReader.ReadItemRef(e));
            var to = folder.Error is null ? folder.Value! : throw folder.Error;
            var copy = Relocate(request, item, to);
            if (!move)
            {
                copy.DateTimeCreated = request.Now;
            }

            var changes = new ChangeSet();
            if (move)
            {
                changes.Deletes.Add(item.Id);
            }

            changes.Inserts.Add(copy);
            await request.Store.ApplyAsync(changes, request.Cancellation);
            return (IReadOnlyList<Item>)(returnIds ? [copy] : []);
        });
        return EwsRequest.Respond(move ? "MoveItem" : "CopyItem", outcomes, (w, items) => request.WriteItems(w, items, EwsRequest.IdOnly), itemsOnError: true);
    }
}
