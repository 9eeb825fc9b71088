using Rendezvous.Protocol;
using Rendezvous.Server.Handlers;

namespace Rendezvous.Server;

/// <summary>A handler does its work asynchronously, then returns how to write the response body.</summary>
public delegate Task<Action<EwsWriter>> OperationHandler(EwsRequest request);

/// <summary>The one table from EWS operation name to handler.</summary>
public static class Operations
{
    public static readonly IReadOnlyDictionary<string, OperationHandler> Table = new Dictionary<string, OperationHandler>(StringComparer.Ordinal)
    {
        ["GetFolder"] = FolderHandlers.GetFolder,
        ["FindFolder"] = FolderHandlers.FindFolder,
        ["CreateFolder"] = FolderHandlers.CreateFolder,
        ["DeleteFolder"] = FolderHandlers.DeleteFolder,
        ["UpdateFolder"] = FolderHandlers.UpdateFolder,
        ["CreateItem"] = CreateItemHandler.CreateItem,
        ["GetItem"] = ItemHandlers.GetItem,
        ["FindItem"] = FindItemHandler.FindItem,
        ["UpdateItem"] = UpdateItemHandler.UpdateItem,
        ["DeleteItem"] = ItemHandlers.DeleteItem,
        ["MoveItem"] = ItemHandlers.MoveItem,
        ["CopyItem"] = ItemHandlers.CopyItem,
        ["SendItem"] = CreateItemHandler.SendItem,
        ["ConvertId"] = ConvertIdHandler.ConvertId,
        ["SyncFolderItems"] = SyncHandlers.SyncFolderItems,
        ["SyncFolderHierarchy"] = SyncHandlers.SyncFolderHierarchy,
        ["GetServerTimeZones"] = TimeZoneHandler.GetServerTimeZones,
        ["GetUserAvailabilityRequest"] = AvailabilityHandler.GetUserAvailability,
    };
}
