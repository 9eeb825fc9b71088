using Rendezvous.Protocol;

namespace Rendezvous.Client;

/// <summary>How the client signs in: HTTP Basic, or a bearer token for OAuth servers (Exchange Online).</summary>
public abstract record EwsCredentials
{
    private EwsCredentials()
    {
    }

    public static EwsCredentials Basic(string user, string password) => new BasicCredentials(user, password);

    public static EwsCredentials Bearer(string token) => new BearerCredentials(token);

    internal abstract System.Net.Http.Headers.AuthenticationHeaderValue Header();

    private sealed record BasicCredentials(string User, string Password) : EwsCredentials
    {
        internal override System.Net.Http.Headers.AuthenticationHeaderValue Header() =>
            new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(User + ":" + Password)));

        // Records print their members; a password must never reach a log.
        public override string ToString() => $"Basic {User}";
    }

    private sealed record BearerCredentials(string Token) : EwsCredentials
    {
        internal override System.Net.Http.Headers.AuthenticationHeaderValue Header() => new("Bearer", Token);

        public override string ToString() => "Bearer";
    }
}

public sealed record EwsClientOptions
{
    /// <summary>The EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx (see <see cref="EwsClient.EndpointFrom"/>).</summary>
    public required Uri Url { get; init; }

    public required EwsCredentials Credentials { get; init; }

    /// <summary>
    /// Sent as RequestServerVersion. Proposing a new time needs Exchange2013 or later: the ProposeNewTime response object
    /// and ProposedStart/ProposedEnd do not exist before. The default, Exchange2016, is also the first version whose
    /// attendees carry the proposals the organizer's calendar item tracks ([MS-OXWSMTGS]); Exchange 2013 servers need
    /// Exchange2013_SP1 here, and proposals then come from the MeetingResponse messages alone.
    /// </summary>
    public ExchangeVersion RequestServerVersion { get; init; } = ExchangeVersion.Exchange2016;

    /// <summary>
    /// A Windows or IANA zone id sent as TimeZoneContext, so the server reads and writes local times in that zone.
    /// Null sends no context. Either way the client hands out UTC times.
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>Responses larger than this are refused rather than buffered.</summary>
    public long MaxResponseBytes { get; init; } = 64 * 1024 * 1024;
}

/// <summary>An item id with its ChangeKey; both opaque and case-sensitive.</summary>
public sealed record ItemId(string Id, string? ChangeKey = null)
{
    public override string ToString() => Id;
}

/// <summary>The ServerVersionInfo header of the last response. Version is a string: Exchange sends values such as "V2_7".</summary>
public sealed record ServerVersionInfo(int MajorVersion, int MinorVersion, int MajorBuildNumber, int MinorBuildNumber, string? Version)
{
    public override string ToString() => $"{MajorVersion}.{MinorVersion}.{MajorBuildNumber}.{MinorBuildNumber} ({Version})";
}

/// <summary>The three answers to a meeting request; each may carry a proposed new time.</summary>
public enum MeetingResponse
{
    Accept,
    Tentative,
    Decline,
}

/// <summary>
/// A calendar item or meeting message as the server returned it. Times are UTC. Members the server did not return
/// stay null or empty.
/// </summary>
public sealed record EwsItem
{
    public required ItemId Id { get; init; }

    public required ItemKind Kind { get; init; }

    public string? ItemClass { get; init; }

    public string? Subject { get; init; }

    public Body? Body { get; init; }

    public DateTime? DateTimeReceived { get; init; }

    public DateTime? DateTimeSent { get; init; }

    /// <summary>The local names of the ResponseObjects the server offers (AcceptItem, ProposeNewTime, ...).</summary>
    public IReadOnlyList<string> ResponseObjects { get; init; } = [];

    public EmailAddress? From { get; init; }

    public bool? IsRead { get; init; }

    public string? Uid { get; init; }

    public DateTime? Start { get; init; }

    public DateTime? End { get; init; }

    public bool IsAllDayEvent { get; init; }

    public string? LegacyFreeBusyStatus { get; init; }

    public string? Location { get; init; }

    public bool IsMeeting { get; init; }

    public bool IsCancelled { get; init; }

    public string? MyResponseType { get; init; }

    public EmailAddress? Organizer { get; init; }

    public IReadOnlyList<Attendee> RequiredAttendees { get; init; } = [];

    public IReadOnlyList<Attendee> OptionalAttendees { get; init; } = [];

    public IReadOnlyList<Attendee> Resources { get; init; } = [];

    public int? AppointmentSequenceNumber { get; init; }

    public bool? AllowNewTimeProposal { get; init; }

    public string? StartTimeZoneId { get; init; }

    public ItemId? AssociatedCalendarItemId { get; init; }

    public bool? IsOutOfDate { get; init; }

    /// <summary>On a MeetingResponse: Accept, Tentative or Decline.</summary>
    public string? ResponseType { get; init; }

    public string? MeetingRequestType { get; init; }

    public DateTime? ProposedStart { get; init; }

    public DateTime? ProposedEnd { get; init; }

    /// <summary>Whether the server offers ProposeNewTime among this item's ResponseObjects.</summary>
    public bool CanProposeNewTime => ResponseObjects.Contains("ProposeNewTime");

