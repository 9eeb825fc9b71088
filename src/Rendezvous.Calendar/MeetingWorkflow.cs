using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// The meeting workflow between mailboxes of this server, as pure functions: each step takes the state it reads
/// (the items involved, each mailbox's view of the meeting) and returns a <see cref="Decision"/>. Nothing here reads
/// or writes storage. The steps follow the figure of the propose-new-time workflow
/// (../shared/spec/ews-calendar-digest.md §5.1): the organizer creates and updates, attendees respond and propose.
/// </summary>
public static partial class MeetingWorkflow
{
    /// <summary>
    /// Figure steps 1–2: the organizer saves a new calendar item; with attendees and a sending mode, each local attendee
    /// gets a meeting request in the Inbox and a tentative copy in the Calendar.
    /// </summary>
    /// <param name="meeting">The prepared organizer's item (see <see cref="CalendarRules.PrepareNewCalendarItem"/>).</param>
    /// <param name="attendees">The views of the attendees that have a mailbox here, by address; others are external.</param>
    public static Decision Create(Item meeting, Mailbox organizer, Place calendar, string invitations, IReadOnlyDictionary<string, MeetingView> attendees, Place? sentCopy, WorkflowContext context)
    {
        if (!IsOrganizer(meeting, organizer))
        {
            // Invitations go out from the organizer: anyone else would be sending as them.
            throw new DomainException(ErrorCode.SendAsDenied, "A meeting is created by its organizer; the organizer must be the signed-in user.");
        }

        var decision = new Decision();
        var send = invitations != SchemaValues.CalendarItemUpdateOperationType.SendToNone && meeting.IsMeeting;
        if (meeting.IsMeeting)
        {
            Track(meeting, _ => true, a => a with { ResponseType = SchemaValues.ResponseTypeType.Unknown, LastResponseTime = null, ProposedStart = null, ProposedEnd = null });
            meeting.AllowNewTimeProposal ??= true;
            meeting.CalendarIsResponseRequested ??= true;
            meeting.MeetingRequestWasSent = send;
        }

        decision.Create(meeting, calendar, context);
        decision.Results.Add(meeting);
        if (send)
        {
            foreach (var address in AttendeeAddresses(meeting, organizer))
            {
                if (attendees.TryGetValue(address, out var view))
                {
                    Invite(decision, meeting, view, SchemaValues.MeetingRequestTypeType.NewMeetingRequest, null, resetResponse: true, context);
                }
                else
                {
                    decision.Undelivered.Add(address);
                }
            }

            if (invitations == SchemaValues.CalendarItemUpdateOperationType.SendToAllAndSaveCopy)
            {
                SaveRequestCopy(decision, meeting, SchemaValues.MeetingRequestTypeType.NewMeetingRequest, null, sentCopy ?? Place.In(organizer, MeetingView.SentItems), context);
            }
        }

        meeting.UndeliveredRecipients = decision.Undelivered.Count > 0 ? [.. decision.Undelivered] : null;
        return decision;
    }

