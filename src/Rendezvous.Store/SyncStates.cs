using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Rendezvous.Store;

/// <summary>Which synchronization a state belongs to: a folder's items, or a folder hierarchy.</summary>
public enum SyncStateKind : byte
{
    Items = 1,
    Hierarchy = 2,
}

/// <summary>
/// What a sync state says: whose mailbox, which folder (or hierarchy scope), and what the client has been told. The
/// client knows, as they were at <see cref="Watermark"/>, the items that entered the folder at or before
/// <see cref="Entered"/> (never above the watermark); those that entered later are still to come as creations. A paged
/// first sync moves <see cref="Entered"/> through the folder while the watermark follows the changes to what it
/// already reported; once every item has been reported both are equal, as in an incremental sync.
/// </summary>
public sealed record SyncState(SyncStateKind Kind, string MailboxId, string FolderId, long Watermark, long Entered)
{
    /// <summary>A state that knows everything up to <paramref name="watermark"/> (a hierarchy state, or a completed sync).</summary>
    public SyncState(SyncStateKind kind, string mailboxId, string folderId, long watermark)
        : this(kind, mailboxId, folderId, watermark, watermark)
    {
    }
}

/// <summary>
/// The opaque SyncState of SyncFolderItems and SyncFolderHierarchy: the state, versioned and signed with HMAC-SHA256
/// under the store's own key, in base64. Clients cannot read meaning into it, and nothing forged, corrupted or made by
/// another store decodes.
/// </summary>
public static class SyncStates
{
    // Version 1 (before paged first syncs were exact) had no Entered: it meant Entered = Watermark, and is still read so.
    private const byte FormatVersion = 2;
    private const byte FormatVersion1 = 1;
    private const int MacLength = 32;

    public static string Encode(SyncState state, ReadOnlySpan<byte> key)
    {
        var mailbox = Encoding.UTF8.GetBytes(state.MailboxId);
        var folder = Encoding.UTF8.GetBytes(state.FolderId);
        if (mailbox.Length > ushort.MaxValue || folder.Length > ushort.MaxValue)
        {
            throw new ArgumentException("The ids are too long for a sync state.", nameof(state));
        }

        // version, kind, watermark, entered, then each id with its length.
        var body = new byte[2 + 8 + 8 + 2 + mailbox.Length + 2 + folder.Length];
        body[0] = FormatVersion;
        body[1] = (byte)state.Kind;
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(2), state.Watermark);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(10), state.Entered);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(18), (ushort)mailbox.Length);
        mailbox.CopyTo(body, 20);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(20 + mailbox.Length), (ushort)folder.Length);
        folder.CopyTo(body, 22 + mailbox.Length);
        return Convert.ToBase64String([.. body, .. HMACSHA256.HashData(key, body)]);
    }

    /// <summary>The state <paramref name="text"/> encodes, or null if it is not one this key signed.</summary>
    public static SyncState? Decode(string text, ReadOnlySpan<byte> key)
    {
        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var length) || length < 14 + MacLength)
        {
            return null;
        }

        var body = bytes.AsSpan(0, length - MacLength);
        var mac = bytes.AsSpan(length - MacLength, MacLength);
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, body), mac) || body[0] is not (FormatVersion or FormatVersion1))
        {
            return null;
        }

        // Signed by us, so well formed; the checks below only guard against our own future format mistakes.
        var kind = (SyncStateKind)body[1];
        var watermark = BinaryPrimitives.ReadInt64BigEndian(body[2..]);
        var ids = 10;
        var entered = watermark;
        if (body[0] == FormatVersion)
        {
            if (body.Length < 22)
            {
                return null;
            }

            entered = BinaryPrimitives.ReadInt64BigEndian(body[10..]);
            ids = 18;
        }

        var mailboxLength = BinaryPrimitives.ReadUInt16BigEndian(body[ids..]);
        if (ids + 2 + mailboxLength + 2 > body.Length)
        {
            return null;
        }

        var mailbox = Encoding.UTF8.GetString(body.Slice(ids + 2, mailboxLength));
        var folderLength = BinaryPrimitives.ReadUInt16BigEndian(body[(ids + 2 + mailboxLength)..]);
        if (ids + 4 + mailboxLength + folderLength != body.Length || !Enum.IsDefined(kind) || entered < 0 || entered > watermark)
        {
            return null;
        }

        return new SyncState(kind, mailbox, Encoding.UTF8.GetString(body.Slice(ids + 4 + mailboxLength, folderLength)), watermark, entered);
    }
}
