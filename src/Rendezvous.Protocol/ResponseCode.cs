namespace Rendezvous.Protocol;

/// <summary>
/// An EWS failure: <see cref="Code"/> is an m:ResponseCodeType value. Thrown while one item is processed it
/// becomes that item's ResponseMessage; thrown outside item processing it becomes a SOAP fault.
/// </summary>
public class EwsException : Exception
{
    /// <summary>A failure with its ResponseCode and the text the client is shown.</summary>
    public EwsException(string code, string message)
        : base(message) => Code = code;

    /// <summary>A failure with its ResponseCode, the text the client is shown, and its cause (never shown).</summary>
    public EwsException(string code, string message, Exception inner)
        : base(message, inner) => Code = code;

    /// <summary>An ErrorInternalServerError.</summary>
    public EwsException()
        : this(ResponseCodes.ErrorInternalServerError, "An internal server error occurred.")
    {
    }

    /// <summary>An ErrorInternalServerError with <paramref name="message"/>.</summary>
    public EwsException(string message)
        : this(ResponseCodes.ErrorInternalServerError, message)
    {
    }

    /// <summary>An ErrorInternalServerError with <paramref name="message"/> and its cause.</summary>
    public EwsException(string message, Exception inner)
        : this(ResponseCodes.ErrorInternalServerError, message, inner)
    {
    }

    /// <summary>The m:ResponseCodeType value (<see cref="ResponseCodes"/>).</summary>
    public string Code { get; }
}

/// <summary>A failure of the whole request: always a SOAP fault (HTTP 500).</summary>
public sealed class EwsFaultException : EwsException
{
    /// <summary>A fault; a schema violation also names its <paramref name="line"/>, <paramref name="position"/> and <paramref name="violation"/>.</summary>
    public EwsFaultException(string code, string message, int line = 0, int position = 0, string? violation = null)
        : base(code, message)
    {
        Line = line;
        Position = position;
        Violation = violation;
    }

    /// <summary>An ErrorInvalidRequest fault.</summary>
    public EwsFaultException()
        : this(ResponseCodes.ErrorInvalidRequest, "The request is invalid.")
    {
    }

    /// <summary>An ErrorInvalidRequest fault with <paramref name="message"/>.</summary>
    public EwsFaultException(string message)
        : this(ResponseCodes.ErrorInvalidRequest, message)
    {
    }

    /// <summary>An ErrorInvalidRequest fault with <paramref name="message"/> and its cause.</summary>
    public EwsFaultException(string message, Exception inner)
        : base(ResponseCodes.ErrorInvalidRequest, message, inner)
    {
    }

    /// <summary>The request line of a schema violation (0: none), written in t:MessageXml.</summary>
    public int Line { get; }

    /// <summary>For ErrorServerBusy: how long the client should wait before it sends the request again.</summary>
    public int? BackOffMilliseconds { get; init; }

    /// <summary>The position in <see cref="Line"/> of a schema violation.</summary>
    public int Position { get; }

    /// <summary>What the schema violation is, as t:MessageXml's Violation says.</summary>
    public string? Violation { get; }

    /// <summary>The ErrorSchemaValidation fault for <paramref name="violation"/> at <paramref name="line"/> and <paramref name="position"/>.</summary>
    public static EwsFaultException SchemaValidation(string violation, int line, int position) =>
        new(ResponseCodes.ErrorSchemaValidation, "The request failed schema validation: " + violation, line, position, violation);
}