    /// <summary>
    /// Figure steps 3–5: an attendee accepts, tentatively accepts or declines, optionally proposing a new time.
    /// The attendee's calendar follows, the request moves to Deleted Items, the response goes to the organizer's Inbox
    /// (and to Sent Items when asked), and the organizer's item records the response and the proposal.
    /// </summary>
    /// <param name="reference">The meeting request or calendar item the response refers to, in the attendee's mailbox.</param>
    /// <param name="organizer">The organizer's view of the meeting, or null when the organizer is not on this server.</param>
    public static Decision Respond(MeetingReply reply, PlacedItem reference, MeetingView attendee, MeetingView? organizer, string disposition, Place? savedFolder, WorkflowContext context)
    {
        var item = reference.Item;
        if (item.Kind is not (ItemKind.MeetingRequest or ItemKind.CalendarItem))
        {
            throw new DomainException(InvalidItemCode(reply.Kind), "Only a meeting request or a meeting in the calendar can be accepted, tentatively accepted or declined.");
        }

        if (item.IsOrganizedBy(attendee.Owner.Address) || item.MyResponseType == SchemaValues.ResponseTypeType.Organizer || (item.Kind == ItemKind.CalendarItem && !item.IsMeeting))
        {
            throw new DomainException(OrganizerCode(reply.Kind), "The organizer cannot respond to their own meeting.");
        }

        // Only this meeting's items (its UID and its organizer) answer or change: a meeting of someone else that reuses the UID is another one.
        attendee = attendee.Of(item);
        organizer = organizer?.Of(item);

        if (item.OriginalStart is not null && attendee.CalendarItem?.Item.Recurrence is not null)
        {
            // One occurrence of a series (the occurrence itself, or a request for it): the answer is that occurrence's.
            // An attendee invited to that occurrence alone holds it as an item of its own, answered as a single meeting.
            return RespondToOccurrence(reply, reference, attendee, organizer, disposition, savedFolder, context);
        }

        var calendarItem = attendee.CalendarItem;
        if (item.IsCancelled || calendarItem?.Item.IsCancelled == true)
        {
            throw new DomainException(CancelledCode(reply.Kind), "The meeting has been cancelled.");
        }

        if (item.Kind == ItemKind.MeetingRequest && item.IsOutOfDate == true)
        {
            throw new DomainException(ErrorCode.MeetingRequestOutOfDate, "This meeting request is out of date: the meeting was updated since. Respond to the latest request or to the calendar item.");
        }

        var meeting = calendarItem?.Item ?? item;
        var (proposedStart, proposedEnd) = Proposal(reply, meeting);
        var decision = new Decision();
        var response = MeetingMessages.Response(reply, meeting, attendee.Owner, proposedStart, proposedEnd, context.Now);

        if (disposition == SchemaValues.MessageDispositionType.SaveOnly)
        {
            // A draft response changes nothing yet; SendItem sends it later and then the calendar follows.
            response.IsDraft = true;
            response.IsRead = true;
            response.AssociatedCalendarItemId = calendarItem?.Item.Id;
            decision.Results.Add(decision.Create(response, savedFolder ?? Place.In(attendee.Owner, MeetingView.Drafts), context));
            return decision;
        }

        // The attendee's calendar: the response is recorded there; a decline puts the meeting in Deleted Items.
        var copy = calendarItem?.Item.Clone() ?? MeetingMessages.AttendeeCopy(item, context.Now);
        FollowSeriesAnswer(copy, MeetingMessages.ResponseTypeOf(reply.Kind));
        copy.MyResponseType = MeetingMessages.ResponseTypeOf(reply.Kind);
        copy.AppointmentReplyTime = context.Now;
        copy.LegacyFreeBusyStatus = reply.Kind switch
        {
            ResponseKind.Accept => copy.IntendedFreeBusyStatus ?? SchemaValues.LegacyFreeBusyType.Busy,
            ResponseKind.Tentative => SchemaValues.LegacyFreeBusyType.Tentative,
            _ => SchemaValues.LegacyFreeBusyType.Free,
        };
        var decline = reply.Kind == ResponseKind.Decline;
        var deletedItems = Place.In(attendee.Owner, MeetingView.DeletedItems);
        if (calendarItem is null)
        {
            decision.Create(copy, decline ? deletedItems : Place.In(attendee.Owner, MeetingView.Calendar), context);
            decision.CopyAttachments(item, copy);
        }
        else if (decline && calendarItem.Folder != MeetingView.DeletedItems)
        {
            decision.Move(calendarItem, copy, deletedItems, context);
        }
        else if (!decline && calendarItem.Folder == MeetingView.DeletedItems)
        {
            // Accepting a meeting declined earlier puts it back on the calendar.
            decision.Move(calendarItem, copy, Place.In(attendee.Owner, MeetingView.Calendar), context);
        }
        else
        {
            decision.Update(calendarItem, copy);
        }

        decision.Results.Add(copy);

        // The request that was answered, and any other pending one, goes to Deleted Items; from there, for good.
        Item? movedRequest = null;
        foreach (var request in attendee.ReceivedRequests)
        {
            var answered = request.Item.Id == item.Id;
            if (!answered && (request.Item.IsOutOfDate == true || request.Folder == MeetingView.DeletedItems))
            {
                continue;
            }

            if (request.Folder == MeetingView.DeletedItems)
            {
                decision.Deletes.Add(request.Item.Id);
                continue;
            }

            var processed = request.Item.Clone();
            processed.IsRead = true;
            processed.HasBeenProcessed = true;
            processed.MyResponseType = copy.MyResponseType;
            processed.AssociatedCalendarItemId = copy.Id;
            var moved = decision.Move(request, processed, deletedItems, context);
            if (answered || movedRequest is null)
            {
                movedRequest = moved;
            }
        }

        // The organizer hears back unless they asked for no responses; a proposal is always sent, or it would be lost.
        if (meeting.CalendarIsResponseRequested != false || item.IsResponseRequested == true || reply.IsProposal)
        {
            var organizerAddress = meeting.Organizer!;
            if (organizer is not null)
            {
                var organizerItem = OrganizerItem(organizer);
                // An answer to one occurrence held alone (an attendee added to that occurrence only) is that occurrence's on the organizer's series.
                var organizersOccurrence = meeting.OriginalStart is { } original && organizerItem?.Item.Recurrence is not null ? OccurrenceOf(organizerItem.Item, original) : null;
                decision.Create(MeetingMessages.Delivered(response, organizerAddress, organizersOccurrence?.Id ?? organizerItem?.Item.Id), Place.In(organizer.Owner, MeetingView.Inbox), context);
                if (organizerItem is not null && !organizerItem.Item.IsCancelled && (organizersOccurrence is not null || meeting.OriginalStart is null || organizerItem.Item.Recurrence is null))
                {
                    var tracked = organizerItem.Item.Clone();
                    var rows = organizersOccurrence is null ? tracked : OwnRows(tracked, organizersOccurrence);
                    var before = CalendarRules.AllAttendees(rows).FirstOrDefault(a => a.Mailbox.Is(attendee.Owner.Address));
                    var found = Track(rows, a => a.Mailbox.Is(attendee.Owner.Address), a => a with
                    {
                        ResponseType = MeetingMessages.ResponseTypeOf(reply.Kind),
                        LastResponseTime = context.Now,
                        ProposedStart = proposedStart,
                        ProposedEnd = proposedEnd,
                    });
                    if (found && organizersOccurrence is null && before is not null)
                    {
                        FollowSeriesAnswer(tracked, before, MeetingMessages.ResponseTypeOf(reply.Kind), context.Now);
                    }

                    if (found)
                    {
                        decision.Update(organizerItem, tracked);
                    }
                }
            }
            else
            {
                decision.Undelivered.Add(organizerAddress.Address);
            }

            if (disposition == SchemaValues.MessageDispositionType.SendAndSaveCopy)
            {
                decision.Create(MeetingMessages.SentCopy(response, copy.Id), savedFolder ?? Place.In(attendee.Owner, MeetingView.SentItems), context);
            }
        }

        if (movedRequest is not null)
        {
            decision.Results.Add(movedRequest);
        }

        return decision;
    }

