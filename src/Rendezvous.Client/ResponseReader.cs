using System.Xml.Linq;
using Rendezvous.Protocol;

namespace Rendezvous.Client;

/// <summary>
/// Reads EWS responses into the client's types. Lenient where the schema lets servers differ (unknown elements are
/// skipped, absent ones stay null) and strict about what it reads: a malformed value is an error, not a guess.
/// </summary>
internal static class ResponseReader
{
    private static readonly XNamespace T = Ews.T;
    private static readonly XNamespace M = Ews.M;

    /// <summary>The ResponseMessages of an operation response; an Error one throws, unless the caller wants them all.</summary>
    public static IReadOnlyList<XElement> Messages(XElement response, bool throwOnError = true)
    {
        var messages = response.Element(M + "ResponseMessages")?.Elements().ToList() ?? [];
        if (throwOnError)
        {
            foreach (var message in messages)
            {
                if (Error(message) is { } error)
                {
                    throw error;
                }
            }
        }

        return messages;
    }

    /// <summary>The message's error, or null when its ResponseClass is Success or Warning.</summary>
    public static EwsResponseException? Error(XElement message) =>
        (string?)message.Attribute("ResponseClass") == SchemaValues.ResponseClassType.Error
            ? new EwsResponseException(
                message.Element(M + "ResponseCode")?.Value.Trim() ?? ResponseCodes.ErrorInternalServerError,
                message.Element(M + "MessageText")?.Value.Trim() ?? "The server reported an error without a message.")
            : null;

    /// <summary>Every item under the messages' m:Items, in order.</summary>
    public static IReadOnlyList<EwsItem> Items(IEnumerable<XElement> messages, string? zoneId) =>
        [.. messages.SelectMany(m => m.Element(M + "Items")?.Elements() ?? []).Select(e => Item(e, zoneId))];

    public static ItemKind KindOf(XElement item) => item.Name.LocalName switch
    {
        "CalendarItem" => ItemKind.CalendarItem,
        "MeetingRequest" => ItemKind.MeetingRequest,
        "MeetingResponse" => ItemKind.MeetingResponse,
        "MeetingCancellation" => ItemKind.MeetingCancellation,
        _ => ItemKind.Message,
    };

    /// <summary>One item element (t:CalendarItem, t:MeetingRequest, ...). Unqualified times are read in <paramref name="zoneId"/>.</summary>
    public static EwsItem Item(XElement e, string? zoneId)
    {
        DateTime? Time(string name) => e.Element(T + name) is { } x ? Values.DateTime(x, zoneId) : null;
        string? Text(string name) => e.Element(T + name)?.Value;
        bool? Flag(string name) => e.Element(T + name) is { } x ? Values.Bool(x) : null;

        return new EwsItem
        {
            Id = Id(e.Element(T + "ItemId")) ?? throw new EwsResponseException(ResponseCodes.ErrorInvalidIdMalformed, $"A {e.Name.LocalName} came without an ItemId."),
            Kind = KindOf(e),
            ItemClass = Text("ItemClass"),
            Subject = Text("Subject"),
            Body = e.Element(T + "Body") is { } body ? new Body((string?)body.Attribute("BodyType") ?? SchemaValues.BodyTypeType.Text, body.Value) : null,
            DateTimeReceived = Time("DateTimeReceived"),
            DateTimeSent = Time("DateTimeSent"),
            ResponseObjects = [.. e.Element(T + "ResponseObjects")?.Elements().Select(r => r.Name.LocalName) ?? []],
            From = Mailbox(e.Element(T + "From")),
            IsRead = Flag("IsRead"),
            Uid = Text("UID"),
            Start = Time("Start"),
            End = Time("End"),
            IsAllDayEvent = Flag("IsAllDayEvent") ?? false,
            LegacyFreeBusyStatus = Text("LegacyFreeBusyStatus"),
            Location = Text("Location"),
            IsMeeting = Flag("IsMeeting") ?? false,
            IsCancelled = Flag("IsCancelled") ?? false,
            MyResponseType = Text("MyResponseType"),
            Organizer = Mailbox(e.Element(T + "Organizer")),
            RequiredAttendees = Attendees(e.Element(T + "RequiredAttendees"), zoneId),
            OptionalAttendees = Attendees(e.Element(T + "OptionalAttendees"), zoneId),
            Resources = Attendees(e.Element(T + "Resources"), zoneId),
            AppointmentSequenceNumber = e.Element(T + "AppointmentSequenceNumber") is { } seq ? Values.Int(seq) : null,
            AllowNewTimeProposal = Flag("AllowNewTimeProposal"),
            StartTimeZoneId = (string?)e.Element(T + "StartTimeZone")?.Attribute("Id") ?? Text("StartTimeZoneId"),
            AssociatedCalendarItemId = Id(e.Element(T + "AssociatedCalendarItemId")),
            IsOutOfDate = Flag("IsOutOfDate"),
            ResponseType = Text("ResponseType"),
            MeetingRequestType = Text("MeetingRequestType"),
            ProposedStart = Time("ProposedStart"),
            ProposedEnd = Time("ProposedEnd"),
            CalendarItemType = Text("CalendarItemType"),
            RecurrenceId = Time("RecurrenceId") ?? Time("OriginalStart"),
        };
    }

