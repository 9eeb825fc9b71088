using System.Xml.Linq;
using Rendezvous.Protocol;

namespace Rendezvous.Client;

/// <summary>
/// A typed EWS client for the meeting workflow. One instance per user; thread-safe; every call is async and
/// cancellable. Per-item failures throw <see cref="EwsResponseException"/>, SOAP faults <see cref="EwsFaultException"/>,
/// other HTTP failures <see cref="EwsHttpException"/>; the EWS ones carry the ResponseCode in Code.
/// Times handed out are UTC; times taken in are instants (<see cref="DateTimeOffset"/>).
/// </summary>
public sealed class EwsClient : IDisposable
{
    /// <summary>Ids per GetItem request, kept small: Exchange throttles large batches (EWSMaxBatchSize).</summary>
    private const int GetItemBatch = 50;
    private const int FindPageSize = 100;

    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private readonly EwsTransport transport;

    /// <summary>
    /// A client for <paramref name="options"/>. Without <paramref name="http"/> it makes its own HttpClient and disposes
    /// of it with itself; a given one is the caller's (its handler, proxy and timeouts apply) and is left open.
    /// </summary>
    public EwsClient(EwsClientOptions options, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TimeZone is not null && TimeZones.Find(options.TimeZone) is null)
        {
            throw new ArgumentException($"Unknown time zone '{options.TimeZone}'.", nameof(options));
        }

