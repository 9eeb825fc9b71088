using System.Buffers.Binary;

namespace Rendezvous.Protocol;

/// <summary>
/// Opaque item and folder ids. Clients must treat them as opaque and compare them case-sensitively;
/// the server can still tell a malformed id (ErrorInvalidIdMalformed) from one that does not exist.
/// </summary>
public static class EwsIds
{
    private const byte ItemTag = 0x49;   // 'I'
    private const byte FolderTag = 0x46; // 'F'

    /// <summary>A new, random item id.</summary>
    public static string NewItemId() => Encode(ItemTag, Guid.NewGuid());

    /// <summary>A new, random folder id.</summary>
    public static string NewFolderId() => Encode(FolderTag, Guid.NewGuid());

    /// <summary>Whether <paramref name="id"/> has the shape of an item id made here (not whether it exists).</summary>
    public static bool IsItemId(string id) => HasShape(id, ItemTag);

    /// <summary>Whether <paramref name="id"/> has the shape of a folder id made here (not whether it exists).</summary>
    public static bool IsFolderId(string id) => HasShape(id, FolderTag);

    private static string Encode(byte tag, Guid guid)
    {
        Span<byte> bytes = stackalloc byte[18];
        bytes[0] = tag;
        bytes[1] = 1; // format version
        guid.TryWriteBytes(bytes[2..]);
        return Convert.ToBase64String(bytes);
    }

    private static bool HasShape(string id, byte tag)
    {
        Span<byte> bytes = stackalloc byte[24];
        return id.Length == 24
            && Convert.TryFromBase64String(id, bytes, out var written)
            && written == 18
            && bytes[0] == tag
            && bytes[1] == 1;
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
