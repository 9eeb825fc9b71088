using Rendezvous.Domain;
using Rendezvous.Ews;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server.Handlers;

/// <summary>SyncFolderItems and SyncFolderHierarchy ([MS-OXWSSYNC]): what changed since the client's SyncState.</summary>
public static class SyncHandlers
{
    private static readonly HashSet<string> SyncScopes = new(StringComparer.Ordinal) { "NormalItems", "NormalAndAssociatedItems" };

    public static async Task<Action<EwsWriter>> SyncFolderItems(EwsRequest request)
    {
        var op = request.Operation;
        var shapeElement = EwsRequest.Required(op, "ItemShape");
        var shape = request.ReadShape(shapeElement);
        var target = ReadTarget(EwsRequest.Required(op, "SyncFolderId"));
        var stateText = op.Element(Protocol.Ews.M + "SyncState")?.Value.Trim();
        var ignore = op.Element(Protocol.Ews.M + "Ignore") is { } ignored
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
        _ = op.Element(Protocol.Ews.M + "SyncScope") is { } scope ? Values.Enum(scope, SyncScopes, "SyncFolderItemsScopeType") : null;

        var outcome = await request.OneAsync(async () =>
        {
            if (shapeElement.Element(Protocol.Ews.T + "IncludeMimeContent") is { } mime && Values.Bool(mime))
            {
                // [MS-OXWSSYNC] R3787: SyncFolderItems does not return MIME content.
                throw new EwsException(ResponseCodes.ErrorInvalidPropertyForOperation, "IncludeMimeContent is not valid for SyncFolderItems.");
            }

            var folder = await ResolveAsync(request, target);
            var known = State(request, stateText, SyncStateKind.Items, folder.Id);
            var page = await request.Store.GetItemChangesAsync(folder.Id, known.Watermark, known.Entered, max, ignore, request.Cancellation);
            var state = SyncStates.Encode(new SyncState(SyncStateKind.Items, request.User.MailboxId, folder.Id, page.Watermark, page.Entered), request.Store.SyncStateKey.Span);
            return (Page: page, State: state);
        });

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
        var target = op.Element(Protocol.Ews.M + "SyncFolderId") is { } t ? ReadTarget(t) : null;
        var stateText = op.Element(Protocol.Ews.M + "SyncState")?.Value.Trim();
        var outcome = await request.OneAsync(async () =>
        {
            // Without a SyncFolderId the whole mailbox is synchronized: the folders under msgfolderroot (Top of Information Store).
            var scope = await ResolveAsync(request, target ?? new FolderRef(null, "msgfolderroot", null, op));
            var watermark = State(request, stateText, SyncStateKind.Hierarchy, scope.Id).Watermark;
            var page = await request.Store.GetFolderChangesAsync(request.User.MailboxId, scope.Id, watermark, request.Cancellation);
            var state = SyncStates.Encode(new SyncState(SyncStateKind.Hierarchy, request.User.MailboxId, scope.Id, page.Watermark), request.Store.SyncStateKey.Span);
            return (Page: page, State: state);
        });

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

    /// <summary>The caller's folder; one that does not exist (or is not theirs) is ErrorSyncFolderNotFound, as [MS-OXWSCDATA] lists for sync.</summary>
    private static async Task<Folder> ResolveAsync(EwsRequest request, FolderRef reference)
    {
        try
        {
            return await request.ResolveFolderAsync(reference);
        }
        catch (EwsException e) when (e.Code == ResponseCodes.ErrorFolderNotFound)
        {
            throw new EwsException(ResponseCodes.ErrorSyncFolderNotFound, "The folder to synchronize could not be found.", e);
        }
    }

    /// <summary>
    /// The client's SyncState: knowing nothing (0, 0) without one (a first synchronization). A state that was not signed
    /// by this store, or that belongs to another kind of sync, another mailbox or another folder, is refused.
    /// </summary>
    private static SyncState State(EwsRequest request, string? text, SyncStateKind kind, string folderId)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new SyncState(kind, request.User.MailboxId, folderId, 0);
        }

        var state = SyncStates.Decode(text, request.Store.SyncStateKey.Span);
        return state is not null && state.Kind == kind && state.MailboxId == request.User.MailboxId && state.FolderId == folderId
            ? state
            : throw new EwsException(ResponseCodes.ErrorInvalidSyncStateData, "The SyncState is not valid for this folder.");
    }
}