        Options = options;
        ownsHttp = http is null;
        this.http = http ?? new HttpClient();
        transport = new EwsTransport(options, this.http);
    }

    /// <summary>The options the client was made with.</summary>
    public EwsClientOptions Options { get; }

    /// <summary>The ServerVersionInfo header of the last response, or null before the first.</summary>
    public ServerVersionInfo? ServerVersion => transport.ServerVersion;

    /// <summary>The endpoint a user means by <paramref name="text"/>: a bare http://host:port gets /EWS/Exchange.asmx.</summary>
    public static Uri EndpointFrom(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{text}' is not an http:// or https:// URL.", nameof(text));
        }

        return uri.AbsolutePath is "/" or "" ? new Uri(uri, "/EWS/Exchange.asmx") : uri;
    }

    /// <summary>Disposes of the HttpClient the client made (not one it was given).</summary>
    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    /// <summary>Calendar items overlapping [from, to) (a CalendarView, so single occurrences), optionally with a subject containing <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<EwsItem>> FindCalendarItemsAsync(DateTimeOffset from, DateTimeOffset to, string? subject = null, CancellationToken cancellationToken = default)
    {
        var response = await transport.SendAsync("FindItem", w =>
        {
            w.StartM("FindItem");
            w.Attr("Traversal", SchemaValues.ItemQueryTraversalType.Shallow);
            IdOnlyShape(w);
            w.StartM("CalendarView");
            w.Attr("StartDate", Values.Format(from.UtcDateTime));
            w.Attr("EndDate", Values.Format(to.UtcDateTime));
            w.End();
            ParentFolder(w, EwsFolder.Calendar);
            w.End();
        }, cancellationToken).ConfigureAwait(false);

        // Note: Exchange refuses a Restriction together with a CalendarView, so the subject is matched here.
        var (ids, _) = ResponseReader.Found(ResponseReader.Messages(response).Single());
        var items = await GetItemsAsync(ids, skipGone: true, cancellationToken).ConfigureAwait(false);
        return [.. items.Where(i => subject is null || Contains(i.Subject, subject)).OrderBy(i => i.Start)];
    }

    /// <summary>Calendar items whose subject contains <paramref name="subject"/> (case-insensitive), any time.</summary>
    public async Task<IReadOnlyList<EwsItem>> FindCalendarItemsAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var ids = await FindAllAsync(EwsFolder.Calendar, null, subject, "calendar:Start", SchemaValues.SortDirectionType.Ascending, cancellationToken).ConfigureAwait(false);
        return await GetItemsAsync(ids, skipGone: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Meeting requests in the Inbox, newest first, optionally with a subject containing <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<EwsItem>> FindMeetingRequestsAsync(string? subject = null, CancellationToken cancellationToken = default)
    {
        var ids = await FindAllAsync(EwsFolder.Inbox, "IPM.Schedule.Meeting.Request", subject, "item:DateTimeReceived", SchemaValues.SortDirectionType.Descending, cancellationToken).ConfigureAwait(false);
        return await GetItemsAsync(ids, skipGone: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Meeting responses in the Inbox (answers to the user's meetings), newest first.</summary>
    public async Task<IReadOnlyList<EwsItem>> FindMeetingResponsesAsync(string? subject = null, CancellationToken cancellationToken = default)
    {
        var ids = await FindAllAsync(EwsFolder.Inbox, "IPM.Schedule.Meeting.Resp.", subject, "item:DateTimeReceived", SchemaValues.SortDirectionType.Descending, cancellationToken).ConfigureAwait(false);
        return await GetItemsAsync(ids, skipGone: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Items by id with all their properties and ResponseObjects, in the order given.</summary>
    public Task<IReadOnlyList<EwsItem>> GetItemsAsync(IEnumerable<ItemId> ids, CancellationToken cancellationToken = default) =>
        GetItemsAsync(ids, skipGone: false, cancellationToken);

    /// <summary>
    /// GetItem in batches. With <paramref name="skipGone"/>, items deleted or moved since a FindItem listed them
    /// (ErrorItemNotFound) are left out instead of failing the whole listing.
    /// </summary>
    private async Task<IReadOnlyList<EwsItem>> GetItemsAsync(IEnumerable<ItemId> ids, bool skipGone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var items = new List<EwsItem>();
        foreach (var batch in ids.Chunk(GetItemBatch))
        {
            var response = await transport.SendAsync("GetItem", w =>
            {
                w.StartM("GetItem");
                FullItemShape(w);
                w.StartM("ItemIds");
                foreach (var id in batch)
                {
                    WriteItemId(w, "ItemId", id);
                }

                w.End();
                w.End();
            }, cancellationToken).ConfigureAwait(false);
            var messages = ResponseReader.Messages(response, throwOnError: false);
            foreach (var message in messages)
            {
                if (ResponseReader.Error(message) is { } error && !(skipGone && error.Code == ResponseCodes.ErrorItemNotFound))
                {
                    throw error;
                }
            }

            items.AddRange(ResponseReader.Items(messages.Where(m => ResponseReader.Error(m) is null), Options.TimeZone));
        }

        return items;
    }

    /// <summary>One item by id; one the server does not return is an <see cref="EwsResponseException"/> (ErrorItemNotFound).</summary>
    public async Task<EwsItem> GetItemAsync(ItemId id, CancellationToken cancellationToken = default) =>
        (await GetItemsAsync([id], cancellationToken).ConfigureAwait(false)) is [var item] ? item
            : throw new EwsResponseException(ResponseCodes.ErrorItemNotFound, $"GetItem returned no single item for {id.Id}.");

    /// <summary>
    /// Occurrence <paramref name="index"/> (1-based, counted in the series' pattern, deleted ones included) of the series
    /// whose master is <paramref name="master"/>, by OccurrenceItemId. Its own <see cref="EwsItem.Id"/> then addresses it:
    /// answer, propose for, or apply a proposal to that occurrence alone with the methods that take an item.
    /// </summary>
    public async Task<EwsItem> GetOccurrenceAsync(ItemId master, int index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        var response = await transport.SendAsync("GetItem", w =>
        {
            w.StartM("GetItem");
            FullItemShape(w);
            w.StartM("ItemIds");
            w.StartT("OccurrenceItemId");
            w.Attr("RecurringMasterId", master.Id);
            w.Attr("ChangeKey", master.ChangeKey);
            w.Attr("InstanceIndex", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.End();
            w.End();
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        return ResponseReader.Items(ResponseReader.Messages(response), Options.TimeZone).Single();
    }

    /// <summary>
    /// The occurrence of the series whose master is <paramref name="master"/> that the pattern put on
    /// <paramref name="originalDate"/> (its original start's date in the series' start zone), wherever it was moved
    /// since: a modified one from the master's ModifiedOccurrences, else the one a view of that day holds. EWS
    /// addresses occurrences by index only; this finds one by the date a user knows it by.
    /// </summary>
    /// <exception cref="EwsResponseException">ErrorCalendarOccurrenceIsDeletedFromRecurrence when it was deleted; ErrorItemNotFound when the pattern has none that day.</exception>
    public async Task<EwsItem> GetOccurrenceOnAsync(ItemId master, DateOnly originalDate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(master);
        var response = await transport.SendAsync("GetItem", w =>
        {
            w.StartM("GetItem");
            w.StartM("ItemShape");
            w.T("BaseShape", SchemaValues.DefaultShapeNamesType.IdOnly);
            w.StartT("AdditionalProperties");
            FieldUri(w, "calendar:UID");
            FieldUri(w, "calendar:StartTimeZone");
            FieldUri(w, "calendar:ModifiedOccurrences");
            FieldUri(w, "calendar:DeletedOccurrences");
            w.End();
            w.End();
            w.StartM("ItemIds");
            WriteItemId(w, "ItemId", master);
            w.End();
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        var series = ResponseReader.Messages(response).Single().Element(Ews.M + "Items")?.Elements().SingleOrDefault()
            ?? throw new EwsResponseException(ResponseCodes.ErrorItemNotFound, "The server returned no item for the series.");
        var zone = TimeZones.Find((string?)series.Element(Ews.T + "StartTimeZone")?.Attribute("Id")) ?? TimeZoneInfo.Utc;
        bool OnDate(XElement? time) => time is not null && DateOnly.FromDateTime(TimeZones.ToLocal(Values.DateTime(time, null), zone)) == originalDate;

        foreach (var modified in series.Element(Ews.T + "ModifiedOccurrences")?.Elements(Ews.T + "Occurrence") ?? [])
        {
            if (OnDate(modified.Element(Ews.T + "OriginalStart")) && modified.Element(Ews.T + "ItemId") is { } id)
            {
                return (await GetItemsAsync([new ItemId((string)id.Attribute("Id")!, (string?)id.Attribute("ChangeKey"))], skipGone: false, cancellationToken).ConfigureAwait(false)).Single();
            }
        }

        if ((series.Element(Ews.T + "DeletedOccurrences")?.Elements(Ews.T + "DeletedOccurrence") ?? []).Any(d => OnDate(d.Element(Ews.T + "Start"))))
        {
            throw new EwsResponseException(ResponseCodes.ErrorCalendarOccurrenceIsDeletedFromRecurrence, $"The occurrence of {originalDate:yyyy-MM-dd} was deleted from the series.");
        }

        // Not modified: it is where the pattern put it, so the view of that day in the series' zone holds it.
        var uid = series.Element(Ews.T + "UID")?.Value;
        var from = TimeZones.ToUtc(originalDate.ToDateTime(TimeOnly.MinValue), zone);
        var to = TimeZones.ToUtc(originalDate.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
        var day = await FindCalendarItemsAsync(Utc(from), Utc(to), null, cancellationToken).ConfigureAwait(false);
        return day.FirstOrDefault(i => i.Uid == uid && i.RecurrenceId is { } original && DateOnly.FromDateTime(TimeZones.ToLocal(original, zone)) == originalDate)
            ?? throw new EwsResponseException(ResponseCodes.ErrorItemNotFound, $"The series has no occurrence on {originalDate:yyyy-MM-dd}.");
    }

    /// <summary>The ResponseObjects the server offers on the item (AcceptItem, ProposeNewTime, ...).</summary>
    public async Task<IReadOnlyList<string>> GetResponseObjectsAsync(ItemId id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);

        // The seed article's request: IdOnly plus ResponseObjects, nothing a server might refuse on some item type.
        var response = await transport.SendAsync("GetItem", w =>
        {
            w.StartM("GetItem");
            w.StartM("ItemShape");
            w.T("BaseShape", SchemaValues.DefaultShapeNamesType.IdOnly);
            w.StartT("AdditionalProperties");
            FieldUri(w, "item:ResponseObjects");
            w.End();
            w.End();
            w.StartM("ItemIds");
            WriteItemId(w, "ItemId", id);
            w.End();
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        return ResponseReader.Items(ResponseReader.Messages(response), Options.TimeZone).Single().ResponseObjects;
    }

    /// <summary>Whether the server offers ProposeNewTime on the item (organizer allows it, Exchange2013 or later).</summary>
    public async Task<bool> CanProposeNewTimeAsync(ItemId id, CancellationToken cancellationToken = default) =>
        Options.RequestServerVersion >= ExchangeVersion.Exchange2013
        && (await GetResponseObjectsAsync(id, cancellationToken).ConfigureAwait(false)).Contains("ProposeNewTime");

    /// <summary>
    /// Answers a meeting request or calendar item and proposes [start, end) to the organizer, as the seed article does:
    /// an AcceptItem, TentativelyAcceptItem or DeclineItem carrying ProposedStart and ProposedEnd.
    /// </summary>
    public Task<ResponseResult> ProposeNewTimeAsync(ItemId item, DateTimeOffset start, DateTimeOffset end, MeetingResponse response, string? message = null, CancellationToken cancellationToken = default)
    {
        if (Options.RequestServerVersion < ExchangeVersion.Exchange2013)
        {
            throw new NotSupportedException($"Proposing a new time needs RequestServerVersion Exchange2013 or later; this client sends {Options.RequestServerVersion}.");
        }

        if (end <= start)
        {
            throw new ArgumentException("The proposed end must be after the proposed start.", nameof(end));
        }

        return SendResponseAsync(item, response, message, (start.UtcDateTime, end.UtcDateTime), cancellationToken);
    }

    /// <summary>Answers a meeting request or calendar item without proposing a time.</summary>
    public Task<ResponseResult> RespondAsync(ItemId item, MeetingResponse response, string? message = null, CancellationToken cancellationToken = default) =>
        SendResponseAsync(item, response, message, null, cancellationToken);

    /// <summary>
    /// The proposals received for the organizer's meeting <paramref name="meeting"/>, one per attendee: the latest of
    /// the MeetingResponses in the Inbox that carry ProposedStart/ProposedEnd, and the proposals the calendar item tracks.
    /// An attendee whose later answer carried no proposal has withdrawn theirs.
    /// </summary>
    public async Task<MeetingProposals> GetProposalsAsync(ItemId meeting, CancellationToken cancellationToken = default)
    {
        var item = await GetItemAsync(meeting, cancellationToken).ConfigureAwait(false);
        var responses = await FindMeetingResponsesAsync(null, cancellationToken).ConfigureAwait(false);
        return new MeetingProposals(item, Proposals.Merge(item, responses));
    }

    /// <summary>
    /// Every meeting the user organizes that has proposals, found through the MeetingResponses in the Inbox (one scan
    /// of the Inbox and one batched GetItem, however many meetings). Cancelled or deleted meetings are left out.
    /// </summary>
    public async Task<IReadOnlyList<MeetingProposals>> FindProposalsAsync(CancellationToken cancellationToken = default)
    {
        var responses = await FindMeetingResponsesAsync(null, cancellationToken).ConfigureAwait(false);
        var ids = responses.Select(r => r.AssociatedCalendarItemId).OfType<ItemId>().DistinctBy(id => id.Id, StringComparer.Ordinal);
        var meetings = await GetItemsAsync(ids, skipGone: true, cancellationToken).ConfigureAwait(false);
        return [.. meetings
            .Where(m => !m.IsCancelled)
            .Select(m => new MeetingProposals(m, Proposals.Merge(m, responses)))
            .Where(m => m.Proposals.Count > 0)
            .OrderBy(m => m.Meeting.Start)];
    }

    /// <summary>Free/busy of each mailbox over [from, to), and suggested times when asked.</summary>
    public async Task<AvailabilityResult> GetAvailabilityAsync(IReadOnlyList<string> mailboxes, DateTimeOffset from, DateTimeOffset to, AvailabilityOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        options ??= new AvailabilityOptions();
        var zoneId = options.TimeZone ?? "UTC";
        var zone = TimeZones.Find(zoneId) ?? throw new ArgumentException($"Unknown time zone '{options.TimeZone}'.", nameof(options));
        var start = from.UtcDateTime;
        var end = to.UtcDateTime;
        var response = await transport.SendAsync("GetUserAvailabilityRequest", w =>
        {
            string Local(DateTime utc) => LegacyTimeZone.FormatLocal(utc, zone);

            w.StartM("GetUserAvailabilityRequest");
            AvailabilityWriter.WriteTimeZone(w, "TimeZone", LegacyTimeZone.FromTimeZone(zone, TimeZoneInfo.ConvertTimeFromUtc(start, zone).Year));
            w.StartM("MailboxDataArray");
            foreach (var address in mailboxes)
            {
                w.StartT("MailboxData");
                w.StartT("Email");
                w.T("Address", address);
                w.End();
                w.T("AttendeeType", SchemaValues.MeetingAttendeeType.Required);
                w.T("ExcludeConflicts", false);
                w.End();
            }

            w.End();
            w.StartT("FreeBusyViewOptions");
            w.StartT("TimeWindow");
            w.T("StartTime", Local(start));
            w.T("EndTime", Local(end));
            w.End();
            w.T("MergedFreeBusyIntervalInMinutes", options.MergedFreeBusyIntervalMinutes);
            w.T("RequestedView", options.RequestedView);
            w.End();
            if (options.SuggestionDurationMinutes is { } minutes)
            {
                w.StartT("SuggestionsViewOptions");
                w.T("GoodThreshold", 25);
                w.T("MaximumResultsByDay", options.MaximumResultsByDay);
                w.T("MaximumNonWorkHourResultsByDay", 0);
                w.T("MeetingDurationInMinutes", minutes);
                w.T("MinimumSuggestionQuality", options.MinimumSuggestionQuality);
                w.StartT("DetailedSuggestionsWindow");
                w.T("StartTime", Local(start));
                w.T("EndTime", Local(end));
                w.End();
                w.End();
            }

            w.End();
        }, cancellationToken).ConfigureAwait(false);
        return ResponseReader.Availability(response, mailboxes, zoneId);
    }

    /// <summary>Moves the organizer's meeting to [start, end) and sends the update to every attendee. Returns the new id and ChangeKey.</summary>
    public async Task<ItemId> ApplyProposalAsync(ItemId meeting, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        if (end <= start)
        {
            throw new ArgumentException("The new end must be after the new start.", nameof(end));
        }

        var response = await transport.SendAsync("UpdateItem", w =>
        {
            w.StartM("UpdateItem");
            w.Attr("ConflictResolution", SchemaValues.ConflictResolutionType.AutoResolve);
            w.Attr("SendMeetingInvitationsOrCancellations", SchemaValues.CalendarItemUpdateOperationType.SendToAllAndSaveCopy);
            w.StartM("ItemChanges");
            w.StartT("ItemChange");
            WriteItemId(w, "ItemId", meeting);
            w.StartT("Updates");
            foreach (var (uri, element, value) in new[] { ("calendar:Start", "Start", start), ("calendar:End", "End", end) })
            {
                w.StartT("SetItemField");
                FieldUri(w, uri);
                w.StartT("CalendarItem");
                w.T(element, value.UtcDateTime);
                w.End();
                w.End();
            }

            w.End();
            w.End();
            w.End();
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        var updated = ResponseReader.Messages(response).Single().Element(Ews.M + "Items")?.Elements().FirstOrDefault();
        return ResponseReader.Id(updated?.Element(Ews.T + "ItemId")) ?? meeting;
    }

    /// <summary>Moves the organizer's meeting to the proposal's time and sends the update to every attendee.</summary>
    public Task<ItemId> ApplyProposalAsync(ItemId meeting, Proposal proposal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        return ApplyProposalAsync(meeting, Utc(proposal.ProposedStart), Utc(proposal.ProposedEnd), cancellationToken);
    }

    /// <summary>Cancels the organizer's meeting and sends the cancellation to every attendee.</summary>
    public async Task CancelAsync(ItemId meeting, string? message = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        var response = await transport.SendAsync("CreateItem", w =>
        {
            w.StartM("CreateItem");
            w.Attr("MessageDisposition", SchemaValues.MessageDispositionType.SendAndSaveCopy);
            w.StartM("Items");
            w.StartT("CancelCalendarItem");
            TextBody(w, message);
            WriteItemId(w, "ReferenceItemId", meeting);
            w.End();
            w.End();
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        ResponseReader.Messages(response);
    }

    /// <summary>One batch of SyncFolderItems; pass null the first time, then the returned state.</summary>
    public async Task<SyncResult> SyncAsync(EwsFolder folder, string? syncState = null, int maxChanges = 512, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChanges, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxChanges, 512);
        var response = await transport.SendAsync("SyncFolderItems", w =>
        {
            w.StartM("SyncFolderItems");
            w.StartM("ItemShape");
            w.T("BaseShape", SchemaValues.DefaultShapeNamesType.AllProperties);
            w.T("BodyType", SchemaValues.BodyTypeResponseType.Text);
            w.End();
            w.StartM("SyncFolderId");
            FolderId(w, folder);
            w.End();
            if (!string.IsNullOrEmpty(syncState))
            {
                w.M("SyncState", syncState);
            }

            w.M("MaxChangesReturned", Values.Format(maxChanges));
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        return ResponseReader.Sync(ResponseReader.Messages(response).Single(), Options.TimeZone);
    }

    /// <summary>Creates the meeting in the user's calendar and sends the invitations. Returns the calendar item's id.</summary>
    public async Task<ItemId> CreateMeetingAsync(NewMeeting meeting, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        var zone = meeting.TimeZone is null ? null : TimeZones.WindowsId(meeting.TimeZone) ?? throw new ArgumentException($"Unknown time zone '{meeting.TimeZone}'.", nameof(meeting));
        var response = await transport.SendAsync("CreateItem", w =>
        {
            w.StartM("CreateItem");
            w.Attr("SendMeetingInvitations", SchemaValues.CalendarItemCreateOrDeleteOperationType.SendToAllAndSaveCopy);
            w.StartM("SavedItemFolderId");
            FolderId(w, EwsFolder.Calendar);
            w.End();
            w.StartM("Items");
            w.StartT("CalendarItem");
            w.T("Subject", meeting.Subject);
            TextBody(w, meeting.Body);
            w.T("Start", meeting.Start.UtcDateTime);
            w.T("End", meeting.End.UtcDateTime);
            if (meeting.Location is not null)
            {
                w.T("Location", meeting.Location);
            }

            Attendees(w, "RequiredAttendees", meeting.RequiredAttendees);
            Attendees(w, "OptionalAttendees", meeting.OptionalAttendees);
            if (zone is not null && Options.RequestServerVersion >= ExchangeVersion.Exchange2010)
            {
                w.StartT("StartTimeZone");
                w.Attr("Id", zone);
                w.End();
                w.StartT("EndTimeZone");
                w.Attr("Id", zone);
                w.End();
            }

            w.T("AllowNewTimeProposal", meeting.AllowNewTimeProposal);
            w.End();
            w.End();
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        var created = ResponseReader.Messages(response).Single().Element(Ews.M + "Items")?.Elements().FirstOrDefault();
        return ResponseReader.Id(created?.Element(Ews.T + "ItemId"))
            ?? throw new EwsResponseException(ResponseCodes.ErrorInternalServerError, "CreateItem returned no item id.");
    }

    private async Task<ResponseResult> SendResponseAsync(ItemId item, MeetingResponse response, string? message, (DateTime Start, DateTime End)? proposed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var element = response switch
        {
            MeetingResponse.Accept => "AcceptItem",
            MeetingResponse.Tentative => "TentativelyAcceptItem",
            MeetingResponse.Decline => "DeclineItem",
            _ => throw new ArgumentOutOfRangeException(nameof(response)),
        };
        var answer = await transport.SendAsync("CreateItem", w =>
        {
            w.StartM("CreateItem");
            w.Attr("MessageDisposition", SchemaValues.MessageDispositionType.SendAndSaveCopy);
            w.StartM("Items");
            w.StartT(element);
            TextBody(w, message);
            WriteItemId(w, "ReferenceItemId", item);
            if (proposed is { } p)
            {
                w.T("ProposedStart", p.Start);
                w.T("ProposedEnd", p.End);
            }

            w.End();
            w.End();
            w.End();
        }, cancellationToken).ConfigureAwait(false);
        var created = ResponseReader.Messages(answer).Single().Element(Ews.M + "Items")?.Elements().ToList() ?? [];
        return new ResponseResult(
            [.. created.Where(e => e.Name.LocalName == "CalendarItem").Select(e => ResponseReader.Id(e.Element(Ews.T + "ItemId"))).OfType<ItemId>()],
            [.. created.Where(e => e.Name.LocalName != "CalendarItem").Select(e => ResponseReader.Id(e.Element(Ews.T + "ItemId"))).OfType<ItemId>()]);
    }

    /// <summary>Every id FindItem lists in the folder, page after page, restricted by item class prefix and subject.</summary>
    private async Task<IReadOnlyList<ItemId>> FindAllAsync(EwsFolder folder, string? itemClassPrefix, string? subject, string sortUri, string order, CancellationToken cancellationToken)
    {
        var ids = new List<ItemId>();
        for (var offset = 0; ; offset += FindPageSize)
        {
            var response = await transport.SendAsync("FindItem", w =>
            {
                w.StartM("FindItem");
                w.Attr("Traversal", SchemaValues.ItemQueryTraversalType.Shallow);
                IdOnlyShape(w);
                w.StartM("IndexedPageItemView");
                w.Attr("MaxEntriesReturned", Values.Format(FindPageSize));
                w.Attr("Offset", Values.Format(offset));
                w.Attr("BasePoint", SchemaValues.IndexBasePointType.Beginning);
                w.End();
                if (itemClassPrefix is not null || subject is not null)
                {
                    w.StartM("Restriction");
                    var both = itemClassPrefix is not null && subject is not null;
                    if (both)
                    {
                        w.StartT("And");
                    }

                    if (itemClassPrefix is not null)
                    {
                        Contains(w, "item:ItemClass", itemClassPrefix, SchemaValues.ContainmentModeType.Prefixed);
                    }

                    if (subject is not null)
                    {
                        Contains(w, "item:Subject", subject, SchemaValues.ContainmentModeType.Substring);
                    }

                    if (both)
                    {
                        w.End();
                    }

                    w.End();
                }

                w.StartM("SortOrder");
                w.StartT("FieldOrder");
                w.Attr("Order", order);
                FieldUri(w, sortUri);
                w.End();
                w.End();
                ParentFolder(w, folder);
                w.End();
            }, cancellationToken).ConfigureAwait(false);
            var (page, last) = ResponseReader.Found(ResponseReader.Messages(response).Single());
            ids.AddRange(page);
            if (last || page.Count == 0)
            {
                return ids;
            }
        }
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static bool Contains(string? text, string part) => text?.Contains(part, StringComparison.OrdinalIgnoreCase) == true;

    private static void IdOnlyShape(EwsWriter w)
    {
        w.StartM("ItemShape");
        w.T("BaseShape", SchemaValues.DefaultShapeNamesType.IdOnly);
        w.End();
    }

    /// <summary>The shape every GetItem of this client asks for: all properties, the body as text, and the ResponseObjects.</summary>
    private static void FullItemShape(EwsWriter w)
    {
        w.StartM("ItemShape");
        w.T("BaseShape", SchemaValues.DefaultShapeNamesType.AllProperties);
        w.T("BodyType", SchemaValues.BodyTypeResponseType.Text);
        w.StartT("AdditionalProperties");
        FieldUri(w, "item:ResponseObjects");
        w.End();
        w.End();
    }

    private static void FieldUri(EwsWriter w, string uri)
    {
        w.StartT("FieldURI");
        w.Attr("FieldURI", uri);
        w.End();
    }

    private static void Contains(EwsWriter w, string uri, string value, string mode)
    {
        w.StartT("Contains");
        w.Attr("ContainmentMode", mode);
        w.Attr("ContainmentComparison", SchemaValues.ContainmentComparisonType.IgnoreCase);
        FieldUri(w, uri);
        w.StartT("Constant");
        w.Attr("Value", value);
        w.End();
        w.End();
    }

    private static void ParentFolder(EwsWriter w, EwsFolder folder)
    {
        w.StartM("ParentFolderIds");
        FolderId(w, folder);
        w.End();
    }

    private static void FolderId(EwsWriter w, EwsFolder folder)
    {
        if (folder.Id is not null)
        {
            w.StartT("FolderId");
            w.Attr("Id", folder.Id);
        }
        else
        {
            w.StartT("DistinguishedFolderId");
            w.Attr("Id", folder.DistinguishedName);
        }

        w.End();
    }

    private static void WriteItemId(EwsWriter w, string element, ItemId id)
    {
        w.StartT(element);
        w.Attr("Id", id.Id);
        w.Attr("ChangeKey", id.ChangeKey);
        w.End();
    }

    private static void TextBody(EwsWriter w, string? text)
    {
        if (text is not null)
        {
            w.StartT("Body");
            w.Attr("BodyType", SchemaValues.BodyTypeType.Text);
            w.Xml.WriteString(text);
            w.End();
        }
    }

    private static void Attendees(EwsWriter w, string element, IReadOnlyList<string> addresses)
    {
        if (addresses.Count == 0)
        {
            return;
        }

        w.StartT(element);
        foreach (var address in addresses)
        {
            w.StartT("Attendee");
            w.StartT("Mailbox");
            w.T("EmailAddress", address);
            w.End();
            w.End();
        }

        w.End();
    }
}
