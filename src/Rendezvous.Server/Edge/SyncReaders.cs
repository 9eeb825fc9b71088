using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>SyncFolderItems and SyncFolderHierarchy requests read from XML.</summary>
public static class SyncReaders
{
    /// <summary>SyncFolderItems: the sync and the shape its items are written in.</summary>
    public static (SyncItemsRequest Sync, ItemShape Shape) SyncFolderItems(EwsRequest request)
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
        _ = op.Element(Ews.M + "SyncScope") is { } scope ? Values.Enum(scope, SchemaValues.SyncFolderItemsScopeType.All, "SyncFolderItemsScopeType") : null;

        var includeMime = shapeElement.Element(Ews.T + "IncludeMimeContent") is { } mime && Values.Bool(mime);
        return (new SyncItemsRequest(target, stateText, max, ignore, includeMime), shape);
    }

    /// <summary>SyncFolderHierarchy: the sync and the shape its folders are written in.</summary>
    public static (SyncHierarchyRequest Sync, ItemShape Shape) SyncFolderHierarchy(EwsRequest request)
    {
        var op = request.Operation;
        var shape = request.ReadShape(EwsRequest.Required(op, "FolderShape"));
        var target = op.Element(Ews.M + "SyncFolderId") is { } t ? ReadTarget(t) : null;
        var stateText = op.Element(Ews.M + "SyncState")?.Value.Trim();
        return (new SyncHierarchyRequest(target, stateText), shape);
    }

    private static FolderRef ReadTarget(XElement syncFolderId)
    {
        var elements = syncFolderId.Elements().ToList();
        return elements.Count == 1
            ? ItemReader.ReadFolderRef(elements[0])
            : throw SoapRequest.Schema(syncFolderId, "SyncFolderId holds exactly one folder id.");
    }
}
