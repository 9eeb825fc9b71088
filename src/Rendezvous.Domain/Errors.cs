namespace Rendezvous.Domain;

/// <summary>
/// What went wrong, in the domain's terms. The EWS edge maps each to its ResponseCode (EwsErrors in the server);
/// another wire would map them to its own.
/// </summary>
public enum ErrorCode
{
    /// <summary>Anything unexpected: logged, reported without detail.</summary>
    Internal,
    InvalidRequest,
    InvalidOperation,
    AccessDenied,
    FolderNotFound,
    ItemNotFound,
    IdEmpty,
    IdMalformed,
    ChangeKeyInvalid,
    ChangeKeyRequired,
    Conflict,
    StoreFull,
    ServerBusy,
    BatchStopped,
    FindCountExceeded,
    DispositionRequired,
    InvitationsRequired,
    CancellationsRequired,
    InvitationsOrCancellationsRequired,
    ReferenceRequired,
    SendAsDenied,
    InvalidRecipients,
    NotSendable,
    AttachmentNotFound,
    AttachmentLimitExceeded,
    AttachmentNestedTooDeep,
    OrganizerCannotRemove,
    ObjectTypeChanged,
    PropertyNotSettable,
    PropertyNotAppendable,
    PropertyNotDeletable,
    FolderExists,
    DistinguishedFolderNotDeletable,
    NotACalendarFolder,
    CalendarViewRangeTooBig,
    OccurrenceIndexOutOfRange,
    OccurrenceDeleted,
    UnsupportedPathForQuery,
    UnsupportedFilter,
    PropertyInvalidForOperation,
    SyncFolderNotFound,
    SyncStateInvalid,
    RecipientNotFound,
    MeetingRequestOutOfDate,
    DeletedMeetingNotUpdatable,
    NotCancellable,
    NotOrganizer,
    NotRemovable,
    EndBeforeStart,
    DurationTooLong,
    NotAcceptable,
    NotTentativelyAcceptable,
    NotDeclinable,
    OrganizerCannotAccept,
    OrganizerCannotTentativelyAccept,
    OrganizerCannotDecline,
    CancelledCannotAccept,
    CancelledCannotTentativelyAccept,
    CancelledCannotDecline,
    MailboxLimitReached,
    MergedFreeBusyIntervalInvalid,
    FreeBusyViewTypeInvalid,
    InvalidArgument,
    TimeIntervalInvalid,
    TimeIntervalTooBig,
    MimeContentConversionFailed,
    ContactOutsideContactFolder,
    TaskOutsideTaskFolder,
    PostOutsideMailFolder,
    /// <summary>An item could not be saved as asked (a user configuration object of that name already exists).</summary>
    ItemSave,
    /// <summary>The recurrence's structure is not one a series can have (ErrorCalendarInvalidRecurrence).</summary>
    InvalidRecurrence,
    /// <summary>The pattern and range give no occurrence at all.</summary>
    RecurrenceHasNoOccurrence,
    /// <summary>The range ends after 4500-09-01.</summary>
    RecurrenceEndDateTooBig,
    /// <summary>An occurrence lasts longer than the gap to the next one.</summary>
    OccurrenceTimeSpanTooBig,
    /// <summary>An occurrence moved to or past the day of an adjacent one (ErrorOccurrenceCrossingBoundary).</summary>
    OccurrenceCrossingBoundary,
    /// <summary>MoveItem or CopyItem of an occurrence or exception (ErrorCalendarCannotMoveOrCopyOccurrence).</summary>
    CannotMoveOrCopyOccurrence,

