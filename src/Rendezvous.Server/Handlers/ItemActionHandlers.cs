using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// MarkAllItemsAsRead, MarkAsJunk, ArchiveItem, ExportItems and UploadItems: each reads its request
/// (<see cref="ItemActionEdge"/>), has <see cref="ItemActionService"/> do each entry, and writes the outcomes.
/// </summary>
public static class ItemActionHandlers
{
    public static async Task<Action<EwsWriter>> MarkAllItemsAsRead(EwsRequest request)
    {
        var (read, folders) = await ItemActionEdge.MarkAllItemsAsReadAsync(request);
        var outcomes = await request.PerItemAsync(folders, async e =>
        {
            await ItemActionService.MarkAllAsReadAsync(request.Session, ItemReader.ReadFolderRef(e), read);
            return true;
        });
        return ItemActionEdge.Done("MarkAllItemsAsRead", outcomes);
    }

    public static async Task<Action<EwsWriter>> MarkAsJunk(EwsRequest request)
    {
        var (isJunk, move, ids) = await ItemActionEdge.MarkAsJunkAsync(request);
        var outcomes = await request.PerItemAsync(ids, e => ItemActionService.MarkAsJunkAsync(request.Session, ItemReader.ReadItemRef(e), isJunk, move));
        return ItemActionEdge.MarkAsJunk(outcomes);
    }

    public static async Task<Action<EwsWriter>> ArchiveItem(EwsRequest request)
    {
        var (destination, ids) = await ItemActionEdge.ArchiveItemAsync(request);
        // The destination is resolved once; if it fails, each item fails with its error.
        var archive = await request.OneAsync(() => request.Session.ResolveFolderAsync(destination));
        var outcomes = await request.PerItemAsync(ids, e => ItemActionService.ArchiveAsync(request.Session, ItemReader.ReadItemRef(e),
            () => archive.Error is null ? archive.Value! : throw archive.Error));
        return ItemWriters.Items(request, "ArchiveItem", outcomes, EwsRequest.IdOnly);
    }

    public static async Task<Action<EwsWriter>> ExportItems(EwsRequest request)
    {
        var ids = await ItemActionEdge.ExportItemsAsync(request);
        var budget = new ItemReadBudget(request.Limits.MaxResponseItemBytes);
        var outcomes = await request.PerItemAsync(ids, e => ItemActionService.ExportAsync(request.Session, ItemReader.ReadItemRef(e), budget));
        return ItemActionEdge.Export(outcomes);
    }

    public static async Task<Action<EwsWriter>> UploadItems(EwsRequest request)
    {
        var items = await ItemActionEdge.UploadItemsAsync(request);
        var outcomes = await request.PerItemAsync(items, e => ItemActionService.UploadAsync(request.Session, ItemActionEdge.UploadEntry(e)));
        return ItemActionEdge.Upload(outcomes);
    }
}