/// <summary>The m:ResponseCodeType values this server returns; each constant is the schema's value of its name.</summary>
public static class ResponseCodes
{
#pragma warning disable CS1591 // A constant per schema value, named as the value: messages.xsd and Microsoft's docs describe each.
    public const string NoError = nameof(NoError);
    public const string ErrorMailRecipientNotFound = nameof(ErrorMailRecipientNotFound);
    public const string ErrorIndividualMailboxLimitReached = nameof(ErrorIndividualMailboxLimitReached);
    public const string ErrorTimeIntervalTooBig = nameof(ErrorTimeIntervalTooBig);
    public const string ErrorInvalidTimeInterval = nameof(ErrorInvalidTimeInterval);
    public const string ErrorInvalidMergedFreeBusyInterval = nameof(ErrorInvalidMergedFreeBusyInterval);
    public const string ErrorInvalidFreeBusyViewType = nameof(ErrorInvalidFreeBusyViewType);
    public const string ErrorMeetingSuggestionGenerationFailed = nameof(ErrorMeetingSuggestionGenerationFailed);
    public const string ErrorInvalidArgument = nameof(ErrorInvalidArgument);
    public const string ErrorValueOutOfRange = nameof(ErrorValueOutOfRange);
    public const string ErrorCalendarOutOfRange = nameof(ErrorCalendarOutOfRange);
    public const string ErrorInsufficientResources = nameof(ErrorInsufficientResources);
    public const string ErrorAccessDenied = nameof(ErrorAccessDenied);
    public const string ErrorInvalidUserInfo = nameof(ErrorInvalidUserInfo);
    public const string ErrorDuplicateUserIdsSpecified = nameof(ErrorDuplicateUserIdsSpecified);
    public const string ErrorInvalidPermissionSettings = nameof(ErrorInvalidPermissionSettings);
    public const string ErrorNoFreeBusyAccess = nameof(ErrorNoFreeBusyAccess);
    public const string ErrorCalendarEndDateIsEarlierThanStartDate = nameof(ErrorCalendarEndDateIsEarlierThanStartDate);
    public const string ErrorCalendarDurationIsTooLong = nameof(ErrorCalendarDurationIsTooLong);
    public const string ErrorCalendarInvalidRecurrence = nameof(ErrorCalendarInvalidRecurrence);
    public const string ErrorCalendarInvalidDayForWeeklyRecurrence = nameof(ErrorCalendarInvalidDayForWeeklyRecurrence);
    public const string ErrorRecurrenceHasNoOccurrence = nameof(ErrorRecurrenceHasNoOccurrence);
    public const string ErrorRecurrenceEndDateTooBig = nameof(ErrorRecurrenceEndDateTooBig);
    public const string ErrorOccurrenceTimeSpanTooBig = nameof(ErrorOccurrenceTimeSpanTooBig);
    public const string ErrorOccurrenceCrossingBoundary = nameof(ErrorOccurrenceCrossingBoundary);
    public const string ErrorCalendarCannotMoveOrCopyOccurrence = nameof(ErrorCalendarCannotMoveOrCopyOccurrence);
    public const string ErrorCalendarFolderIsInvalidForCalendarView = nameof(ErrorCalendarFolderIsInvalidForCalendarView);
    public const string ErrorCalendarViewRangeTooBig = nameof(ErrorCalendarViewRangeTooBig);
    public const string ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange = nameof(ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange);
    public const string ErrorCalendarOccurrenceIsDeletedFromRecurrence = nameof(ErrorCalendarOccurrenceIsDeletedFromRecurrence);
    public const string ErrorCalendarIsOrganizerForAccept = nameof(ErrorCalendarIsOrganizerForAccept);
    public const string ErrorCalendarIsOrganizerForDecline = nameof(ErrorCalendarIsOrganizerForDecline);
    public const string ErrorCalendarIsOrganizerForTentative = nameof(ErrorCalendarIsOrganizerForTentative);
    public const string ErrorCalendarIsOrganizerForRemove = nameof(ErrorCalendarIsOrganizerForRemove);
    public const string ErrorCalendarIsCancelledForAccept = nameof(ErrorCalendarIsCancelledForAccept);
    public const string ErrorCalendarIsCancelledForDecline = nameof(ErrorCalendarIsCancelledForDecline);
    public const string ErrorCalendarIsCancelledForTentative = nameof(ErrorCalendarIsCancelledForTentative);
    public const string ErrorCalendarCannotUpdateDeletedItem = nameof(ErrorCalendarCannotUpdateDeletedItem);
    public const string ErrorCalendarIsNotOrganizer = nameof(ErrorCalendarIsNotOrganizer);
    public const string ErrorCalendarMeetingRequestIsOutOfDate = nameof(ErrorCalendarMeetingRequestIsOutOfDate);
    public const string ErrorInvalidItemForOperationAcceptItem = nameof(ErrorInvalidItemForOperationAcceptItem);
    public const string ErrorInvalidItemForOperationDeclineItem = nameof(ErrorInvalidItemForOperationDeclineItem);
    public const string ErrorInvalidItemForOperationTentative = nameof(ErrorInvalidItemForOperationTentative);
    public const string ErrorInvalidItemForOperationCancelItem = nameof(ErrorInvalidItemForOperationCancelItem);
    public const string ErrorInvalidItemForOperationRemoveItem = nameof(ErrorInvalidItemForOperationRemoveItem);
    public const string ErrorMissingInformationReferenceItemId = nameof(ErrorMissingInformationReferenceItemId);
    public const string ErrorSentMeetingRequestUpdate = nameof(ErrorSentMeetingRequestUpdate);
    public const string ErrorChangeKeyRequiredForWriteOperations = nameof(ErrorChangeKeyRequiredForWriteOperations);
    public const string ErrorCannotDeleteObject = nameof(ErrorCannotDeleteObject);
    public const string ErrorDeleteDistinguishedFolder = nameof(ErrorDeleteDistinguishedFolder);
    public const string ErrorFolderExists = nameof(ErrorFolderExists);
    public const string ErrorFolderNotFound = nameof(ErrorFolderNotFound);
    public const string ErrorIncorrectSchemaVersion = nameof(ErrorIncorrectSchemaVersion);
    public const string ErrorInternalServerError = nameof(ErrorInternalServerError);
    public const string ErrorInvalidChangeKey = nameof(ErrorInvalidChangeKey);
    public const string ErrorInvalidIdEmpty = nameof(ErrorInvalidIdEmpty);
    public const string ErrorInvalidIdMalformed = nameof(ErrorInvalidIdMalformed);
    public const string ErrorInvalidAttachmentId = nameof(ErrorInvalidAttachmentId);
    public const string ErrorAttachmentSizeLimitExceeded = nameof(ErrorAttachmentSizeLimitExceeded);
    public const string ErrorAttachmentNestLevelLimitExceeded = nameof(ErrorAttachmentNestLevelLimitExceeded);
    public const string ErrorInvalidOperation = nameof(ErrorInvalidOperation);
    public const string ErrorInvalidItemForOperationSendItem = nameof(ErrorInvalidItemForOperationSendItem);
    public const string ErrorInvalidPropertyRequest = nameof(ErrorInvalidPropertyRequest);
    public const string ErrorInvalidPropertySet = nameof(ErrorInvalidPropertySet);
    public const string ErrorInvalidPropertyAppend = nameof(ErrorInvalidPropertyAppend);
    public const string ErrorInvalidPropertyDelete = nameof(ErrorInvalidPropertyDelete);
    public const string ErrorInvalidRecipients = nameof(ErrorInvalidRecipients);
    public const string ErrorSendAsDenied = nameof(ErrorSendAsDenied);
    public const string ErrorImpersonateUserDenied = nameof(ErrorImpersonateUserDenied);
    public const string ErrorImpersonationDenied = nameof(ErrorImpersonationDenied);
    public const string ErrorInvalidExchangeImpersonationHeaderData = nameof(ErrorInvalidExchangeImpersonationHeaderData);
    public const string ErrorNonExistentMailbox = nameof(ErrorNonExistentMailbox);
    public const string ErrorInvalidSid = nameof(ErrorInvalidSid);
    public const string ErrorMoreThanOneAccessModeSpecified = nameof(ErrorMoreThanOneAccessModeSpecified);
    public const string ErrorInvalidRequest = nameof(ErrorInvalidRequest);
    public const string ErrorInvalidServerVersion = nameof(ErrorInvalidServerVersion);
    public const string ErrorInvalidSubfilterType = nameof(ErrorInvalidSubfilterType);
    public const string ErrorIrresolvableConflict = nameof(ErrorIrresolvableConflict);
    public const string ErrorItemNotFound = nameof(ErrorItemNotFound);
    public const string ErrorItemSave = nameof(ErrorItemSave);
    public const string ErrorMessageDispositionRequired = nameof(ErrorMessageDispositionRequired);
    public const string ErrorNameResolutionNoResults = nameof(ErrorNameResolutionNoResults);
    public const string ErrorNameResolutionMultipleResults = nameof(ErrorNameResolutionMultipleResults);
    public const string ErrorObjectTypeChanged = nameof(ErrorObjectTypeChanged);
    public const string ErrorSchemaValidation = nameof(ErrorSchemaValidation);
    public const string ErrorSendMeetingCancellationsRequired = nameof(ErrorSendMeetingCancellationsRequired);
    public const string ErrorSendMeetingInvitationsOrCancellationsRequired = nameof(ErrorSendMeetingInvitationsOrCancellationsRequired);
    public const string ErrorSendMeetingInvitationsRequired = nameof(ErrorSendMeetingInvitationsRequired);
    public const string ErrorServerBusy = nameof(ErrorServerBusy);
    public const string ErrorTimeZone = nameof(ErrorTimeZone);
    public const string ErrorUnsupportedPathForQuery = nameof(ErrorUnsupportedPathForQuery);
    public const string ErrorUnsupportedQueryFilter = nameof(ErrorUnsupportedQueryFilter);
    public const string ErrorUnsupportedPathForSortGroup = nameof(ErrorUnsupportedPathForSortGroup);
    public const string ErrorInvalidExtendedPropertyValue = nameof(ErrorInvalidExtendedPropertyValue);
    public const string ErrorInvalidIndexedPagingParameters = nameof(ErrorInvalidIndexedPagingParameters);
    public const string ErrorInvalidPagingMaxRows = nameof(ErrorInvalidPagingMaxRows);
    public const string ErrorMoveCopyFailed = nameof(ErrorMoveCopyFailed);
    public const string ErrorCrossMailboxMoveCopy = nameof(ErrorCrossMailboxMoveCopy);
    public const string ErrorUnsupportedTypeForConversion = nameof(ErrorUnsupportedTypeForConversion);
    public const string ErrorInvalidSchemaVersionForMailboxVersion = nameof(ErrorInvalidSchemaVersionForMailboxVersion);
    public const string ErrorInvalidSyncStateData = nameof(ErrorInvalidSyncStateData);
    public const string ErrorSyncFolderNotFound = nameof(ErrorSyncFolderNotFound);
    public const string ErrorInvalidPropertyForOperation = nameof(ErrorInvalidPropertyForOperation);
    public const string ErrorMimeContentConversionFailed = nameof(ErrorMimeContentConversionFailed);
    public const string ErrorMimeContentInvalidBase64String = nameof(ErrorMimeContentInvalidBase64String);
    public const string ErrorRestrictionTooLong = nameof(ErrorRestrictionTooLong);
    public const string ErrorExceededFindCountLimit = nameof(ErrorExceededFindCountLimit);
    public const string ErrorBatchProcessingStopped = nameof(ErrorBatchProcessingStopped);
    public const string ErrorExceededConnectionCount = nameof(ErrorExceededConnectionCount);
    public const string ErrorInvalidPercentCompleteValue = nameof(ErrorInvalidPercentCompleteValue);
    public const string ErrorInvalidCompleteDate = nameof(ErrorInvalidCompleteDate);
    public const string ErrorCannotCreateContactInNonContactFolder = nameof(ErrorCannotCreateContactInNonContactFolder);
    public const string ErrorCannotCreateTaskInNonTaskFolder = nameof(ErrorCannotCreateTaskInNonTaskFolder);
    public const string ErrorCannotCreatePostItemInNonMailFolder = nameof(ErrorCannotCreatePostItemInNonMailFolder);
    public const string ErrorInvalidContactEmailIndex = nameof(ErrorInvalidContactEmailIndex);
    public const string ErrorPropertyUpdate = nameof(ErrorPropertyUpdate);

