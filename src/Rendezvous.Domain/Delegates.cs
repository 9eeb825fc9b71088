using System.Security.Cryptography;
using System.Text;

namespace Rendezvous.Domain;

/// <summary>
/// One delegate of a principal (issue 18 §2), as the store keeps it: who, and the two settings that are not folder
/// permissions. The delegate's levels on the principal's folders are entries of those folders' permissions, as
/// Exchange keeps them, and its send-on-behalf right is being a delegate.
/// </summary>
public sealed record DelegateEntry(string DelegateMailboxId, bool ViewPrivateItems, bool ReceiveCopiesOfMeetingMessages);

/// <summary>A principal's delegation: how meeting requests are delivered (DeliverMeetingRequestsType) and the delegates.</summary>
public sealed record Delegation(string DeliverMeetingRequests, IReadOnlyList<DelegateEntry> Delegates)
{
    /// <summary>
    /// A principal's setting until they set one: Outlook's default when a first delegate is added (requests go to the
    /// delegates that receive copies, the principal gets an informational copy).
    /// </summary>
    public const string DefaultDeliverMeetingRequests = Protocol.SchemaValues.DeliverMeetingRequestsType.DelegatesAndSendInformationToMe;

    public static Delegation None { get; } = new(DefaultDeliverMeetingRequests, []);

    /// <summary>The delegate entry of <paramref name="mailboxId"/>, or null when that mailbox is not a delegate.</summary>
    public DelegateEntry? Of(string mailboxId) => Delegates.FirstOrDefault(d => d.DelegateMailboxId == mailboxId);
}

/// <summary>The principal's folders a delegate gets a level on, in DelegatePermissionsType's sequence (by distinguished name).</summary>
public static class DelegateFolders
{
    public const string Calendar = "calendar";
    public const string Tasks = "tasks";
    public const string Inbox = "inbox";
    public const string Contacts = "contacts";
    public const string Notes = "notes";
    public const string Journal = "journal";

    public static readonly IReadOnlyList<string> All = [Calendar, Tasks, Inbox, Contacts, Notes, Journal];
}

/// <summary>
/// The SIDs Exchange gives users, for this server's mailboxes: a stable value derived from the mailbox id in the form of
/// a domain account's SID (S-1-5-21-a-b-c-rid), so a client can name a delegate by the SID it was given.
/// </summary>
public static class MailboxSids
{
    public static string Of(string mailboxId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(mailboxId));
        uint Part(int i) => BitConverter.ToUInt32(hash, i * 4);
        return $"S-1-5-21-{Part(0)}-{Part(1)}-{Part(2)}-{1000 + (Part(3) % 1_000_000_000)}";
    }

    /// <summary>Whether <paramref name="sid"/> has a SID's form (S-1-authority-subauthority...).</summary>
    public static bool IsWellFormed(string sid)
    {
        var parts = sid.Split('-');
        return parts.Length >= 3 && parts[0] == "S" && parts[1] == "1" && parts.Skip(2).All(static p => p.Length is > 0 and <= 10 && p.All(char.IsAsciiDigit));
    }
}
