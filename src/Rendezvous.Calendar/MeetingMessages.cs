using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>The attendee's answer: AcceptItem, TentativelyAcceptItem or DeclineItem.</summary>
public enum ResponseKind
{
    Accept,
    Tentative,
    Decline,
}

/// <summary>What an attendee sent with a response object: its kind, an optional message and an optional new time.</summary>
public sealed record MeetingReply(ResponseKind Kind, Body? Body = null, DateTime? ProposedStart = null, DateTime? ProposedEnd = null)
{
    public bool IsProposal => ProposedStart is not null || ProposedEnd is not null;
}

/// <summary>
/// Builds the items a meeting puts in mailboxes: the requests, responses and cancellations that travel between them,
/// and the attendee's own copy of the meeting. These are the MAPI message classes Outlook and Exchange use.
/// </summary>
public static class MeetingMessages
{
    public const string RequestClass = "IPM.Schedule.Meeting.Request";
    public const string CancellationClass = "IPM.Schedule.Meeting.Canceled";
    public const string AppointmentClass = "IPM.Appointment";

    // AppointmentState bits ([MS-OXWSMTGS] R738–R741): 1 meeting, 2 received, 4 cancelled.
    public const int OrganizerMeeting = 1;
    public const int ReceivedMeeting = 3;
    public const int CancelledOrganizerMeeting = 5;
    public const int CancelledReceivedMeeting = 7;

    public static string ResponseTypeOf(ResponseKind kind) => kind switch
    {
        ResponseKind.Accept => SchemaValues.ResponseTypeType.Accept,
        ResponseKind.Tentative => SchemaValues.ResponseTypeType.Tentative,
        _ => SchemaValues.ResponseTypeType.Decline,
    };

    public static string ResponseClass(ResponseKind kind) => kind switch
    {
        ResponseKind.Accept => "IPM.Schedule.Meeting.Resp.Pos",
        ResponseKind.Tentative => "IPM.Schedule.Meeting.Resp.Tent",
        _ => "IPM.Schedule.Meeting.Resp.Neg",
    };

    /// <summary>The subject prefix Outlook puts on a response; a counter-proposal has its own ([MS-OXOCAL] §3.1.4.8.4.1).</summary>
    public static string SubjectPrefix(MeetingReply reply) => reply.IsProposal ? "New Time Proposed: " : reply.Kind switch
    {
        ResponseKind.Accept => "Accepted: ",
        ResponseKind.Tentative => "Tentative: ",
        _ => "Declined: ",
    };

    /// <summary>A meeting request for <paramref name="meeting"/> (the organizer's item), as it arrives in an attendee's Inbox.</summary>
    public static Item Request(Item meeting, string requestType, ChangeHighlights? highlights, DateTime now)
    {
        var request = meeting.Clone();
        request.Kind = ItemKind.MeetingRequest;
        request.ItemClass = RequestClass;
        request.MeetingRequestType = requestType;
        request.ChangeHighlights = highlights;
        StripOrganizerState(request);
        request.IntendedFreeBusyStatus = meeting.LegacyFreeBusyStatus ?? SchemaValues.LegacyFreeBusyType.Busy;
        request.LegacyFreeBusyStatus = SchemaValues.LegacyFreeBusyType.Tentative;
        request.IsResponseRequested = meeting.CalendarIsResponseRequested ?? true;
        request.CalendarIsResponseRequested = null;
        request.MyResponseType = SchemaValues.ResponseTypeType.NoResponseReceived;
        request.ResponseType = SchemaValues.ResponseTypeType.NoResponseReceived;
        request.AppointmentState = ReceivedMeeting;
        request.From = meeting.Organizer;
        request.Sender = meeting.Organizer;
        request.ToRecipients = Mailboxes(meeting.RequiredAttendees);
        request.CcRecipients = Mailboxes(meeting.OptionalAttendees);
        Message(request, now);
        return request;
    }

    /// <summary>The attendee's own calendar item for a meeting, made from the organizer's item or from a request.</summary>
    public static Item AttendeeCopy(Item source, DateTime now)
    {
        var intended = source.Kind == ItemKind.MeetingRequest ? source.IntendedFreeBusyStatus : source.LegacyFreeBusyStatus;
        var copy = source.Clone();
        copy.Kind = ItemKind.CalendarItem;
        copy.ItemClass = AppointmentClass;
        copy.CalendarIsResponseRequested = source.CalendarIsResponseRequested ?? source.IsResponseRequested ?? true;
        StripOrganizerState(copy);
        ClearMessageFields(copy);
        copy.IntendedFreeBusyStatus = intended ?? SchemaValues.LegacyFreeBusyType.Busy;
        copy.LegacyFreeBusyStatus = SchemaValues.LegacyFreeBusyType.Tentative;
        copy.MyResponseType = SchemaValues.ResponseTypeType.NoResponseReceived;
        copy.AppointmentState = ReceivedMeeting;
        copy.IsMeeting = true;
        copy.IsCancelled = false;
        copy.DateTimeCreated = now;
        copy.DateTimeReceived = now;
        return copy;
    }

