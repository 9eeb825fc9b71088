using System.Globalization;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// How large attachments may be and how many an item may hold. Exchange's own limits are its message size limits
/// (25 MB by default on a mailbox server; 35 MB for EWS after base64) and ten levels of attached items.
/// </summary>
public sealed record AttachmentLimits
{
    /// <summary>The largest file attachment, in bytes (ErrorAttachmentSizeLimitExceeded beyond).</summary>
    public long MaxAttachmentBytes { get; init; } = 25L * 1024 * 1024;

    /// <summary>Attachments one item may hold (ErrorAttachmentSizeLimitExceeded beyond: Exchange has no code of its own for it).</summary>
    public int MaxAttachmentsPerItem { get; init; } = 250;
}

/// <summary>What a new attachment became: its header on the root item, and the root item's id and change number after.</summary>
public sealed record CreatedAttachment(Attachment Header, string RootItemId, long RootChangeNumber);

/// <summary>A GetAttachment's result: the attachment as stored (its bytes, for a file, read only when written).</summary>
public sealed record FoundAttachment(StoredAttachment Stored)
{
    public Attachment Header => Stored.Header;
}

/// <summary>
/// CreateAttachment, GetAttachment and DeleteAttachment, and the placing of attachments that come inline with new
/// items (CreateItem), sent copies and meeting invitations. Adding or removing an attachment is a change of its root
/// item: a new ChangeKey, a Modified entry in the change log.
/// </summary>
public static class AttachmentService
{
    private const int Attempts = 8;

    /// <summary>
    /// Checks the new attachments of an item: their sizes, and their number with the <paramref name="existing"/> ones
    /// (the first failure is thrown, for them all).
    /// </summary>
    public static IReadOnlyList<NewAttachment> Prepare(Session session, IReadOnlyList<NewAttachment> attachments, int existing = 0)
    {
        var top = attachments.Count(a => a.Header.ParentId is null);
        if (existing + top > session.Attachments.MaxAttachmentsPerItem)
        {
            throw new DomainException(ErrorCode.AttachmentLimitExceeded, string.Create(CultureInfo.InvariantCulture,
                $"An item may hold at most {session.Attachments.MaxAttachmentsPerItem} attachments (MaxAttachmentsPerItem); this one would hold {existing + top}."));
        }

        foreach (var a in attachments)
        {
            CheckSize(session, a);
        }

        return attachments;
    }

    private static void CheckSize(Session session, NewAttachment attachment)
    {
        var max = session.Attachments.MaxAttachmentBytes;
        if (attachment.Content.Length > max || attachment.Header.Size > max)
        {
            throw new DomainException(ErrorCode.AttachmentLimitExceeded, string.Create(CultureInfo.InvariantCulture,
                $"The attachment is larger than the limit of {max} bytes (MaxAttachmentBytes)."));
        }
    }

    /// <summary>The headers of the top-level attachments among <paramref name="attachments"/> (the others are inside attached items).</summary>
    public static List<Attachment> TopHeaders(IEnumerable<NewAttachment> attachments) =>
        [.. attachments.Where(a => a.Header.ParentId is null).Select(a => a.Header)];

    /// <summary>
    /// Gives the new items <paramref name="targets"/> (already given their ids) the same attachments: the new ones
    /// stored under the first and copied to the others, or the rows of the stored item <paramref name="fromItemId"/>
    /// copied to each.
    /// </summary>
    public static void Distribute(ChangeSet changes, IReadOnlyList<NewAttachment> added, string? fromItemId, IReadOnlyList<Item> targets)
    {
        if (targets.Count == 0)
        {
            return;
        }

        var source = fromItemId;
        var first = 0;
        if (added.Count > 0)
        {
            changes.Attachments.AddRange(added.Select(a => new AttachmentAdd(targets[0], a)));
            source = targets[0].Id;
            first = 1;
        }

        if (source is null)
        {
            return;
        }

        for (var i = first; i < targets.Count; i++)
        {
            changes.Attachments.Add(new AttachmentCopy(source, targets[i]));
        }
    }

    /// <summary>
    /// CreateAttachment: the attachments that could be read (each with those inside it) added to the item
    /// <paramref name="parent"/> in one change: the caller's, or another's they may edit (EditItems, issue 18). Each
    /// result is the attachment's, or the error that kept it out.
    /// </summary>
    public static async Task<IReadOnlyList<(CreatedAttachment? Created, DomainException? Error)>> CreateAsync(Session session, ItemRef parent, IReadOnlyList<NewAttachment[]> attachments)
    {
        for (var attempt = 1; ; attempt++)
        {
            var item = await session.GetStoredItemAsync(parent, FolderAction.EditItem);
            var results = new (NewAttachment[]? Accepted, DomainException? Error)[attachments.Count];
            var count = item.Attachments?.Count ?? 0;
            for (var i = 0; i < attachments.Count; i++)
            {
                try
                {
                    var prepared = Prepare(session, attachments[i], count);
                    count++;
                    results[i] = ([.. prepared], null);
                }
                catch (DomainException e)
                {
                    results[i] = (null, e);
                }
            }

            var accepted = results.Where(r => r.Accepted is not null).SelectMany(r => r.Accepted!).ToList();
            var updated = item.Clone();
            if (accepted.Count > 0)
            {
                updated.Attachments = [.. item.Attachments ?? [], .. TopHeaders(accepted)];
                updated.LastModifiedTime = session.Now;
                updated.LastModifiedName = session.User.DisplayName;
                var changes = new ChangeSet();
                changes.Updates.Add((updated, item.ChangeNumber));
                changes.Attachments.AddRange(accepted.Select(a => new AttachmentAdd(updated, a)));
                try
                {
                    await session.Store.ApplyAsync(changes, session.Cancellation);
                }
                catch (ConcurrencyException e) when (!e.Gone && attempt < Attempts)
                {
                    continue; // The item changed meanwhile: add to what it is now.
                }
            }

            return [.. results.Select(r => r.Accepted is { } a
                ? ((CreatedAttachment?)new CreatedAttachment(a[0].Header, updated.Id, updated.ChangeNumber), (DomainException?)null)
                : (null, r.Error))];
        }
    }