    // Folders and items (issue 17).
    public const string ErrorCannotEmptyFolder = nameof(ErrorCannotEmptyFolder);
    public const string ErrorMoveDistinguishedFolder = nameof(ErrorMoveDistinguishedFolder);
    public const string ErrorNoPublicFolderReplicaAvailable = nameof(ErrorNoPublicFolderReplicaAvailable);
    // Notifications (issue 17 §1).
    public const string ErrorSubscriptionNotFound = nameof(ErrorSubscriptionNotFound);
    public const string ErrorSubscriptionAccessDenied = nameof(ErrorSubscriptionAccessDenied);
    public const string ErrorInvalidSubscription = nameof(ErrorInvalidSubscription);
    public const string ErrorInvalidSubscriptionRequest = nameof(ErrorInvalidSubscriptionRequest);
    public const string ErrorInvalidWatermark = nameof(ErrorInvalidWatermark);
    public const string ErrorInvalidPushSubscriptionUrl = nameof(ErrorInvalidPushSubscriptionUrl);
    public const string ErrorExceededSubscriptionCount = nameof(ErrorExceededSubscriptionCount);
    // Delegates (issue 18 §2).
    public const string ErrorDelegateAlreadyExists = nameof(ErrorDelegateAlreadyExists);
    public const string ErrorDelegateCannotAddOwner = nameof(ErrorDelegateCannotAddOwner);
    public const string ErrorDelegateNoUser = nameof(ErrorDelegateNoUser);
    public const string ErrorDelegateValidationFailed = nameof(ErrorDelegateValidationFailed);
    public const string ErrorNotDelegate = nameof(ErrorNotDelegate);
    public const string ErrorInvalidUserSid = nameof(ErrorInvalidUserSid);
    public const string ErrorInvalidDelegatePermission = nameof(ErrorInvalidDelegatePermission);
    public const string ErrorInvalidDelegateUserId = nameof(ErrorInvalidDelegateUserId);
#pragma warning restore CS1591
}