    /// <summary>Brings an attendee's copy in line with the organizer's item; what is the attendee's own (response, reminder, categories) stays.</summary>
    public static void Follow(Item copy, Item meeting)
    {
        copy.Subject = meeting.Subject;
        copy.Body = meeting.Body;
        copy.Sensitivity = meeting.Sensitivity;
        copy.Importance = meeting.Importance;
        copy.Start = meeting.Start;
        copy.End = meeting.End;
        copy.IsAllDayEvent = meeting.IsAllDayEvent;
        copy.Location = meeting.Location;
        copy.StartTimeZone = meeting.StartTimeZone;
        copy.EndTimeZone = meeting.EndTimeZone;
        copy.Organizer = meeting.Organizer;
        copy.RequiredAttendees = Untracked(meeting.RequiredAttendees);
        copy.OptionalAttendees = Untracked(meeting.OptionalAttendees);
        copy.Resources = Untracked(meeting.Resources);
        copy.AllowNewTimeProposal = meeting.AllowNewTimeProposal;
        copy.AppointmentSequenceNumber = meeting.AppointmentSequenceNumber;
        copy.IsOnlineMeeting = meeting.IsOnlineMeeting;
        copy.ConferenceType = meeting.ConferenceType;
        copy.DateTimeStamp = meeting.DateTimeStamp;
        copy.CalendarIsResponseRequested = meeting.CalendarIsResponseRequested;
        copy.IntendedFreeBusyStatus = meeting.LegacyFreeBusyStatus ?? SchemaValues.LegacyFreeBusyType.Busy;
        FollowSeries(copy, meeting);
    }

    /// <summary>
    /// A series update reaches the attendee's series: its pattern, deletions and the organizer's exceptions, each keeping
    /// the attendee's own answer to that occurrence.
    /// </summary>
    private static void FollowSeries(Item copy, Item meeting)
    {
        copy.Recurrence = meeting.Recurrence;
        copy.DeletedOccurrences = meeting.DeletedOccurrences is { } deleted ? [.. deleted] : null;
        var own = copy.Exceptions?.ToDictionary(e => e.OriginalStartUtc);
        copy.Exceptions = meeting.Exceptions?.Select(e =>
        {
            var changes = e.Changes.Clone();
            changes.RequiredAttendees = Untracked(changes.RequiredAttendees);
            changes.OptionalAttendees = Untracked(changes.OptionalAttendees);
            changes.Resources = Untracked(changes.Resources);
            changes.MyResponseType = null;
            changes.AppointmentReplyTime = null;
            if (own?.GetValueOrDefault(e.OriginalStartUtc)?.Changes is { } mine)
            {
                changes.MyResponseType = mine.MyResponseType;
                changes.AppointmentReplyTime = mine.AppointmentReplyTime;
                changes.LegacyFreeBusyStatus = mine.LegacyFreeBusyStatus ?? changes.LegacyFreeBusyStatus;
            }

            return new OccurrenceException(e.OriginalStartUtc, changes);
        }).ToList();
    }

    /// <summary>The MeetingResponse an attendee sends; <paramref name="meeting"/> is the attendee's view of the meeting.</summary>
    public static Item Response(MeetingReply reply, Item meeting, Mailbox attendee, DateTime? proposedStart, DateTime? proposedEnd, DateTime now)
    {
        var me = new EmailAddress(attendee.DisplayName, attendee.Address);
        var response = MeetingMessage(ItemKind.MeetingResponse, ResponseClass(reply.Kind), meeting, now);
        response.Subject = SubjectPrefix(reply) + meeting.Subject;
        response.Body = reply.Body;
        response.From = me;
        response.Sender = me;
        response.ToRecipients = meeting.Organizer is { } organizer ? [organizer] : null;
        response.ResponseType = ResponseTypeOf(reply.Kind);
        response.ProposedStart = proposedStart;
        response.ProposedEnd = proposedEnd;
        return response;
    }

