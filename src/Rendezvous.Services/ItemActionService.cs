using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>How UploadItems puts an item: a new one, over an existing one, or over it when it exists and new otherwise.</summary>
public enum UploadAction
{
    CreateNew,
    Update,
    UpdateOrCreate,
}

/// <summary>One item of an UploadItems: where it goes, the item it replaces (Update), and the exported data.</summary>
public sealed record UploadEntry(FolderRef Parent, ItemRef? ItemId, UploadAction Action, bool IsAssociated, byte[] Data);

/// <summary>An item ExportItems answers: its id and its data (<see cref="ItemExport"/>).</summary>
public sealed record ExportedItem(Item Item, byte[] Data);

/// <summary>
/// MarkAllItemsAsRead, MarkAsJunk, ArchiveItem, ExportItems and UploadItems ([MS-OXWSCORE], [MS-OXWSBTRF]), one folder
/// or item at a time: each call is one entry's work and throws <see cref="DomainException"/> when that entry fails.
/// </summary>
public static class ItemActionService
{
    /// <summary>
    /// One folder of a MarkAllItemsAsRead: every message whose read flag differs is set, in one change set (each a
    /// read-flag change, as SyncFolderItems reports it). Read receipts are never sent by this server, so
    /// SuppressReadReceipts has nothing to suppress.
    /// </summary>
    public static async Task MarkAllAsReadAsync(Session session, FolderRef reference, bool read)
    {
        var folder = await session.ResolveFolderAsync(reference);
        var changes = new ChangeSet();
        foreach (var item in await session.Store.GetItemsAsync(folder.Id, session.Cancellation))
        {
            if (!item.IsMessageLike || (item.IsRead == true) == read)
            {
                continue;
            }

            var expected = item.ChangeNumber;
            item.IsRead = read;
            item.FieldChanges["message:IsRead"] = ChangeSet.ThisChange;
            item.StampModified(session.Now);
            item.LastModifiedName = session.User.DisplayName;
            changes.Updates.Add((item, expected));
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
    }

    /// <summary>
    /// One item of a MarkAsJunk: with <paramref name="move"/>, moved to Junk Email (junk) or the Inbox (not junk) and its
    /// new item returned; without, nothing moves and null is returned. (Exchange also adds the sender to the blocked or
    /// safe senders list; this server keeps no such list yet.)
    /// </summary>
    public static async Task<Item?> MarkAsJunkAsync(Session session, ItemRef reference, bool isJunk, bool move)
    {
        var item = await session.GetOwnItemAsync(reference);
        if (!move)
        {
            return null;
        }

        var to = await session.ResolveFolderAsync(null, isJunk ? "junkemail" : "inbox");
        if (item.FolderId == to.Id)
        {
            return item;
        }

        var copy = ItemService.Relocate(session, item, to);
        var changes = new ChangeSet();
        changes.Move(item.Id, copy);
        await session.Store.ApplyAsync(changes, session.Cancellation);
        return copy;
    }

    /// <summary>
    /// One item of an ArchiveItem: moved to <paramref name="archive"/> (the request's ArchiveSourceFolderId, resolved
    /// once), the new item returned. Exchange moves it to that folder of the user's archive mailbox; a mailbox here has
    /// none, so the folder is the mailbox's own (the Archive folder, where Outlook's one-click Archive puts items).
    /// </summary>
    public static async Task<IReadOnlyList<Item>> ArchiveAsync(Session session, ItemRef reference, Func<Folder> archive)
    {
        var item = await session.GetOwnItemAsync(reference);
        var to = archive();
        if (item.FolderId == to.Id)
        {
            return [item]; // Already archived: nothing moves.
        }

        var copy = ItemService.Relocate(session, item, to);
        var changes = new ChangeSet();
        changes.Move(item.Id, copy);
        await session.Store.ApplyAsync(changes, session.Cancellation);
        return [copy];
    }

    /// <summary>One item of an ExportItems: the item with its attachments' contents, counted against <paramref name="budget"/>.</summary>
    public static async Task<ExportedItem> ExportAsync(Session session, ItemRef reference, ItemReadBudget budget)
    {
        if (budget.Stopped)
        {
            throw new DomainException(ErrorCode.BatchStopped, "The response reached its limit of bytes of items (MaxResponseItemBytes); this item and the ones after it were not processed.");
        }

        var item = await session.GetOwnItemAsync(reference);
        // Base64 in the response: a third more than the bytes read.
        var size = item.Size * 4L / 3;
        if (budget.Loaded > 0 && budget.Loaded + size > budget.Budget)
        {
            budget.Stopped = true;
            throw new DomainException(ErrorCode.BatchStopped, "The response reached its limit of bytes of items (MaxResponseItemBytes); this item and the ones after it were not processed.");
        }

        budget.Loaded += size;
        if (budget.Loaded > session.Limits.LargeResponseItemBytes)
        {
            await session.EnterLargeAsync();
        }

        var attachments = new List<ExportedAttachment>();
        foreach (var header in item.Attachments ?? [])
        {
            if (header.Kind == AttachmentKind.Item)
            {
                var stored = await session.Store.GetAttachmentAsync(item.Id, header.Id, session.Cancellation);
                attachments.Add(new ExportedAttachment(header, null, stored?.AttachedItem));
                continue;
            }

            await using var content = await session.Store.OpenAttachmentAsync(item.Id, header.Id, session.Cancellation);
            byte[]? bytes = null;
            if (content is not null)
            {
                using var buffer = new MemoryStream();
                await content.CopyToAsync(buffer, session.Cancellation);
                bytes = buffer.ToArray();
            }

            attachments.Add(new ExportedAttachment(header, bytes, null));
        }

        return new ExportedItem(item, ItemExport.Write(item, attachments));
    }

    /// <summary>
    /// One item of an UploadItems: the exported item put in <see cref="UploadEntry.Parent"/> as a new item (CreateNew,
    /// or UpdateOrCreate of an item that is not there) or over the item named (Update), whose content and attachments
    /// it then replaces, keeping its id.
    /// </summary>
    public static async Task<Item> UploadAsync(Session session, UploadEntry entry)
    {
        var folder = await session.ResolveFolderAsync(entry.Parent);
        if (entry.IsAssociated)
        {
            throw new DomainException(ErrorCode.InvalidOperation, "Associated items cannot be uploaded.");
        }

        Item imported;
        IReadOnlyList<ExportedAttachment> attachments;
        try
        {
            (imported, attachments) = ItemExport.Read(entry.Data);
        }
        catch (FormatException e)
        {
            throw new DomainException(ErrorCode.InvalidRequest, "The Data is not an item exported by ExportItems.", e);
        }

        Item? existing = null;
        if (entry.Action != UploadAction.CreateNew)
        {
            if (entry.ItemId is not { } id)
            {
                if (entry.Action == UploadAction.Update)
                {
                    throw new DomainException(ErrorCode.InvalidRequest, "An Update needs the ItemId of the item it replaces.");
                }
            }
            else
            {
                try
                {
                    existing = await session.GetOwnItemAsync(id);
                }
                catch (DomainException e) when (e.Code == ErrorCode.ItemNotFound && entry.Action == UploadAction.UpdateOrCreate)
                {
                }

                if (existing is not null && existing.FolderId != folder.Id)
                {
                    throw new DomainException(ErrorCode.ItemNotFound, "The item to update is not in the ParentFolderId.");
                }
            }
        }

        // The change numbers of the exporting mailbox mean nothing here: the upload is one change of every field.
        imported.FieldChanges.Clear();
        imported.MailboxId = folder.MailboxId;
        imported.FolderId = folder.Id;
        var changes = new ChangeSet();
        if (existing is null)
        {
            imported.Id = EwsIds.NewItemId(folder.MailboxId);
            changes.Inserts.Add(imported);
        }
        else
        {
            imported.Id = existing.Id;
            changes.Updates.Add((imported, existing.ChangeNumber));
            foreach (var old in existing.Attachments ?? [])
            {
                changes.Attachments.Add(new AttachmentRemove(existing.Id, old.Id));
            }
        }

        foreach (var a in attachments)
        {
            var bytes = a.Bytes ?? [];
            var content = a.Item is { } attached ? AttachmentContent.Of(attached) : AttachmentContent.Bytes(bytes.Length, () => new MemoryStream(bytes, writable: false));
            changes.Attachments.Add(new AttachmentAdd(imported, new NewAttachment(a.Header, content)));
        }

        await session.Store.ApplyAsync(changes, session.Cancellation);
        return imported;
    }
}