    public static ItemId? Id(XElement? e) =>
        (string?)e?.Attribute("Id") is { Length: > 0 } id ? new ItemId(id, (string?)e!.Attribute("ChangeKey")) : null;

    /// <summary>A SingleRecipientType (its t:Mailbox child) or an EmailAddressType.</summary>
    public static EmailAddress? Mailbox(XElement? e)
    {
        var box = e?.Name.LocalName == "Mailbox" ? e : e?.Element(T + "Mailbox");
        if (box is null)
        {
            return null;
        }

        return new EmailAddress(
            box.Element(T + "Name")?.Value,
            box.Element(T + "EmailAddress")?.Value ?? "",
            box.Element(T + "RoutingType")?.Value,
            box.Element(T + "MailboxType")?.Value);
    }

    private static IReadOnlyList<Attendee> Attendees(XElement? list, string? zoneId) =>
        list is null ? [] : [.. list.Elements(T + "Attendee").Select(a => new Attendee(Mailbox(a.Element(T + "Mailbox")) ?? new EmailAddress(null, ""))
        {
            ResponseType = a.Element(T + "ResponseType")?.Value,
            LastResponseTime = a.Element(T + "LastResponseTime") is { } l ? Values.DateTime(l, zoneId) : null,
            ProposedStart = a.Element(T + "ProposedStart") is { } s ? Values.DateTime(s, zoneId) : null,
            ProposedEnd = a.Element(T + "ProposedEnd") is { } x ? Values.DateTime(x, zoneId) : null,
        })];

    /// <summary>The FindItem RootFolder's items and whether the last one is in range.</summary>
    public static (IReadOnlyList<ItemId> Ids, bool Last) Found(XElement message)
    {
        var root = message.Element(M + "RootFolder");
        var ids = root?.Element(T + "Items")?.Elements().Select(i => Id(i.Element(T + "ItemId"))).OfType<ItemId>().ToList() ?? [];
        var last = root?.Attribute("IncludesLastItemInRange") is not { } attr || Values.Bool(attr, attr.Value);
        return (ids, last);
    }

    /// <summary>A SyncFolderItems response message.</summary>
    public static SyncResult Sync(XElement message, string? zoneId)
    {
        var changes = new List<SyncChange>();
        foreach (var change in message.Element(M + "Changes")?.Elements() ?? [])
        {
            var type = Enum.Parse<SyncChangeType>(change.Name.LocalName, ignoreCase: false);
            if (type is SyncChangeType.Create or SyncChangeType.Update)
            {
                var item = Item(change.Elements().First(), zoneId);
                changes.Add(new SyncChange(type, item.Id, item, null));
            }
            else
            {
                var id = Id(change.Element(T + "ItemId")) ?? throw new EwsResponseException(ResponseCodes.ErrorInvalidIdMalformed, $"A {type} change came without an ItemId.");
                changes.Add(new SyncChange(type, id, null, change.Element(T + "IsRead") is { } read ? Values.Bool(read) : null));
            }
        }

        var includesLast = message.Element(M + "IncludesLastItemInRange") is { } l && Values.Bool(l);
        return new SyncResult(message.Element(M + "SyncState")?.Value ?? "", !includesLast, changes);
    }

