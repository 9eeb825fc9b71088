using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Rendezvous.Domain;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>The events a subscription asks for (NotificationEventTypeType); StatusEvent is never asked for.</summary>
[Flags]
public enum EventTypes
{
    None = 0,
    Copied = 1,
    Created = 2,
    Deleted = 4,
    Modified = 8,
    Moved = 16,
    NewMail = 32,
    FreeBusyChanged = 64,
}

/// <summary>What one event of a notification says happened.</summary>
public enum NotificationEventKind
{
    Copied,
    Created,
    Deleted,
    Modified,
    Moved,
    NewMail,
    FreeBusyChanged,

    /// <summary>Nothing happened: the subscription is alive and here is where it stands.</summary>
    Status,
}

/// <summary>How a subscription's events reach its client.</summary>
public enum SubscriptionKind
{
    /// <summary>The client asks with GetEvents.</summary>
    Pull,

    /// <summary>The server posts SendNotification to the client's URL.</summary>
    Push,

    /// <summary>The client holds a GetStreamingEvents connection open.</summary>
    Streaming,
}

/// <summary>
/// A Subscribe: which folders (or all of them), which events, where to resume (a watermark of an earlier pull or push
/// subscription), and the kind's own settings: a pull subscription's <see cref="TimeoutMinutes"/>, a push
/// subscription's <see cref="Url"/> and <see cref="StatusFrequencyMinutes"/>.
/// </summary>
public sealed record SubscribeRequest(SubscriptionKind Kind, IReadOnlyList<FolderRef> Folders, bool AllFolders, EventTypes Events, string? Watermark)
{
    public int TimeoutMinutes { get; init; } = 30;

    public int StatusFrequencyMinutes { get; init; } = 30;

    public string? Url { get; init; }

    public string? CallerData { get; init; }
}

/// <summary>A new subscription: its id, and (pull and push) the watermark it starts from.</summary>
public sealed record SubscribeResult(string SubscriptionId, string? Watermark);

/// <summary>
/// One event: what happened (<see cref="Kind"/>) to which item or folder (<see cref="IsFolder"/>, <see cref="Id"/>) in
/// which folder, and for a move or copy where it came from. A status event names nothing.
/// </summary>
public sealed record NotificationEvent(NotificationEventKind Kind, string Watermark, DateTime TimeStamp, bool IsFolder, string Id, string ParentFolderId, string? OldId = null, string? OldParentFolderId = null);

/// <summary>A subscription's events since <see cref="PreviousWatermark"/>, oldest first; <see cref="MoreEvents"/> when more are waiting.</summary>
public sealed record Notification(string SubscriptionId, string? PreviousWatermark, bool MoreEvents, IReadOnlyList<NotificationEvent> Events);

/// <summary>
/// One part of a streaming response: notifications (none: a keep-alive), or an error naming the subscriptions that
/// failed, and whether the server ends the connection with it (ConnectionStatus Closed).
/// </summary>
public sealed record StreamPart(IReadOnlyList<Notification> Notifications, bool Closed, DomainException? Error = null, IReadOnlyList<string>? ErrorSubscriptionIds = null);

/// <summary>What a push client answered a SendNotification with.</summary>
public enum PushAnswer
{
    /// <summary>SubscriptionStatus OK: it has the events.</summary>
    Ok,

    /// <summary>SubscriptionStatus Unsubscribe: end the subscription.</summary>
    Unsubscribe,

    /// <summary>No answer, an HTTP error, or an answer that is not a SendNotificationResult: try again later.</summary>
    Failed,
}

/// <summary>Sends a push notification to a client's URL (the host does it over HTTP).</summary>
public interface IPushSender
{
    Task<PushAnswer> SendAsync(Uri url, Notification notification, CancellationToken cancellationToken);
}

