using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Rendezvous.Domain;

/// <summary>
/// Conversations as Exchange threads them: PidTagConversationIndex ([MS-OXOMSG] 2.2.1.3), a 22-byte header (the high 6
/// bytes of the FILETIME, whose first is 0x01, and a GUID) that a reply extends by a 5-byte child block; the conversation's id is the
/// header's GUID. Pure functions: the clock and the GUID are given.
/// </summary>
public static class Conversations
{
    private const int HeaderLength = 22;
    private const int BlockLength = 5;

    /// <summary>A new conversation's index: its header alone.</summary>
    public static byte[] NewIndex(DateTime utcNow, Guid guid)
    {
        var index = new byte[HeaderLength];
        var time = (ulong)utcNow.ToFileTimeUtc();
        // The FILETIME's high 48 bits, most significant first: its first byte is the reserved 0x01 for any date from
        // 1830 to 2850 (the 16 low bits are dropped, as the child blocks' deltas count from this truncated time).
        for (var i = 0; i < 6; i++)
        {
            index[i] = (byte)(time >> (56 - (8 * i)));
        }

        guid.TryWriteBytes(index.AsSpan(6), bigEndian: true, out _);
        return index;
    }

    /// <summary>A reply's index: its parent's with a child block of the time since the header (2.2.1.3's delta code).</summary>
    public static byte[] ChildIndex(byte[] parent, DateTime utcNow, int random)
    {
        if (parent.Length < HeaderLength)
        {
            throw new ArgumentException("A ConversationIndex has a 22-byte header.", nameof(parent));
        }

        ulong headerTime = 0;
        for (var i = 0; i < 6; i++)
        {
            headerTime |= (ulong)parent[i] << (56 - (8 * i));
        }

        var now = (ulong)utcNow.ToFileTimeUtc();
        var delta = now > headerTime ? now - headerTime : 0;
        // DeltaCode 0: bits 48..18 of the delta when its high 15 bits are clear; else DeltaCode 1 and bits 53..23.
        uint block = (delta >> 49) == 0
            ? (uint)((delta >> 18) & 0x7FFFFFFF)
            : 0x80000000u | (uint)((delta >> 23) & 0x7FFFFFFF);
        var child = new byte[parent.Length + BlockLength];
        parent.CopyTo(child, 0);
        BinaryPrimitives.WriteUInt32BigEndian(child.AsSpan(parent.Length), block);
        // Random (4 bits) and the sequence count (4 bits, 0: one reply per block).
        child[^1] = (byte)((random & 0x0F) << 4);
        return child;
    }

    /// <summary>The conversation id an index belongs to: its header's GUID, base64.</summary>
    public static string IdOf(byte[] index) => Convert.ToBase64String(index.AsSpan(6, 16));

    /// <summary>
    /// The subject without its prefix (PidTagNormalizedSubject, [MS-OXCMSG] 2.2.1.9): one to three non-digit characters
    /// and a colon, followed by a space ("RE: ", "FW: ", "AW: "); "Accepted: x" keeps its word.
    /// </summary>
    public static string Topic(string? subject)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return "";
        }

        var colon = subject.IndexOf(':', StringComparison.Ordinal);
        if (colon is >= 1 and <= 3 && colon + 1 < subject.Length && subject[colon + 1] == ' '
            && !subject.AsSpan(0, colon).ContainsAnyInRange('0', '9') && !subject.AsSpan(0, colon).Contains(' '))
        {
            return subject[(colon + 2)..];
        }

        return subject;
    }

    /// <summary>
    /// An item's index as stored, or one derived from its id (items stored before conversations were kept): the same
    /// every time it is read, so such an item is a conversation of its own.
    /// </summary>
    public static byte[] IndexOf(Item item)
    {
        if (item.ConversationIndex is { } stored)
        {
            try
            {
                var bytes = Convert.FromBase64String(stored);
                if (bytes.Length >= HeaderLength)
                {
                    return bytes;
                }
            }
            catch (FormatException)
            {
                // Not ours: derived below.
            }
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(item.Id));
        return NewIndex(item.DateTimeCreated == default ? DateTime.UnixEpoch : item.DateTimeCreated, new Guid(hash.AsSpan(0, 16)));
    }

    /// <summary>An item's conversation id, stored or derived as <see cref="IndexOf"/>.</summary>
    public static string ConversationIdOf(Item item) => item.ConversationId ?? IdOf(IndexOf(item));

    /// <summary>An item's topic, stored or its subject's.</summary>
    public static string TopicOf(Item item) => item.ConversationTopic ?? Topic(item.Subject);

    /// <summary>
    /// Gives a message its place in a conversation: a new one when <paramref name="parent"/> is null, else the parent's
    /// with a child block. Kept as it is when it has one already (a draft being sent, an uploaded message).
    /// </summary>
    public static void Assign(Item item, Item? parent, DateTime utcNow, Guid guid)
    {
        if (item.ConversationIndex is not null && item.ConversationId is not null)
        {
            return;
        }

        // What the client set (an imported message's own thread) is kept; the rest follows the parent, or starts anew.
        var index = parent is null ? NewIndex(utcNow, guid) : ChildIndex(IndexOf(parent), utcNow, guid.GetHashCode());
        item.ConversationIndex ??= Convert.ToBase64String(index);
        item.ConversationId ??= parent is null ? IdOf(index) : ConversationIdOf(parent);
        item.ConversationTopic ??= parent is null ? Topic(item.Subject) : TopicOf(parent);
    }

    /// <summary>The Message-IDs a message names as its parents, nearest first (In-Reply-To, then References from the end).</summary>
    public static IReadOnlyList<string> ParentIds(Item item)
    {
        var ids = new List<string>();
        if (!string.IsNullOrWhiteSpace(item.InReplyTo))
        {
            ids.Add(item.InReplyTo.Trim());
        }

        if (item.References is { } references)
        {
            var named = references.Split([' ', '\t', '\r', '\n', ','], StringSplitOptions.RemoveEmptyEntries);
            for (var i = named.Length - 1; i >= 0; i--)
            {
                if (!ids.Contains(named[i], StringComparer.Ordinal))
                {
                    ids.Add(named[i]);
                }
            }
        }

        return ids;
    }
}
