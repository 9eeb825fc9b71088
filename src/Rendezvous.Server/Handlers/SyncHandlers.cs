using Rendezvous.Protocol;
using Rendezvous.Services;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>SyncFolderItems and SyncFolderHierarchy: read the request, have <see cref="SyncService"/> find the changes, write them.</summary>
public static class SyncHandlers
{
    private static readonly HashSet<string> SyncScopes = new(StringComparer.Ordinal) { "NormalItems", "NormalAndAssociatedItems" };

    public static async Task<Action<EwsWriter>> SyncFolderItems(EwsRequest request)
    {
        var op = request.Operation;
        var shapeElement = EwsRequest.Required(op, "ItemShape");
        var shape = request.ReadShape(shapeElement);
        var target = ReadTarget(EwsRequest.Required(op, "SyncFolderId"));
        var stateText = op.Element(Ews.M + "SyncState")?.Value.Trim();
        var ignore = op.Element(Ews.M + "Ignore") is { } ignored
            ? RequestLimits.Children(ignored, request.Limits.MaxIdsPerRequest, "ids to ignore", nameof(RequestLimits.MaxIdsPerRequest)).Select(e => ItemReader.ReadItemRef(e).Id).ToHashSet(StringComparer.Ordinal)
            : [];
        var maxElement = EwsRequest.Required(op, "MaxChangesReturned");
        var max = Values.Int(maxElement);
        if (max is < 1 or > 512)
        {
            // MaxSyncChangesReturnedType is xs:int restricted to 1..512: out of range fails schema validation, as in Exchange.
            throw SoapRequest.Schema(maxElement, $"The value '{Values.Excerpt(maxElement.Value)}' is invalid according to its datatype 'MaxSyncChangesReturnedType'.");
        }

        // Associated (FAI) items do not exist yet, so both scopes sync the same items.
        _ = op.Element(Ews.M + "SyncScope") is { } scope ? Values.Enum(scope, SyncScopes, "SyncFolderItemsScopeType") : null;

        var includeMime = shapeElement.Element(Ews.T + "IncludeMimeContent") is { } mime && Values.Bool(mime);
        var sync = new SyncItemsRequest(target, stateText, max, ignore, includeMime);
        var outcome = await request.OneAsync(() => SyncService.SyncItemsAsync(request.Session, sync));

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
                        w.StartT("Delete");
                        w.StartT("ItemId");
                        w.Attr("Id", change.ItemId);
                        w.End();
                        w.End();
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

    public static async Task<Action<EwsWriter>> SyncFolderHierarchy(EwsRequest request)
    {
        var op = request.Operation;
        var shape = request.ReadShape(EwsRequest.Required(op, "FolderShape"));
        var target = op.Element(Ews.M + "SyncFolderId") is { } t ? ReadTarget(t) : null;
        var stateText = op.Element(Ews.M + "SyncState")?.Value.Trim();
        var outcome = await request.OneAsync(() => SyncService.SyncHierarchyAsync(request.Session, new SyncHierarchyRequest(target, stateText)));

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
                        w.StartT("Delete");
                        w.StartT("FolderId");
                        w.Attr("Id", change.FolderId);
                        w.End();
                        w.End();
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

    private static FolderRef ReadTarget(System.Xml.Linq.XElement syncFolderId)
    {
        var elements = syncFolderId.Elements().ToList();
        return elements.Count == 1
            ? ItemReader.ReadFolderRef(elements[0])
            : throw SoapRequest.Schema(syncFolderId, "SyncFolderId holds exactly one folder id.");
    }
}