    public bool CanRespond => ResponseObjects.Contains("AcceptItem") || ResponseObjects.Contains("TentativelyAcceptItem") || ResponseObjects.Contains("DeclineItem");

    public IEnumerable<Attendee> Attendees => RequiredAttendees.Concat(OptionalAttendees).Concat(Resources);
}

/// <summary>A meeting to create and send: times as instants, attendees by address.</summary>
public sealed record NewMeeting(string Subject, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<string> RequiredAttendees)
{
    public IReadOnlyList<string> OptionalAttendees { get; init; } = [];

    public string? Location { get; init; }

    public string? Body { get; init; }

    public bool AllowNewTimeProposal { get; init; } = true;

    /// <summary>The zone the meeting lives in (Windows or IANA id); null for the server's default.</summary>
    public string? TimeZone { get; init; }
}

/// <summary>What answering a meeting request returned: the items the server created, by kind.</summary>
public sealed record ResponseResult(IReadOnlyList<ItemId> CalendarItems, IReadOnlyList<ItemId> Messages);

/// <summary>
/// One attendee's proposed new time for a meeting, merged from the MeetingResponse messages in the organizer's Inbox
/// and the response tracking on the organizer's calendar item. The latest answer of each attendee wins.
/// </summary>
public sealed record Proposal(EmailAddress Attendee, string? ResponseType, DateTime ProposedStart, DateTime ProposedEnd)
{
    /// <summary>When the attendee answered, when known.</summary>
    public DateTime? RespondedAt { get; init; }

    /// <summary>The MeetingResponse that carried it, when one was found.</summary>
    public ItemId? ResponseMessageId { get; init; }

    public string? Message { get; init; }

    /// <summary>Whether the organizer's calendar item tracks this proposal (Exchange2013 AttendeeType.ProposedStart).</summary>
    public bool Tracked { get; init; }
}

/// <summary>A meeting (the organizer's calendar item) with the proposals received for it.</summary>
public sealed record MeetingProposals(EwsItem Meeting, IReadOnlyList<Proposal> Proposals);

public sealed record AvailabilityOptions
{
    /// <summary>FreeBusy, FreeBusyMerged, Detailed or DetailedMerged.</summary>
    public string RequestedView { get; init; } = "DetailedMerged";

    public int MergedFreeBusyIntervalMinutes { get; init; } = 30;

    /// <summary>Ask for suggested meeting times of this length; null for none.</summary>
    public int? SuggestionDurationMinutes { get; init; } = 30;

    public string MinimumSuggestionQuality { get; init; } = "Fair";

    public int MaximumResultsByDay { get; init; } = 10;

    /// <summary>The zone the window's days are counted in (suggestion days, merged intervals); null for UTC.</summary>
    public string? TimeZone { get; init; }
}

/// <summary>One mailbox's free/busy, or the error the server gave for it.</summary>
public sealed record MailboxAvailability(string Address, FreeBusyViewResult? View, EwsException? Error);

/// <summary>GetUserAvailability's answer: one entry per mailbox in request order, and the suggested days.</summary>
public sealed record AvailabilityResult(IReadOnlyList<MailboxAvailability> Mailboxes, IReadOnlyList<SuggestionDay> Suggestions);

public enum SyncChangeType
{
    Create,
    Update,
    Delete,
    ReadFlagChange,
}

/// <summary>One change of a SyncFolderItems batch. Item is set for Create and Update; IsRead for ReadFlagChange.</summary>
public sealed record SyncChange(SyncChangeType Type, ItemId Id, EwsItem? Item, bool? IsRead);

/// <summary>A batch of changes and the state to pass to the next call. Call again while <see cref="MoreChanges"/>.</summary>
public sealed record SyncResult(string SyncState, bool MoreChanges, IReadOnlyList<SyncChange> Changes);

/// <summary>A folder by its well-known name (calendar, inbox, sentitems, deleteditems, ...) or its id.</summary>
public sealed record EwsFolder
{
    private EwsFolder(string? distinguished, string? id)
    {
        DistinguishedName = distinguished;
        Id = id;
    }

    public string? DistinguishedName { get; }

    public string? Id { get; }

    public static EwsFolder Calendar { get; } = new("calendar", null);

    public static EwsFolder Inbox { get; } = new("inbox", null);

    public static EwsFolder SentItems { get; } = new("sentitems", null);

    public static EwsFolder DeletedItems { get; } = new("deleteditems", null);

    public static EwsFolder Named(string distinguishedName) => new(distinguishedName, null);

    public static EwsFolder WithId(string id) => new(null, id);

    public override string ToString() => DistinguishedName ?? Id ?? "";
}

/// <summary>A per-item failure: the ResponseCode and MessageText of an Error ResponseMessage.</summary>
public sealed class EwsResponseException : EwsException
{
    public EwsResponseException(string code, string message)
        : base(code, message)
    {
    }

    public EwsResponseException()
        : base()
    {
    }

    public EwsResponseException(string message)
        : base(message)
    {
    }

    public EwsResponseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The server answered with neither a response nor a SOAP fault: an HTTP error, such as 401 for bad credentials.</summary>
public sealed class EwsHttpException : Exception
{
    public EwsHttpException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    public EwsHttpException()
    {
    }

    public EwsHttpException(string message)
        : base(message)
    {
    }

    public EwsHttpException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public int StatusCode { get; }
}
