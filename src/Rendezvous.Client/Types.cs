using Rendezvous.Protocol;

namespace Rendezvous.Client;

/// <summary>How the client signs in: HTTP Basic, or a bearer token for OAuth servers (Exchange Online).</summary>
public abstract record EwsCredentials
{
    private EwsCredentials()
    {
    }

    /// <summary>HTTP Basic with the user's address (or logon name) and password; use it over https:// only.</summary>
    public static EwsCredentials Basic(string user, string password) => new BasicCredentials(user, password);

    /// <summary>An OAuth access token, sent as "Authorization: Bearer"; the caller obtains and renews it.</summary>
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

/// <summary>Where and how an <see cref="EwsClient"/> talks: the endpoint, the credentials, the schema version and zone.</summary>
public sealed record EwsClientOptions
{
    /// <summary>The EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx (see <see cref="EwsClient.EndpointFrom"/>).</summary>
    public required Uri Url { get; init; }

    /// <summary>Sent with every request (<see cref="EwsCredentials.Basic"/> or <see cref="EwsCredentials.Bearer"/>).</summary>
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
    /// <summary>The id alone.</summary>
    public override string ToString() => Id;
}

/// <summary>The ServerVersionInfo header of the last response. Version is a string: Exchange sends values such as "V2_7".</summary>
public sealed record ServerVersionInfo(int MajorVersion, int MinorVersion, int MajorBuildNumber, int MinorBuildNumber, string? Version)
{
    /// <summary>The build as Exchange prints it, with the version: 15.1.2507.6 (Exchange2016).</summary>
    public override string ToString() => $"{MajorVersion}.{MinorVersion}.{MajorBuildNumber}.{MinorBuildNumber} ({Version})";
}

/// <summary>The three answers to a meeting request; each may carry a proposed new time.</summary>
public enum MeetingResponse
{
    /// <summary>AcceptItem: the meeting goes in the calendar as busy.</summary>
    Accept,

    /// <summary>TentativelyAcceptItem: the meeting stays in the calendar as tentative.</summary>
    Tentative,

    /// <summary>DeclineItem: the meeting leaves the calendar.</summary>
    Decline,
}

/// <summary>
/// A calendar item or meeting message as the server returned it. Times are UTC. Members the server did not return
/// stay null or empty.
/// </summary>
public sealed record EwsItem
{
    /// <summary>The item's id and ChangeKey.</summary>
    public required ItemId Id { get; init; }

    /// <summary>The item's element: CalendarItem, Message, MeetingRequest, MeetingResponse, MeetingCancellation.</summary>
    public required ItemKind Kind { get; init; }

    /// <summary>The item class, such as IPM.Appointment or IPM.Schedule.Meeting.Request.</summary>
    public string? ItemClass { get; init; }

    /// <summary>The subject.</summary>
    public string? Subject { get; init; }

    /// <summary>The body, as the server returned it (text or HTML).</summary>
    public Body? Body { get; init; }

    /// <summary>When the item arrived (UTC).</summary>
    public DateTime? DateTimeReceived { get; init; }

    /// <summary>When a message was sent (UTC).</summary>
    public DateTime? DateTimeSent { get; init; }

    /// <summary>The local names of the ResponseObjects the server offers (AcceptItem, ProposeNewTime, ...).</summary>
    public IReadOnlyList<string> ResponseObjects { get; init; } = [];

    /// <summary>Who sent a message.</summary>
    public EmailAddress? From { get; init; }

    /// <summary>Whether a message was read.</summary>
    public bool? IsRead { get; init; }

    /// <summary>The meeting's iCalendar UID, shared by the organizer's item, the attendees' copies and the meeting messages.</summary>
    public string? Uid { get; init; }

    /// <summary>Start (UTC).</summary>
    public DateTime? Start { get; init; }

    /// <summary>End (UTC).</summary>
    public DateTime? End { get; init; }

    /// <summary>Whether the event runs from midnight to midnight in its own zone.</summary>
    public bool IsAllDayEvent { get; init; }

    /// <summary>How the time shows in free/busy: Free, Tentative, Busy, OOF, WorkingElsewhere or NoData.</summary>
    public string? LegacyFreeBusyStatus { get; init; }

    /// <summary>Where the meeting takes place.</summary>
    public string? Location { get; init; }

    /// <summary>Whether the item has attendees (a meeting, not an appointment).</summary>
    public bool IsMeeting { get; init; }

    /// <summary>Whether the organizer cancelled the meeting.</summary>
    public bool IsCancelled { get; init; }