    /// <summary>A GetUserAvailabilityResponse; its times are wall-clock times of <paramref name="zoneId"/>, the zone the request named.</summary>
    public static AvailabilityResult Availability(XElement response, IReadOnlyList<string> mailboxes, string zoneId)
    {
        DateTime Local(XElement e) => Values.DateTime(e, zoneId);

        var results = new List<MailboxAvailability>();
        var freeBusy = response.Element(M + "FreeBusyResponseArray")?.Elements(M + "FreeBusyResponse").ToList() ?? [];
        for (var i = 0; i < freeBusy.Count; i++)
        {
            var address = i < mailboxes.Count ? mailboxes[i] : "";
            if (freeBusy[i].Element(M + "ResponseMessage") is { } message && Error(message) is { } error)
            {
                results.Add(new MailboxAvailability(address, null, error));
                continue;
            }

            var view = freeBusy[i].Element(M + "FreeBusyView");
            var events = view?.Element(T + "CalendarEventArray")?.Elements(T + "CalendarEvent").Select(c => new CalendarEventView(
                Local(c.Element(T + "StartTime")!),
                Local(c.Element(T + "EndTime")!),
                c.Element(T + "BusyType")?.Value ?? SchemaValues.LegacyFreeBusyType.Busy,
                c.Element(T + "CalendarEventDetails") is { } d
                    ? new CalendarEventDetails(
                        d.Element(T + "ID")?.Value,
                        d.Element(T + "Subject")?.Value,
                        d.Element(T + "Location")?.Value,
                        d.Element(T + "IsMeeting") is { } m && Values.Bool(m),
                        d.Element(T + "IsRecurring") is { } r && Values.Bool(r),
                        d.Element(T + "IsException") is { } x && Values.Bool(x),
                        d.Element(T + "IsReminderSet") is { } s && Values.Bool(s),
                        d.Element(T + "IsPrivate") is { } p && Values.Bool(p))
                    : null)).ToList();
            results.Add(new MailboxAvailability(
                address,
                new FreeBusyViewResult(
                    view?.Element(T + "FreeBusyViewType")?.Value ?? SchemaValues.FreeBusyViewType.None,
                    view?.Element(T + "MergedFreeBusy")?.Value,
                    events,
                    WorkingHours: null,
                    Year: 0),
                null));
        }

        var days = new List<SuggestionDay>();
        if (response.Element(M + "SuggestionsResponse") is { } suggestions)
        {
            if (suggestions.Element(M + "ResponseMessage") is { } message && Error(message) is { } error)
            {
                throw error;
            }

            foreach (var day in suggestions.Element(M + "SuggestionDayResultArray")?.Elements(T + "SuggestionDayResult") ?? [])
            {
                days.Add(new SuggestionDay(
                    Local(day.Element(T + "Date")!),
                    day.Element(T + "DayQuality")?.Value ?? SchemaValues.SuggestionQuality.Poor,
                    [.. day.Element(T + "SuggestionArray")?.Elements(T + "Suggestion").Select(s => new Suggestion(
                        Local(s.Element(T + "MeetingTime")!),
                        s.Element(T + "IsWorkTime") is { } w && Values.Bool(w),
                        s.Element(T + "SuggestionQuality")?.Value ?? SchemaValues.SuggestionQuality.Poor,
                        [.. s.Element(T + "AttendeeConflictDataArray")?.Elements().Select(c => new AttendeeConflict(c.Element(T + "BusyType")?.Value)) ?? []])) ?? []]));
            }
        }

        return new AvailabilityResult(results, days);
    }
}
