using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Calendar;

/// <summary>
/// The meeting workflow for one occurrence of a recurring meeting. A meeting's identity is its UID and organizer and,
/// for one occurrence, its original start (RecurrenceId). Occurrences are never stored: whatever belongs to one
/// occurrence lives on an exception of the master in each mailbox (its changed times, the attendee's own answer, and on
/// the organizer's master the attendees' answers and proposals for that occurrence), or in its DeletedOccurrences.
/// </summary>
/// <remarks>
/// Tracking per occurrence is kept on the organizer's exception (its own attendee lists), as Exchange keeps an
/// exception's recipients apart from the master's ([MS-OXOCAL] §2.2.10.1.2, the exception's embedded message carries
/// its own recipient table): the organizer's GetItem of that occurrence shows who accepted it and who proposed what.
/// </remarks>
public static partial class MeetingWorkflow
{
    /// <summary>The occurrence of <paramref name="master"/> whose original start is <paramref name="originalStartUtc"/>, as an item; null when the pattern has none there or it was deleted.</summary>
    public static Item? OccurrenceOf(Item master, DateTime originalStartUtc)
    {
        if (SeriesItems.SeriesOf(master) is not { } series || RecurrenceExpansion.IndexOf(series, originalStartUtc) is not int index)
        {
            return null;
        }

        var (result, occurrence) = SeriesItems.At(master, index);
        return result == OccurrenceLookup.Found ? occurrence : null;
    }

    /// <summary>
    /// An attendee answers one occurrence (<paramref name="reference"/> is that occurrence, or a request for it): their
    /// series keeps its answer and gets an exception with this one (a decline removes the occurrence from their calendar,
    /// as Outlook does); the response carries the occurrence's RecurrenceId and any proposal; the organizer's exception
    /// for that occurrence records the answer and the proposal.
    /// </summary>
    private static Decision RespondToOccurrence(MeetingReply reply, PlacedItem reference, MeetingView attendee, MeetingView? organizer, string disposition, Place? savedFolder, WorkflowContext context)
    {
        var original = reference.Item.OriginalStart!.Value;
        var master = attendee.CalendarItem;
        if (master is null || master.Item.Recurrence is null)
        {
            throw new DomainException(ErrorCode.ItemNotFound, "The series this occurrence belongs to is not in the calendar.");
        }

        if (master.Item.IsCancelled)
        {
            throw new DomainException(CancelledCode(reply.Kind), "The meeting has been cancelled.");
        }

        var occurrence = OccurrenceOf(master.Item, original)
            ?? throw new DomainException(ErrorCode.OccurrenceDeleted, "Occurrence with this index was previously deleted from the recurrence.");
        var (proposedStart, proposedEnd) = Proposal(reply, occurrence);
        var decision = new Decision();
        var response = MeetingMessages.Response(reply, occurrence, attendee.Owner, proposedStart, proposedEnd, context.Now);
        if (disposition == SchemaValues.MessageDispositionType.SaveOnly)
        {
            response.IsDraft = true;
            response.IsRead = true;
            response.AssociatedCalendarItemId = occurrence.Id;
            decision.Results.Add(decision.Create(response, savedFolder ?? Place.In(attendee.Owner, MeetingView.Drafts), context));
            return decision;
        }

        var copy = master.Item.Clone();
        var myResponse = MeetingMessages.ResponseTypeOf(reply.Kind);
        if (reply.Kind == ResponseKind.Decline)
        {
            Delete(copy, original);
        }
        else
        {
            var changes = ExceptionFor(copy, occurrence).Changes;
            changes.MyResponseType = myResponse;
            changes.AppointmentReplyTime = context.Now;
            changes.LegacyFreeBusyStatus = reply.Kind == ResponseKind.Accept ? occurrence.IntendedFreeBusyStatus ?? SchemaValues.LegacyFreeBusyType.Busy : SchemaValues.LegacyFreeBusyType.Tentative;
        }

        decision.Update(master, copy);
        var answered = OccurrenceOf(copy, original);
        decision.Results.Add(answered ?? copy);

        // The requests for this occurrence are processed; the series' requests stay for the series' answer.
        Item? movedRequest = null;
        foreach (var request in attendee.ReceivedRequests.Where(r => r.Item.OriginalStart == original && r.Folder != MeetingView.DeletedItems))
        {
            var processed = request.Item.Clone();
            processed.IsRead = true;
            processed.HasBeenProcessed = true;
            processed.MyResponseType = myResponse;
            processed.AssociatedCalendarItemId = answered?.Id;
            var moved = decision.Move(request, processed, Place.In(attendee.Owner, MeetingView.DeletedItems), context);
            if (request.Item.Id == reference.Item.Id || movedRequest is null)
            {
                movedRequest = moved;
            }
        }

        if (master.Item.CalendarIsResponseRequested != false || reply.IsProposal)
        {
            if (organizer is not null && OrganizerItem(organizer) is { } organizerMaster && !organizerMaster.Item.IsCancelled
                && OccurrenceOf(organizerMaster.Item, original) is { } organizersOccurrence)
            {
                decision.Create(MeetingMessages.Delivered(response, master.Item.Organizer!, organizersOccurrence.Id), Place.In(organizer.Owner, MeetingView.Inbox), context);
                var tracked = organizerMaster.Item.Clone();
                var found = Track(OwnRows(tracked, organizersOccurrence), a => a.Mailbox.Is(attendee.Owner.Address), a => a with
                {
                    ResponseType = myResponse,
                    LastResponseTime = context.Now,
                    ProposedStart = proposedStart,
                    ProposedEnd = proposedEnd,
                });
                if (found)
                {
                    decision.Update(organizerMaster, tracked);
                }
            }
            else if (organizer is null)
            {
                decision.Undelivered.Add(master.Item.Organizer!.Address);
            }

            if (disposition == SchemaValues.MessageDispositionType.SendAndSaveCopy)
            {
                decision.Create(MeetingMessages.SentCopy(response, answered?.Id ?? copy.Id), savedFolder ?? Place.In(attendee.Owner, MeetingView.SentItems), context);
            }
        }

        if (movedRequest is not null)
        {
            decision.Results.Add(movedRequest);
        }

        return decision;
    }