    /// <summary>The reader's own answer: Organizer, Accept, Tentative, Decline, NoResponseReceived or Unknown.</summary>
    public string? MyResponseType { get; init; }

    /// <summary>The meeting's organizer.</summary>
    public EmailAddress? Organizer { get; init; }

    /// <summary>Required attendees, with their answers on the organizer's item.</summary>
    public IReadOnlyList<Attendee> RequiredAttendees { get; init; } = [];

    /// <summary>Optional attendees.</summary>
    public IReadOnlyList<Attendee> OptionalAttendees { get; init; } = [];

    /// <summary>Resources (rooms, equipment).</summary>
    public IReadOnlyList<Attendee> Resources { get; init; } = [];

    /// <summary>The meeting's revision, moved on by each update sent; a request of an older one is out of date.</summary>
    public int? AppointmentSequenceNumber { get; init; }

    /// <summary>Whether the organizer lets attendees propose another time.</summary>
    public bool? AllowNewTimeProposal { get; init; }

    /// <summary>The Windows id of the zone the item's start is in.</summary>
    public string? StartTimeZoneId { get; init; }

    /// <summary>On a meeting message: the reader's calendar item it is about.</summary>
    public ItemId? AssociatedCalendarItemId { get; init; }

    /// <summary>On a meeting request: whether a later update superseded it.</summary>
    public bool? IsOutOfDate { get; init; }

    /// <summary>On a MeetingResponse: Accept, Tentative or Decline.</summary>
    public string? ResponseType { get; init; }

    /// <summary>On a meeting request: NewMeetingRequest, FullUpdate, InformationalUpdate, Outdated, ...</summary>
    public string? MeetingRequestType { get; init; }

    /// <summary>On a meeting response: the start the attendee proposed (UTC).</summary>
    public DateTime? ProposedStart { get; init; }

    /// <summary>On a meeting response: the end the attendee proposed (UTC).</summary>
    public DateTime? ProposedEnd { get; init; }

    /// <summary>On a calendar item: Single, Occurrence, Exception or RecurringMaster; on a meeting message, what it is about.</summary>
    public string? CalendarItemType { get; init; }

    /// <summary>
    /// The original start (UTC) of the one occurrence the item is (an occurrence's OriginalStart) or is about (a meeting
    /// message's RecurrenceId); null for a single meeting or a whole series.
    /// </summary>
    public DateTime? RecurrenceId { get; init; }

    /// <summary>Whether the item is one occurrence of a series, modified (an exception) or not.</summary>
    public bool IsOccurrence => CalendarItemType is SchemaValues.CalendarItemTypeType.Occurrence or SchemaValues.CalendarItemTypeType.Exception;

    /// <summary>Whether the server offers ProposeNewTime among this item's ResponseObjects.</summary>
    public bool CanProposeNewTime => ResponseObjects.Contains("ProposeNewTime");

    /// <summary>Whether the server offers an answer (accept, tentative or decline) among this item's ResponseObjects.</summary>
    public bool CanRespond => ResponseObjects.Contains("AcceptItem") || ResponseObjects.Contains("TentativelyAcceptItem") || ResponseObjects.Contains("DeclineItem");

    /// <summary>Every attendee: required, optional, then resources.</summary>
    public IEnumerable<Attendee> Attendees => RequiredAttendees.Concat(OptionalAttendees).Concat(Resources);
}

/// <summary>A meeting to create and send: times as instants, attendees by address.</summary>
public sealed record NewMeeting(string Subject, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<string> RequiredAttendees)
{
    /// <summary>Optional attendees, by address.</summary>
    public IReadOnlyList<string> OptionalAttendees { get; init; } = [];

    /// <summary>Where the meeting takes place.</summary>
    public string? Location { get; init; }

    /// <summary>The invitation's text (plain text).</summary>
    public string? Body { get; init; }

    /// <summary>Whether attendees may propose another time (true unless set false).</summary>
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

    /// <summary>The text of the attendee's answer, when it had one.</summary>
    public string? Message { get; init; }

    /// <summary>Whether the organizer's calendar item tracks this proposal (Exchange2013 AttendeeType.ProposedStart).</summary>
    public bool Tracked { get; init; }
}

/// <summary>A meeting (the organizer's calendar item) with the proposals received for it.</summary>
public sealed record MeetingProposals(EwsItem Meeting, IReadOnlyList<Proposal> Proposals);

/// <summary>What <see cref="EwsClient.GetAvailabilityAsync"/> asks for: the view, the merged interval, and the suggestions.</summary>
public sealed record AvailabilityOptions
{
    /// <summary>FreeBusy, FreeBusyMerged, Detailed or DetailedMerged.</summary>
    public string RequestedView { get; init; } = SchemaValues.FreeBusyViewType.DetailedMerged;

