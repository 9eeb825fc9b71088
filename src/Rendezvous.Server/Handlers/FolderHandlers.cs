using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>
/// GetFolder, FindFolder, CreateFolder, UpdateFolder, DeleteFolder, EmptyFolder, MoveFolder, CopyFolder ([MS-OXWSFOLD]): each reads its request
/// (<see cref="FolderReaders"/>), has <see cref="FolderService"/> do each folder with the request's <see cref="Session"/>,
/// and writes the outcomes (<see cref="FolderWriters"/>).
/// </summary>
public static class FolderHandlers
{
    public static async Task<Action<EwsWriter>> GetFolder(EwsRequest request)
    {
        var (shape, ids) = await FolderReaders.GetFolderAsync(request);
        var outcomes = await request.PerItemAsync(ids, e => FolderService.GetAsync(request.Session, ItemReader.ReadFolderRef(e), FolderWriter.WantsPermissions(shape)));
        return FolderWriters.Folders(request, "GetFolder", outcomes, shape);
    }

    public static async Task<Action<EwsWriter>> CreateFolder(EwsRequest request)
    {
        var (parentRef, folders) = await FolderReaders.CreateFolderAsync(request);
        // The parent is resolved once; if it fails, each folder fails with its error.
        var parent = await request.OneAsync(() => FolderService.ParentAsync(request.Session, parentRef));
        var siblings = new SiblingNames();
        var outcomes = await request.PerItemAsync(folders, e => FolderService.CreateAsync(request.Session,
            () => parent.Error is null ? parent.Value! : throw parent.Error, FolderReaders.NewFolder(e), siblings));
        return FolderWriters.Folders(request, "CreateFolder", outcomes, EwsRequest.IdOnly);
    }

    public static async Task<Action<EwsWriter>> UpdateFolder(EwsRequest request)
    {
        var changes = await FolderReaders.UpdateFolderAsync(request);
        var outcomes = await request.PerItemAsync(changes, change => FolderService.UpdateAsync(request.Session, FolderReaders.FolderChange(change)));
        return FolderWriters.Folders(request, "UpdateFolder", outcomes, EwsRequest.IdOnly);
    }

    public static async Task<Action<EwsWriter>> DeleteFolder(EwsRequest request)
    {
        var ids = await FolderReaders.DeleteFolderAsync(request);
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            await FolderService.DeleteAsync(request.Session, ItemReader.ReadFolderRef(e));
            return true;
        });
        return ItemWriters.Empty("DeleteFolder", outcomes);
    }

    public static async Task<Action<EwsWriter>> FindFolder(EwsRequest request)
    {
        var (find, shape, restriction, parents) = await FolderReaders.FindFolderAsync(request);
        var outcomes = await request.PerItemAsync(parents, e => FolderService.FindAsync(request.Session, find, ItemReader.ReadFolderRef(e), restriction));
        return FolderWriters.FindFolder(request, outcomes, shape);
    }

    public static async Task<Action<EwsWriter>> EmptyFolder(EwsRequest request)
    {
        var (mode, subFolders, ids) = await FolderReaders.EmptyFolderAsync(request);
        var outcomes = await request.PerItemAsync(ids, async e =>
        {
            await FolderService.EmptyAsync(request.Session, ItemReader.ReadFolderRef(e), mode, subFolders);
            return true;
        });
        return ItemWriters.Empty("EmptyFolder", outcomes);
    }

    public static Task<Action<EwsWriter>> MoveFolder(EwsRequest request) => MoveOrCopyFolder(request, move: true);

    public static Task<Action<EwsWriter>> CopyFolder(EwsRequest request) => MoveOrCopyFolder(request, move: false);

    private static async Task<Action<EwsWriter>> MoveOrCopyFolder(EwsRequest request, bool move)
    {
        var (target, ids) = await FolderReaders.MoveOrCopyFolderAsync(request);
        // The destination is resolved once; if it fails, each folder fails with its error. It is the caller's, or another's where they may create subfolders.
        var folder = await request.OneAsync(() => FolderService.ParentAsync(request.Session, target));
        Folder Target() => folder.Error is null ? folder.Value! : throw folder.Error;
        var outcomes = await request.PerItemAsync(ids, e => move
            ? FolderService.MoveAsync(request.Session, ItemReader.ReadFolderRef(e), Target)
            : FolderService.CopyAsync(request.Session, ItemReader.ReadFolderRef(e), Target));
        return FolderWriters.Folders(request, move ? "MoveFolder" : "CopyFolder", outcomes, EwsRequest.IdOnly);
    }
}
