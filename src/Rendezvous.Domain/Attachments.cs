using Rendezvous.Protocol;

namespace Rendezvous.Domain;

/// <summary>A file attachment (bytes), an item attachment (an item inside the item), or a reference attachment (a link to a file kept elsewhere).</summary>
public enum AttachmentKind
{
    File,
    Item,
    Reference,
}

/// <summary>
/// What a reference attachment (EWS ReferenceAttachmentType, Exchange2015 and later) says of the file it links to: its
/// location and the provider that keeps it. The server keeps these as given; it never fetches the link.
/// </summary>
public sealed record ReferenceLink
{
    /// <summary>The file's full location (a URL).</summary>
    public string? AttachLongPathName { get; init; }

    public string? ProviderType { get; init; }

    public string? ProviderEndpointUrl { get; init; }

    public string? AttachmentThumbnailUrl { get; init; }

    public string? AttachmentPreviewUrl { get; init; }

    public int? PermissionType { get; init; }

    public int? OriginalPermissionType { get; init; }

    public bool? AttachmentIsFolder { get; init; }
}

/// <summary>
/// An attachment's header: what GetItem lists and what the item's bag keeps (under item:Attachments). The bytes live
/// in the store's attachment table, keyed by the root item and <see cref="Id"/>, and are read only when asked for.
/// <see cref="Id"/> is local to the root item (copies of an item keep it); the wire AttachmentId is made with
/// <see cref="AttachmentIds"/> from the root item's id and it.
/// </summary>
public sealed record Attachment(string Id, AttachmentKind Kind)
{
    public string? Name { get; init; }

    public string? ContentType { get; init; }

    public string? ContentId { get; init; }

    public string? ContentLocation { get; init; }

    /// <summary>Bytes of the content (an item attachment: of the attached item as stored).</summary>
    public long Size { get; init; }

    public DateTime LastModifiedTime { get; init; }

    public bool IsInline { get; init; }

    /// <summary>A file attachment's IsContactPhoto, when given.</summary>
    public bool? IsContactPhoto { get; init; }

    /// <summary>The kind of the attached item (item attachments).</summary>
    public ItemKind? ItemKind { get; init; }

    /// <summary>The item attachment this one is inside (an attachment of an attached item), null at the top.</summary>
    public string? ParentId { get; init; }

    /// <summary>A reference attachment's link (null for the other kinds).</summary>
    public ReferenceLink? Link { get; init; }

    /// <summary>A new local id.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");
}

/// <summary>
/// The content of a new attachment: bytes that can be opened (once) as a stream of <see cref="Length"/> bytes, or the
/// attached item (whose own attachments are new attachments too, with their <see cref="Attachment.ParentId"/> set).
/// </summary>
public sealed class AttachmentContent
{
    private AttachmentContent(long length, Func<Stream>? open, Item? item)
    {
        Length = length;
        Open = open;
        Item = item;
    }

    public long Length { get; }

    public Func<Stream>? Open { get; }

    public Item? Item { get; }

    public static AttachmentContent Bytes(long length, Func<Stream> open) => new(length, open, null);

    public static AttachmentContent Of(Item item) => new(0, null, item);
}

/// <summary>A new attachment as read from a request: its header (id given) and its content.</summary>
public sealed record NewAttachment(Attachment Header, AttachmentContent Content);

/// <summary>
/// A write of attachment rows, done in the change set's transaction before its deletions (so that the bytes of an item
/// being deleted, a sent draft say, are copied first). Items are named by object: their id and mailbox may be given
/// only when the change set is applied (the meeting runner places created items last).
/// </summary>
public abstract record AttachmentWrite;

/// <summary>Stores <paramref name="Attachment"/>'s content under <paramref name="Item"/>.</summary>
public sealed record AttachmentAdd(Item Item, NewAttachment Attachment) : AttachmentWrite;

/// <summary>
/// Copies every attachment row of the item <paramref name="FromItemId"/> to <paramref name="To"/> (ids kept), replacing
/// the rows <paramref name="To"/> had (an attendee's calendar item following the organizer's changed attachments).
/// </summary>
public sealed record AttachmentCopy(string FromItemId, Item To) : AttachmentWrite;

/// <summary>Removes the attachment <paramref name="AttachmentId"/> of <paramref name="ItemId"/>, and those inside it.</summary>
public sealed record AttachmentRemove(string ItemId, string AttachmentId) : AttachmentWrite;

/// <summary>
/// Wire AttachmentIds: the root item's id and the attachment's local id in one opaque base64 value, so that a
/// GetAttachment or DeleteAttachment finds the item (and checks its owner) from the id alone.
/// </summary>
public static class AttachmentIds
{
    private const byte Tag = 0x41; // 'A'

    /// <summary>Item ids are 18 bytes (format 1) or 114 (formats 2 and 3, Exchange's length): never more than this.</summary>
    private const int MaxItemIdBytes = 192;

    public static string Encode(string itemId, string attachmentId)
    {
        // The tag, a version, the item id's length and bytes, and the attachment's GUID.
        Span<byte> bytes = stackalloc byte[3 + MaxItemIdBytes + 16];
        bytes[0] = Tag;
        bytes[1] = 2;
        if (!Convert.TryFromBase64String(itemId, bytes[3..^16], out var written) || !Guid.TryParseExact(attachmentId, "N", out var local))
        {
            throw new ArgumentException("Not an item id and a local attachment id.", nameof(itemId));
        }

        bytes[2] = (byte)written;
        local.TryWriteBytes(bytes[(3 + written)..]);
        return Convert.ToBase64String(bytes[..(3 + written + 16)]);
    }

    /// <summary>The root item id and local attachment id of a wire AttachmentId; false when it is not one made here.</summary>
    public static bool TryDecode(string id, out string itemId, out string attachmentId)
    {
        itemId = attachmentId = "";
        Span<byte> bytes = stackalloc byte[3 + MaxItemIdBytes + 16];
        if (id.Length > (bytes.Length + 2) / 3 * 4 || !Convert.TryFromBase64String(id, bytes, out var written)
            || written < 3 || bytes[0] != Tag || bytes[1] != 2 || written != 3 + bytes[2] + 16)
        {
            return false;
        }

        var length = bytes[2];
        itemId = Convert.ToBase64String(bytes.Slice(3, length));
        attachmentId = new Guid(bytes.Slice(3 + length, 16)).ToString("N");
        return EwsIds.IsItemId(itemId);
    }
}

/// <summary>
/// The stored attachments of some root items, opened once for a response that writes their content as it is written
/// (an item's MimeContent with its attachments as MIME parts): the rows are looked up when opened, the bytes read in
/// place only when a part is written, one at a time. Disposing releases what it holds (a store connection).
/// </summary>
public interface IAttachmentSource : IAsyncDisposable
{
    /// <summary>The bytes of the file attachment <paramref name="attachmentId"/> of <paramref name="rootItemId"/>, read from the store as read; null when there is none.</summary>
    Stream? OpenFile(string rootItemId, string attachmentId);

    /// <summary>The item of the item attachment <paramref name="attachmentId"/> of <paramref name="rootItemId"/> (with its own attachments' headers); null when there is none.</summary>
    Item? AttachedItem(string rootItemId, string attachmentId);
}