    /// <summary>
    /// The organizer changed one occurrence: <paramref name="after"/> is their master with that occurrence's exception as
    /// edited (<see cref="OccurrenceEdits.Change"/>). Unless <paramref name="mode"/> is SendToNone, each attendee gets a
    /// request for that occurrence alone (a FullUpdate when its time moved or they had not answered it, else an
    /// InformationalUpdate) and their own series the same exception. A new time voids the answers and proposals given
    /// for that occurrence; the other occurrences keep theirs. Applying an attendee's proposal is this step. The first
    /// result is the master.
    /// </summary>
    public static Decision UpdateOccurrence(PlacedItem master, Item after, DateTime originalStartUtc, Mailbox organizer, string mode, IReadOnlyDictionary<string, MeetingView> attendees, Place? sentCopy, WorkflowContext context)
    {
        var before = OccurrenceOf(master.Item, originalStartUtc)
            ?? throw new DomainException(ErrorCode.OccurrenceDeleted, "Occurrence with this index was previously deleted from the recurrence.");
        var changes = SeriesItems.ExceptionAt(after, originalStartUtc)?.Changes
            ?? throw new InvalidOperationException("The edited master has no exception for the occurrence.");
        var changed = OccurrenceOf(after, originalStartUtc)!;
        var decision = new Decision();
        decision.Results.Add(after);
        decision.Update(master, after);

        var timeChanged = before.Start != changed.Start || before.End != changed.End || before.IsAllDayEvent != changed.IsAllDayEvent;
        var addresses = AttendeeAddresses(changed, organizer).ToList();
        var oldAddresses = AttendeeAddresses(before, organizer).ToList();
        // Attendees added to this occurrence get a request for it, removed ones a cancellation of it (as for the series:
        // SendOnlyToChanged tells those two only, the others are told with SendOnlyToAll and SendToAllAndSaveCopy).
        var added = addresses.Except(oldAddresses, StringComparer.OrdinalIgnoreCase).ToList();
        var removed = oldAddresses.Except(addresses, StringComparer.OrdinalIgnoreCase).ToList();
        var toAll = mode is SchemaValues.CalendarItemUpdateOperationType.SendOnlyToAll or SchemaValues.CalendarItemUpdateOperationType.SendToAllAndSaveCopy;
        var sends = toAll || mode == SchemaValues.CalendarItemUpdateOperationType.SendOnlyToChanged;
        var updated = toAll ? addresses.Except(added, StringComparer.OrdinalIgnoreCase).ToList() : [];
        if (!sends || !IsOrganizer(master.Item, organizer) || !master.Item.IsMeeting || master.Item.IsCancelled || updated.Count + added.Count + removed.Count == 0)
        {
            return decision;
        }

        // The exception's own attendee list is this occurrence's tracking; its sequence number moves on alone.
        KeepOwnAttendees(changes, changed);
        changes.AppointmentSequenceNumber = before.AppointmentSequenceNumber + 1;
        changes.DateTimeStamp = context.Now;
        Track(changes, a => added.Contains(a.Mailbox.Address, StringComparer.OrdinalIgnoreCase), a => new Attendee(a.Mailbox) { ResponseType = SchemaValues.ResponseTypeType.Unknown });
        if (timeChanged)
        {
            Track(changes, _ => true, a => a with { ResponseType = SchemaValues.ResponseTypeType.Unknown, ProposedStart = null, ProposedEnd = null });
        }

        var now = OccurrenceOf(after, originalStartUtc)!;
        var startChanged = before.Start != now.Start;
        var endChanged = before.End != now.End;
        var locationChanged = !string.Equals(before.Location, now.Location, StringComparison.Ordinal);
        var highlights = new ChangeHighlights(locationChanged, locationChanged ? now.Location : null, startChanged, startChanged ? now.Start : null, endChanged, endChanged ? now.End : null);
        var anyFull = false;
        foreach (var address in updated.Concat(added).Concat(removed))
        {
            if (!attendees.TryGetValue(address, out var view))
            {
                decision.Undelivered.Add(address);
                continue;
            }

            if (removed.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                CancelOccurrenceFor(decision, master.Item, before, view, null, context);
                continue;
            }

            if (added.Contains(address, StringComparer.OrdinalIgnoreCase))
            {
                anyFull = true;
                InviteToOccurrence(decision, now, view, SchemaValues.MeetingRequestTypeType.NewMeetingRequest, null, resetResponse: true, context);
                continue;
            }

            var answered = CalendarRules.AllAttendees(before)
                .Any(a => a.Mailbox.Is(address) && a.ResponseType is SchemaValues.ResponseTypeType.Accept or SchemaValues.ResponseTypeType.Tentative);
            var full = timeChanged || !answered;
            anyFull |= full;
            InviteToOccurrence(decision, now, view, full ? SchemaValues.MeetingRequestTypeType.FullUpdate : SchemaValues.MeetingRequestTypeType.InformationalUpdate, highlights, timeChanged, context);
        }

        if (mode == SchemaValues.CalendarItemUpdateOperationType.SendToAllAndSaveCopy && updated.Count + added.Count > 0)
        {
            SaveRequestCopy(decision, now, anyFull ? SchemaValues.MeetingRequestTypeType.FullUpdate : SchemaValues.MeetingRequestTypeType.InformationalUpdate, highlights, sentCopy ?? Place.In(organizer, MeetingView.SentItems), context);
        }

        return decision;
    }