    /// <summary>
    /// Figure step 6: the organizer changed the meeting (<paramref name="after"/> is the changed item, not yet stored).
    /// Depending on <paramref name="mode"/>, attendees get an update (a full one when the time moved or they have not
    /// answered yet), added attendees an invitation, removed ones a cancellation. A new time clears the proposals and
    /// asks attendees to answer again.
    /// </summary>
    public static Decision Update(PlacedItem before, Item after, Mailbox organizer, string mode, IReadOnlyDictionary<string, MeetingView> attendees, Place? sentCopy, WorkflowContext context)
    {
        var decision = new Decision();
        var old = before.Item;
        var isOrganizers = after.Kind == ItemKind.CalendarItem && IsOrganizer(after, organizer) && !after.IsCancelled;
        var oldAddresses = old.IsMeeting ? AttendeeAddresses(old, organizer).ToList() : [];
        var newAddresses = AttendeeAddresses(after, organizer).ToList();
        if (!isOrganizers || mode == SchemaValues.CalendarItemUpdateOperationType.SendToNone || (newAddresses.Count == 0 && oldAddresses.Count == 0 && !ExceptionAttendeeAddresses(after, organizer).Any()))
        {
            decision.Results.Add(decision.Update(before, after));
            return decision;
        }

        if (before.Folder == MeetingView.DeletedItems)
        {
            // Exchange refuses too (UpdateItem's PreventMeetingUpdateFromDeletedItem): attendees would get updates of a deleted meeting.
            throw new DomainException(ErrorCode.DeletedMeetingNotUpdatable, "A meeting in Deleted Items cannot send updates; move it back to the calendar first, or update it with SendToNone.");
        }

        after.IsMeeting = after.IsMeeting || newAddresses.Count > 0;
        after.MyResponseType = SchemaValues.ResponseTypeType.Organizer;
        after.AppointmentState = MeetingMessages.OrganizerMeeting;
        after.AllowNewTimeProposal ??= true;
        var added = newAddresses.Except(oldAddresses, StringComparer.OrdinalIgnoreCase).ToList();
        var removed = oldAddresses.Except(newAddresses, StringComparer.OrdinalIgnoreCase).ToList();
        var kept = newAddresses.Intersect(oldAddresses, StringComparer.OrdinalIgnoreCase).ToList();
        var toAll = mode is SchemaValues.CalendarItemUpdateOperationType.SendOnlyToAll or SchemaValues.CalendarItemUpdateOperationType.SendToAllAndSaveCopy;
        var startChanged = old.Start != after.Start;
        var endChanged = old.End != after.End;
        var timeChanged = startChanged || endChanged || old.IsAllDayEvent != after.IsAllDayEvent;
        var locationChanged = !string.Equals(old.Location, after.Location, StringComparison.Ordinal);
        var highlights = new ChangeHighlights(locationChanged, locationChanged ? after.Location : null, startChanged, startChanged ? after.Start : null, endChanged, endChanged ? after.End : null);
        var updated = toAll ? kept : [];
        if (updated.Count + added.Count + removed.Count > 0)
        {
            after.AppointmentSequenceNumber = old.AppointmentSequenceNumber + 1;
            after.MeetingRequestWasSent = true;
            after.DateTimeStamp = context.Now;
        }

        // Tracking: new attendees start unknown; a new time voids the answers and proposals given for the old one.
        Track(after, a => added.Contains(a.Mailbox.Address, StringComparer.OrdinalIgnoreCase), a => new Attendee(a.Mailbox) { ResponseType = SchemaValues.ResponseTypeType.Unknown });
        if (timeChanged)
        {
            Track(after, _ => true, a => a with { ProposedStart = null, ProposedEnd = null });
            Track(after, a => updated.Contains(a.Mailbox.Address, StringComparer.OrdinalIgnoreCase), a => a with { ResponseType = SchemaValues.ResponseTypeType.Unknown });
        }

        foreach (var address in updated.Concat(added).Concat(removed))
        {
            if (!attendees.TryGetValue(address, out var view))
            {
                decision.Undelivered.Add(address);
                continue;
            }

            if (removed.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                CancelFor(decision, after, view, null, context);
            }
            else if (added.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                Invite(decision, after, view, SchemaValues.MeetingRequestTypeType.NewMeetingRequest, null, resetResponse: true, context);
            }
            else
            {
                var answered = CalendarRules.AllAttendees(old)
                    .Any(a => a.Mailbox.Is(address) && a.ResponseType is SchemaValues.ResponseTypeType.Accept or SchemaValues.ResponseTypeType.Tentative);
                var full = timeChanged || !answered;
                Invite(decision, after, view, full ? SchemaValues.MeetingRequestTypeType.FullUpdate : SchemaValues.MeetingRequestTypeType.InformationalUpdate, highlights, resetResponse: timeChanged, context);
            }
        }

        // Attendees of the series (still or before) hear through the series' update or cancellation; their calendar items are changed there.
        CancelDroppedExceptions(decision, old, after, organizer, [.. newAddresses, .. oldAddresses], attendees, context);
        if (toAll)
        {
            UpdateExceptionOnlyAttendees(decision, old, after, organizer, [.. newAddresses, .. oldAddresses], attendees, context);
        }

        if (mode.EndsWith("AndSaveCopy", StringComparison.Ordinal) && updated.Count + added.Count > 0)
        {
            SaveRequestCopy(decision, after, updated.Count > 0 ? (timeChanged ? SchemaValues.MeetingRequestTypeType.FullUpdate : SchemaValues.MeetingRequestTypeType.InformationalUpdate) : SchemaValues.MeetingRequestTypeType.NewMeetingRequest, updated.Count > 0 ? highlights : null,
                sentCopy ?? Place.In(organizer, MeetingView.SentItems), context);
        }

        after.UndeliveredRecipients = decision.Undelivered.Count > 0 ? [.. decision.Undelivered] : null;
        decision.Results.Insert(0, decision.Update(before, after));
        return decision;
    }

