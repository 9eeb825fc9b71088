using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server.Edge;

/// <summary>SyncFolderItems and SyncFolderHierarchy responses written as EWS.</summary>
public static class SyncWriters
{
    public static Action<EwsWriter> SyncFolderItems(EwsRequest request, Outcome<SyncResult<ItemSyncPage>> outcome, ItemShape shape)
    {
        var context = request.WriteContext;
        return Respond("SyncFolderItems", outcome, "IncludesLastItemInRange", (w, result) =>
        {
            // SyncFolderItemsResponseMessageType: SyncState, IncludesLastItemInRange, Changes, in this order.
            w.M("SyncState", result.State);
            w.M("IncludesLastItemInRange", Values.Format(result.Page.IncludesLast));
            w.StartM("Changes");
            foreach (var change in result.Page.Changes)
            {
                switch (change.Kind)
                {
                    case SyncChangeKind.Delete:
                        WriteDelete(w, "ItemId", change.ItemId);
                        break;
                    case SyncChangeKind.ReadFlagChange:
                        w.StartT("ReadFlagChange");
                        w.ItemId("ItemId", change.ItemId, change.Item!.ChangeNumber);
                        w.T("IsRead", change.Item.IsRead ?? false);
                        w.End();
                        break;
                    default:
                        w.StartT(change.Kind == SyncChangeKind.Create ? "Create" : "Update");
                        // Like FindItem: the shape's properties without bodies (LEARN:syncfolderitems-operation).
                        ItemWriter.Write(w, change.Item!, shape, context, forFind: true);
                        w.End();
                        break;
                }
            }

            w.End();
        });
    }

    public static Action<EwsWriter> SyncFolderHierarchy(EwsRequest request, Outcome<SyncResult<FolderSyncPage>> outcome, ItemShape shape)
    {
        var context = request.WriteContext;
        return Respond("SyncFolderHierarchy", outcome, "IncludesLastFolderInRange", (w, result) =>
        {
            w.M("SyncState", result.State);
            // There is no MaxChangesReturned here: every change is returned at once.
            w.M("IncludesLastFolderInRange", Values.Format(true));
            w.StartM("Changes");
            foreach (var change in result.Page.Changes)
            {
                switch (change.Kind)
                {
                    case SyncChangeKind.Delete:
                        WriteDelete(w, "FolderId", change.FolderId);
                        break;
                    default:
                        w.StartT(change.Kind == SyncChangeKind.Create ? "Create" : "Update");
                        FolderWriter.Write(w, change.Folder!, shape, context);
                        w.End();
                        break;
                }
            }

            w.End();
        });
    }

    /// <summary>A Delete change: only the id of what left (SyncFolderItemsDeleteType, SyncFolderHierarchyDeleteType).</summary>
    private static void WriteDelete(EwsWriter w, string idElement, string id)
    {
        w.StartT("Delete");
        w.StartT(idElement);
        w.Attr("Id", id);
        w.End();
        w.End();
    }

    /// <summary>
    /// The one response message. An error still carries an empty SyncState and IncludesLast...=true, as Exchange's do:
    /// exchangelib reads both before it looks at the response code, and fails on a message without them.
    /// </summary>
    private static Action<EwsWriter> Respond<T>(string operation, Outcome<T> outcome, string includesLastName, Action<EwsWriter, T> content) => w =>
    {
        w.StartM(operation + "Response");
        w.StartM("ResponseMessages");
        SoapWriter.WriteMessage(w, operation + "ResponseMessage", outcome.Error, w => content(w, outcome.Value!), w =>
        {
            w.M("SyncState", "");
            w.M(includesLastName, Values.Format(true));
        });
        w.End();
        w.End();
    };
}
