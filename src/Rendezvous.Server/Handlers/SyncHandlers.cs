using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// SyncFolderItems and SyncFolderHierarchy ([MS-OXWSSYNC]): read the request (<see cref="SyncReaders"/>), have
/// <see cref="SyncService"/> find what changed since the client's SyncState, write it (<see cref="SyncWriters"/>).
/// </summary>
public static class SyncHandlers
{
    public static async Task<Action<EwsWriter>> SyncFolderItems(EwsRequest request)
    {
        var (sync, shape) = SyncReaders.SyncFolderItems(request);
        var outcome = await request.OneAsync(() => SyncService.SyncItemsAsync(request.Session, sync));
        return SyncWriters.SyncFolderItems(request, outcome, shape);
    }

    public static async Task<Action<EwsWriter>> SyncFolderHierarchy(EwsRequest request)
    {
        var (sync, shape) = SyncReaders.SyncFolderHierarchy(request);
        var outcome = await request.OneAsync(() => SyncService.SyncHierarchyAsync(request.Session, sync));
        return SyncWriters.SyncFolderHierarchy(request, outcome, shape);
    }
}
