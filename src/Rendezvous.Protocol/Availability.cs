namespace Rendezvous.Protocol;

/// <summary>One MailboxData of a GetUserAvailability request.</summary>
public sealed record MailboxQuery(string Address, string AttendeeType, bool ExcludeConflicts);

/// <summary>A time window in UTC, [Start, End).</summary>
public sealed record UtcWindow(DateTime Start, DateTime End)
{
    /// <summary>How long the window lasts.</summary>
    public TimeSpan Length => End - Start;

    /// <summary>Whether [<paramref name="start"/>, <paramref name="end"/>) shares any instant with the window.</summary>
    public bool Overlaps(DateTime start, DateTime end) => start < End && end > Start;
}

/// <summary>FreeBusyViewOptions: the window, the MergedFreeBusy interval in minutes, and the RequestedView.</summary>
public sealed record FreeBusyOptions(UtcWindow Window, int IntervalMinutes, string RequestedView);

/// <summary>SuggestionsViewOptions, as the schema names them; <see cref="Window"/> is its DetailedSuggestionsWindow.</summary>
public sealed record SuggestionOptions(
    UtcWindow Window,
    int GoodThreshold,
    int MaximumResultsByDay,
    int MaximumNonWorkHourResultsByDay,
    int MeetingDurationInMinutes,
    string MinimumSuggestionQuality);

/// <summary>A GetUserAvailability request: the zone its times are in and returned in, the mailboxes, and the views asked for.</summary>
public sealed record AvailabilityRequest(TimeZoneInfo Zone, IReadOnlyList<MailboxQuery> Mailboxes, FreeBusyOptions? FreeBusy, SuggestionOptions? Suggestions);

/// <summary>One CalendarEvent of a free/busy view; times in UTC.</summary>
public sealed record CalendarEventView(DateTime Start, DateTime End, string BusyType, CalendarEventDetails? Details);

/// <summary>The CalendarEventDetails of a detailed view: what the reader may see of an event (its id only for its owner).</summary>
public sealed record CalendarEventDetails(string? Id, string? Subject, string? Location, bool IsMeeting, bool IsRecurring, bool IsException, bool IsReminderSet, bool IsPrivate);

/// <summary>One mailbox's FreeBusyView: the view type actually returned and what it holds.</summary>
public sealed record FreeBusyViewResult(string ViewType, string? MergedFreeBusy, IReadOnlyList<CalendarEventView>? Events, WorkingHours? WorkingHours, int Year);

/// <summary>An attendee's state during a suggested time: null BusyType for a mailbox the server does not know.</summary>
public sealed record AttendeeConflict(string? BusyType);

/// <summary>One suggested meeting time (UTC), its quality, and each attendee's conflict then, in request order.</summary>
public sealed record Suggestion(DateTime MeetingTime, bool IsWorkTime, string Quality, IReadOnlyList<AttendeeConflict> Conflicts);

/// <summary>One day of suggestions; <see cref="Date"/> is the local midnight of the request's zone, as UTC.</summary>
public sealed record SuggestionDay(DateTime Date, string DayQuality, IReadOnlyList<Suggestion> Suggestions);