    /// <summary>
    /// The organizer cancels the meeting (CancelCalendarItem, or DeleteItem with SendMeetingCancellations): attendees get
    /// a cancellation and their copy is marked cancelled; the organizer's item goes to <paramref name="organizerItemTo"/>,
    /// or is deleted for good when that is null.
    /// </summary>
    public static Decision Cancel(PlacedItem meeting, Mailbox organizer, Body? body, string mode, IReadOnlyDictionary<string, MeetingView> attendees, Place? organizerItemTo, Place? sentCopy, WorkflowContext context)
    {
        var item = meeting.Item;
        if (item.Kind != ItemKind.CalendarItem)
        {
            throw new DomainException(ErrorCode.NotCancellable, "Only a calendar item can be cancelled.");
        }

        if (!IsOrganizer(item, organizer))
        {
            throw new DomainException(ErrorCode.NotOrganizer, "Only the organizer can cancel a meeting; an attendee declines it or removes it.");
        }

        var decision = new Decision();
        var send = mode != SchemaValues.CalendarItemUpdateOperationType.SendToNone && item.IsMeeting && !item.IsCancelled;
        var cancelled = item.Clone();
        if (send)
        {
            cancelled.IsCancelled = true;
            cancelled.AppointmentState = MeetingMessages.CancelledOrganizerMeeting;
            foreach (var address in AttendeeAddresses(item, organizer))
            {
                if (attendees.TryGetValue(address, out var view))
                {
                    CancelFor(decision, item, view, body, context);
                }
                else
                {
                    decision.Undelivered.Add(address);
                }
            }

            CancelExceptionOnlyAttendees(decision, item, organizer, [.. AttendeeAddresses(item, organizer)], attendees, body, context);
            if (mode == SchemaValues.CalendarItemUpdateOperationType.SendToAllAndSaveCopy)
            {
                decision.Create(MeetingMessages.SentCopy(MeetingMessages.Cancellation(item, body, context.Now), null), sentCopy ?? Place.In(organizer, MeetingView.SentItems), context);
            }
        }

        if (organizerItemTo is { } to)
        {
            // Exchange answers a CancelCalendarItem with the calendar item (Microsoft's sample does); the EWS Managed API
            // reads its CalendarActionResults from it.
            decision.Results.Add(decision.Move(meeting, cancelled, to, context));
        }
        else
        {
            decision.Deletes.Add(item.Id);
        }

        return decision;
    }

