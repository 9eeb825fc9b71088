using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace Rendezvous.Protocol;

/// <summary>
/// Opaque item and folder ids. Clients must treat them as opaque and compare them case-sensitively;
/// the server can still tell a malformed id (ErrorInvalidIdMalformed) from one that does not exist.
/// </summary>
/// <remarks>
/// Format 2 (152 characters of base64, Exchange's length): 114 bytes, the kind ('I' or 'F'), the format version, the
/// mailbox's GUID, the object's own random GUID, 16 bytes reserved (zero for stored items), and the SHA-512 of the 50 before them, so a
/// truncated or altered id is malformed, not merely unknown. The length matters to clients: DavMail takes a resource
/// name for an ItemId only from 140 characters (144 in 6.0) on, else looks the item up by PR_URL_COMP_NAME.
/// Format 3 is format 2 with a cheaper check: XxHash128 of the 50 bytes under four seeds in place of the SHA-512, which
/// cost about 1.35 us an id, paid on every id a request names and every occurrence id a view writes (issue 14's CPU
/// regression). The check was never a secret (anyone can compute either), only a guard against typing and truncation.
/// Format 2 ids handed out before stay valid, and occurrence ids keep their master's format, so no id a client holds
/// changes.
/// Format 1 (24 characters: kind, version 1, GUID) is what earlier versions handed out; clients cache ids, so those
/// stay valid as they are (ids are stored verbatim and both shapes are recognised: rewriting them would break every
/// cached id, sync state and meeting link for no gain).
/// An occurrence of a recurring series (issue 16) is never stored, yet has an ItemId of its own: its master's id with the
/// reserved bytes holding a marker and the occurrence's 1-based InstanceIndex (big-endian), hashed like any other, so it
/// stays 152 characters and an altered index is malformed. The marker also says which format the master's id has: 'O'
/// for a format-2 master (clearing the reserved bytes gives it back), 'o' for a format-1 master (its GUID is in the
/// object's place; the kind and GUID give back its 24 characters).
/// </remarks>
public static class EwsIds
{
    private const byte ItemTag = 0x49;   // 'I'
    private const byte FolderTag = 0x46; // 'F'
    private const int InfoLength = 50;
    private const int LongLength = 114;
    private const byte OccurrenceOfMaster = 0x4F;    // 'O'
    private const byte OccurrenceOfOldMaster = 0x6F; // 'o'

    /// <summary>The length of an id of the current format, in characters.</summary>
    public const int Length = LongLength / 3 * 4;

    /// <summary>A new, random item id of <paramref name="mailboxId"/>.</summary>
    public static string NewItemId(string mailboxId) => Encode(ItemTag, mailboxId, Guid.NewGuid());

    /// <summary>A new, random folder id of <paramref name="mailboxId"/>.</summary>
    public static string NewFolderId(string mailboxId) => Encode(FolderTag, mailboxId, Guid.NewGuid());

    /// <summary>Whether <paramref name="id"/> has the shape of an item id made here, of either format (not whether it exists).</summary>
    public static bool IsItemId(string id) => HasShape(id, ItemTag);

    /// <summary>Whether <paramref name="id"/> has the shape of a folder id made here, of either format (not whether it exists).</summary>
    public static bool IsFolderId(string id) => HasShape(id, FolderTag);