    /// <summary>
    /// The organizer cancels one occurrence (DeleteItem of it with SendToAllAndSaveCopy): <paramref name="after"/> is
    /// their master with it deleted (<see cref="OccurrenceEdits.Delete"/>). When cancellations are sent, each local
    /// attendee's series deletes it too and they get a MeetingCancellation for it (its RecurrenceId). The other
    /// occurrences are untouched.
    /// </summary>
    public static Decision CancelOccurrence(PlacedItem master, Item after, Item occurrence, Mailbox organizer, Body? body, string mode, IReadOnlyDictionary<string, MeetingView> attendees, Place? sentCopy, WorkflowContext context)
    {
        var decision = new Decision();
        // CancelCalendarItem answers with the calendar item: here the series, without the occurrence.
        decision.Results.Add(decision.Update(master, after));
        var send = mode != SchemaValues.CalendarItemUpdateOperationType.SendToNone && IsOrganizer(master.Item, organizer) && master.Item.IsMeeting && !master.Item.IsCancelled;
        if (!send)
        {
            return decision;
        }

        var cancellation = MeetingMessages.Cancellation(occurrence, body, context.Now);
        foreach (var address in AttendeeAddresses(occurrence, organizer))
        {
            if (!attendees.TryGetValue(address, out var view))
            {
                decision.Undelivered.Add(address);
                continue;
            }

            CancelOccurrenceFor(decision, master.Item, occurrence, view, cancellation, context);
        }

        if (mode == SchemaValues.CalendarItemUpdateOperationType.SendToAllAndSaveCopy)
        {
            decision.Create(MeetingMessages.SentCopy(cancellation, null), sentCopy ?? Place.In(organizer, MeetingView.SentItems), context);
        }

        return decision;
    }

