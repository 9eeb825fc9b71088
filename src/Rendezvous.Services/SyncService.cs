using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>A SyncFolderItems: the folder, the client's SyncState (none: a first sync), at most how many changes, the ids to leave out.</summary>
public sealed record SyncItemsRequest(FolderRef Folder, string? State, int MaxChanges, IReadOnlyCollection<string> Ignore, bool IncludeMimeContent);

/// <summary>A SyncFolderHierarchy: the folder whose subtree is synchronized (none: the whole mailbox) and the client's SyncState.</summary>
public sealed record SyncHierarchyRequest(FolderRef? Folder, string? State);

/// <summary>The changes, and the SyncState that continues after them.</summary>
public sealed record SyncResult<TPage>(TPage Page, string State);

/// <summary>SyncFolderItems and SyncFolderHierarchy ([MS-OXWSSYNC]): what changed since the client's SyncState.</summary>
public static class SyncService
{
    public static async Task<SyncResult<ItemSyncPage>> SyncItemsAsync(Session session, SyncItemsRequest request)
    {
        if (request.IncludeMimeContent)
        {
            // [MS-OXWSSYNC] R3787: SyncFolderItems does not return MIME content.
            throw new DomainException(ErrorCode.PropertyInvalidForOperation, "IncludeMimeContent is not valid for SyncFolderItems.");
        }

        FolderAccess access;
        try
        {
            access = await session.AccessFolderAsync(request.Folder, FolderAction.ReadItems);
        }
        catch (DomainException e) when (e.Code == ErrorCode.FolderNotFound)
        {
            throw new DomainException(ErrorCode.SyncFolderNotFound, "The folder to synchronize could not be found.", e);
        }

        var folder = access.Folder;
        var known = State(session, request.State, SyncStateKind.Items, folder.Id);
        var page = await session.Store.GetItemChangesAsync(folder.Id, known.Watermark, known.Entered, request.MaxChanges, request.Ignore, session.Cancellation);
        if (!access.IsOwner)
        {
            // Another's private items are never shown: they neither arrive nor change for the caller.
            page = page with { Changes = [.. page.Changes.Where(c => c.Item is null || access.CanSee(c.Item))] };
        }

        var state = SyncStates.Encode(new SyncState(SyncStateKind.Items, session.MailboxId, folder.Id, page.Watermark, page.Entered), session.Store.SyncStateKey.Span);
        return new SyncResult<ItemSyncPage>(page, state);
    }

    public static async Task<SyncResult<FolderSyncPage>> SyncHierarchyAsync(Session session, SyncHierarchyRequest request)
    {
        // Without a SyncFolderId the whole mailbox is synchronized: the folders under msgfolderroot (Top of Information Store).
        // A SyncFolderId of another's mailbox synchronizes the part of its tree the caller may see (IsFolderVisible).
        FolderAccess access;
        try
        {
            access = await session.AccessFolderAsync(request.Folder, "msgfolderroot", FolderAction.See);
        }
        catch (DomainException e) when (e.Code == ErrorCode.FolderNotFound)
        {
            throw new DomainException(ErrorCode.SyncFolderNotFound, "The folder to synchronize could not be found.", e);
        }

        var scope = access.Folder;
        var watermark = State(session, request.State, SyncStateKind.Hierarchy, scope.Id).Watermark;
        var page = await session.Store.GetFolderChangesAsync(scope.MailboxId, scope.Id, watermark, session.Cancellation);
        if (!access.IsOwner)
        {
            // Rights are read once for the page. A deletion names only an id, which no longer leads anywhere, so it is
            // kept: a client told of a folder earlier learns it is gone.
            var shown = page.Changes.Where(c => c.Folder is not null).Select(c => c.Folder!).ToList();
            var visible = (await session.AccessOfAsync(shown)).Where(a => a.Can(FolderAction.See)).Select(a => a.Folder.Id).ToHashSet(StringComparer.Ordinal);
            page = page with { Changes = [.. page.Changes.Where(c => c.Folder is null || visible.Contains(c.Folder.Id))] };
        }

        var state = SyncStates.Encode(new SyncState(SyncStateKind.Hierarchy, session.MailboxId, scope.Id, page.Watermark), session.Store.SyncStateKey.Span);
        return new SyncResult<FolderSyncPage>(page, state);
    }

    /// <summary>
    /// The client's SyncState: knowing nothing (0, 0) without one (a first synchronization). A state that was not signed
    /// by this store, or that belongs to another kind of sync, another mailbox or another folder, is refused.
    /// </summary>
    private static SyncState State(Session session, string? text, SyncStateKind kind, string folderId)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new SyncState(kind, session.MailboxId, folderId, 0);
        }

        var state = SyncStates.Decode(text, session.Store.SyncStateKey.Span);
        return state is not null && state.Kind == kind && state.MailboxId == session.MailboxId && state.FolderId == folderId
            ? state
            : throw new DomainException(ErrorCode.SyncStateInvalid, "The SyncState is not valid for this folder.");
    }
}
