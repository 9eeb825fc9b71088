using Rendezvous.Protocol;

namespace Rendezvous.Client;

/// <summary>
/// A typed EWS client for the meeting workflow. One instance per user; thread-safe; every call is async and
/// cancellable. Per-item failures throw <see cref="EwsResponseException"/>, SOAP faults <see cref="EwsFaultException"/>,
/// other HTTP failures <see cref="EwsHttpException"/>; all EWS ones carry the ResponseCode in Code.
/// </summary>
public sealed class EwsClient : IDisposable
{
    public EwsClient(EwsClientOptions options, HttpClient? http = null)
    {
        throw new NotImplementedException();
    }

    public EwsClientOptions Options { get; } = null!;

    /// <summary>The ServerVersionInfo header of the last response, or null before the first.</summary>
    public ServerVersionInfo? ServerVersion { get; }

    /// <summary>The endpoint a user means by <paramref name="text"/>: a bare http://host:port gets /EWS/Exchange.asmx.</summary>
    public static Uri EndpointFrom(string text) => throw new NotImplementedException();

    public void Dispose() => throw new NotImplementedException();

    /// <summary>Calendar items overlapping [from, to) (a CalendarView, so single occurrences), optionally with a subject containing <paramref name="subject"/>.</summary>
    public Task<IReadOnlyList<EwsItem>> FindCalendarItemsAsync(DateTimeOffset from, DateTimeOffset to, string? subject = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Calendar items whose subject contains <paramref name="subject"/> (case-insensitive), any time.</summary>
    public Task<IReadOnlyList<EwsItem>> FindCalendarItemsAsync(string subject, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Meeting requests in the Inbox, newest first, optionally with a subject containing <paramref name="subject"/>.</summary>
    public Task<IReadOnlyList<EwsItem>> FindMeetingRequestsAsync(string? subject = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Meeting responses in the Inbox (answers to the user's meetings), newest first.</summary>
    public Task<IReadOnlyList<EwsItem>> FindMeetingResponsesAsync(string? subject = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Items by id with the meeting properties and their ResponseObjects, in the order given.</summary>
    public Task<IReadOnlyList<EwsItem>> GetItemsAsync(IEnumerable<ItemId> ids, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<EwsItem> GetItemAsync(ItemId id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The ResponseObjects the server offers on the item (AcceptItem, ProposeNewTime, ...).</summary>
    public Task<IReadOnlyList<string>> GetResponseObjectsAsync(ItemId id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Whether the server offers ProposeNewTime on the item (organizer allows it, Exchange2013 or later).</summary>
    public Task<bool> CanProposeNewTimeAsync(ItemId id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Answers a meeting request or calendar item and proposes [start, end) to the organizer.</summary>
    public Task<ResponseResult> ProposeNewTimeAsync(ItemId item, DateTimeOffset start, DateTimeOffset end, MeetingResponse response = MeetingResponse.Tentative, string? message = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Answers a meeting request or calendar item without proposing a time.</summary>
    public Task<ResponseResult> RespondAsync(ItemId item, MeetingResponse response, string? message = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The proposals received for the organizer's meeting <paramref name="meeting"/>, one per attendee.</summary>
    public Task<MeetingProposals> GetProposalsAsync(ItemId meeting, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Free/busy of each mailbox over [from, to), and suggested times when asked.</summary>
    public Task<AvailabilityResult> GetAvailabilityAsync(IReadOnlyList<string> mailboxes, DateTimeOffset from, DateTimeOffset to, AvailabilityOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Moves the organizer's meeting to [start, end) and sends the update to every attendee. Returns the new id and ChangeKey.</summary>
    public Task<ItemId> ApplyProposalAsync(ItemId meeting, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Moves the organizer's meeting to the proposal's time and sends the update to every attendee.</summary>
    public Task<ItemId> ApplyProposalAsync(ItemId meeting, Proposal proposal, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Cancels the organizer's meeting and sends the cancellation to every attendee.</summary>
    public Task CancelAsync(ItemId meeting, string? message = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>One batch of SyncFolderItems; pass null the first time, then the returned state.</summary>
    public Task<SyncResult> SyncAsync(FolderRef folder, string? syncState = null, int maxChanges = 512, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Creates the meeting in the user's calendar and sends the invitations. Returns the calendar item's id.</summary>
    public Task<ItemId> CreateMeetingAsync(NewMeeting meeting, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