    /// <summary>
    /// One attendee's side of cancelling one occurrence (or of being removed from it): their series deletes it, or the
    /// occurrence they hold alone is cancelled, and they get a MeetingCancellation for it.
    /// </summary>
    private static void CancelOccurrenceFor(Decision decision, Item master, Item occurrence, MeetingView view, Item? cancellation, WorkflowContext context)
    {
        var originalStartUtc = occurrence.OriginalStart!.Value;
        view = view.Of(master);
        if (view.CalendarItem is { } theirs && theirs.Item.Recurrence is not null)
        {
            var copy = theirs.Item.Clone();
            Delete(copy, originalStartUtc);
            decision.Update(theirs, copy);
        }
        else if (view.CalendarItem is { } alone && alone.Item.OriginalStart == originalStartUtc && !alone.Item.IsCancelled)
        {
            MarkCancelled(decision, alone);
        }

        MarkRequestsOutOfDate(decision, view, originalStartUtc);
        cancellation ??= MeetingMessages.Cancellation(occurrence, null, context.Now);
        DeliverToInbox(decision, cancellation, RecipientOf(occurrence, view.Owner), view.CalendarItem?.Item.Id, view, context);
    }

    /// <summary>
    /// A request for one occurrence to one attendee; their series takes the occurrence's new state as an exception (one
    /// removed from it before gets it back). An attendee without the series (added to this occurrence alone) gets the
    /// occurrence as a calendar item of its own, with its RecurrenceId: Exchange's orphan instance ([MS-OXOCAL] §3.1.4.7.3.4).
    /// </summary>
    private static void InviteToOccurrence(Decision decision, Item occurrence, MeetingView view, string requestType, ChangeHighlights? highlights, bool resetResponse, WorkflowContext context)
    {
        var original = occurrence.OriginalStart!.Value;
        view = view.Of(occurrence);
        string? theirOccurrenceId = null;
        string? myResponse = SchemaValues.ResponseTypeType.NoResponseReceived;
        var series = view.CalendarItem is { Item.Recurrence: not null } theirs ? theirs : null;
        var copy = series is null ? null : Restore(series.Item.Clone(), original);
        if (series is not null && copy is not null && OccurrenceOf(copy, original) is { } theirOccurrence)
        {
            var changes = ExceptionFor(copy, theirOccurrence).Changes;
            changes.Start = occurrence.Start;
            changes.End = occurrence.End;
            changes.IsAllDayEvent = occurrence.IsAllDayEvent;
            changes.Subject = occurrence.Subject;
            changes.Location = occurrence.Location;
            changes.Body = occurrence.Body;
            changes.AppointmentSequenceNumber = occurrence.AppointmentSequenceNumber;
            if (resetResponse)
            {
                changes.MyResponseType = SchemaValues.ResponseTypeType.NoResponseReceived;
                changes.LegacyFreeBusyStatus = SchemaValues.LegacyFreeBusyType.Tentative;
            }

            myResponse = resetResponse ? changes.MyResponseType : theirOccurrence.MyResponseType;
            decision.Update(series, copy);
            theirOccurrenceId = theirOccurrence.Id;
        }
        else if (series is null)
        {
            var alone = view.CalendarItem is { } held && held.Item.OriginalStart == original ? held : null;
            var instance = alone?.Item.Clone() ?? MeetingMessages.AttendeeCopy(occurrence, context.Now);
            instance.Properties.Remove(ItemProperties.CalendarItemType_CalendarItemType);
            MeetingMessages.Follow(instance, occurrence);
            instance.IsCancelled = false;
            instance.AppointmentState = MeetingMessages.ReceivedMeeting;
            if (resetResponse || alone is null)
            {
                instance.MyResponseType = SchemaValues.ResponseTypeType.NoResponseReceived;
                instance.LegacyFreeBusyStatus = SchemaValues.LegacyFreeBusyType.Tentative;
            }

            myResponse = instance.MyResponseType;
            if (alone is null)
            {
                decision.Create(instance, Place.In(view.Owner, MeetingView.Calendar), context);
            }
            else if (alone.Folder == MeetingView.DeletedItems)
            {
                decision.Move(alone, instance, Place.In(view.Owner, MeetingView.Calendar), context);
            }
            else
            {
                decision.Update(alone, instance);
            }

            theirOccurrenceId = instance.Id;
        }

        MarkRequestsOutOfDate(decision, view, original);
        var request = MeetingMessages.Request(occurrence, requestType, highlights, context.Now);
        request.MyResponseType = myResponse;
        DeliverToInbox(decision, request, RecipientOf(occurrence, view.Owner), theirOccurrenceId, view, context);
    }

