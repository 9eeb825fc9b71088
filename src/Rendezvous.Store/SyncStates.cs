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

/// <summary>What a sync state says: whose mailbox, which folder (or hierarchy scope), and up to where the client has seen.</summary>
public sealed record SyncState(SyncStateKind Kind, string MailboxId, string FolderId, long Watermark);

/// <summary>
/// The opaque SyncState of SyncFolderItems and SyncFolderHierarchy: the state, versioned and signed with HMAC-SHA256
/// under the store's own key, in base64. Clients cannot read meaning into it, and nothing forged, corrupted or made by
/// another store decodes.
/// </summary>
public static class SyncStates
{
    private const byte FormatVersion = 1;
    private const int MacLength = 32;

    public static string Encode(SyncState state, ReadOnlySpan<byte> key)
    {
        var mailbox = Encoding.UTF8.GetBytes(state.MailboxId);
        var folder = Encoding.UTF8.GetBytes(state.FolderId);
        if (mailbox.Length > ushort.MaxValue || folder.Length > ushort.MaxValue)
        {
            throw new ArgumentException("The ids are too long for a sync state.", nameof(state));
        }

        // version, kind, watermark, then each id with its length.
        var body = new byte[2 + 8 + 2 + mailbox.Length + 2 + folder.Length];
        body[0] = FormatVersion;
        body[1] = (byte)state.Kind;
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(2), state.Watermark);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(10), (ushort)mailbox.Length);
        mailbox.CopyTo(body, 12);
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(12 + mailbox.Length), (ushort)folder.Length);
        folder.CopyTo(body, 14 + mailbox.Length);
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
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, body), mac) || body[0] != FormatVersion)
        {
            return null;
        }

        // Signed by us, so well formed; the checks below only guard against our own future format mistakes.
        var kind = (SyncStateKind)body[1];
        var watermark = BinaryPrimitives.ReadInt64BigEndian(body[2..]);
        var mailboxLength = BinaryPrimitives.ReadUInt16BigEndian(body[10..]);
        if (12 + mailboxLength + 2 > body.Length)
        {
            return null;
        }

        var mailbox = Encoding.UTF8.GetString(body.Slice(12, mailboxLength));
        var folderLength = BinaryPrimitives.ReadUInt16BigEndian(body[(12 + mailboxLength)..]);
        if (14 + mailboxLength + folderLength != body.Length || !Enum.IsDefined(kind) || watermark < 0)
        {
            return null;
        }

        return new SyncState(kind, mailbox, Encoding.UTF8.GetString(body.Slice(14 + mailboxLength, folderLength)), watermark);
    }
}