    /// <summary>RemoveItem: the attendee clears a cancelled meeting from the calendar, with its cancellation.</summary>
    public static Decision Remove(PlacedItem cancellation, MeetingView attendee, WorkflowContext context)
    {
        if (cancellation.Item.Kind != ItemKind.MeetingCancellation)
        {
            throw new DomainException(ErrorCode.NotRemovable, "RemoveItem applies to a meeting cancellation only. To remove a meeting request and its calendar item, decline it.");
        }

        var decision = new Decision();
        var deletedItems = Place.In(attendee.Owner, MeetingView.DeletedItems);
        foreach (var placed in new[] { attendee.Of(cancellation.Item).CalendarItem, cancellation })
        {
            if (placed is null)
            {
                continue;
            }

            if (placed.Folder == MeetingView.DeletedItems)
            {
                decision.Deletes.Add(placed.Item.Id);
            }
            else
            {
                // The moved items are the answer, as for a cancellation: the calendar item first.
                decision.Results.Add(decision.Move(placed, placed.Item.Clone(), deletedItems, context));
            }
        }

        return decision;
    }

    /// <summary>
    /// Whether <paramref name="mailbox"/> organizes the meeting <paramref name="item"/> belongs to. Unlike
    /// <see cref="Item.IsOrganizedBy"/>, an item that names no organizer is nobody's meeting.
    /// </summary>
    public static bool IsOrganizer(Item item, Mailbox mailbox) => item.Organizer is { } organizer && organizer.Is(mailbox.Address);