    /// <summary>
    /// A series update dropped exceptions (<see cref="RecurringMaster.AfterUpdate"/>: its pattern or time changed): each
    /// attendee of an exception not yet passed gets a MeetingCancellation for it, as [MS-OXOCAL] §3.1.4.7.3.5 has the
    /// organizer's client send. An attendee of the series has the series' update too, which their series follows; one
    /// invited to that occurrence alone has it cancelled.
    /// </summary>
    private static void CancelDroppedExceptions(Decision decision, Item old, Item after, Mailbox organizer, IReadOnlyCollection<string> seriesAttendees, IReadOnlyDictionary<string, MeetingView> attendees, WorkflowContext context)
    {
        foreach (var dropped in old.Exceptions ?? [])
        {
            if (SeriesItems.ExceptionAt(after, dropped.OriginalStartUtc) is not null || OccurrenceOf(old, dropped.OriginalStartUtc) is not { } occurrence || occurrence.Start <= context.Now)
            {
                continue;
            }

            var cancellation = MeetingMessages.Cancellation(occurrence, null, context.Now);
            foreach (var address in AttendeeAddresses(occurrence, organizer))
            {
                if (!attendees.TryGetValue(address, out var view))
                {
                    continue;
                }

                if (seriesAttendees.Contains(address, StringComparer.OrdinalIgnoreCase))
                {
                    view = view.Of(old);
                    DeliverToInbox(decision, cancellation, RecipientOf(occurrence, view.Owner), view.CalendarItem?.Item.Id, view, context);
                }
                else
                {
                    CancelOccurrenceFor(decision, old, occurrence, view, cancellation, context);
                }
            }
        }
    }