/// <summary>
/// How notifications behave. Exchange's figures where it has them: a streaming connection lasts 1-30 minutes, a
/// streaming subscription without a connection lives 30 minutes, push retries until StatusFrequency minutes have passed.
/// </summary>
public sealed record NotificationOptions
{
    /// <summary>
    /// How often, while anything is delivered from this node, the store's change log is read for mailboxes that changed
    /// although no wake-up said so: another process's writes to a SQLite file, a NOTIFY lost with its connection. The
    /// store's wake-up (<see cref="IMailStore.WatchChanges"/>) is what delivers changes at once.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node holds a push subscription's lease (renewed every third of it): a node that dies has its push
    /// subscriptions sent by another this long after its last renewal at most.
    /// </summary>
    public TimeSpan PushLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a streaming connection asks the store whether it still holds its subscriptions: one unsubscribed, or
    /// opened on a connection of another node, leaves it this long after at most (on this node, at once).
    /// </summary>
    public TimeSpan HolderCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a streaming connection with nothing to say sends a keep-alive (ConnectionStatus OK).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a streaming subscription lives with no connection getting its events.</summary>
    public TimeSpan StreamingIdleLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// What a minute of the protocol's Timeout, StatusFrequency and ConnectionTimeout lasts: a minute (tests shorten it).
    /// </summary>
    public TimeSpan Minute { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Subscriptions one user may hold (Exchange 2013 on-premises: 5,000).</summary>
    public int MaxSubscriptionsPerUser { get; init; } = 5_000;

    /// <summary>Change log entries one notification covers at most; the rest follow (MoreEvents).</summary>
    public int MaxEntriesPerNotification { get; init; } = 256;

    /// <summary>The first wait before a failed push is tried again; each next one is twice as long, up to <see cref="PushMaxRetryDelay"/>.</summary>
    public TimeSpan PushFirstRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan PushMaxRetryDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Failed attempts in a row after which a push subscription ends (also ended once failing for StatusFrequency minutes).</summary>
    public int PushMaxAttempts { get; init; } = 10;

    /// <summary>How long a push client has to answer.</summary>
    public TimeSpan PushTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where push notifications may go (<see cref="PushTargetPolicy"/>).</summary>
    public PushTargetPolicy PushTargets { get; init; } = new();
}

/// <summary>
/// The SSRF guard of push subscriptions: which addresses the server will POST to. A push URL is the client's to choose,
/// so without a guard any user could make the server call its own loopback services or a cloud metadata endpoint. By
/// default every address is allowed except loopback, link-local (169.254.0.0/16 holds the metadata endpoints; fe80::/10),
/// unspecified and multicast: an on-premises listener on the LAN (private ranges) works as with Exchange. An operator
/// who sets <see cref="AllowedNetworks"/> allows only those networks (and they may include loopback).
/// </summary>
public sealed record PushTargetPolicy
{
    /// <summary>CIDR networks ("10.0.0.0/8", "127.0.0.1/32"); null: the default rule above.</summary>
    public IReadOnlyList<string>? AllowedNetworks { get; init; }

    private IReadOnlyList<IPNetwork>? parsed;

    public bool Allows(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (AllowedNetworks is { } allowed)
        {
            parsed ??= [.. allowed.Select(IPNetwork.Parse)];
            return parsed.Any(n => n.Contains(address));
        }

        return !IPAddress.IsLoopback(address) && !DeniedByDefault.Any(n => n.Contains(address));
    }

    /// <summary>An absolute http(s) URL without credentials whose host, if an address, is allowed (a name is checked when it is resolved).</summary>
    public bool AllowsUrl(string? text, out Uri? url)
    {
        url = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var candidate)
            || candidate.Scheme is not ("http" or "https")
            || candidate.UserInfo.Length > 0)
        {
            return false;
        }

        if (IPAddress.TryParse(candidate.DnsSafeHost, out var address) && !Allows(address))
        {
            return false;
        }

        url = candidate;
        return true;
    }

    private static readonly IPNetwork[] DeniedByDefault =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("255.255.255.255/32"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];
}

/// <summary>
/// The opaque watermark of a subscription: a mailbox's change log position, versioned and signed (HMAC-SHA256 under the
/// store's key, with a label of its own so that no sync state passes for one), in base64. A client cannot forge a
/// position or move one to another mailbox.
/// </summary>
public static class Watermarks
{
    private const byte Version = 1;
    private const int MacLength = 16;
    private static readonly byte[] Label = "rendezvous watermark\0"u8.ToArray();

    public static string Encode(string mailboxId, long position, ReadOnlySpan<byte> key)
    {
        var mailbox = Encoding.UTF8.GetBytes(mailboxId);
        var body = new byte[1 + 8 + mailbox.Length];
        body[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(1), position);
        mailbox.CopyTo(body, 9);
        return Convert.ToBase64String([.. body, .. Mac(body, key)]);
    }

