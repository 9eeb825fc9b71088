using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>The EWS edge of the domain's errors: each <see cref="ErrorCode"/> is answered with one ResponseCode.</summary>
public static class EwsErrors
{
    public static string ResponseCode(ErrorCode code) => code switch
    {
        ErrorCode.Internal => ResponseCodes.ErrorInternalServerError,
        ErrorCode.InvalidRequest => ResponseCodes.ErrorInvalidRequest,
        ErrorCode.InvalidOperation => ResponseCodes.ErrorInvalidOperation,
        ErrorCode.AccessDenied => ResponseCodes.ErrorAccessDenied,
        ErrorCode.InvalidUserInfo => ResponseCodes.ErrorInvalidUserInfo,
        ErrorCode.DuplicateUserIds => ResponseCodes.ErrorDuplicateUserIdsSpecified,
        ErrorCode.InvalidPermissionSettings => ResponseCodes.ErrorInvalidPermissionSettings,
        ErrorCode.NoFreeBusyAccess => ResponseCodes.ErrorNoFreeBusyAccess,
        ErrorCode.FolderNotFound => ResponseCodes.ErrorFolderNotFound,
        ErrorCode.ItemNotFound => ResponseCodes.ErrorItemNotFound,
        ErrorCode.IdEmpty => ResponseCodes.ErrorInvalidIdEmpty,
        ErrorCode.IdMalformed => ResponseCodes.ErrorInvalidIdMalformed,
        ErrorCode.AttachmentNotFound => ResponseCodes.ErrorInvalidAttachmentId,
        ErrorCode.AttachmentLimitExceeded => ResponseCodes.ErrorAttachmentSizeLimitExceeded,
        ErrorCode.AttachmentNestedTooDeep => ResponseCodes.ErrorAttachmentNestLevelLimitExceeded,
        ErrorCode.ChangeKeyInvalid => ResponseCodes.ErrorInvalidChangeKey,
        ErrorCode.ChangeKeyRequired => ResponseCodes.ErrorChangeKeyRequiredForWriteOperations,
        ErrorCode.Conflict => ResponseCodes.ErrorIrresolvableConflict,
        ErrorCode.StoreFull => ResponseCodes.ErrorInsufficientResources,
        ErrorCode.ServerBusy => ResponseCodes.ErrorServerBusy,
        ErrorCode.BatchStopped => ResponseCodes.ErrorBatchProcessingStopped,
        ErrorCode.FindCountExceeded => ResponseCodes.ErrorExceededFindCountLimit,
        ErrorCode.DispositionRequired => ResponseCodes.ErrorMessageDispositionRequired,
        ErrorCode.InvitationsRequired => ResponseCodes.ErrorSendMeetingInvitationsRequired,
        ErrorCode.CancellationsRequired => ResponseCodes.ErrorSendMeetingCancellationsRequired,
        ErrorCode.InvitationsOrCancellationsRequired => ResponseCodes.ErrorSendMeetingInvitationsOrCancellationsRequired,
        ErrorCode.ReferenceRequired => ResponseCodes.ErrorMissingInformationReferenceItemId,
        ErrorCode.SendAsDenied => ResponseCodes.ErrorSendAsDenied,
        ErrorCode.InvalidRecipients => ResponseCodes.ErrorInvalidRecipients,
        ErrorCode.NotSendable => ResponseCodes.ErrorInvalidItemForOperationSendItem,
        ErrorCode.OrganizerCannotRemove => ResponseCodes.ErrorCalendarIsOrganizerForRemove,
        ErrorCode.ObjectTypeChanged => ResponseCodes.ErrorObjectTypeChanged,
        ErrorCode.PropertyNotSettable => ResponseCodes.ErrorInvalidPropertySet,
        ErrorCode.PropertyNotAppendable => ResponseCodes.ErrorInvalidPropertyAppend,
        ErrorCode.PropertyNotDeletable => ResponseCodes.ErrorInvalidPropertyDelete,
        ErrorCode.FolderExists => ResponseCodes.ErrorFolderExists,
        ErrorCode.DistinguishedFolderNotDeletable => ResponseCodes.ErrorDeleteDistinguishedFolder,
        ErrorCode.NotACalendarFolder => ResponseCodes.ErrorCalendarFolderIsInvalidForCalendarView,
        ErrorCode.CalendarViewRangeTooBig => ResponseCodes.ErrorCalendarViewRangeTooBig,
        ErrorCode.OccurrenceIndexOutOfRange => ResponseCodes.ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
        ErrorCode.OccurrenceDeleted => ResponseCodes.ErrorCalendarOccurrenceIsDeletedFromRecurrence,
        ErrorCode.UnsupportedPathForQuery => ResponseCodes.ErrorUnsupportedPathForQuery,
        ErrorCode.UnsupportedFilter => ResponseCodes.ErrorUnsupportedQueryFilter,
        ErrorCode.PropertyInvalidForOperation => ResponseCodes.ErrorInvalidPropertyForOperation,
        ErrorCode.SyncFolderNotFound => ResponseCodes.ErrorSyncFolderNotFound,
        ErrorCode.SyncStateInvalid => ResponseCodes.ErrorInvalidSyncStateData,
        ErrorCode.RecipientNotFound => ResponseCodes.ErrorMailRecipientNotFound,
        ErrorCode.MeetingRequestOutOfDate => ResponseCodes.ErrorCalendarMeetingRequestIsOutOfDate,
        ErrorCode.DeletedMeetingNotUpdatable => ResponseCodes.ErrorCalendarCannotUpdateDeletedItem,
        ErrorCode.NotCancellable => ResponseCodes.ErrorInvalidItemForOperationCancelItem,
        ErrorCode.NotOrganizer => ResponseCodes.ErrorCalendarIsNotOrganizer,
        ErrorCode.NotRemovable => ResponseCodes.ErrorInvalidItemForOperationRemoveItem,
        ErrorCode.EndBeforeStart => ResponseCodes.ErrorCalendarEndDateIsEarlierThanStartDate,
        ErrorCode.DurationTooLong => ResponseCodes.ErrorCalendarDurationIsTooLong,
        ErrorCode.InvalidRecurrence => ResponseCodes.ErrorCalendarInvalidRecurrence,
        ErrorCode.RecurrenceHasNoOccurrence => ResponseCodes.ErrorRecurrenceHasNoOccurrence,
        ErrorCode.RecurrenceEndDateTooBig => ResponseCodes.ErrorRecurrenceEndDateTooBig,
        ErrorCode.OccurrenceTimeSpanTooBig => ResponseCodes.ErrorOccurrenceTimeSpanTooBig,
        ErrorCode.OccurrenceCrossingBoundary => ResponseCodes.ErrorOccurrenceCrossingBoundary,
        ErrorCode.CannotMoveOrCopyOccurrence => ResponseCodes.ErrorCalendarCannotMoveOrCopyOccurrence,
        ErrorCode.CannotEmptyFolder => ResponseCodes.ErrorCannotEmptyFolder,
        ErrorCode.MoveDistinguishedFolder => ResponseCodes.ErrorMoveDistinguishedFolder,
        ErrorCode.MoveCopyFailed => ResponseCodes.ErrorMoveCopyFailed,
        ErrorCode.CrossMailboxMoveCopy => ResponseCodes.ErrorCrossMailboxMoveCopy,
        ErrorCode.NoPublicFolderReplica => ResponseCodes.ErrorNoPublicFolderReplicaAvailable,
        ErrorCode.NotAcceptable => ResponseCodes.ErrorInvalidItemForOperationAcceptItem,
        ErrorCode.NotTentativelyAcceptable => ResponseCodes.ErrorInvalidItemForOperationTentative,
        ErrorCode.NotDeclinable => ResponseCodes.ErrorInvalidItemForOperationDeclineItem,
        ErrorCode.OrganizerCannotAccept => ResponseCodes.ErrorCalendarIsOrganizerForAccept,
        ErrorCode.OrganizerCannotTentativelyAccept => ResponseCodes.ErrorCalendarIsOrganizerForTentative,
        ErrorCode.OrganizerCannotDecline => ResponseCodes.ErrorCalendarIsOrganizerForDecline,
        ErrorCode.CancelledCannotAccept => ResponseCodes.ErrorCalendarIsCancelledForAccept,
        ErrorCode.CancelledCannotTentativelyAccept => ResponseCodes.ErrorCalendarIsCancelledForTentative,
        ErrorCode.CancelledCannotDecline => ResponseCodes.ErrorCalendarIsCancelledForDecline,
        ErrorCode.MailboxLimitReached => ResponseCodes.ErrorIndividualMailboxLimitReached,
        ErrorCode.MergedFreeBusyIntervalInvalid => ResponseCodes.ErrorInvalidMergedFreeBusyInterval,
        ErrorCode.FreeBusyViewTypeInvalid => ResponseCodes.ErrorInvalidFreeBusyViewType,
        ErrorCode.InvalidArgument => ResponseCodes.ErrorInvalidArgument,
        ErrorCode.TimeIntervalInvalid => ResponseCodes.ErrorInvalidTimeInterval,
        ErrorCode.TimeIntervalTooBig => ResponseCodes.ErrorTimeIntervalTooBig,
        ErrorCode.MimeContentConversionFailed => ResponseCodes.ErrorMimeContentConversionFailed,
        ErrorCode.ContactOutsideContactFolder => ResponseCodes.ErrorCannotCreateContactInNonContactFolder,
        ErrorCode.TaskOutsideTaskFolder => ResponseCodes.ErrorCannotCreateTaskInNonTaskFolder,
        ErrorCode.PostOutsideMailFolder => ResponseCodes.ErrorCannotCreatePostItemInNonMailFolder,
        ErrorCode.ItemSave => ResponseCodes.ErrorItemSave,
        ErrorCode.NameResolutionNoResults => ResponseCodes.ErrorNameResolutionNoResults,
        // Notifications (issue 17 §1).
        ErrorCode.SubscriptionNotFound => ResponseCodes.ErrorSubscriptionNotFound,
        ErrorCode.SubscriptionAccessDenied => ResponseCodes.ErrorSubscriptionAccessDenied,
        ErrorCode.InvalidSubscription => ResponseCodes.ErrorInvalidSubscription,
        ErrorCode.InvalidSubscriptionRequest => ResponseCodes.ErrorInvalidSubscriptionRequest,
        ErrorCode.InvalidWatermark => ResponseCodes.ErrorInvalidWatermark,
        ErrorCode.InvalidPushSubscriptionUrl => ResponseCodes.ErrorInvalidPushSubscriptionUrl,
        ErrorCode.ExceededSubscriptionCount => ResponseCodes.ErrorExceededSubscriptionCount,
        ErrorCode.DelegateAlreadyExists => ResponseCodes.ErrorDelegateAlreadyExists,
        ErrorCode.DelegateCannotAddOwner => ResponseCodes.ErrorDelegateCannotAddOwner,
        ErrorCode.DelegateNoUser => ResponseCodes.ErrorDelegateNoUser,
        ErrorCode.NotDelegate => ResponseCodes.ErrorNotDelegate,
        ErrorCode.InvalidUserSid => ResponseCodes.ErrorInvalidUserSid,
        ErrorCode.InvalidDelegateUserId => ResponseCodes.ErrorInvalidDelegateUserId,
        ErrorCode.InvalidDelegatePermission => ResponseCodes.ErrorInvalidDelegatePermission,
        ErrorCode.DelegateValidationFailed => ResponseCodes.ErrorDelegateValidationFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "An error code without a ResponseCode."),
    };

    /// <summary>A domain failure as EWS answers it: a whole-request failure is a fault, any other one that entry's error.</summary>
    public static EwsException ToEws(DomainException e) => e is RequestFailedException r
        ? new EwsFaultException(ResponseCode(r.Code), r.Message) { BackOffMilliseconds = r.BackOffMilliseconds }
        : new EwsException(ResponseCode(e.Code), e.Message, e);

    /// <summary>Runs a handler, answering a whole-request domain failure that escaped it as its fault.</summary>
    public static OperationHandler Edge(OperationHandler handler) => async request =>
    {
        try
        {
            return await handler(request);
        }
        catch (DomainException e)
        {
            throw ToEws(e);
        }
    };
}