    /// <summary>
    /// A series update sent to all reaches those invited to one occurrence alone too (they hold it as an orphan
    /// instance, outside the series' attendee lists, so the series' update never names them): each kept exception not yet
    /// passed sends its attendees who are not the series' a request for that occurrence as the update leaves it (an
    /// InformationalUpdate to one who answered it, unless its time moved), and their instance follows it. The exception's
    /// sequence number moves on past the series' so their client takes it as newer than what it holds.
    /// </summary>
    private static void UpdateExceptionOnlyAttendees(Decision decision, Item old, Item after, Mailbox organizer, IReadOnlyCollection<string> seriesAttendees, IReadOnlyDictionary<string, MeetingView> attendees, WorkflowContext context)
    {
        foreach (var exception in after.Exceptions ?? [])
        {
            var original = exception.OriginalStartUtc;
            if (OccurrenceOf(old, original) is not { } before || OccurrenceOf(after, original) is not { } now || now.Start <= context.Now)
            {
                continue;
            }

            var alone = AttendeeAddresses(now, organizer).Where(a => !seriesAttendees.Contains(a, StringComparer.OrdinalIgnoreCase)).ToList();
            if (alone.Count == 0)
            {
                continue;
            }

            exception.Changes.AppointmentSequenceNumber = Math.Max(before.AppointmentSequenceNumber, after.AppointmentSequenceNumber) + 1;
            exception.Changes.DateTimeStamp = context.Now;
            now = OccurrenceOf(after, original)!;
            var timeChanged = before.Start != now.Start || before.End != now.End || before.IsAllDayEvent != now.IsAllDayEvent;
            var startChanged = before.Start != now.Start;
            var endChanged = before.End != now.End;
            var locationChanged = !string.Equals(before.Location, now.Location, StringComparison.Ordinal);
            var highlights = new ChangeHighlights(locationChanged, locationChanged ? now.Location : null, startChanged, startChanged ? now.Start : null, endChanged, endChanged ? now.End : null);
            foreach (var address in alone)
            {
                if (!attendees.TryGetValue(address, out var view))
                {
                    decision.Undelivered.Add(address);
                    continue;
                }

                var answered = CalendarRules.AllAttendees(before)
                    .Any(a => a.Mailbox.Is(address) && a.ResponseType is SchemaValues.ResponseTypeType.Accept or SchemaValues.ResponseTypeType.Tentative);
                var full = timeChanged || !answered;
                InviteToOccurrence(decision, now, view, full ? SchemaValues.MeetingRequestTypeType.FullUpdate : SchemaValues.MeetingRequestTypeType.InformationalUpdate, highlights, timeChanged, context);
            }
        }
    }

    /// <summary>
    /// The series is cancelled: those invited to one occurrence alone (its orphan instance's holders, whom the series'
    /// cancellation does not name) get a cancellation of that occurrence, and their instance is cancelled, for each
    /// exception not yet passed.
    /// </summary>
    private static void CancelExceptionOnlyAttendees(Decision decision, Item master, Mailbox organizer, IReadOnlyCollection<string> seriesAttendees, IReadOnlyDictionary<string, MeetingView> attendees, Body? body, WorkflowContext context)
    {
        foreach (var exception in master.Exceptions ?? [])
        {
            if (OccurrenceOf(master, exception.OriginalStartUtc) is not { } occurrence || occurrence.Start <= context.Now)
            {
                continue;
            }

            Item? cancellation = null;
            foreach (var address in AttendeeAddresses(occurrence, organizer).Where(a => !seriesAttendees.Contains(a, StringComparer.OrdinalIgnoreCase)))
            {
                if (!attendees.TryGetValue(address, out var view))
                {
                    decision.Undelivered.Add(address);
                    continue;
                }

                CancelOccurrenceFor(decision, master, occurrence, view, cancellation ??= MeetingMessages.Cancellation(occurrence, body, context.Now), context);
            }
        }
    }

    /// <summary>Attendees invited to exceptions of <paramref name="master"/> besides the series' own (their own attendee lists).</summary>
    public static IEnumerable<string> ExceptionAttendeeAddresses(Item master, Mailbox organizer) =>
        (master.Exceptions ?? []).SelectMany(e => AttendeeAddresses(e.Changes, organizer));

    /// <summary>The requests for one occurrence are out of date once it changes; those for the series stay current.</summary>
    private static void MarkRequestsOutOfDate(Decision decision, MeetingView view, DateTime originalStartUtc)
    {
        foreach (var request in view.ReceivedRequests.Concat(view.DelegateRequests).Where(r => r.Item.IsOutOfDate != true && r.Item.OriginalStart == originalStartUtc))
        {
            var outdated = request.Item.Clone();
            outdated.IsOutOfDate = true;
            decision.Update(request, outdated);
        }
    }

    /// <summary>The exception stored for <paramref name="occurrence"/> on <paramref name="master"/>, made (with the occurrence's times) when there is none.</summary>
    private static OccurrenceException ExceptionFor(Item master, Item occurrence)
    {
        var original = occurrence.OriginalStart!.Value;
        if (SeriesItems.ExceptionAt(master, original) is { } existing)
        {
            return existing;
        }

        // Start and End always: an exception names its times (OccurrenceException's contract).
        var created = new OccurrenceException(original, new Item { Kind = ItemKind.CalendarItem, Start = occurrence.Start, End = occurrence.End });
        master.Exceptions = [.. master.Exceptions ?? [], created];
        return created;
    }