    // People (issue 17 §4).
    /// <summary>ResolveNames, ExpandDL or GetRooms found no one of that name (ErrorNameResolutionNoResults).</summary>
    NameResolutionNoResults,
    /// <summary>EmptyFolder of a folder that cannot be emptied (a hierarchy's root).</summary>
    CannotEmptyFolder,
    /// <summary>MoveFolder of a distinguished folder.</summary>
    MoveDistinguishedFolder,
    /// <summary>A move or copy that cannot be made (a folder into itself or its own subfolder).</summary>
    MoveCopyFailed,
    /// <summary>A folder moved or copied to another mailbox (ErrorCrossMailboxMoveCopy).</summary>
    CrossMailboxMoveCopy,
    /// <summary>The public folders root of a mailbox without public folders.</summary>
    NoPublicFolderReplica,
    // Notifications (issue 17 §1).
    /// <summary>No such subscription: never made, unsubscribed, or expired (ErrorSubscriptionNotFound).</summary>
    SubscriptionNotFound,
    /// <summary>The subscription belongs to another user (ErrorSubscriptionAccessDenied).</summary>
    SubscriptionAccessDenied,
    /// <summary>The id is not a subscription id, or names a subscription of another kind (ErrorInvalidSubscription).</summary>
    InvalidSubscription,
    /// <summary>The subscription request cannot be made as asked (ErrorInvalidSubscriptionRequest).</summary>
    InvalidSubscriptionRequest,
    /// <summary>A watermark this server did not sign for this mailbox (ErrorInvalidWatermark).</summary>
    InvalidWatermark,
    /// <summary>A push URL that is not http(s) or that the server's push policy refuses (ErrorInvalidPushSubscriptionUrl).</summary>
    InvalidPushSubscriptionUrl,
    /// <summary>The user holds as many subscriptions as allowed (ErrorExceededSubscriptionCount).</summary>
    ExceededSubscriptionCount,
    // Delegates (issue 18 §2).
    /// <summary>AddDelegate of a user who is a delegate already (ErrorDelegateAlreadyExists).</summary>
    DelegateAlreadyExists,
    /// <summary>AddDelegate of the mailbox's own owner (ErrorDelegateCannotAddOwner).</summary>
    DelegateCannotAddOwner,
    /// <summary>A delegate's UserId that names no user of this server (ErrorDelegateNoUser).</summary>
    DelegateNoUser,
    /// <summary>A user who is not a delegate of the mailbox (ErrorNotDelegate).</summary>
    NotDelegate,
    /// <summary>A UserId's SID that is no SID (ErrorInvalidUserSid).</summary>
    InvalidUserSid,
    /// <summary>A delegate's UserId that names nobody: empty, or Default or Anonymous (ErrorInvalidDelegateUserId).</summary>
    InvalidDelegateUserId,
    /// <summary>A delegate folder level a client may not set, Custom (ErrorInvalidDelegatePermission).</summary>
    InvalidDelegatePermission,
    /// <summary>A delegate that cannot be one: a room, or a user that cannot sign in (ErrorDelegateValidationFailed).</summary>
    DelegateValidationFailed,
    // Folder permissions (issue 18 §1).
    /// <summary>A permission names a user the server does not know (ErrorInvalidUserInfo).</summary>
    InvalidUserInfo,
    /// <summary>A permission set names one grantee twice (ErrorDuplicateUserIdsSpecified).</summary>
    DuplicateUserIds,
    /// <summary>A permission's level and rights disagree, or a calendar level on another folder (ErrorInvalidPermissionSettings).</summary>
    InvalidPermissionSettings,
    /// <summary>GetUserAvailability of a calendar whose permission gives the caller no free/busy (ErrorNoFreeBusyAccess).</summary>
    NoFreeBusyAccess,
}

/// <summary>A failure of one item (or folder, or id) of a request: that entry's result, the others go on.</summary>
public class DomainException : Exception
{
    public DomainException(ErrorCode code, string message)
        : base(message) => Code = code;

    public DomainException(ErrorCode code, string message, Exception inner)
        : base(message, inner) => Code = code;

    public DomainException()
        : this(ErrorCode.Internal, "An internal server error occurred.")
    {
    }

    public DomainException(string message)
        : this(ErrorCode.Internal, message)
    {
    }

    public DomainException(string message, Exception inner)
        : this(ErrorCode.Internal, message, inner)
    {
    }

    public ErrorCode Code { get; }
}

/// <summary>A failure of the whole request: nothing of it is answered item by item.</summary>
public sealed class RequestFailedException : DomainException
{
    public RequestFailedException(ErrorCode code, string message)
        : base(code, message)
    {
    }

    public RequestFailedException()
        : this(ErrorCode.InvalidRequest, "The request is invalid.")
    {
    }

    public RequestFailedException(string message)
        : this(ErrorCode.InvalidRequest, message)
    {
    }

    public RequestFailedException(string message, Exception inner)
        : base(ErrorCode.InvalidRequest, message, inner)
    {
    }

    /// <summary>For <see cref="ErrorCode.ServerBusy"/>: how long to wait before trying again.</summary>
    public int? BackOffMilliseconds { get; init; }
}