    /// <summary>
    /// The ItemId of occurrence <paramref name="instanceIndex"/> (1-based) of the recurring master <paramref name="masterId"/>
    /// of <paramref name="mailboxId"/>; the master's id is given back by <see cref="TryParseOccurrenceId"/>.
    /// </summary>
    public static string OccurrenceId(string masterId, string mailboxId, int instanceIndex)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instanceIndex, 1);
        Span<byte> bytes = stackalloc byte[LongLength];
        if (masterId.Length == 24)
        {
            Span<byte> old = stackalloc byte[18];
            if (!Convert.TryFromBase64String(masterId, old, out var n) || n != 18 || old[0] != ItemTag || old[1] != 1)
            {
                throw new ArgumentException("Not an item id.", nameof(masterId));
            }

            bytes[0] = ItemTag;
            bytes[1] = 2;
            MailboxGuid(mailboxId).TryWriteBytes(bytes[2..18]);
            old[2..18].CopyTo(bytes[18..34]);
            bytes[34..InfoLength].Clear();
            bytes[34] = OccurrenceOfOldMaster;
        }
        else
        {
            var slot = Slot(masterId);
            if (Volatile.Read(ref RecentMasters[slot]) is { } kept && string.Equals(kept.Id, masterId, StringComparison.Ordinal))
            {
                // The master's bytes as decoded for an earlier occurrence: a view writes many of one master's.
                return OccurrenceIdOf(kept, instanceIndex);
            }

            if (!HasShape(masterId, ItemTag) || !Convert.TryFromBase64String(masterId, bytes, out _) || bytes[34] != 0)
            {
                throw new ArgumentException("Not the id of a stored item.", nameof(masterId));
            }

            var master = new KeptMaster(masterId, bytes[..InfoLength].ToArray());
            Volatile.Write(ref RecentMasters[slot], master);
            return OccurrenceIdOf(master, instanceIndex);
        }

        BinaryPrimitives.WriteInt32BigEndian(bytes[35..39], instanceIndex);
        WriteCheck(bytes);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>
    /// An occurrence id of a format-2 or 3 master from its decoded bytes: the marker and index in, the check, then only
    /// the characters after the master's unchanged first 33 bytes encoded (the first 44 are the master id's own).
    /// </summary>
    private static string OccurrenceIdOf(KeptMaster master, int instanceIndex) => string.Create(Length, (master, instanceIndex), static (chars, state) =>
    {
        Span<byte> bytes = stackalloc byte[LongLength];
        state.master.Info.CopyTo(bytes);
        bytes[34] = OccurrenceOfMaster;
        BinaryPrimitives.WriteInt32BigEndian(bytes[35..39], state.instanceIndex);
        WriteCheck(bytes);
        state.master.Id.AsSpan(0, SharedChars).CopyTo(chars);
        Convert.TryToBase64Chars(bytes[SharedBytes..], chars[SharedChars..], out _);
    });

    // Bytes 0 to 32 (the kind, format, mailbox, object and the first reserved byte) are the master's: 11 groups of 3.
    private const int SharedBytes = 33;
    private const int SharedChars = SharedBytes / 3 * 4;

    private sealed record KeptMaster(string Id, byte[] Info);

    // Masters whose bytes were decoded lately, by the same slot as the ids checked; a collision only evicts.
    private static readonly KeptMaster?[] RecentMasters = new KeptMaster?[RecentCount];

    /// <summary>
    /// Whether <paramref name="id"/> is an occurrence's ItemId made by <see cref="OccurrenceId"/>; if so, its master's id and
    /// its InstanceIndex. False for a stored item's id and for anything malformed.
    /// </summary>
    public static bool TryParseOccurrenceId(string id, out string masterId, out int instanceIndex)
    {
        masterId = "";
        instanceIndex = 0;
        Span<byte> bytes = stackalloc byte[LongLength];
        if (id.Length != Length || !HasShape(id, ItemTag) || !Convert.TryFromBase64String(id, bytes, out _)
            || bytes[34] is not (OccurrenceOfMaster or OccurrenceOfOldMaster))
        {
            return false;
        }

        instanceIndex = BinaryPrimitives.ReadInt32BigEndian(bytes[35..39]);
        if (instanceIndex < 1)
        {
            return false;
        }

        if (bytes[34] == OccurrenceOfOldMaster)
        {
            Span<byte> old = stackalloc byte[18];
            old[0] = ItemTag;
            old[1] = 1;
            bytes[18..34].CopyTo(old[2..]);
            masterId = Convert.ToBase64String(old);
            return true;
        }

        bytes[34..InfoLength].Clear();
        WriteCheck(bytes);
        masterId = Convert.ToBase64String(bytes);
        return true;
    }

    private static string Encode(byte tag, string mailboxId, Guid guid)
    {
        Span<byte> bytes = stackalloc byte[LongLength];
        bytes[0] = tag;
        bytes[1] = 3; // format version
        MailboxGuid(mailboxId).TryWriteBytes(bytes[2..18]);
        guid.TryWriteBytes(bytes[18..34]);
        bytes[34..InfoLength].Clear(); // reserved
        WriteCheck(bytes);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The check of a long id's first 50 bytes, by the format its second byte names (2 or 3), into the rest.</summary>
    private static void WriteCheck(Span<byte> bytes)
    {
        var info = bytes[..InfoLength];
        var check = bytes[InfoLength..LongLength];
        if (bytes[1] == 2)
        {
            SHA512.HashData(info, check);
            return;
        }

        for (var seed = 0; seed < 4; seed++)
        {
            XxHash128.Hash(info, check.Slice(seed * 16, 16), seed);
        }
    }

    /// <summary>The mailbox's GUID: mailbox ids are "mbx-" and 32 hex digits; any other text is hashed to one.</summary>
    private static Guid MailboxGuid(string mailboxId)
    {
        if (mailboxId.StartsWith("mbx-", StringComparison.Ordinal) && Guid.TryParseExact(mailboxId.AsSpan(4), "N", out var guid))
        {
            return guid;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(mailboxId), hash);
        return new Guid(hash[..16]);
    }

    private static bool HasShape(string id, byte tag)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length == 24)
        {
            Span<byte> old = stackalloc byte[18];
            return Convert.TryFromBase64String(id, old, out var n) && n == 18 && old[0] == tag && old[1] == 1;
        }

        if (id.Length != Length)
        {
            return false;
        }

        // An id checked before is equal, character for character, to one that passed the whole check: comparing them
        // costs tens of nanoseconds where the SHA-512 costs about 1.35 us (issue 14's regression: every request checks
        // its ids). Only ids that passed are kept, one table per kind, so the answer is the same as the check's.
        var recent = tag == ItemTag ? RecentItemIds : RecentFolderIds;
        var slot = Slot(id);
        if (string.Equals(Volatile.Read(ref recent[slot]), id, StringComparison.Ordinal))
        {
            return true;
        }

        if (!HasLongShape(id, tag))
        {
            return false;
        }

        Volatile.Write(ref recent[slot], id);
        return true;
    }

    private const int RecentCount = 256;

    private static readonly string?[] RecentItemIds = new string?[RecentCount];

    private static readonly string?[] RecentFolderIds = new string?[RecentCount];

    // Four characters of the hash part, which are as good as random in an id made here; a forged id that collides only
    // evicts another from the table (it is checked in full).
    private static int Slot(string id) =>
        (int)(((uint)(id[100] | (id[101] << 8)) ^ ((uint)(id[102] | (id[103] << 8)) << 16)) * 0x9E3779B9u >> 24);

    private static bool HasLongShape(string id, byte tag)
    {
        Span<byte> bytes = stackalloc byte[LongLength];
        if (!Convert.TryFromBase64String(id, bytes, out var written) || written != LongLength || bytes[0] != tag || bytes[1] is not (2 or 3))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[LongLength];
        bytes[..InfoLength].CopyTo(expected);
        WriteCheck(expected);
        return expected[InfoLength..].SequenceEqual(bytes[InfoLength..]);
    }
}

/// <summary>ChangeKeys encode the item's change number; any change yields a new one.</summary>
public static class ChangeKeys
{
    /// <summary>The ChangeKey of an item or folder at <paramref name="changeNumber"/>.</summary>
    public static string Encode(long changeNumber)
    {
        Span<byte> bytes = stackalloc byte[10];
        bytes[0] = 0x43; // 'C'
        bytes[1] = 1;
        BinaryPrimitives.WriteInt64BigEndian(bytes[2..], changeNumber);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The change number a ChangeKey made by <see cref="Encode"/> holds; false for any other text.</summary>
    public static bool TryDecode(string changeKey, out long changeNumber)
    {
        changeNumber = 0;
        Span<byte> bytes = stackalloc byte[16];
        if (changeKey.Length != 16 || !Convert.TryFromBase64String(changeKey, bytes, out var written) || written != 10
            || bytes[0] != 0x43 || bytes[1] != 1)
        {
            return false;
        }

        changeNumber = BinaryPrimitives.ReadInt64BigEndian(bytes[2..10]);
        return true;
    }
}
