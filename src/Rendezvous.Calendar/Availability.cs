using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// How much of a calendar the caller may see, from its calendar permission (issue 18 §1): free/busy only (Exchange's
/// default right, FreeBusyTimeOnly), times with subject and location (FreeBusyTimeAndSubjectAndLocation), full details
/// (Reviewer and up), or everything, private items too (the owner, and a delegate who may view private items).
/// </summary>
public enum DetailRight
{
    FreeBusy,
    SubjectAndLocation,
    FullDetails,
    Owner,
}

/// <summary>
/// GetUserAvailability's free/busy side as pure functions: the whole-request checks, which items count, the view a
/// caller gets, and the merged free/busy string. No store, no XML.
/// </summary>
public static class Availability
{
    /// <summary>The most identities one request may ask for (LEARN:getuseravailability-operation).</summary>
    public const int MaxMailboxes = 100;

    /// <summary>The longest window (LEARN:timewindow, LEARN:responsecode ErrorTimeIntervalTooBig: 42 days by default).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(42);

    public const int MinInterval = 5;
    public const int MaxInterval = 1440;

    /// <summary>
    /// Checks what makes the whole request unanswerable.
    /// Note: Exchange's availability service raises these before it looks at any mailbox and turns them into SOAP
    /// faults (its GetUserAvailabilityResponse has no request-level ResponseMessage: messages.xsd); so do we.
    /// </summary>
    public static void Validate(AvailabilityRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Mailboxes.Count > MaxMailboxes)
        {
            // LEARN:responsecode: "too many attendees to resolve. By default, the maximum number of attendees to resolve is 100."
            throw new RequestFailedException(ErrorCode.MailboxLimitReached,
                $"The request asks for {request.Mailboxes.Count} mailboxes; at most {MaxMailboxes} can be queried at once.");
        }

        if (request.FreeBusy is null && request.Suggestions is null)
        {
            // LEARN:freebusyviewoptions and LEARN:suggestionsviewoptions: each may be absent only if the other is present.
            throw new RequestFailedException(ErrorCode.InvalidRequest, "The request needs FreeBusyViewOptions, SuggestionsViewOptions or both.");
        }

        if (request.FreeBusy is { } f)
        {
            CheckWindow(f.Window);
            if (f.IntervalMinutes is < MinInterval or > MaxInterval)
            {
                throw new RequestFailedException(ErrorCode.MergedFreeBusyIntervalInvalid,
                    $"The merged free/busy interval must be between {MinInterval} and {MaxInterval} minutes.");
            }

            if (f.RequestedView == SchemaValues.FreeBusyViewType.None)
            {
                // LEARN:requestedview: None "is not valid for requests"; LEARN:responsecode ErrorInvalidFreeBusyViewType.
                throw new RequestFailedException(ErrorCode.FreeBusyViewTypeInvalid, "The requested free/busy view type None is only valid in responses.");
            }
        }

