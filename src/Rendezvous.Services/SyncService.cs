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
        var scope = await ResolveAsync(session, request.Folder, "msgfolderroot");
        var watermark = State(session, request.State, SyncStateKind.Hierarchy, scope.Id).Watermark;
        var page = await session.Store.GetFolderChangesAsync(session.MailboxId, scope.Id, watermark, session.Cancellation);
        var state = SyncStates.Encode(new SyncState(SyncStateKind.Hierarchy, session.MailboxId, scope.Id, page.Watermark), session.Store.SyncStateKey.Span);
        return new SyncResult<FolderSyncPage>(page, state);
    }

    /// <summary>The caller's folder; one that does not exist (or is not theirs) is a missing sync folder, as [MS-OXWSCDATA] lists for sync.</summary>
    private static async Task<Folder> ResolveAsync(Session session, FolderRef? reference, string? fallback)
    {
        try
        {
            return fallback is null ? await session.ResolveFolderAsync(reference!) : await session.ResolveFolderAsync(reference, fallback);
        }
        catch (DomainException e) when (e.Code == ErrorCode.FolderNotFound)
        {
            throw new DomainException(ErrorCode.SyncFolderNotFound, "The folder to synchronize could not be found.", e);
        }
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