    /// <summary>The series with the occurrence at <paramref name="originalStartUtc"/> no longer deleted (an attendee added back to it).</summary>
    private static Item Restore(Item master, DateTime originalStartUtc)
    {
        if (master.DeletedOccurrences?.Contains(originalStartUtc) == true)
        {
            master.DeletedOccurrences = [.. master.DeletedOccurrences.Where(d => d != originalStartUtc)];
        }

        return master;
    }

    /// <summary>The occurrence deleted from the series: recorded in DeletedOccurrences, its exception gone.</summary>
    private static void Delete(Item master, DateTime originalStartUtc)
    {
        master.Exceptions = master.Exceptions?.Where(e => e.OriginalStartUtc != originalStartUtc).ToList();
        if (master.DeletedOccurrences?.Contains(originalStartUtc) != true)
        {
            master.DeletedOccurrences = [.. (master.DeletedOccurrences ?? []).Append(originalStartUtc).Order()];
        }
    }

    /// <summary>The organizer's exception for <paramref name="occurrence"/> on <paramref name="master"/>, with attendee lists of its own: that occurrence's tracking.</summary>
    private static Item OwnRows(Item master, Item occurrence)
    {
        var changes = ExceptionFor(master, occurrence).Changes;
        KeepOwnAttendees(changes, occurrence);
        return changes;
    }

    /// <summary>
    /// An attendee answers the series (<paramref name="copy"/> is their series, still with its old answer): an occurrence
    /// whose answer is the series' follows the new one (its own answer is dropped, so it takes the master's); an
    /// occurrence answered otherwise keeps its answer, and a declined one stays deleted. As in [MS-OXOCAL] §3.1.4.8.1,
    /// answering changes the Meeting object, and an exception's own response status is that exception's
    /// (§2.2.10.1.2; [MS-ASCAL] §2.2.2.40: an exception without a ResponseType has the series').
    /// </summary>
    private static void FollowSeriesAnswer(Item copy, string answer)
    {
        if (copy.Recurrence is null || copy.Exceptions is not { Count: > 0 } exceptions)
        {
            return;
        }

        var series = copy.MyResponseType;
        foreach (var changes in exceptions.Select(static e => e.Changes))
        {
            if (changes.MyResponseType is { } own && (own == series || own == answer))
            {
                changes.MyResponseType = null;
                changes.AppointmentReplyTime = null;
                changes.LegacyFreeBusyStatus = null;
            }
        }
    }

    /// <summary>
    /// The organizer's side of <see cref="FollowSeriesAnswer(Item, string)"/>: on each exception with its own tracking,
    /// the attendee's row follows their series answer when it had the series' answer (<paramref name="before"/>'s) and
    /// no proposal of its own; a row answered otherwise for that occurrence stays, as the attendee's own copy keeps it.
    /// </summary>
    private static void FollowSeriesAnswer(Item tracked, Attendee before, string answer, DateTime now)
    {
        foreach (var changes in (tracked.Exceptions ?? []).Select(static e => e.Changes))
        {
            Track(changes,
                a => a.Mailbox.Is(before.Mailbox.Address) && (a.ResponseType ?? SchemaValues.ResponseTypeType.Unknown) == (before.ResponseType ?? SchemaValues.ResponseTypeType.Unknown) && a.ProposedStart is null,
                a => a with { ResponseType = answer, LastResponseTime = now });
        }
    }

    /// <summary>The exception gets attendee lists of its own (copies of the occurrence's) so its tracking is the occurrence's alone.</summary>
    private static void KeepOwnAttendees(Item changes, Item occurrence)
    {
        changes.RequiredAttendees ??= occurrence.RequiredAttendees?.ToList();
        changes.OptionalAttendees ??= occurrence.OptionalAttendees?.ToList();
        changes.Resources ??= occurrence.Resources?.ToList();
    }
}