    /// <summary>The length of each MergedFreeBusy interval (5 to 1,440 minutes).</summary>
    public int MergedFreeBusyIntervalMinutes { get; init; } = 30;

    /// <summary>Ask for suggested meeting times of this length; null for none.</summary>
    public int? SuggestionDurationMinutes { get; init; } = 30;

    /// <summary>The worst suggestion returned: Excellent, Good, Fair or Poor.</summary>
    public string MinimumSuggestionQuality { get; init; } = SchemaValues.SuggestionQuality.Fair;

    /// <summary>At most this many suggestions a day.</summary>
    public int MaximumResultsByDay { get; init; } = 10;

    /// <summary>The zone the window's days are counted in (suggestion days, merged intervals); null for UTC.</summary>
    public string? TimeZone { get; init; }
}

/// <summary>One mailbox's free/busy, or the error the server gave for it.</summary>
public sealed record MailboxAvailability(string Address, FreeBusyViewResult? View, EwsException? Error);

/// <summary>GetUserAvailability's answer: one entry per mailbox in request order, and the suggested days.</summary>
public sealed record AvailabilityResult(IReadOnlyList<MailboxAvailability> Mailboxes, IReadOnlyList<SuggestionDay> Suggestions);

/// <summary>What a <see cref="SyncChange"/> reports, as SyncFolderItems names its changes.</summary>
public enum SyncChangeType
{
    /// <summary>An item new to the client (the first sync reports every item so).</summary>
    Create,

    /// <summary>An item the client has, changed.</summary>
    Update,

    /// <summary>An item the client has, gone from the folder (deleted or moved away).</summary>
    Delete,

    /// <summary>Only the item's read flag changed.</summary>
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

    /// <summary>The DistinguishedFolderId name, or null for a folder named by id.</summary>
    public string? DistinguishedName { get; }

    /// <summary>The FolderId, or null for a distinguished folder.</summary>
    public string? Id { get; }

    /// <summary>The default Calendar.</summary>
    public static EwsFolder Calendar { get; } = new("calendar", null);

    /// <summary>The Inbox, where meeting requests and responses arrive.</summary>
    public static EwsFolder Inbox { get; } = new("inbox", null);

    /// <summary>Sent Items.</summary>
    public static EwsFolder SentItems { get; } = new("sentitems", null);

    /// <summary>Deleted Items, where answered meeting requests go.</summary>
    public static EwsFolder DeletedItems { get; } = new("deleteditems", null);

    /// <summary>A distinguished folder by its DistinguishedFolderIdNameType value.</summary>
    public static EwsFolder Named(string distinguishedName) => new(distinguishedName, null);

    /// <summary>A folder by its FolderId.</summary>
    public static EwsFolder WithId(string id) => new(null, id);

    /// <summary>The well-known name or the id.</summary>
    public override string ToString() => DistinguishedName ?? Id ?? "";
}

/// <summary>A per-item failure: the ResponseCode and MessageText of an Error ResponseMessage.</summary>
public sealed class EwsResponseException : EwsException
{
    /// <summary>A failure with its ResponseCode and MessageText.</summary>
    public EwsResponseException(string code, string message)
        : base(code, message)
    {
    }

    /// <summary>An ErrorInternalServerError without details.</summary>
    public EwsResponseException()
        : base()
    {
    }

    /// <summary>An ErrorInternalServerError with <paramref name="message"/>.</summary>
    public EwsResponseException(string message)
        : base(message)
    {
    }

    /// <summary>An ErrorInternalServerError with <paramref name="message"/> and its cause.</summary>
    public EwsResponseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The server answered with neither a response nor a SOAP fault: an HTTP error, such as 401 for bad credentials.</summary>
public sealed class EwsHttpException : Exception
{
    /// <summary>The HTTP status the server answered and what the client makes of it.</summary>
    public EwsHttpException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    /// <summary>An HTTP failure without details (status 0).</summary>
    public EwsHttpException()
    {
    }

    /// <summary>An HTTP failure with <paramref name="message"/> (status 0).</summary>
    public EwsHttpException(string message)
        : base(message)
    {
    }

    /// <summary>An HTTP failure with <paramref name="message"/> and its cause (status 0).</summary>
    public EwsHttpException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The HTTP status code, such as 401 or 503; 0 when none was received.</summary>
    public int StatusCode { get; }
}