    /// <summary>The MeetingCancellation the organizer sends to an attendee.</summary>
    public static Item Cancellation(Item meeting, Body? body, DateTime now)
    {
        var cancellation = MeetingMessage(ItemKind.MeetingCancellation, CancellationClass, meeting, now);
        cancellation.Subject = CancelledSubject(meeting.Subject);
        cancellation.Body = body ?? meeting.Body;
        cancellation.Importance = SchemaValues.ImportanceChoicesType.High;
        cancellation.From = meeting.Organizer;
        cancellation.Sender = meeting.Organizer;
        cancellation.ToRecipients = Mailboxes(meeting.RequiredAttendees);
        cancellation.CcRecipients = Mailboxes(meeting.OptionalAttendees);
        cancellation.IsCancelled = true;
        return cancellation;
    }

    /// <summary>A new meeting message carrying the meeting's identity and time, ready to be sent.</summary>
    private static Item MeetingMessage(ItemKind kind, string itemClass, Item meeting, DateTime now)
    {
        var message = new Item
        {
            Kind = kind,
            ItemClass = itemClass,
            Sensitivity = meeting.Sensitivity,
            Uid = meeting.Uid,
            DateTimeStamp = now,
            Organizer = meeting.Organizer,
            Start = meeting.Start,
            End = meeting.End,
            Location = meeting.Location,
            AppointmentSequenceNumber = meeting.AppointmentSequenceNumber,
            IsMeeting = true,
            // A message about one occurrence names it (RecurrenceId); one about the series carries its Recurrence.
            OriginalStart = meeting.OriginalStart,
            Recurrence = meeting.Recurrence,
        };
        Message(message, now);
        return message;
    }

    public static string CancelledSubject(string? subject) =>
        subject is not null && subject.StartsWith("Canceled: ", StringComparison.Ordinal) ? subject : "Canceled: " + subject;

    /// <summary>A delivered copy of a message, as the recipient finds it.</summary>
    public static Item Delivered(Item message, EmailAddress recipient, string? associatedCalendarItemId)
    {
        var copy = message.Clone();
        copy.IsRead = false;
        copy.ReceivedBy = recipient;
        copy.AssociatedCalendarItemId = associatedCalendarItemId;
        copy.BccRecipients = null;
        return copy;
    }

    /// <summary>The sender's saved copy of a message they sent.</summary>
    public static Item SentCopy(Item message, string? associatedCalendarItemId)
    {
        var copy = message.Clone();
        copy.IsRead = true;
        copy.AssociatedCalendarItemId = associatedCalendarItemId;
        return copy;
    }

    public static List<Attendee>? Untracked(List<Attendee>? attendees) =>
        attendees?.Select(a => new Attendee(a.Mailbox)).ToList();

    private static List<EmailAddress>? Mailboxes(List<Attendee>? attendees) =>
        attendees is { Count: > 0 } ? [.. attendees.Select(a => a.Mailbox)] : null;

    /// <summary>Drops what only the organizer's item carries: response tracking, delivery state, the organizer's own flags.</summary>
    private static void StripOrganizerState(Item item)
    {
        item.RequiredAttendees = Untracked(item.RequiredAttendees);
        item.OptionalAttendees = Untracked(item.OptionalAttendees);
        item.Resources = Untracked(item.Resources);
        foreach (var exception in item.Exceptions ?? [])
        {
            // An exception's own attendee lists are the organizer's tracking of that occurrence.
            exception.Changes.RequiredAttendees = Untracked(exception.Changes.RequiredAttendees);
            exception.Changes.OptionalAttendees = Untracked(exception.Changes.OptionalAttendees);
            exception.Changes.Resources = Untracked(exception.Changes.Resources);
        }

        item.UndeliveredRecipients = null;
        item.MeetingRequestWasSent = false;
        item.AppointmentReplyTime = null;
        item.Categories = null;
        item.IsDraft = false;
        item.FieldChanges.Clear();
    }

    private static void ClearMessageFields(Item item)
    {
        item.From = null;
        item.Sender = null;
        item.ToRecipients = null;
        item.CcRecipients = null;
        item.BccRecipients = null;
        item.ReplyTo = null;
        item.IsRead = null;
        item.IsResponseRequested = null;
        item.IsSubmitted = false;
        item.InternetMessageId = null;
        item.ReceivedBy = null;
        item.DateTimeSent = null;
        item.AssociatedCalendarItemId = null;
        item.MeetingRequestType = null;
        item.ChangeHighlights = null;
        item.ResponseType = null;
        item.IsOutOfDate = null;
        item.HasBeenProcessed = null;
        item.ProposedStart = null;
        item.ProposedEnd = null;
    }

    private static void Message(Item item, DateTime now)
    {
        item.IsRead = false;
        item.IsDraft = false;
        item.IsSubmitted = false;
        item.DateTimeCreated = now;
        item.DateTimeSent = now;
        item.DateTimeReceived = now;
        item.InternetMessageId = $"<{Guid.NewGuid():N}@rendezvous>";
    }
}