        if (request.Suggestions is { } s)
        {
            CheckWindow(s.Window);
            if (s.MeetingDurationInMinutes is < 1 or > MaxInterval)
            {
                throw new RequestFailedException(ErrorCode.InvalidArgument, "The meeting duration must be between 1 and 1440 minutes.");
            }

            if (s.GoodThreshold is < 0 or > 50)
            {
                // LEARN:goodthreshold: "The expected integer values are between 0 and 50."
                throw new RequestFailedException(ErrorCode.InvalidArgument, "GoodThreshold must be between 0 and 50.");
            }

            if (s.MaximumResultsByDay < 0 || s.MaximumNonWorkHourResultsByDay < 0)
            {
                throw new RequestFailedException(ErrorCode.InvalidArgument, "The maximum numbers of results per day cannot be negative.");
            }
        }
    }

    private static void CheckWindow(UtcWindow window)
    {
        if (window.End < window.Start)
        {
            throw new RequestFailedException(ErrorCode.TimeIntervalInvalid, "The specified time interval is invalid: its end is before its start.");
        }

        if (window.Length > MaxWindow)
        {
            throw new RequestFailedException(ErrorCode.TimeIntervalTooBig,
                $"The time window is longer than the allowed limit of {MaxWindow.TotalDays} days.");
        }
    }

    /// <summary>
    /// The items that count for free/busy in a window: calendar items (the caller passes the Calendar folder's only)
    /// that are not cancelled and overlap the window; an item partly inside is counted whole (LEARN:timewindow).
    /// </summary>
    public static IReadOnlyList<Item> Counted(IEnumerable<Item> calendar, UtcWindow window)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(window);

        // Each item's times read once, not once per filter and sort key: a typed accessor is a lookup in its bag (bench, issue 14).
        var counted = new List<(DateTime Start, DateTime End, Item Item)>();
        foreach (var item in calendar)
        {
            if (item.Kind == ItemKind.CalendarItem && item.Start is { } start && item.End is { } end && window.Overlaps(start, end) && !item.IsCancelled)
            {
                counted.Add((start, end, item));
            }
        }

        counted.Sort(static (a, b) =>
        {
            var order = a.Start.CompareTo(b.Start);
            order = order != 0 ? order : a.End.CompareTo(b.End);
            return order != 0 ? order : string.CompareOrdinal(a.Item.Id, b.Item.Id);
        });
        var items = new Item[counted.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = counted[i].Item;
        }

        return items;
    }

    /// <summary>The LegacyFreeBusyType an item shows; an item without one is Busy (Exchange's default for appointments).</summary>
    public static string BusyType(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.LegacyFreeBusyStatus is { } s && Values.FreeBusyTypes.Contains(s) ? s : SchemaValues.LegacyFreeBusyType.Busy;
    }

    /// <summary>
    /// The MergedFreeBusy digit of a status (LEARN:mergedfreebusy: 0 Free, 1 Tentative, 2 Busy, 3 OOF, 4 No data).
    /// Note: WorkingElsewhere (Exchange 2013's addition to LegacyFreeBusyType) has no documented digit; the person is
    /// available, so it is written as Free.
    /// </summary>
    public static int Digit(string busyType) => busyType switch
    {
        SchemaValues.LegacyFreeBusyType.Tentative => 1,
        SchemaValues.LegacyFreeBusyType.Busy => 2,
        SchemaValues.LegacyFreeBusyType.OOF => 3,
        SchemaValues.LegacyFreeBusyType.NoData => 4,
        _ => 0,
    };

    /// <summary>Whether a status makes the person unavailable for a meeting.</summary>
    public static bool IsConflict(string busyType) => busyType is SchemaValues.LegacyFreeBusyType.Tentative or SchemaValues.LegacyFreeBusyType.Busy or SchemaValues.LegacyFreeBusyType.OOF;

    /// <summary>
    /// One digit per interval from the window's start; the last interval may be partial. Intervals are measured in
    /// elapsed time, so across a DST change they keep their length and a 23-hour day has fewer of them. In each
    /// interval the highest classification wins (LEARN:mergedfreebusy).
    /// </summary>
    public static string MergedFreeBusy(IEnumerable<CalendarEventView> events, UtcWindow window, int intervalMinutes)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(window);
        var interval = TimeSpan.FromMinutes(intervalMinutes);
        var count = window.Length <= TimeSpan.Zero ? 0 : (int)Math.Ceiling(window.Length / interval);
        var digits = new char[count];
        Array.Fill(digits, '0');
        foreach (var e in events)
        {
            if (!window.Overlaps(e.Start, e.End))
            {
                continue;
            }

            var first = Math.Max(0, (int)Math.Floor((e.Start - window.Start) / interval));
            var last = Math.Min(count - 1, (int)Math.Ceiling((e.End - window.Start) / interval) - 1);
            var digit = (char)('0' + Digit(e.BusyType));
            for (var i = first; i <= last; i++)
            {
                if (digit > digits[i])
                {
                    digits[i] = digit;
                }
            }
        }

        return new string(digits);
    }

    /// <summary>
    /// The view actually returned for a request: without the right to see details, Detailed becomes FreeBusy and
    /// DetailedMerged FreeBusyMerged (LEARN:requestedview: "the maximum amount of information for which the requesting
    /// user is privileged"; the second mailbox of LEARN:getuseravailability-operation's example).
    /// </summary>
    public static string ReturnedView(string requested, DetailRight right) => (requested, right) switch
    {
        (SchemaValues.FreeBusyViewType.Detailed, DetailRight.FreeBusy) => SchemaValues.FreeBusyViewType.FreeBusy,
        (SchemaValues.FreeBusyViewType.DetailedMerged, DetailRight.FreeBusy) => SchemaValues.FreeBusyViewType.FreeBusyMerged,
        _ => requested,
    };

    /// <summary>One mailbox's FreeBusyView for the calendar items of its Calendar folder.</summary>
    public static FreeBusyViewResult View(IEnumerable<Item> calendar, FreeBusyOptions options, DetailRight right, WorkingHours workingHours)
    {
        ArgumentNullException.ThrowIfNull(options);
        var view = ReturnedView(options.RequestedView, right);
        var detailed = view is SchemaValues.FreeBusyViewType.Detailed or SchemaValues.FreeBusyViewType.DetailedMerged;
        var events = Counted(calendar, options.Window)
            .Select(i => new CalendarEventView(i.Start!.Value, i.End!.Value, BusyType(i), detailed ? Details(i, right) : null))
            .ToList();
        var merged = view is SchemaValues.FreeBusyViewType.MergedOnly or SchemaValues.FreeBusyViewType.FreeBusyMerged or SchemaValues.FreeBusyViewType.DetailedMerged
            ? MergedFreeBusy(events, options.Window, options.IntervalMinutes)
            : null;
        return view == SchemaValues.FreeBusyViewType.MergedOnly
            ? new FreeBusyViewResult(view, merged, null, null, options.Window.Start.Year)
            : new FreeBusyViewResult(view, merged, events, workingHours, options.Window.Start.Year);
    }

    /// <summary>
    /// CalendarEventDetails, or null where the caller may not see them: a private item shows details to its owner only
    /// (LEARN:requestedview lists "Entry-Id (unless private)").
    /// </summary>
    public static CalendarEventDetails? Details(Item item, DetailRight right)
    {
        ArgumentNullException.ThrowIfNull(item);
        var isPrivate = item.Sensitivity is SchemaValues.SensitivityChoicesType.Private or SchemaValues.SensitivityChoicesType.Confidential;
        if (right == DetailRight.FreeBusy || (isPrivate && right != DetailRight.Owner))
        {
            return null;
        }

        // An occurrence or exception comes materialised from its master (SeriesItems), marked as what it is.
        var instanceType = SeriesItems.InstanceType(item);
        if (right == DetailRight.SubjectAndLocation)
        {
            // FreeBusyTimeAndSubjectAndLocation: the subject and location, nothing that leads to the item.
            return new CalendarEventDetails(null, item.Subject ?? "", item.Location ?? "", false, false, false, false, isPrivate);
        }

        return new CalendarEventDetails(item.Id, item.Subject ?? "", item.Location ?? "", item.IsMeeting,
            IsRecurring: instanceType is not null, IsException: instanceType == SchemaValues.CalendarItemTypeType.Exception, item.ReminderIsSet == true, isPrivate);
    }
}