    /// <summary>The position <paramref name="text"/> holds if this key signed it for <paramref name="mailboxId"/>, else null.</summary>
    public static long? Decode(string? text, string mailboxId, ReadOnlySpan<byte> key)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 1024)
        {
            return null;
        }

        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var length) || length < 9 + MacLength)
        {
            return null;
        }

        var body = bytes.AsSpan(0, length - MacLength);
        if (!CryptographicOperations.FixedTimeEquals(Mac(body, key), bytes.AsSpan(length - MacLength, MacLength)) || body[0] != Version)
        {
            return null;
        }

        var position = BinaryPrimitives.ReadInt64BigEndian(body[1..]);
        return position >= 0 && Encoding.UTF8.GetString(body[9..]) == mailboxId ? position : null;
    }

    private static byte[] Mac(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key) =>
        HMACSHA256.HashData(key, [.. Label, .. body])[..MacLength];
}

/// <summary>What a subscription covers: its folders (null: all of the mailbox), its event types, and the folders NewMail and FreeBusyChanged are about.</summary>
public sealed record SubscriptionScope(IReadOnlySet<string>? Folders, EventTypes Types, string? InboxId, string? CalendarId)
{
    public bool Covers(string? folderId) => folderId is not null && (Folders is null || Folders.Contains(folderId));
}

/// <summary>
/// The events a change log entry is for a subscription (a pure function): a creation, modification, move, copy or
/// deletion of an item or folder becomes the event of its kind when the subscription covers the folder it is in or was
/// in (a folder's own changes: also when it is one of the subscribed folders); a creation in the Inbox is also
/// NewMail, and a change in the Calendar also FreeBusyChanged. A read flag change is a modification, as Exchange has it.
/// </summary>
public static class NotificationEvents
{
    public static void Add(List<NotificationEvent> events, ChangeLogEntry e, SubscriptionScope scope, string watermark, DateTime now)
    {
        var types = scope.Types;
        var here = scope.Covers(e.FolderId) || (e.IsFolder && scope.Covers(e.Id));
        var there = scope.Covers(e.SourceFolderId);
        var inCalendar = !e.IsFolder && scope.CalendarId is { } calendar && (e.FolderId == calendar || e.SourceFolderId == calendar);
        void Event(NotificationEventKind kind, string parent, string? oldId = null, string? oldParent = null) =>
            events.Add(new NotificationEvent(kind, watermark, now, e.IsFolder, e.Id, parent, oldId, oldParent));

        switch (e.Kind)
        {
            case ChangeKind.Created when here:
                if (types.HasFlag(EventTypes.Created))
                {
                    Event(NotificationEventKind.Created, e.FolderId!);
                }

                if (types.HasFlag(EventTypes.NewMail) && !e.IsFolder && e.FolderId == scope.InboxId)
                {
                    Event(NotificationEventKind.NewMail, e.FolderId!);
                }

                break;
            case ChangeKind.Modified or ChangeKind.ReadFlagChanged when here:
                if (types.HasFlag(EventTypes.Modified))
                {
                    Event(NotificationEventKind.Modified, e.FolderId ?? "");
                }

                break;
            case ChangeKind.Moved when here || there:
                if (types.HasFlag(EventTypes.Moved))
                {
                    Event(NotificationEventKind.Moved, e.FolderId ?? "", e.SourceId ?? e.Id, e.SourceFolderId ?? "");
                }

                break;
            case ChangeKind.Copied when here || there:
                if (types.HasFlag(EventTypes.Copied))
                {
                    Event(NotificationEventKind.Copied, e.FolderId ?? "", e.SourceId ?? e.Id, e.SourceFolderId ?? "");
                }

                break;
            case ChangeKind.Deleted when there || (e.IsFolder && scope.Covers(e.Id)):
                if (types.HasFlag(EventTypes.Deleted))
                {
                    Event(NotificationEventKind.Deleted, e.SourceFolderId ?? "");
                }

                break;
            default:
                return;
        }

        if (inCalendar && types.HasFlag(EventTypes.FreeBusyChanged) && e.Kind != ChangeKind.ReadFlagChanged && e.Kind != ChangeKind.Copied)
        {
            Event(NotificationEventKind.FreeBusyChanged, e.FolderId ?? e.SourceFolderId ?? "");
        }
    }
}