    /// <summary>The organizer's own calendar item in their view of the meeting.</summary>
    public static PlacedItem? OrganizerItem(MeetingView organizer) =>
        organizer.Visible
            .Where(p => p.Item.Kind == ItemKind.CalendarItem && IsOrganizer(p.Item, organizer.Owner))
            .OrderBy(p => p.Folder == MeetingView.Calendar ? 0 : p.Folder == MeetingView.DeletedItems ? 2 : 1)
            .FirstOrDefault();

    /// <summary>Every attendee address of the meeting, once each, without the organizer.</summary>
    public static IEnumerable<string> AttendeeAddresses(Item meeting, Mailbox organizer) =>
        CalendarRules.AllAttendees(meeting)
            .Select(a => a.Mailbox.Address)
            .Where(a => !string.Equals(a, organizer.Address, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>The proposal a reply carries, completed and checked; a missing end or start keeps the meeting's duration.</summary>
    public static (DateTime? Start, DateTime? End) Proposal(MeetingReply reply, Item meeting)
    {
        if (!reply.IsProposal)
        {
            return (null, null);
        }

        if (meeting.AllowNewTimeProposal == false)
        {
            throw new DomainException(ErrorCode.InvalidOperation, "The organizer does not allow new time proposals for this meeting (AllowNewTimeProposal is false).");
        }

        var duration = meeting.Start is { } s && meeting.End is { } e ? e - s : TimeSpan.Zero;
        var start = reply.ProposedStart ?? reply.ProposedEnd!.Value - duration;
        var end = reply.ProposedEnd ?? start + duration;
        if (end < start)
        {
            throw new DomainException(ErrorCode.EndBeforeStart, "The proposed end time is earlier than the proposed start time.");
        }

        if (end - start > CalendarRules.MaxDuration)
        {
            throw new DomainException(ErrorCode.DurationTooLong, "The proposed meeting is longer than five years.");
        }

        return (start, end);
    }

    /// <summary>Delivers a request to one local attendee and keeps their calendar copy in step with the meeting.</summary>
    private static void Invite(Decision decision, Item meeting, MeetingView view, string requestType, ChangeHighlights? highlights, bool resetResponse, WorkflowContext context)
    {
        // The attendee's copy and requests of this meeting only: another organizer's meeting with the same UID stays as it is.
        view = view.Of(meeting);
        var existing = view.CalendarItem;
        Item copy;
        if (existing is null)
        {
            copy = decision.Create(MeetingMessages.AttendeeCopy(meeting, context.Now), Place.In(view.Owner, MeetingView.Calendar), context);
            decision.CopyAttachments(meeting, copy);
        }
        else
        {
            copy = existing.Item.Clone();
            MeetingMessages.Follow(copy, meeting);
            FollowAttachments(decision, copy, meeting);
            copy.IsCancelled = false;
            copy.AppointmentState = MeetingMessages.ReceivedMeeting;
            if (resetResponse)
            {
                copy.MyResponseType = SchemaValues.ResponseTypeType.NoResponseReceived;
                copy.LegacyFreeBusyStatus = SchemaValues.LegacyFreeBusyType.Tentative;
            }

            if (resetResponse && existing.Folder == MeetingView.DeletedItems)
            {
                // A declined meeting that needs a new answer comes back to the calendar, tentative.
                decision.Move(existing, copy, Place.In(view.Owner, MeetingView.Calendar), context);
            }
            else
            {
                decision.Update(existing, copy);
            }
        }

        MarkRequestsOutOfDate(decision, view);
        var request = MeetingMessages.Request(meeting, requestType, highlights, context.Now);
        request.MyResponseType = copy.MyResponseType;
        var recipient = RecipientOf(meeting, view.Owner);
        // The organizer's attachments travel with the request (and the attendee's new calendar item, above).
        foreach (var delivered in DeliverToInbox(decision, request, recipient, copy.Id, view, context))
        {
            decision.CopyAttachments(meeting, delivered);
        }
    }

    /// <summary>
    /// Delivers a meeting message for <paramref name="view"/>'s owner to the Inboxes its delegation names
    /// (<see cref="DelegateDelivery.Plan"/>): the owner's, maybe as an informational copy, and each delegate's copy
    /// representing the owner. Returns the delivered items.
    /// </summary>
    internal static List<Item> DeliverToInbox(Decision decision, Item message, EmailAddress recipient, string? calendarItemId, MeetingView view, WorkflowContext context)
    {
        var plan = DelegateDelivery.Plan(view.Delegates, message.Kind);
        var delivered = new List<Item>();
        if (plan.ToPrincipal)
        {
            var own = MeetingMessages.Delivered(message, recipient, calendarItemId);
            if (plan.PrincipalInformational)
            {
                own.MeetingRequestType = SchemaValues.MeetingRequestTypeType.PrincipalWantsCopy;
            }

            delivered.Add(decision.Create(own, Place.In(view.Owner, MeetingView.Inbox), context));
        }

        foreach (var delegateMailbox in plan.ToDelegates)
        {
            var copy = DelegateDelivery.DelegateCopy(MeetingMessages.Delivered(message, recipient, calendarItemId), delegateMailbox, recipient);
            delivered.Add(decision.Create(copy, Place.In(delegateMailbox, MeetingView.Inbox), context));
        }

        return delivered;
    }

    /// <summary>
    /// An attendee's calendar item takes the organizer's attachments when they changed since it was made: its rows are
    /// replaced by copies of the meeting's (none, when the organizer removed them all).
    /// </summary>
    private static void FollowAttachments(Decision decision, Item copy, Item meeting)
    {
        var had = copy.Attachments?.Select(static a => a.Id) ?? [];
        var has = meeting.Attachments?.Select(static a => a.Id) ?? [];
        if (had.SequenceEqual(has, StringComparer.Ordinal))
        {
            return;
        }

        copy.Attachments = meeting.Attachments is { } headers ? [.. headers] : null;
        decision.Attachments.Add(new AttachmentCopy(meeting.Id, copy));
    }

    /// <summary>Delivers a cancellation to one local attendee and marks their copy cancelled.</summary>
    private static void CancelFor(Decision decision, Item meeting, MeetingView view, Body? body, WorkflowContext context)
    {
        view = view.Of(meeting);
        string? copyId = null;
        if (view.CalendarItem is { } existing)
        {
            copyId = MarkCancelled(decision, existing).Id;
        }

        MarkRequestsOutOfDate(decision, view);
        var cancellation = MeetingMessages.Cancellation(meeting, body, context.Now);
        DeliverToInbox(decision, cancellation, RecipientOf(meeting, view.Owner), copyId, view, context);
    }

    /// <summary>An attendee's calendar item of a cancelled meeting: kept, marked cancelled and free, as a cancellation leaves it.</summary>
    private static Item MarkCancelled(Decision decision, PlacedItem existing)
    {
        var copy = existing.Item.Clone();
        copy.IsCancelled = true;
        copy.AppointmentState = MeetingMessages.CancelledReceivedMeeting;
        copy.Subject = MeetingMessages.CancelledSubject(copy.Subject);
        copy.LegacyFreeBusyStatus = SchemaValues.LegacyFreeBusyType.Free;
        return decision.Update(existing, copy);
    }

    /// <summary>The owner's requests of the meeting, and its delegates' copies of them, are out of date once it changes.</summary>
    private static void MarkRequestsOutOfDate(Decision decision, MeetingView view)
    {
        foreach (var request in view.ReceivedRequests.Concat(view.DelegateRequests).Where(r => r.Item.IsOutOfDate != true))
        {
            var outdated = request.Item.Clone();
            outdated.IsOutOfDate = true;
            decision.Update(request, outdated);
        }
    }

    private static void SaveRequestCopy(Decision decision, Item meeting, string requestType, ChangeHighlights? highlights, Place place, WorkflowContext context)
    {
        var request = MeetingMessages.Request(meeting, requestType, highlights, context.Now);
        request.MyResponseType = SchemaValues.ResponseTypeType.Organizer;
        request.ResponseType = SchemaValues.ResponseTypeType.Organizer;
        decision.CopyAttachments(meeting, decision.Create(MeetingMessages.SentCopy(request, meeting.Id), place, context));
    }

    private static EmailAddress RecipientOf(Item meeting, Mailbox owner) =>
        CalendarRules.AllAttendees(meeting)
            .Select(a => a.Mailbox).FirstOrDefault(m => m.Is(owner.Address))
        ?? new EmailAddress(owner.DisplayName, owner.Address);

    /// <summary>Rewrites the attendees <paramref name="which"/> selects, in all three lists; true if any matched.</summary>
    private static bool Track(Item meeting, Func<Attendee, bool> which, Func<Attendee, Attendee> change)
    {
        var found = false;
        foreach (var list in new[] { meeting.RequiredAttendees, meeting.OptionalAttendees, meeting.Resources })
        {
            if (list is null)
            {
                continue;
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (which(list[i]))
                {
                    list[i] = change(list[i]);
                    found = true;
                }
            }
        }

        return found;
    }

    private static ErrorCode InvalidItemCode(ResponseKind kind) => kind switch
    {
        ResponseKind.Accept => ErrorCode.NotAcceptable,
        ResponseKind.Tentative => ErrorCode.NotTentativelyAcceptable,
        _ => ErrorCode.NotDeclinable,
    };

    private static ErrorCode OrganizerCode(ResponseKind kind) => kind switch
    {
        ResponseKind.Accept => ErrorCode.OrganizerCannotAccept,
        ResponseKind.Tentative => ErrorCode.OrganizerCannotTentativelyAccept,
        _ => ErrorCode.OrganizerCannotDecline,
    };

    private static ErrorCode CancelledCode(ResponseKind kind) => kind switch
    {
        ResponseKind.Accept => ErrorCode.CancelledCannotAccept,
        ResponseKind.Tentative => ErrorCode.CancelledCannotTentativelyAccept,
        _ => ErrorCode.CancelledCannotDecline,
    };
}