    /// <summary>The root item and local id an AttachmentId names, checked for shape.</summary>
    private static (string ItemId, string AttachmentId) Decode(string id)
    {
        if (id.Length == 0)
        {
            throw new DomainException(ErrorCode.IdEmpty, "The attachment id is empty.");
        }

        return AttachmentIds.TryDecode(id, out var itemId, out var attachmentId)
            ? (itemId, attachmentId)
            : throw new DomainException(ErrorCode.IdMalformed, "Id is malformed.");
    }

    /// <summary>
    /// One attachment of a GetAttachment. An attachment of another user's item is theirs to read who may read the item
    /// (a folder permission's ReadItems, issue 18), and is otherwise reported as that item being not found, as an item of
    /// theirs is; a missing attachment of the caller's own item is ErrorInvalidAttachmentId.
    /// </summary>
    public static async Task<FoundAttachment> GetAsync(Session session, string id)
    {
        var (itemId, attachmentId) = Decode(id);
        var stored = await session.Store.GetAttachmentAsync(itemId, attachmentId, session.Cancellation);
        if (stored is not null && stored.MailboxId != session.MailboxId)
        {
            await session.AccessItemAsync(new ItemRef(itemId, null), FolderAction.ReadItems);
        }
        else if (stored is null)
        {
            await RequireOwnItemAsync(session, itemId, stored);
            throw NotFound();
        }

        if (stored.Length > int.MaxValue)
        {
            // As Exchange: an attachment over Int32.MaxValue bytes cannot be returned (its Size is an xs:int).
            throw new DomainException(ErrorCode.AttachmentLimitExceeded, "The attachment is larger than an attachment can be returned.");
        }

        return new FoundAttachment(stored);
    }

    /// <summary>The bytes of a file attachment GetAsync found, as a stream read from the store as it is read.</summary>
    public static async Task<Stream> OpenAsync(Session session, FoundAttachment found) =>
        await session.Store.OpenAttachmentAsync(found.Stored.ItemId, found.Header.Id, session.Cancellation) ?? throw NotFound();

    /// <summary>
    /// One attachment of a DeleteAttachment: removed from its root item (the caller's, or another's they may edit), whose
    /// id and change number after it returns. Another's item they may not see is ErrorItemNotFound, as in GetAttachment.
    /// </summary>
    public static async Task<(string RootItemId, long RootChangeNumber)> DeleteAsync(Session session, string id)
    {
        var (itemId, attachmentId) = Decode(id);
        for (var attempt = 1; ; attempt++)
        {
            var item = await session.GetStoredItemAsync(new ItemRef(itemId, null), FolderAction.EditItem);
            var header = item.Attachments?.Find(a => a.Id == attachmentId) ?? throw NotFound();
            var updated = item.Clone();
            updated.Attachments = [.. item.Attachments!.Where(a => a != header)];
            updated.LastModifiedTime = session.Now;
            updated.LastModifiedName = session.User.DisplayName;
            var changes = new ChangeSet();
            changes.Updates.Add((updated, item.ChangeNumber));
            changes.Attachments.Add(new AttachmentRemove(item.Id, attachmentId));
            try
            {
                await session.Store.ApplyAsync(changes, session.Cancellation);
                return (updated.Id, updated.ChangeNumber);
            }
            catch (ConcurrencyException e) when (!e.Gone && attempt < Attempts)
            {
                // The item changed meanwhile: remove from what it is now.
            }
        }
    }

    /// <summary>The caller's item <paramref name="itemId"/>; another's, or none, is ErrorItemNotFound (the same answer).</summary>
    private static async Task<Item> RequireOwnItemAsync(Session session, string itemId, StoredAttachment? stored)
    {
        if (stored is not null && stored.MailboxId != session.MailboxId)
        {
            throw new DomainException(ErrorCode.ItemNotFound, "The specified object was not found in the store.");
        }

        return await session.GetOwnItemAsync(new ItemRef(itemId, null));
    }

    private static DomainException NotFound() =>
        new(ErrorCode.AttachmentNotFound, "The attachment id is invalid: the item has no such attachment.");
}
